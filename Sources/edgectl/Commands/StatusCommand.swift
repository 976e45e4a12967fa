import ArgumentParser
import EdgeCore
import EdgeEngine
import EdgeStore
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The fleet at a glance: which nodes answer, and where each service stands.",
        discussion: """
            Contacts every node in parallel (bounded by --parallel and --connect-timeout) and records
            reachability, OS, architecture and host key. --no-refresh answers from the state alone.

            Examples:
              edgectl status
              edgectl status --no-refresh
              edgectl status -l site=berlin
              edgectl status -o json | jq '.nodes[] | select(.reachable == false) | .name'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var ssh: SSHOptionGroup

    @Flag(help: "Answer from the state without contacting nodes.")
    var noRefresh = false

    @Option(name: [.customShort("l"), .customLong("selector")], help: ArgumentHelp("Only contact nodes matching this label selector.", valueName: "selector"))
    var selector: String?

    @Option(name: [.short, .customLong("output")], help: "table or json.")
    var output: StatusFormat = .table

    enum StatusFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    func run() throws {
        try Output.run(global) {
            let store = try global.openStore()
            let labelSelector = try selector.map { try LabelSelector(parsing: $0) }
            if !noRefresh {
                // Observe (facts and services on every node) without changing anything.
                var options = ReconcileOptions()
                options.dryRun = true
                options.selector = labelSelector
                _ = try Reconciler(store: store, settings: ssh.settings(global), actor: Actor.current(command: Output.commandLine), progress: ProgressSink { _ in })
                    .run(options)
            }
            let report = StatusReport(inventory: try Inventory(store: store), refreshed: !noRefresh)
            switch output {
            case .json: Output.print(report.json().render())
            case .table: Output.print(report.render(style: global.stdoutStyle, width: Output.terminalWidth))
            }
        }
    }
}

/// SSH options shared by the commands that contact nodes.
struct SSHOptionGroup: ParsableArguments {
    @Flag(help: "Accept any host key without checking or recording it. For throwaway labs only: this disables protection against impersonated nodes.")
    var insecureAcceptHostKeys = false

    func settings(_ global: GlobalOptions) -> ConnectionSettings {
        if insecureAcceptHostKeys {
            Output.warn("--insecure-accept-host-keys: host keys are NOT checked; any machine answering at a node's address is trusted", style: global.stderrStyle)
        }
        return ConnectionSettings(
            parallel: global.parallel, connectTimeout: global.connectTimeout, operationTimeout: max(60, global.connectTimeout * 6),
            insecureAcceptHostKeys: insecureAcceptHostKeys)
    }
}
