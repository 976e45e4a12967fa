import ArgumentParser
import EdgeCore
import EdgeEngine
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

        var name: String { (try? ObjectReference.parse(target, kind: .service).get())?.name ?? target }

        func validate() throws {
            if case .failure(let problem) = ObjectReference.parse(target, kind: .service) {
                throw ValidationError("rollouts are of services: \(problem)")
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The latest rollout of a service and where each node stands.",
            discussion: "Exits 1 when the latest rollout failed or was rolled back.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var service: Target
        @Option(name: [.short, .customLong("output")], help: "text, json or yaml.")
        var output: OutputFormat = .text

        func validate() throws { try output.check([.text, .json, .yaml], command: "rollout status") }

        func run() throws {
            try Output.run(global) {
                let status = try global.openEngine().rollouts.status(service: service.name)
                Output.emit(
                    output, text: { RolloutPresenter.status(status, width: Output.terminalWidth) }, data: { RolloutPresenter.statusJSON(status) })
                if status.failed { throw ExitCode.failure }
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A service's revisions: digest, version, when, by whom, and what became of them.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var service: Target
        @Option(name: [.short, .customLong("output")], help: "text, json or yaml.")
        var output: OutputFormat = .text

        func validate() throws { try output.check([.text, .json, .yaml], command: "rollout history") }

        func run() throws {
            try Output.run(global) {
                let revisions = try global.openEngine().rollouts.history(service: service.name)
                Output.emit(
                    output, text: { RolloutPresenter.history(revisions, width: Output.terminalWidth) },
                    data: { RolloutPresenter.historyJSON(revisions) })
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

        @Option(name: [.short, .customLong("output")], help: "text (progress on stderr) or json (one event per line on stdout).")
        var output: OutputFormat = .text

        func validate() throws { try output.check([.text, .json], command: "rollout undo") }

        func run() throws {
            try Output.run(global) {
                let engine = try global.openEngine()
                let lock = try global.lock(engine, command: Output.commandLine)
                defer { lock.release() }
                let undo = try engine.rollouts.undo(
                    service: service.name, toRevision: toRevision, actor: Actor.current(command: Output.commandLine))
                Output.note(
                    "service/\(service.name): revision \(undo.restored) restores revision \(undo.target.revision) (release \(Formatting.short(undo.target.release)))"
                )
                var options = ReconcileOptions()
                options.services = [service.name]
                options.command = Output.commandLine
                try Converge.run(global, ssh: ssh, engine: engine, options: options, json: output == .json)
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
                try global.openEngine().rollouts.pause(service: service.name, by: Actor.userName)
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
                try global.openEngine().rollouts.resume(service: service.name, by: Actor.userName)
                Output.print("service/\(service.name) resumed; `edgectl reconcile --service \(service.name)` continues the rollout")
            }
        }
    }
}
