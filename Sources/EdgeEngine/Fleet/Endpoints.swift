import EdgeCore
import EdgeStore
import Foundation

/// One place a service can be reached: a declared port of the service on one of its nodes.
public struct Endpoint: Sendable, Equatable {
    public var service: String
    public var port: PortSpec
    public var node: String
    /// The node's address as edgectl reaches it (`spec.address`).
    public var address: String
    public var labels: [String: String]
    /// The release current there (nil: none yet).
    public var release: String?
    /// Whether traffic should go there: the service is Running on the node (`FleetHealth`): the
    /// node answered at the last observation, runs the desired release and unit, its process
    /// runs, and no step failed there since its gate last passed.
    public var ready: Bool

    /// `10.0.4.21:9100`, `[fd00::1]:9100`.
    public var target: String { (address.contains(":") ? "[\(address)]" : address) + ":\(port.port)" }
}

/// Every endpoint of the fleet, from the state alone: the same answer as `status` gives.
public enum Endpoints {
    /// Sorted by service, port name, node; `service` narrows to one service.
    public static func list(_ inventory: Inventory, health: FleetHealth, service: String? = nil) -> [Endpoint] {
        list(inventory, phases: Dictionary(uniqueKeysWithValues: health.services.map { ($0.name, $0) }), service: service)
    }

    /// From the services judged so far (`FleetHealth` judges a service after those it depends on).
    static func list(_ inventory: Inventory, phases health: [String: ServiceHealth], service: String? = nil) -> [Endpoint] {
        var out: [Endpoint] = []
        for item in inventory.stored(.service) where service == nil || item.resource.name == service {
            let name = item.resource.name
            guard let spec = item.resource.serviceSpec, !spec.portList.isEmpty, let judged = health[name] else { continue }
            let phases = Dictionary(uniqueKeysWithValues: judged.nodes.map { ($0.node, $0) })
            for port in spec.portList.sorted(by: { $0.name < $1.name }) {
                for node in inventory.fleet.targets(ofService: name).sorted() {
                    guard let resource = inventory.fleet.nodes[node] else { continue }
                    let phase = phases[node]
                    out.append(
                        Endpoint(
                            service: name, port: port, node: node, address: resource.spec.address, labels: resource.labels,
                            release: phase?.release, ready: phase?.phase == .running))
                }
            }
        }
        return out
    }

    /// For templates: the ready endpoints of a service's port, sorted by node; nil when the
    /// list names no declared port (a service that is not in it either).
    public static func lookup(_ endpoints: [Endpoint], fleet: Fleet) -> @Sendable (String, String) -> [TemplateContext.EndpointValue]? {
        var byPort: [String: [TemplateContext.EndpointValue]] = [:]
        for service in fleet.services.values { for port in service.spec.portList { byPort["\(service.name).\(port.name)"] = [] } }
        for e in endpoints {
            let key = "\(e.service).\(e.port.name)"
            if byPort[key] == nil { byPort[key] = [] }
            if e.ready {
                byPort[key]!.append(TemplateContext.EndpointValue(node: e.node, address: e.address, port: e.port.port, labels: e.labels))
            }
        }
        let lists = byPort
        return { service, port in lists["\(service).\(port)"] }
    }

    /// For a service that iterates no endpoints.
    public static let none: @Sendable (String, String) -> [TemplateContext.EndpointValue]? = { _, _ in nil }

    /// The lookup for the state as it is now (a run renders its units from it, after it looked).
    public static func lookup(store: StateStore, fleet: Fleet) throws -> @Sendable (String, String) -> [TemplateContext.EndpointValue]? {
        guard fleet.services.values.contains(where: { !($0.spec.config?.endpointServices.isEmpty ?? true) }) else { return none }
        let inventory = try Inventory(store: store)
        return lookup(list(inventory, health: FleetHealth(inventory: inventory)), fleet: fleet)
    }
}
