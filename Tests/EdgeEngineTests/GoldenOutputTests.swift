import EdgeCore
import Foundation
import Testing

@testable import EdgeEngine
@testable import EdgeStore

/// Every table and `describe` against files under Golden/, rendered from a frozen fleet with a
/// fixed clock. A change in layout shows as a diff here; to accept it on purpose, run the
/// tests with EDGECTL_UPDATE_GOLDEN=1 and review the changed files.
@Suite("Golden output")
struct GoldenOutputTests {
    let inventory: Inventory
    let now = FleetFixture.now

    init() throws { inventory = try FleetFixture.inventory() }

    var presenter: ResourcePresenter { ResourcePresenter(inventory: inventory, now: now) }

    @Test func status() throws {
        let report = StatusReport(inventory: inventory, refreshed: true)
        try expectGolden("status.txt", report.render(style: Style(enabled: false), now: now))
    }

    @Test func statusFromTheStateSaysSo() throws {
        let report = StatusReport(inventory: inventory, refreshed: false)
        try expectGolden("status-no-refresh.txt", report.render(style: Style(enabled: false), now: now))
    }

    @Test func statusFitsANarrowTerminal() throws {
        let text = StatusReport(inventory: inventory, refreshed: true).render(style: Style(enabled: false), now: now, width: 80)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
        try expectGolden("status-80-columns.txt", text)
    }

    @Test func statusOfALargeFleetListsOnlyTheNodesWorthALook() throws {
        let report = StatusReport(inventory: try FleetFixture.large(), refreshed: true)
        let text = report.render(style: Style(enabled: false), now: now)
        try expectGolden("status-large.txt", text)
        #expect(report.nodes.count == 40, "JSON and the headline still count every node")
        #expect(text.hasPrefix("39/40 nodes reachable"))
    }

    @Test func statusJSON() throws {
        try expectGolden("status.json", StatusReport(inventory: inventory, refreshed: true).json().render())
    }

    @Test(arguments: [(ResourceKind.node, false), (.node, true), (.nodeGroup, false), (.nodeGroup, true), (.service, false), (.service, true)])
    func getTable(_ kind: ResourceKind, _ wide: Bool) throws {
        let table = presenter.table(inventory.stored(kind), kind: kind, wide: wide)
        try expectGolden("get-\(kind.argumentName)s\(wide ? "-wide" : "").txt", table.render())
    }

    @Test func getReleases() throws {
        try expectGolden("get-releases.txt", presenter.releaseTable(inventory.releases, wide: false).render())
        try expectGolden("get-releases-wide.txt", presenter.releaseTable(inventory.releases, wide: true).render())
    }

    @Test func getEvents() throws {
        try expectGolden("get-events.txt", presenter.eventTable(FleetFixture.events).render())
    }

    @Test func getServicesJSON() throws {
        let items = inventory.stored(.service).map(presenter.json)
        try expectGolden("get-services.json", JSONValue.object([("items", .array(items))]).render())
    }

    @Test func describeService() throws {
        let item = inventory.stored(.service).first { $0.resource.name == "web" }!
        let events = FleetFixture.events.filter { $0.object == "Service/web" }
        try expectGolden(
            "describe-service-web.txt",
            DescribePresenter(inventory: inventory, now: now).describe(item, revisions: FleetFixture.revisions, events: events))
    }

    @Test func describeNode() throws {
        let item = inventory.stored(.node).first { $0.resource.name == "gw-2" }!
        let events = FleetFixture.events.filter { $0.object == "Node/gw-2" }
        try expectGolden("describe-node-gw-2.txt", DescribePresenter(inventory: inventory, now: now).describe(item, revisions: [], events: events))
    }

    @Test func describeUnreachableNode() throws {
        let item = inventory.stored(.node).first { $0.resource.name == "gw-3" }!
        let events = FleetFixture.events.filter { $0.object == "Node/gw-3" }
        try expectGolden("describe-node-gw-3.txt", DescribePresenter(inventory: inventory, now: now).describe(item, revisions: [], events: events))
    }

    @Test func describeNodeGroup() throws {
        let item = inventory.stored(.nodeGroup).first { $0.resource.name == "munich" }!
        try expectGolden("describe-nodegroup-munich.txt", DescribePresenter(inventory: inventory, now: now).describe(item, revisions: [], events: []))
    }

    // MARK: -

    private func expectGolden(_ name: String, _ actual: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").appendingPathComponent(name)
        let text = actual.hasSuffix("\n") ? actual : actual + "\n"
        if ProcessInfo.processInfo.environment["EDGECTL_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing golden file Golden/\(name); run with EDGECTL_UPDATE_GOLDEN=1 to create it", sourceLocation: sourceLocation)
            return
        }
        if expected != text {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let b = text.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            Issue.record(
                """
                Golden/\(name) differs at line \(line + 1):
                  expected: \(line < a.count ? String(a[line]) : "<end>")
                  actual:   \(line < b.count ? String(b[line]) : "<end>")
                full output:
                \(text)
                """, sourceLocation: sourceLocation)
        }
    }
}
