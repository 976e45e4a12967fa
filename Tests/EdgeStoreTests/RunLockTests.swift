import EdgeCore
import EdgeStore
import Foundation
import TestSupport
import Testing

/// The run lock between real processes: this test process and the built `edgectl` binary.
@Suite("Run lock", .serialized)
struct RunLockTests {
    let manifest = """
        apiVersion: edgectl/v1
        kind: Node
        metadata: {name: n1}
        spec: {address: 127.0.0.1, port: 1}
        """

    @Test(arguments: TestStates.backends) func secondWriterFailsFastNamingTheHolder(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try TestStates.make(backend, in: dir)
        let store = try StateStore(path: path)
        let lock = try store.acquireLock(command: "edgectl apply -f held.yaml")
        defer { lock.release() }
        let result = try Edgectl.run(["apply", "-f", "-"], state: path, stdin: manifest)
        #expect(result.status == 75)
        #expect(result.stderr.contains("locked by pid \(getpid())"))
        #expect(result.stderr.contains("edgectl apply -f held.yaml"))
        #expect(try store.resources().isEmpty)
        // Reading needs no lock.
        #expect(try Edgectl.run(["get", "nodes"], state: path).status == 0)
    }

    @Test(arguments: TestStates.backends) func lockTimeoutWaitsForTheHolder(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try TestStates.make(backend, in: dir)
        let store = try StateStore(path: path)
        let lock = try store.acquireLock(command: "holder")
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { lock.release() }
        let result = try Edgectl.run(["apply", "-f", "-", "--lock-timeout", "20"], state: path, stdin: manifest)
        // Got the lock and recorded; the node itself is unreachable (75), which is not a lock failure.
        #expect(!result.stderr.contains("locked by"), "\(result.stderr)")
        #expect(try store.resources().count == 1)
    }

    @Test(arguments: TestStates.backends) func deadHoldersLockIsTakenOverWithAWarning(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try TestStates.make(backend, in: dir)
        // A real process is recorded as the holder and killed with SIGKILL, so it never releases the lock.
        let store = try StateStore(path: path)
        let victim = Process()
        victim.executableURL = URL(fileURLWithPath: "/bin/sleep")
        victim.arguments = ["60"]
        try victim.run()
        try store.plantLockForTesting(pid: victim.processIdentifier, command: "edgectl apply (killed)")
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        let result = try Edgectl.run(["apply", "-f", "-"], state: path, stdin: manifest)
        #expect(!result.stderr.contains("locked by"), "\(result.stderr)")
        #expect(result.stderr.contains("took over the lock of pid \(victim.processIdentifier)"))
        #expect(try store.lockHolder() == nil)
    }

    @Test(arguments: TestStates.backends) func concurrentWritersOneWinsOthersExit75(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try TestStates.make(backend, in: dir)
        _ = try StateStore(path: path)
        // Eight applies race; each either wins the lock or exits 75 naming a holder. None sees SQLITE_BUSY.
        let processes = try (0..<8).map { i in
            try Edgectl.start(["apply", "-f", "-"], state: path, stdin: manifest.replacingOccurrences(of: "n1", with: "n\(i)"))
        }
        var winners = 0
        for (process, _, err) in processes {
            process.waitUntilExit()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // A loser exits 75 naming the holder; a winner records its node (no service runs
            // there, so nothing is pending: 0). Never a raw SQLite error.
            #expect([0, 75].contains(process.terminationStatus))
            // (A loser that looks just as the holder lets go names "another process": the file
            // lock is still held, its row already gone. So winners are counted by status.)
            if process.terminationStatus == 0 { winners += 1 } else { #expect(stderr.contains("is locked by"), "\(stderr)") }
            #expect(!stderr.contains("SQLITE_BUSY") && !stderr.contains("database is locked") && !stderr.contains("SQLSTATE"))
        }
        #expect(winners >= 1)
        let store = try StateStore(path: path)
        #expect(try store.resources().count == winners)
        #expect(try store.integrityCheck() == "ok")
    }
}
