/// The desired state as a whole, answering membership questions:
/// which nodes a group holds and where a service runs.
public struct Fleet: Sendable {
    public var nodes: [String: Resource] = [:]
    public var groups: [String: Resource] = [:]
    public var services: [String: Resource] = [:]

    public init(_ resources: [Resource]) {
        for resource in resources {
            switch resource.kind {
            case .node: nodes[resource.name] = resource
            case .nodeGroup: groups[resource.name] = resource
            case .service: services[resource.name] = resource
            }
        }
    }

    /// A group's members, sorted by name: the listed nodes plus those its selector matches.
    public func members(ofGroup name: String) -> [String] {
        guard let spec = groups[name]?.groupSpec else { return [] }
        var members = Set(spec.nodes.filter { nodes[$0] != nil })
        if let selector = spec.selector?.selector {
            for node in nodes.values where selector.matches(node.labels) { members.insert(node.name) }
        }
        return members.sorted()
    }

    /// The groups a node belongs to, sorted.
    public func groups(ofNode name: String) -> [String] {
        groups.keys.sorted().filter { members(ofGroup: $0).contains(name) }
    }

    /// A service's target nodes in rollout order: group by group as listed,
    /// a node in several groups counted with the first. With a selector, one
    /// unnamed stage of the matching nodes.
    public func stages(ofService name: String) -> [(group: String?, nodes: [String])] {
        guard let spec = services[name]?.serviceSpec else { return [] }
        if let selector = spec.selector?.selector {
            return [(nil, nodes.values.filter { selector.matches($0.labels) }.map(\.name).sorted())]
        }
        var seen = Set<String>()
        return spec.nodeGroups.map { group in
            let fresh = members(ofGroup: group).filter { seen.insert($0).inserted }
            return (group, fresh)
        }
    }

    public func targets(ofService name: String) -> [String] {
        stages(ofService: name).flatMap(\.nodes)
    }

    /// The services that run on a node.
    public func services(onNode name: String) -> [String] {
        services.keys.sorted().filter { targets(ofService: $0).contains(name) }
    }
}
