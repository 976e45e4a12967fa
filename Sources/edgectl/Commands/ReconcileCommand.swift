import ArgumentParser
import EdgeCore
import EdgeEngine

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Observe the nodes and converge them to the recorded desired state.",
        discussion: """
            The same as apply without new manifests: catches up nodes that were offline,
            restarts services that stopped, repairs drift, and removes services deleted
            from the desired state. Exit 0 converged, 1 a rollout failed, 75 nodes
            unreachable (pending).

            Examples:
              edgectl reconcile
              edgectl reconcile --service hello
              edgectl reconcile -l site=berlin --verify
              edgectl reconcile -o json | jq -c 'select(.kind == "failed")'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var ssh: SSHOptionGroup

    @Option(help: ArgumentHelp("Only this service (repeatable).", valueName: "name"), completion: .custom(NameCompletion.complete))
    var service: [String] = []

    @Option(
        name: [.customShort("l"), .customLong("selector")], help: ArgumentHelp("Only nodes matching this label selector.", valueName: "selector"))
    var selector: String?

    @Flag(help: "Re-hash every file on the nodes instead of the quick drift check.")
    var verify = false

    @Option(name: [.short, .customLong("output")], help: "text (progress on stderr) or json (one event per line on stdout).")
    var output: OutputFormat = .text

    func validate() throws { try output.check([.text, .json], command: "reconcile") }

    func run() throws {
        try Output.run(global) {
            let engine = try global.openEngine()
            let lock = try global.lock(engine, command: Output.commandLine)
            defer { lock.release() }
            var options = ReconcileOptions()
            options.services = service.isEmpty ? nil : Set(service)
            options.selector = try selector.map { try LabelSelector(parsing: $0) }
            options.verify = verify
            options.command = Output.commandLine
            try Converge.run(global, ssh: ssh, engine: engine, options: options, json: output == .json)
        }
    }
}
