/// A desired object with its spec already of the right kind: what the fleet hands out, so
/// no caller unwraps a spec it "knows" is there.
public struct Desired<Spec: Sendable>: Sendable {
    public var resource: Resource
    public var spec: Spec

    public var name: String { resource.name }
    public var labels: [String: String] { resource.labels }

    public init(resource: Resource, spec: Spec) {
        self.resource = resource
        self.spec = spec
    }
}

public typealias DesiredNode = Desired<NodeSpec>
public typealias DesiredGroup = Desired<NodeGroupSpec>
public typealias DesiredService = Desired<ServiceSpec>
public typealias DesiredSecret = Desired<SecretSpec>

extension Desired where Spec == ServiceSpec {
    /// The release scanned from the bundle (nil when not scanned, e.g. `delete -f`).
    public var release: Release? { resource.release }
}

/// The desired state as a whole, answering membership questions:
/// which nodes a group holds and where a service runs. Memberships are worked
/// out once, when the fleet is built, so asking for each of 10,000 nodes stays linear.
public struct Fleet: Sendable {
    public private(set) var nodes: [String: DesiredNode] = [:]
    public private(set) var groups: [String: DesiredGroup] = [:]
    public private(set) var services: [String: DesiredService] = [:]
    public private(set) var secrets: [String: DesiredSecret] = [:]
    private var membersByGroup: [String: [String]] = [:]
    private var groupsByNode: [String: [String]] = [:]
    private var servicesByNode: [String: [String]] = [:]

    public init(_ resources: [Resource]) {
        for resource in resources {
            switch resource.spec {
            case .node(let spec): nodes[resource.name] = Desired(resource: resource, spec: spec)
            case .nodeGroup(let spec): groups[resource.name] = Desired(resource: resource, spec: spec)
            case .service(let spec): services[resource.name] = Desired(resource: resource, spec: spec)
            case .secret(let spec): secrets[resource.name] = Desired(resource: resource, spec: spec)
            }
        }
        for (name, group) in groups {
            let spec = group.spec
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
        guard let spec = services[name]?.spec else { return [] }
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
        ofService service: String, node: String, release: String, secrets: ((String) throws -> ServiceUnit.SecretValue)? = nil,
        endpoints: @escaping @Sendable (String, String) -> [TemplateContext.EndpointValue]? = { _, _ in nil }, checkMinimum: Bool = true
    )
        throws -> ServiceUnit
    {
        guard let spec = services[service]?.spec else { throw ServiceUnit.RenderError(message: "service/\(service) is not desired") }
        let desired = nodes[node]
        return try ServiceUnit(
            service: service, spec: spec, release: release, node: node, address: desired?.spec.address ?? "",
            labels: desired?.labels ?? [:], root: desired?.spec.root ?? "/var/lib/edgectl", secrets: secrets, endpoints: endpoints,
            checkMinimum: checkMinimum)
    }

    /// The services a service's config iterates the endpoints of.
    public func endpointDependencies(ofService name: String) -> Set<String> { services[name]?.spec.config?.endpointServices ?? [] }

    /// Services in an order where each comes after those whose endpoints it uses; those in a
    /// cycle (refused when manifests are read) last, by name.
    public var servicesByDependency: [String] {
        var order: [String] = []
        var placed: Set<String> = []
        var left = services.keys.sorted()
        while !left.isEmpty {
            let ready = left.filter { endpointDependencies(ofService: $0).subtracting([$0]).isSubset(of: placed) }
            let next = ready.isEmpty ? left : ready
            order += next
            placed.formUnion(next)
            left.removeAll { placed.contains($0) }
        }
        return order
    }

    /// The services that run on a node, sorted.
    public func services(onNode name: String) -> [String] { servicesByNode[name] ?? [] }
}
