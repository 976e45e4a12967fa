import EdgeCore
import Foundation
import TestSupport
import Testing

@testable import EdgeEngine
@testable import EdgeStore

@Suite("Endpoints")
struct EndpointTests {
    /// The golden fleet with web declaring two ports.
    static func inventory() throws -> Inventory {
        var inventory = try FleetFixture.inventory()
        for index in inventory.resources.indices where inventory.resources[index].resource.name == "web" {
            guard case .service(var spec) = inventory.resources[index].resource.spec else { continue }
            spec.ports = [PortSpec(name: "metrics", port: 9100), PortSpec(name: "http", port: 8080)]
            inventory.resources[index].resource.spec = .service(spec)
        }
        inventory.fleet = Fleet(inventory.resources.map(\.resource))
        return inventory
    }

    @Test func eachPortOnEachTargetNodeIsOneEndpointReadyOnlyWhereRunning() throws {
        let inventory = try Self.inventory()
        let endpoints = Endpoints.list(inventory, health: FleetHealth(inventory: inventory))
        #expect(
            endpoints.map { "\($0.port.name) \($0.node)" } == [
                "http gw-1", "http gw-2", "http gw-3", "http gw-4", "metrics gw-1", "metrics gw-2", "metrics gw-3", "metrics gw-4",
            ])
        // gw-1 runs the desired release; gw-2 drifted, gw-3 unreachable on an old release, gw-4 never had it.
        #expect(endpoints.filter(\.ready).map(\.node) == ["gw-1", "gw-1"])
        #expect(endpoints[0].target == "10.0.0.11:8080")
        #expect(endpoints.first { $0.node == "gw-3" }?.target == "10.0.0.13:8080")
        #expect(Endpoints.list(inventory, health: FleetHealth(inventory: inventory), service: "relay").isEmpty, "relay declares no port")
    }

    /// The JSON `file_sd_configs` and `http_sd_configs` read: a list of target groups with
    /// string labels whose names Prometheus accepts.
    @Test func prometheusServiceDiscoveryIsTargetGroupsWithValidLabelNames() throws {
        let inventory = try Self.inventory()
        let endpoints = Endpoints.list(inventory, health: FleetHealth(inventory: inventory), service: "web")
        let text = EndpointPresenter.prometheusSD(endpoints).render()
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(groups.count == 8)
        let first = try #require(groups.first)
        #expect(first["targets"] as? [String] == ["10.0.0.11:8080"])
        let labels = try #require(first["labels"] as? [String: String])
        #expect(labels["edgectl_service"] == "web" && labels["edgectl_node"] == "gw-1" && labels["edgectl_port"] == "http")
        #expect(labels["edgectl_ready"] == "true" && labels["edgectl_label_site"] == "berlin")
        for group in groups {
            for name in (group["labels"] as? [String: String] ?? [:]).keys {
                #expect(name.range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) != nil, "\(name)")
            }
        }
        #expect(EndpointPresenter.labelName("topology.example.com/zone") == "topology_example_com_zone")
    }

    @Test func aServiceSpecFromBeforePortsReadsAsNone() throws {
        // What a state written before ports holds: the spec without the key.
        let old = try JSONEncoder().encode(ServiceSpec(bundle: BundleSpec(path: "/b"), run: RunSpec(command: ["./run"])))
        #expect(!String(decoding: old, as: UTF8.self).contains("ports"))
        let spec = try? JSONDecoder().decode(ServiceSpec.self, from: old)
        #expect(spec?.portList == [])
        var withPorts = ServiceSpec(bundle: BundleSpec(path: "/b"), run: RunSpec(command: ["./run"]))
        withPorts.ports = [PortSpec(name: "dns", port: 53, transport: .udp)]
        let json = String(decoding: try JSONEncoder().encode(withPorts), as: UTF8.self)
        #expect(json.contains(#""protocol":"udp""#), "\(json)")
        #expect(try JSONDecoder().decode(ServiceSpec.self, from: Data(json.utf8)).portList == withPorts.portList)
    }
}
