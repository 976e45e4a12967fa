import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct LockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Who holds the state's run lock, and breaking it.",
        discussion: """
            Every command that writes the state (apply, reconcile, delete, rollout undo, node
            trust) holds the run lock while it runs and renews its lease (30 s, env
            EDGECTL_LOCK_LEASE). A second writer fails at once with exit 75 naming the holder,
            or waits with --lock-timeout; a lock whose lease ran out (holder killed, laptop
            closed) is taken over with a warning.

            Examples:
              edgectl lock status
              edgectl lock status -o json
              edgectl lock release --force     after making sure the holder is gone
            """,
        subcommands: [Status.self, Release.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The holder (user, host, pid, command, since) and its lease.")
        @OptionGroup var global: GlobalOptions
        @Option(name: [.short, .customLong("output")], help: "text or json.")
        var output: OutputFormat = .text

        func validate() throws { try output.check([.text, .json], command: "lock status") }

        func run() throws {
            try Output.run(global) {
                let holder = try global.openEngine().lockHolder()
                Output.emit(output, text: { LockPresenter.text(holder) }, data: { LockPresenter.json(holder) })
            }
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Break the run lock whoever holds it (recorded as an event naming you and the holder).",
            discussion: "A live holder then loses its lock; make sure it is gone first (lock status).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Required: releasing someone else's lock is deliberate.")
        var force = false

        func validate() throws {
            if !force { throw ValidationError("releasing the run lock needs --force (see edgectl lock status first)") }
        }

        func run() throws {
            try Output.run(global) {
                if let holder = try global.openEngine().releaseLock(by: Actor.current(command: Output.commandLine)) {
                    Output.print("released the lock of \(holder)")
                } else {
                    Output.print("the state is not locked")
                }
            }
        }
    }
}

struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Move a whole state between backends.",
        subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a whole state into an empty one (SQLite file ⇄ postgres://…), then compare every table.",
            discussion: """
                Holds both run locks while it copies. The password of a postgres:// state comes
                from PGPASSWORD or ~/.pgpass. The secrets' fingerprint key travels with it.

                Examples:
                  edgectl state copy --from ~/.local/state/edgectl/state.db --to postgres://ops@db.example/edgectl
                  edgectl state copy --from postgres://ops@db.example/edgectl --to backup.db
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The state to copy (a file or postgres://…).", valueName: "state"))
        var from: String
        @Option(help: ArgumentHelp("An empty state to copy into.", valueName: "state"))
        var to: String

        func run() throws {
            try Output.run(global) {
                let report = try Engine(statePath: from).copyState(to: to, actor: Actor.current(command: Output.commandLine))
                let total = report.rows.reduce(0) { $0 + $1.count }
                Output.print(
                    "copied \(total) row(s) in \(report.rows.count) tables; every table compared equal: "
                        + report.rows.filter { $0.count > 0 }.map { "\($0.table) \($0.count)" }.joined(separator: ", "))
            }
        }
    }
}
