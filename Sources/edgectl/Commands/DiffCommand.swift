import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what applying manifests would change.",
        discussion: """
            Exit codes, as kubectl diff: 0 no differences, 1 differences found, 65 invalid
            manifests, 64 bad command line.

            Examples:
              edgectl diff -f manifests/
              edgectl diff -f manifests/ --no-refresh     from the last observation
              edgectl diff -f manifests/ --prune          include what left the files
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var ssh: SSHOptionGroup
    @OptionGroup var insecure: InsecureHostKeyOption

    @Flag(help: "Plan from the last observed state without contacting nodes.")
    var noRefresh = false

    @Flag(help: "Include deletions of objects applied from these files before but no longer in them.")
    var prune = false

    func run() throws {
        try Output.run(global) {
            let inputs = try manifests.inputs()
            let engine = try global.openEngine()
            let plan = try engine.desiredState.plan(inputs: inputs, prune: prune)
            let style = global.stdoutStyle
            Output.print(PlanRenderer.render(plan, style: style))
            let resources = plan.resulting(from: try engine.resources())
            let nodes: Plan
            if noRefresh {
                nodes = try engine.planFromState(resources: resources)
            } else {
                var options = ReconcileOptions()
                options.dryRun = true
                options.resources = resources
                let sink = ProgressSink { event in
                    if event.kind == .unreachable || event.kind == .failed { Output.note(event.line(style: global.stderrStyle)) }
                }
                nodes = try engine.reconciler(
                    settings: ssh.settings(global, insecure: insecure), actor: Actor.current(command: Output.commandLine), progress: sink
                )
                .run(options).plan
            }
            Output.print(NodePlanRenderer.render(nodes, style: style, refreshed: !noRefresh))
            if plan.hasChanges || !nodes.isEmpty { throw ExitCode.failure }
        }
    }
}
