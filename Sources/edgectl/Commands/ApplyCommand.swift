import ArgumentParser
import EdgeCore
import EdgeEngine
import EdgeStore
import Foundation

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate manifests, record them as the desired state, and converge the fleet.",
        discussion: """
            Every problem in every file is reported as file:line:column before anything changes;
            invalid manifests exit 65 and leave the state and the nodes untouched.

            Examples:
              edgectl apply -f manifests/                 a directory of *.yaml / *.yml files
              edgectl apply -f nodes.yaml -f web.yaml     several files
              edgectl apply -R -f fleet/                  descend into subdirectories
              cat web.yaml | edgectl apply -f -           from standard input
              edgectl apply -f manifests/ --dry-run       print the plan, change nothing
              edgectl apply -f manifests/ --prune         also delete what these files no longer contain
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Flag(help: "Delete from the desired state what was applied from these files before but is no longer in them.")
    var prune = false

    func run() throws {
        try Output.run(global) {
            let inputs = try manifests.inputs()
            let store = try global.openStore()
            let service = DesiredStateService(store: store)
            if dryRun {
                let plan = try service.plan(inputs: inputs, prune: prune)
                Output.print(PlanRenderer.render(plan, style: global.stdoutStyle))
                Output.print("(dry run: nothing was recorded and no node was contacted)")
                return
            }
            // Validate before taking the lock: invalid input must not write even the lock row.
            let incoming = try service.load(inputs)
            let lock = try global.lock(store, command: Output.commandLine)
            defer { lock.release() }
            // Compare under the lock, so no other run changes the state between planning and recording.
            let plan = try service.plan(incoming: incoming, files: inputs.map(\.displayPath), prune: prune)
            let outcome = try service.record(plan, actor: Actor.current(command: Output.commandLine), lock: lock)
            let style = global.stdoutStyle
            for change in plan.changes {
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
                Output.print(line)
            }
            Output.note(
                plan.hasChanges
                    ? "recorded generation \(outcome.generation) in \(store.path); no node was contacted (rollouts arrive with the reconciler)"
                    : "no changes to the desired state; no node was contacted")
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
