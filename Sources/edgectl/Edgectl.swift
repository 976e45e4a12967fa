import ArgumentParser

@main
struct Edgectl: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "edgectl",
        abstract: "Run a fleet of Linux edge nodes from declarative YAML manifests, over SSH.",
        discussion: """
            edgectl records the desired state of your fleet (nodes, node groups, services)
            in a local SQLite file, pushes service bundles to the nodes over SSH and rolls
            releases out group by group.

            Examples:
              edgectl apply -f manifests/            validate, record and roll out
              edgectl diff -f manifests/             what would change
              edgectl get nodes -o wide              the fleet, and what is known
              edgectl status                         everything at a glance

            Exit codes: 0 success · 1 failure (diff: differences) · 64 bad command line ·
            65 invalid manifests · 75 incomplete or locked, try again later.
            """,
        version: "edgectl \(version)",
        subcommands: [
            ApplyCommand.self, DiffCommand.self, GetCommand.self, DescribeCommand.self, DeleteCommand.self,
            ReconcileCommand.self, RolloutCommand.self, StatusCommand.self, LogsCommand.self, ExecCommand.self, NodeCommand.self,
            RenderCommand.self, LockCommand.self, StateCommand.self, CompletionCommand.self,
        ]
    )
}
