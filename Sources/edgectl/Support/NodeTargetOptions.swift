import ArgumentParser
import EdgeCore
import EdgeEngine

/// `--node`, `--group`, `-l`: which nodes an ad-hoc command (`logs`, `exec`) addresses.
struct NodeTargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A node (repeatable).", valueName: "node"), completion: .custom(NameCompletion.nodes))
    var node: [String] = []

    @Option(help: ArgumentHelp("The members of a node group (repeatable).", valueName: "group"), completion: .custom(NameCompletion.groups))
    var group: [String] = []

    @Option(name: [.customShort("l"), .customLong("selector")], help: ArgumentHelp("Nodes matching this label selector.", valueName: "selector"))
    var selector: String?

    var isEmpty: Bool { node.isEmpty && group.isEmpty && selector == nil }

    func targets() throws -> NodeTargets {
        NodeTargets(nodes: node, groups: group, selector: try selector.map { try LabelSelector(parsing: $0) })
    }
}
