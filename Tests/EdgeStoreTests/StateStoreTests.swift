import EdgeCore
import EdgeStore
import Foundation
import TestSupport
import Testing

@Suite("State store")
struct StateStoreTests {
    /// A release of one file whose content digest is `fill` repeated; its digest is computed
    /// as the scanner would (the store checks a file list against it when reading it back).
    static func release(_ fill: Character = "a") -> Release {
        let entries = [BundleEntry(path: "run", type: .file, mode: 0o755, size: 3, digest: String(repeating: fill, count: 64))]
        return Release(digest: BundleScanner.digest(of: entries), entries: entries)
    }

    func service(_ name: String, command: String = "./run", release: Release = StateStoreTests.release()) -> Resource {
        Resource(
            name: name, spec: .service(ServiceSpec(bundle: BundleSpec(path: "/b"), run: RunSpec(command: [command]))), release: release)
    }

    let actor = Actor(command: "edgectl apply -f x", user: "tester", host: "h")

    @Test func migratesFromEmptyWithPrivatePermissions() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/nested/state/state.db"
        let store = try StateStore(path: path)
        #expect(try store.resources().isEmpty)
        #expect(try store.integrityCheck() == "ok")
        let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let dirMode = try FileManager.default.attributesOfItem(atPath: dir.path + "/nested/state")[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(dirMode == 0o700)
        // Opening again runs no migration and keeps the data.
        _ = try StateStore(path: path)
    }

    /// A state another user could have planted or can change is refused with a clear error.
    @Test func aStateOthersCanWriteOrPlantIsRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/s.db"
        _ = try StateStore(path: path)
        func refused(_ fragment: String) {
            do {
                _ = try StateStore(path: path)
                Issue.record("expected a refusal mentioning \(fragment)")
            } catch let error as EdgeError {
                #expect(error.kind.exitCode == 1)
                #expect(error.message.contains(fragment), "\(error.message)")
            } catch {
                Issue.record("\(error)")
            }
        }
        chmod(path, 0o666)
        refused("writable by other users")
        chmod(path, 0o600)
        // A WAL planted as a link to another file.
        #expect(symlink(dir.path + "/elsewhere", path + "-wal") == 0)
        refused("is a symbolic link")
        unlink(path + "-wal")
        // A state file that belongs to someone else.
        #expect(chown(path, 65534, 65534) == 0)
        refused("belongs to uid 65534")
        #expect(chown(path, geteuid(), getegid()) == 0)
        // A directory anyone may write to, without the sticky bit.
        chmod(dir.path, 0o777)
        refused("writable by other users")
        chmod(dir.path, 0o1777)
        _ = try StateStore(path: path)
        chmod(dir.path, 0o700)
    }

    @Test func defaultPathFollowsEnvironment() {
        #expect(StateStore.defaultPath(environment: ["EDGECTL_STATE": "/x/s.db"]) == "/x/s.db")
        #expect(StateStore.defaultPath(environment: ["XDG_STATE_HOME": "/xdg"]) == "/xdg/edgectl/state.db")
    }

    @Test(arguments: TestStates.backends) func revisionsNumberEachDistinctSpecAndRelease(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try StateStore(path: try TestStates.make(backend, in: dir))
        func apply(_ r: Resource) throws -> Int? {
            let current = try store.resources().map(\.resource)
            let changes = DesiredStateDiff.compute(current: current, incoming: [r])
            return try store.record(changes, by: actor).newRevisions[r.name]
        }
        #expect(try apply(service("web")) == 1)
        #expect(try apply(service("web")) == nil)  // unchanged: no revision
        #expect(try apply(service("web", command: "./run2")) == 2)  // spec change
        #expect(try apply(service("web", command: "./run2", release: Self.release("b"))) == 3)  // release change
        #expect(try apply(service("api")) == 1)  // numbered per service
        let revisions = try store.revisions(service: "web")
        #expect(revisions.map(\.revision) == [1, 2, 3])
        #expect(revisions.last?.release == Self.release("b").digest)
        #expect(revisions.allSatisfy { $0.command == "edgectl apply -f x" && $0.user == "tester" })
        #expect(try store.resource(ResourceID(.service, "web"))?.generation == 3)
        #expect(try store.releases().count == 3)
        #expect(try store.releaseEntries(digest: Self.release().digest)?.first?.path == "run")
    }

    @Test(arguments: TestStates.backends) func eventsAreRecordedInOrder(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try StateStore(path: try TestStates.make(backend, in: dir))
        _ = try store.record(DesiredStateDiff.compute(current: [], incoming: [service("web")]), by: actor)
        try store.appendEvent(type: .warning, kind: "Node", name: "n1", reason: "Unreachable", message: "timeout")
        let events = try store.events()
        #expect(events.map(\.reason) == ["Created", "Unreachable"])
        #expect(try store.events(kind: "Node", name: "n1").count == 1)
        #expect(try store.events(since: Date().addingTimeInterval(3600)).isEmpty)
    }

    @Test(arguments: TestStates.backends) func deletionRemovesResource(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try StateStore(path: try TestStates.make(backend, in: dir))
        _ = try store.record(DesiredStateDiff.compute(current: [], incoming: [service("web")]), by: actor)
        let current = try store.resources().map(\.resource)
        let changes = DesiredStateDiff.compute(current: current, incoming: [], prunable: [ResourceID(.service, "web")])
        #expect(changes.map(\.action) == [.delete])
        _ = try store.record(changes, by: actor)
        #expect(try store.resources().isEmpty)
    }

    @Test(arguments: TestStates.backends) func hostKeysAndFacts(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try StateStore(path: try TestStates.make(backend, in: dir))
        try store.recordContacts([NodeFacts(node: "n1", reachable: true, lastSeen: Date(), lastContact: Date(), os: "Linux", arch: "x86_64")])
        try store.recordContacts([NodeFacts(node: "n1", reachable: false, lastContact: Date(), lastError: "timeout")])
        let facts = try #require(try store.nodeFacts()["n1"])
        #expect(facts.reachable == false)
        #expect(facts.os == "Linux")  // kept from the last successful contact
        #expect(facts.lastSeen != nil)
        #expect(facts.lastError == "timeout")
        try store.trustHostKey(TrustedHostKey(node: "n1", keyType: "ssh-ed25519", publicKey: "AAAA", fingerprint: "SHA256:x", trustedAt: Date()))
        #expect(try store.trustedHostKeys()["n1"]?.fingerprint == "SHA256:x")
    }

    @Test(arguments: TestStates.backends) func observationsKeepSinceAndAFailureUntilTheNodeChanges(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try StateStore(path: try TestStates.make(backend, in: dir))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let dead = NodeServiceState(current: "r1", process: .dead)
        try store.recordNodeService(node: "n1", service: "web", state: dead, error: "health check failed: http 500", at: t0)
        // Observed again, the same: the failure and its start stay.
        try store.recordObservations(["n1": ["web": dead]], at: t0.addingTimeInterval(60))
        var row = try #require(try store.nodeServices().first)
        #expect(row.lastError == "health check failed: http 500")
        #expect(row.since == t0)
        #expect(row.observedAt == t0.addingTimeInterval(60))
        // Running now: a new situation, no error, a new since.
        try store.recordObservations(["n1": ["web": NodeServiceState(current: "r1", process: .running)]], at: t0.addingTimeInterval(120))
        row = try #require(try store.nodeServices().first)
        #expect(row.lastError == nil)
        #expect(row.since == t0.addingTimeInterval(120))
        // Drift is a change too.
        let drifted = NodeServiceState(current: "r1", process: .running, drifted: true, driftCause: "1 file changed")
        try store.recordObservations(["n1": ["web": drifted]], at: t0.addingTimeInterval(180))
        row = try #require(try store.nodeServices().first)
        #expect(row.since == t0.addingTimeInterval(180))
        #expect(row.state.driftCause == "1 file changed")
    }

    /// `status` looks without the run lock: what it saw before an apply's step recorded a node
    /// must not overwrite that step's record.
    @Test(arguments: TestStates.backends) func anObservationOlderThanARunsRecordLeavesItBe(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try StateStore(path: try TestStates.make(backend, in: dir))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let looked = t0
        // The apply activates r2 on n1 while status is still looking (it saw r1 there).
        try store.recordNodeService(node: "n1", service: "web", state: NodeServiceState(current: "r2", process: .running), at: t0 + 2)
        let old = NodeServiceState(current: "r1", process: .running)
        let kept = try store.recordObservations(["n1": ["web": old], "n2": ["web": old]], at: t0 + 3, lookedAt: looked)
        #expect(kept == ["n1"])
        let rows = Dictionary(uniqueKeysWithValues: try store.nodeServices().map { ($0.node, $0) })
        #expect(rows["n1"]?.state.current == "r2", "the apply's record stays")
        #expect(rows["n2"]?.state.current == "r1", "a node nothing else recorded takes the observation")
        // A look that began after the record replaces it.
        #expect(try store.recordObservations(["n1": ["web": old]], at: t0 + 5, lookedAt: t0 + 4).isEmpty)
        #expect(try store.nodeServices().first { $0.node == "n1" }?.state.current == "r1")
    }

    /// First contact by two runs at once: the first key recorded stays, the second run learns it.
    @Test(arguments: TestStates.backends) func aFirstHostKeyIsRecordedOnlyIfNoneIs(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try StateStore(path: try TestStates.make(backend, in: dir))
        let first = TrustedHostKey(node: "n1", keyType: "ssh-ed25519", publicKey: "AAAA1", fingerprint: "SHA256:one", trustedAt: Date())
        let second = TrustedHostKey(node: "n1", keyType: "ssh-ed25519", publicKey: "AAAA2", fingerprint: "SHA256:two", trustedAt: Date() + 1)
        #expect(try store.recordFirstHostKey(first).inserted)
        let (recorded, inserted) = try store.recordFirstHostKey(second)
        #expect(!inserted)
        #expect(recorded.fingerprint == "SHA256:one")
        #expect(try store.trustedHostKeys()["n1"]?.publicKey == "AAAA1")
    }
}
