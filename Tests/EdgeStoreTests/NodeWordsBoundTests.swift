import EdgeCore
import EdgeStore
import Foundation
import TestSupport
import Testing

/// What a node says reaches the state every operator shares only cut to `NodeLimits`: a node
/// answering with 50 MB of stderr, or an OS name of megabytes, leaves a few KiB behind.
@Suite("The state keeps little of a node's words")
struct NodeWordsBoundTests {
    @Test(arguments: TestStates.backends) func eventsLastErrorsAndFactsAreCut(backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try StateStore(path: try TestStates.make(backend, in: dir))
        let stderr = String(repeating: "e", count: 50_000_000)
        try store.appendEvent(type: .warning, kind: "Node", name: "hx-1", reason: "Refused", message: "node hx-1: " + stderr)
        try store.recordContacts([
            NodeFacts(
                node: "hx-1", reachable: true, lastContact: Date(), os: String(repeating: "o", count: 1 << 20),
                arch: String(repeating: "a", count: 1 << 20), lastError: stderr, runtime: String(repeating: "r", count: 1 << 20))
        ])
        let event = try #require(try store.events(name: "hx-1").last)
        #expect(event.message.utf8.count <= NodeLimits.storedMessage + 32)
        #expect(event.message.hasPrefix("node hx-1: eee"))
        #expect(event.message.hasSuffix(" bytes cut)"))
        let facts = try #require(try store.nodeFacts()["hx-1"])
        #expect((facts.lastError?.utf8.count ?? 0) <= NodeLimits.storedMessage + 32)
        for fact in [facts.os, facts.arch, facts.runtime] { #expect((fact?.utf8.count ?? 0) <= NodeLimits.storedFact + 32) }
        if backend == "sqlite" {
            // The file holds those few KiB, not the megabytes (its WAL is checkpointed on close).
            let sizes = try FileManager.default.contentsOfDirectory(atPath: dir.path).map {
                (try FileManager.default.attributesOfItem(atPath: dir.path + "/" + $0)[.size] as? Int) ?? 0
            }
            #expect(sizes.reduce(0, +) < 4 << 20, "\(sizes)")
        }
    }

    /// An `edge_observe` line naming a service or release longer than edgectl ever makes is not
    /// one of its services; a reason is cut.
    @Test func anObservationIsBounded() throws {
        func line(name: String = "web", reason: String = "-") -> String {
            ["service", name, String(repeating: "d", count: 64), "", "running", "1", "0", "1", "", "0", "0", "", "", reason, "", ""].joined(
                separator: "\t")
        }
        #expect(ServiceObservation(line: line())?.service == "web")
        #expect(ServiceObservation(line: line(name: String(repeating: "w", count: 10_000))) == nil)
        let reason = try #require(ServiceObservation(line: line(reason: String(repeating: "x", count: 1 << 20)))?.lastExitReason)
        #expect(reason.utf8.count <= NodeLimits.storedMessage + 32)
    }
}
