/// The desired state as a whole, answering membership questions:
/// which nodes a group holds and where a service runs. Memberships are worked
/// out once, when the fleet is built, so asking for each of 10,000 nodes stays linear.
public struct Fleet: Sendable {
    public private(set) var nodes: [String: Resource] = [:]
    public private(set) var groups: [String: Resource] = [:]
    public private(set) var services: [String: Resource] = [:]
    public private(set) var secrets: [String: Resource] = [:]
    private var membersByGroup: [String: [String]] = [:]
    private var groupsByNode: [String: [String]] = [:]
    private var servicesByNode: [String: [String]] = [:]

    public init(_ resources: [Resource]) {
        for resource in resources {
            switch resource.kind {
            case .node: nodes[resource.name] = resource
            case .nodeGroup: groups[resource.name] = resource
            case .service: services[resource.name] = resource
            case .secret: secrets[resource.name] = resource
            }
        }
        for (name, group) in groups {
            guard let spec = group.groupSpec else { continue }
            var members = Set(spec.nodes.filter { nodes[$0] != nil })
            if let selector = spec.selector?.selector {
                for node in nodes.values where selector.matches(node.labels) { members.insert(node.name) }
            }
            membersByGroup[name] = members.sorted()
        }
        for name in groups.keys.sorted() {
            for node in membersByGroup[name] ?? [] { groupsByNode[node, default: []].append(name) }
        }
        for name in services.keys.sorted() {
            for node in targets(ofService: name) { servicesByNode[node, default: []].append(name) }
        }
    }

    /// A group's members, sorted by name: the listed nodes plus those its selector matches.
    public func members(ofGroup name: String) -> [String] { membersByGroup[name] ?? [] }

    /// The groups a node belongs to, sorted.
    public func groups(ofNode name: String) -> [String] { groupsByNode[name] ?? [] }

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

    /// The unit of `service` for `node`, rendered without secrets' values (see `ServiceUnit`).
    public func unit(
        ofService service: String, node: String, release: String, secrets: ((String) throws -> ServiceUnit.SecretValue)? = nil
    )
        throws -> ServiceUnit
    {
        guard let spec = services[service]?.serviceSpec else { throw ServiceUnit.RenderError(message: "service/\(service) is not desired") }
        let resource = nodes[node]
        return try ServiceUnit(
            service: service, spec: spec, release: release, node: node, address: resource?.nodeSpec?.address ?? "",
            labels: resource?.labels ?? [:], root: resource?.nodeSpec?.root ?? "/var/lib/edgectl", secrets: secrets)
    }

    /// The services that run on a node, sorted.
    public func services(onNode name: String) -> [String] { servicesByNode[name] ?? [] }
}
