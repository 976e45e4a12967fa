import EdgeCore

/// Which nodes an ad-hoc command (`exec`, `logs`) addresses: the named nodes and the
/// members of the named groups (all nodes when neither is given), narrowed by a selector.
public struct NodeTargets: Sendable {
    public var nodes: [String] = []
    public var groups: [String] = []
    public var selector: LabelSelector?

    public init(nodes: [String] = [], groups: [String] = [], selector: LabelSelector? = nil) {
        self.nodes = nodes
        self.groups = groups
        self.selector = selector
    }

    public var isEmpty: Bool { nodes.isEmpty && groups.isEmpty && selector == nil }

    /// The node names, sorted; unknown names are an error that says which.
    public func resolve(in fleet: Fleet, within scope: [String]? = nil) throws -> [String] {
        for name in nodes where fleet.nodes[name] == nil { throw EdgeError.runtime("node/\(name) not found in the desired state") }
        for name in groups where fleet.groups[name] == nil { throw EdgeError.runtime("nodegroup/\(name) not found in the desired state") }
        var names = Set(nodes)
        for group in groups { names.formUnion(fleet.members(ofGroup: group)) }
        if nodes.isEmpty && groups.isEmpty { names = Set(scope ?? Array(fleet.nodes.keys)) }
        if let selector { names = names.filter { selector.matches(fleet.nodes[$0]?.labels ?? [:]) } }
        return names.sorted()
    }
}
