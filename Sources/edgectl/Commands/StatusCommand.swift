import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The fleet at a glance: which nodes answer, where each service stands, and what needs attention.",
        discussion: """
            Contacts every node in parallel (bounded by --parallel and --connect-timeout),
            records what it finds (reachability, OS, architecture, host key, each
            service's release, process and drift), then prints a headline, the nodes, the
            services with their phases, and every node that needs attention with the
            reason. --no-refresh answers from the state alone. Nothing is changed on any
            node. Exit 0 whatever the fleet's condition (read it from the output or -o
            json); non-zero only when status itself could not run.

            Service phases: Converged, Progressing, Degraded, Failed, RolledBack, Paused.
            Node phases within a service: Running, Pending, Unreachable, Failed, Drifted.

            Examples:
              edgectl status
              edgectl status --no-refresh
              edgectl status -l site=berlin
              edgectl status --watch --interval 10
              edgectl status -o json | jq '.nodes[] | select(.reachable == false) | .name'
              edgectl status -o json | jq '.services[] | select(.phase != "Converged")'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var ssh: SSHOptionGroup
    @OptionGroup var insecure: InsecureHostKeyOption

    @Flag(help: "Answer from the state without contacting nodes.")
    var noRefresh = false

    @Option(
        name: [.customShort("l"), .customLong("selector")], help: ArgumentHelp("Only nodes matching this label selector.", valueName: "selector"))
    var selector: String?

    @Option(name: [.short, .customLong("output")], help: "table or json (with --watch: one JSON document per line per refresh).")
    var output: OutputFormat = .table

    @Flag(name: [.short, .long], help: "Refresh and redraw until interrupted.")
    var watch = false

    @Option(help: ArgumentHelp("Seconds between refreshes with --watch.", valueName: "seconds"))
    var interval: Double = 5

    func validate() throws {
        try output.check([.table, .json], command: "status")
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
    }

    func run() throws {
        try Output.run(global) {
            let engine = try global.openEngine()
            let labelSelector = try selector.map { try LabelSelector(parsing: $0) }
            let settings = ssh.settings(global, insecure: insecure)
            let onTerminal = isatty(1) == 1
            repeat {
                let started = Date()
                // Observe (facts and services on every node), changing nothing but the observations.
                if !noRefresh { try engine.observe(settings: settings, selector: labelSelector) }
                let inventory = try engine.inventory()
                var report = StatusReport(inventory: inventory, refreshed: !noRefresh)
                if let labelSelector {
                    report.restrict(to: Set(inventory.stored(.node).filter { labelSelector.matches($0.resource.labels) }.map(\.resource.name)))
                }
                if output == .json && watch {
                    Output.print(report.json().compact())
                } else {
                    var text = report.render(style: global.stdoutStyle, width: Output.terminalWidth)
                    if watch {
                        let header = global.stdoutStyle.dim("every \(Formatting.seconds(interval)) · \(Timestamp.string(Date())) · Ctrl-C to stop")
                        // On a terminal, redraw in place; into a pipe, one snapshot after another.
                        text = onTerminal ? "\u{1B}[H\u{1B}[2J" + header + "\n" + text : header + "\n" + text + "\n"
                    }
                    Output.emit(output, text: { text }, data: { report.json() })
                }
                if watch { Thread.sleep(forTimeInterval: max(0, interval - Date().timeIntervalSince(started))) }
            } while watch
        }
    }
}

/// SSH options shared by the commands that contact nodes.
struct SSHOptionGroup: ParsableArguments {
    func settings(_ global: GlobalOptions, insecure: InsecureHostKeyOption? = nil) -> ConnectionSettings {
        let accept = insecure?.insecureAcceptHostKeys ?? false
        if accept {
            Output.warn(
                "--insecure-accept-host-keys: the host key of a node never contacted before is accepted without being recorded; pinned and recorded keys are still enforced",
                style: global.stderrStyle)
        }
        return ConnectionSettings(
            parallel: global.parallel, connectTimeout: global.connectTimeout, operationTimeout: max(60, global.connectTimeout * 6),
            insecureAcceptHostKeys: accept)
    }
}

/// Only on commands that change nothing on the nodes (`status`, `diff`, `logs`).
struct InsecureHostKeyOption: ParsableArguments {
    @Flag(
        help:
            "Let a node never contacted before answer without recording its host key (a throwaway lab). Never overrides a pinned or recorded key."
    )
    var insecureAcceptHostKeys = false
}
