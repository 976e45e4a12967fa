import EdgeCore
import EdgeEngine
import EdgeSSH
import EdgeStore
import Foundation
import TestSupport
import Testing

@Suite("Host keys: first contact by two runs")
struct HostKeyRaceTests {
    /// Two runs meet a node for the first time together, and see different keys (one of them is
    /// being lied to). The one that records second must be refused, not overwrite the first's key.
    @Test(arguments: TestStates.backends) func theSecondRunToRecordAKeyComparesWithTheFirst(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try TestStates.make(backend, in: dir)
        let store = try StateStore(path: path)
        let mine = try HostKeyTrust(store: store, nodes: [])
        let theirs = try HostKeyTrust(store: try StateStore(path: path), nodes: [])
        let real = HostKey(type: "ssh-ed25519", base64: "AAAAC3real", fingerprint: "SHA256:real")
        let forged = HostKey(type: "ssh-ed25519", base64: "AAAAC3forged", fingerprint: "SHA256:forged")
        try theirs.verify(node: "n1", key: real)
        #expect(throws: SSHError.self) { try mine.verify(node: "n1", key: forged) }
        #expect(try store.trustedHostKeys()["n1"]?.fingerprint == "SHA256:real")
        try mine.verify(node: "n1", key: real)
    }
}
