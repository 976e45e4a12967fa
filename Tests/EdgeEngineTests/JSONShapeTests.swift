import EdgeCore
import EdgeStore
import Foundation
import Testing

@testable import EdgeEngine

/// What scripts rely on in `status -o json` and `get -o json` (SPEC "Machine-readable output"):
/// the keys, their types, the allowed phases, RFC 3339 times.
@Suite("JSON shapes")
struct JSONShapeTests {
    let inventory: Inventory
    init() throws { inventory = try FleetFixture.inventory() }

    func parse(_ value: JSONValue) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(value.render().utf8)) as? [String: Any])
    }

    func isTime(_ value: Any?) -> Bool {
        guard let text = value as? String else { return false }
        return text.hasSuffix("Z") && Timestamp.date(text) != nil
    }

    @Test func statusHasTheSpecShape() throws {
        let doc = try parse(StatusReport(inventory: inventory, refreshed: true).json())
        let nodes = try #require(doc["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["name"] as? String } == ["gw-1", "gw-2", "gw-3", "gw-4"])
        for node in nodes {
            #expect(node["reachable"] is Bool || node["reachable"] is NSNull)
            #expect(isTime(node["lastSeen"]) || node["lastSeen"] is NSNull)
        }
        #expect(nodes[2]["reachable"] as? Bool == false)
        #expect(nodes[3]["reachable"] is NSNull && nodes[3]["lastSeen"] is NSNull, "a node never contacted has null reachable and lastSeen")

        let services = try #require(doc["services"] as? [[String: Any]])
        let servicePhases = Set(ServiceHealth.Phase.allCases.map(\.rawValue))
        let nodePhases = Set(NodeServiceHealth.Phase.allCases.map(\.rawValue))
        for service in services {
            #expect(service["name"] is String)
            #expect(service["revision"] is Int)
            #expect(servicePhases.contains(service["phase"] as? String ?? ""))
            let entries = try #require(service["nodes"] as? [[String: Any]])
            for entry in entries {
                #expect(entry["node"] is String)
                #expect(nodePhases.contains(entry["phase"] as? String ?? ""))
                #expect(entry["release"] is String || entry["release"] is NSNull)
                let desired = try #require(entry["desiredRelease"] as? String)
                #expect(desired.count == 64 && desired.allSatisfy(\.isHexDigit))
            }
        }
        let web = try #require(services.first { $0["name"] as? String == "web" })
        #expect(web["phase"] as? String == "Degraded")
        let webNodes = try #require(web["nodes"] as? [[String: Any]])
        #expect(webNodes.map { $0["phase"] as? String } == ["Running", "Drifted", "Unreachable", "Pending"])
        #expect((webNodes[1]["reason"] as? String)?.contains("changed") == true, "drift says its cause")
    }

    @Test func getItemsHaveKindMetadataSpecAndStatus() throws {
        let presenter = ResourcePresenter(inventory: inventory, now: FleetFixture.now)
        for kind in ResourceKind.allCases {
            let doc = try parse(.object([("items", .array(inventory.stored(kind).map(presenter.json)))]))
            let items = try #require(doc["items"] as? [[String: Any]])
            #expect(!items.isEmpty)
            for item in items {
                #expect(item["apiVersion"] as? String == "edgectl/v1")
                #expect(item["kind"] as? String == kind.rawValue)
                let metadata = try #require(item["metadata"] as? [String: Any])
                #expect(metadata["name"] is String)
                #expect(isTime(metadata["creationTimestamp"]))
                #expect(item["spec"] is [String: Any])
                #expect(item["status"] is [String: Any])
            }
        }
        let services = try parse(.object([("items", .array(inventory.stored(.service).map(presenter.json)))]))["items"] as! [[String: Any]]
        let relay = try #require(services.first { ($0["metadata"] as? [String: Any])?["name"] as? String == "relay" }?["status"] as? [String: Any])
        #expect(relay["phase"] as? String == "Failed")
        #expect(relay["ready"] as? Int == 1 && relay["desired"] as? Int == 2)

        let releases = try parse(.object([("items", .array(inventory.releases.map(presenter.json)))]))["items"] as! [[String: Any]]
        let old = try #require(releases.first { ($0["spec"] as? [String: Any])?["version"] as? String == "1.4.1" })
        #expect((old["status"] as? [String: Any])?["nodes"] as? [String] == ["gw-3"], "a release says which nodes run it")
    }
}
