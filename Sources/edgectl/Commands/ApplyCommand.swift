import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate manifests, record them as the desired state, and converge the fleet.",
        discussion: """
            Every problem in every file is reported as file:line:column before anything
            changes; invalid manifests exit 65 and leave the state and the nodes
            untouched.

            Then it converges the fleet: observes every node, stages the release on every
            target node in parallel (only the files a node lacks), and rolls out group by
            group in batches of maxUnavailable behind health checks, rolling back on
            failure. Exit 0 when everything converged, 1 when a rollout failed, 75 when
            unreachable nodes stay pending.

            Examples:
              edgectl apply -f manifests/                 its *.yaml / *.yml files
              edgectl apply -f nodes.yaml -f web.yaml     several files
              edgectl apply -R -f fleet/                  descend into subdirectories
              cat web.yaml | edgectl apply -f -           from standard input
              edgectl apply -f manifests/ --dry-run       print the plan, change nothing
              edgectl apply -f manifests/ --prune         also delete what left the files
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var ssh: SSHOptionGroup

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Flag(help: "Delete from the desired state what was applied from these files before but is no longer in them.")
    var prune = false

    @Flag(help: "Re-hash every file on the nodes instead of the quick drift check.")
    var verify = false

    @Option(name: [.short, .customLong("output")], help: "text (progress on stderr) or json (one event per line on stdout).")
    var output: OutputFormat = .text

    func validate() throws { try output.check([.text, .json], command: "apply") }

    func run() throws {
        try Output.run(global) {
            let inputs = try manifests.inputs()
            let engine = try global.openEngine()
            let service = engine.desiredState
            if dryRun {
                let plan = try service.plan(inputs: inputs, prune: prune)
                let style = global.stdoutStyle
                Output.print(PlanRenderer.render(plan, style: style))
                let nodes = try engine.planFromState(resources: plan.resulting(from: try engine.resources()))
                Output.print(NodePlanRenderer.render(nodes, style: style, refreshed: false))
                Output.print("(dry run: nothing was recorded and nothing was changed)")
                return
            }
            // Validate before taking the lock: invalid input must not write even the lock row.
            let incoming = try service.load(inputs)
            let lock = try global.lock(engine, command: Output.commandLine)
            defer { lock.release() }
            // Compare under the lock, so no other run changes the state between planning and recording.
            let plan = try service.plan(incoming: incoming, files: inputs.map(\.displayPath), prune: prune)
            let outcome = try service.record(plan, actor: Actor.current(command: Output.commandLine), lock: lock)
            let style = global.stderrStyle
            for change in plan.changes where change.action != .unchanged || output.isHuman {
                let verb: String
                switch change.action {
                case .create: verb = style.green("created")
                case .update: verb = style.yellow("configured")
                case .delete: verb = style.red("deleted")
                case .unchanged: verb = "unchanged"
                }
                var line = "\(change.id) \(verb)"
                if let revision = outcome.newRevisions[change.id.name], change.id.kind == .service {
                    line += " (revision \(revision), release \(Formatting.short(change.resource?.release?.digest)))"
                }
                if output.isHuman { Output.print(line) }
            }
            var options = ReconcileOptions()
            options.verify = verify
            options.command = Output.commandLine
            try Converge.run(global, ssh: ssh, engine: engine, options: options, json: output == .json)
        }
    }
}

extension Output {
    /// The command line as typed, for lock holders, generations and revision history.
    static var commandLine: String {
        var args = CommandLine.arguments
        if let first = args.first { args[0] = (first as NSString).lastPathComponent }
        return args.joined(separator: " ")
    }
}
