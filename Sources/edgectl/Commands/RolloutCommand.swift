import ArgumentParser
import EdgeCore
import EdgeEngine
import EdgeStore
import Foundation

struct RolloutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Inspect and steer rollouts.",
        discussion: """
            Examples:
              edgectl rollout status service/hello
              edgectl rollout history service/hello
              edgectl rollout undo service/hello                  to the one before
              edgectl rollout undo service/hello --to-revision 2
              edgectl rollout pause service/hello                 stop at the next batch
              edgectl rollout resume service/hello
            """,
        subcommands: [Status.self, History.self, Undo.self, Pause.self, Resume.self])

    /// `service/NAME` or `NAME`.
    struct Target: ParsableArguments {
        @Argument(help: ArgumentHelp("The service, as service/NAME.", valueName: "service/name"), completion: .custom(NameCompletion.complete))
        var target: String

        var name: String { target.hasPrefix("service/") ? String(target.dropFirst(8)) : target }

        func validate() throws {
            if target.contains("/") && !target.hasPrefix("service/") && !target.hasPrefix("svc/") {
                throw ValidationError("rollouts are of services: give service/NAME")
            }
        }

        func require(_ store: StateStore) throws -> StoredResource {
            guard let item = try store.resource(ResourceID(.service, name)) else {
                throw EdgeError.runtime("service/\(name) not found in the desired state")
            }
            return item
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The latest rollout of a service and where each node stands.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var service: Target

        func run() throws {
            try Output.run(global) {
                let store = try global.openStore()
                let item = try service.require(store)
                let paused = try store.pausedServices().contains(service.name)
                guard let rollout = try store.rollouts(service: service.name).last else {
                    Output.print("service/\(service.name): no rollout yet\(paused ? " (paused)" : "")")
                    return
                }
                Output.print("service/\(service.name) rollout #\(rollout.id): \(rollout.state)\(paused ? " (paused)" : "")")
                Output.print(
                    "  revision \(rollout.revision.map(String.init) ?? "-"), release \(Formatting.short(rollout.release)), started \(Timestamp.string(rollout.startedAt))"
                )
                if let message = rollout.message { Output.print("  \(message)") }
                // Nodes switched by this rollout and not (yet) confirmed: each goes back by itself
                // at its deadline unless a run confirms it.
                var lastStep: [String: RolloutStepRecord] = [:]
                for step in try store.rolloutSteps(rollout.id) { lastStep[step.node] = step }
                for step in lastStep.values.filter({ $0.step == "switching" }).sorted(by: { $0.node < $1.node }) {
                    Output.print("  awaiting confirmation: \(step.node): \(step.message ?? "")")
                }
                let desired = item.releaseDigest
                let rows = try store.nodeServices().filter { $0.service == service.name }.map { n in
                    [
                        n.node, Formatting.short(n.state.current), n.state.process.rawValue, n.state.current == desired ? "yes" : "no",
                        n.lastError ?? "",
                    ]
                }
                if !rows.isEmpty {
                    Output.print(
                        Table(headers: ["NODE", "RELEASE", "PROCESS", "DESIRED", "ERROR"], rows: rows).render(maxWidth: Output.terminalWidth))
                }
                if rollout.state == "Failed" || rollout.state == "RolledBack" { throw ExitCode.failure }
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A service's revisions: digest, version, when, by whom, and what became of them.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var service: Target

        func run() throws {
            try Output.run(global) {
                let store = try global.openStore()
                _ = try service.require(store)
                let now = Date()
                let rows = try store.revisions(service: service.name).map { r in
                    [
                        String(r.revision), Formatting.short(r.release), r.version ?? "-", Formatting.age(since: r.createdAt, now: now) + " ago",
                        r.user, r.reason, r.outcome ?? "-", r.command,
                    ]
                }
                Output.print(
                    Table(headers: ["REVISION", "RELEASE", "VERSION", "CREATED", "BY", "REASON", "OUTCOME", "COMMAND"], rows: rows)
                        .render(maxWidth: Output.terminalWidth))
            }
        }
    }

    struct Undo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Roll a service back to an earlier revision, through the same batches and health checks.",
            discussion: "Releases still on the nodes are switched back without any transfer.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var ssh: SSHOptionGroup
        @OptionGroup var service: Target

        @Option(help: "The revision to return to (default: the one before the current).")
        var toRevision: Int?

        @Option(name: [.short, .customLong("output")], help: "text or json.")
        var output: ProgressFormat = .text

        func run() throws {
            try Output.run(global) {
                let store = try global.openStore()
                _ = try service.require(store)
                let lock = try global.lock(store, command: Output.commandLine)
                defer { lock.release() }
                let revisions = try store.revisions(service: service.name)
                guard let latest = revisions.last else { throw EdgeError.runtime("service/\(service.name) has no revisions") }
                let target: RevisionRecord
                if let toRevision {
                    guard let found = revisions.first(where: { $0.revision == toRevision }) else {
                        throw EdgeError.runtime("service/\(service.name) has no revision \(toRevision) (it has 1…\(latest.revision))")
                    }
                    target = found
                } else {
                    guard let previous = revisions.last(where: { $0.revision < latest.revision && $0.release != latest.release }) else {
                        throw EdgeError.runtime("service/\(service.name) has no earlier revision with another release to return to")
                    }
                    target = previous
                }
                let actor = Actor.current(command: Output.commandLine)
                let restored = try store.restoreRevision(
                    service: service.name, to: target, reason: "rollout undo to revision \(target.revision)", actor: actor)
                Output.note(
                    "service/\(service.name): revision \(restored) restores revision \(target.revision) (release \(Formatting.short(target.release)))"
                )
                var options = ReconcileOptions()
                options.services = [service.name]
                options.command = Output.commandLine
                try Converge.run(global, ssh: ssh, store: store, options: options, json: output == .json)
            }
        }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a service's rollout at its next batch boundary and keep reconcile off it until resume.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var service: Target

        func run() throws {
            try Output.run(global) {
                let store = try global.openStore()
                _ = try service.require(store)
                // No run lock: pausing must work while a rollout holds it.
                try store.pause(service: service.name, by: Actor.userName)
                try store.appendEvent(kind: "Service", name: service.name, reason: "Paused", message: "paused by \(Actor.userName)")
                Output.print("service/\(service.name) paused")
            }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let reconcile work on a paused service again (run reconcile or apply to continue).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var service: Target

        func run() throws {
            try Output.run(global) {
                let store = try global.openStore()
                _ = try service.require(store)
                try store.resume(service: service.name)
                try store.appendEvent(kind: "Service", name: service.name, reason: "Resumed", message: "resumed by \(Actor.userName)")
                Output.print("service/\(service.name) resumed; `edgectl reconcile --service \(service.name)` continues the rollout")
            }
        }
    }
}
