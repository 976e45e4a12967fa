import EdgeCore
import EdgeStore
import Foundation
import TestSupport
import Testing

/// What a team sharing one state needs, on both backends where both apply: leased locks that
/// name their holder, no lost update, a state server that goes away mid-run, and moving a whole
/// state between SQLite and PostgreSQL. Real processes, a real PostgreSQL server.
@Suite("Shared state", .serialized)
struct SharedStateTests {
    let actor = Actor(command: "edgectl test", user: "tester", host: "h")

    static func nodes(_ names: [String]) -> String {
        names.map { "apiVersion: edgectl/v1\nkind: Node\nmetadata: {name: \($0)}\nspec: {address: 127.0.0.1, port: 1}\n" }
            .joined(separator: "---\n")
    }

    /// A holder on another host (its pid cannot be checked from here) killed with SIGKILL: its
    /// server session or its file lock ends with it, and the next writer takes over at once,
    /// naming it; before that, a writer that does not wait fails at once with exit 75 naming the
    /// holder and its lease.
    @Test(arguments: TestStates.backends) func aKilledHolderOnAnotherHostIsTakenOverAtOnce(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make(backend, in: dir)
        // A node that accepts the connection and never speaks: the holder waits on it, holding the lock.
        let silent = try SilentListener()
        defer { silent.close() }
        dir.write("n.yaml", "apiVersion: edgectl/v1\nkind: Node\nmetadata: {name: mute}\nspec: {address: 127.0.0.1, port: \(silent.port)}\n")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        holder.arguments = [
            "--uts", "/bin/sh", "-c", "hostname ci-runner-7 && exec \"$0\" apply -f \"$1\" --connect-timeout 60", Edgectl.binaryPath,
            dir.path + "/n.yaml",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["EDGECTL_STATE"] = state
        // A lease longer than the taker waits: only the anchor can let it take over in time.
        environment["EDGECTL_LOCK_LEASE"] = "30"
        holder.environment = environment
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        let store = try StateStore(path: state)
        #expect(poll(20) { (try? store.lockHolder())?.host == "ci-runner-7" }, "the holder takes the lock")
        let status = try Edgectl.run(["lock", "status"], state: state)
        #expect(status.stdout.contains("on ci-runner-7, pid \(holder.processIdentifier)"), "\(status.stdout)")
        #expect(status.stdout.contains("apply -f"), "\(status.stdout)")
        let refused = try Edgectl.run(["apply", "-f", "-"], state: state, stdin: Self.nodes(["n1"]))
        #expect(refused.status == 75)
        #expect(refused.stderr.contains("locked by pid \(holder.processIdentifier)") && refused.stderr.contains("ci-runner-7"), "\(refused.stderr)")
        #expect(refused.stderr.contains("lease runs until"), "\(refused.stderr)")

        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let started = Date()
        // The run observes the silent node too: a short connect timeout keeps that out of the time.
        let taker = try Edgectl.run(
            ["apply", "-f", "-", "--lock-timeout", "20", "--connect-timeout", "1"], state: state, stdin: Self.nodes(["n1"]))
        #expect(taker.stderr.contains("took over the lock of pid \(holder.processIdentifier)"), "\(taker.stderr)")
        // Its anchor (the server session, the .lock file) went with it: taken over at once.
        let gone = backend == "postgres" ? "no longer connected to the state server" : "is no longer running"
        #expect(taker.stderr.contains("ci-runner-7") && taker.stderr.contains(gone), "\(taker.stderr)")
        #expect(Date().timeIntervalSince(started) < 6)
        #expect(try store.resources().contains { $0.resource.name == "n1" })
        #expect(try store.events().contains { $0.reason == "LockTakenOver" })
    }

    /// A live holder in another pid namespace with this host's name (a second CI container
    /// sharing the state file): its recorded pid is 1 there, which here is another process with
    /// another start time, so by pid it looks dead. Its file lock says it is alive: the lock is
    /// not taken over, and the refusal says a process on this machine holds it.
    @Test func aLiveHolderInAnotherPidNamespaceWithThisHostNameKeepsTheLock() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make("sqlite", in: dir)
        let silent = try SilentListener()
        defer { silent.close() }
        dir.write("n.yaml", "apiVersion: edgectl/v1\nkind: Node\nmetadata: {name: mute}\nspec: {address: 127.0.0.1, port: \(silent.port)}\n")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        holder.arguments = [
            "--pid", "--fork", "--mount-proc", "--kill-child", Edgectl.binaryPath, "apply", "-f", dir.path + "/n.yaml", "--connect-timeout", "60",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["EDGECTL_STATE"] = state
        holder.environment = environment
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer {
            if holder.isRunning {
                kill(holder.processIdentifier, SIGKILL)
                holder.waitUntilExit()
            }
        }
        let store = try StateStore(path: state)
        #expect(poll(20) { (try? store.lockHolder())?.pid == 1 }, "the holder takes the lock as pid 1 of its namespace")
        #expect(try store.lockHolder()?.host == ProcessInfo.processInfo.hostName)
        let refused = try Edgectl.run(["apply", "-f", "-", "--lock-timeout", "2"], state: state, stdin: Self.nodes(["n1"]))
        #expect(refused.status == 75, "\(refused.stderr)")
        #expect(refused.stderr.contains("a process on this machine holds"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("took over"), "\(refused.stderr)")
        #expect(try store.lockHolder()?.pid == 1, "the live holder still holds the lock")
        #expect(try !store.events().contains { $0.reason == "LockTakenOver" })

        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let taker = try Edgectl.run(["apply", "-f", "-", "--lock-timeout", "20"], state: state, stdin: Self.nodes(["n1"]))
        #expect(taker.status == 0, "\(taker.stderr)")
        #expect(taker.stderr.contains("took over the lock of pid 1"), "once it is gone, it is taken over: \(taker.stderr)")
    }

    @Test(arguments: TestStates.backends) func lockStatusAndForcedReleaseAreRecorded(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make(backend, in: dir)
        let store = try StateStore(path: state)
        #expect(try Edgectl.run(["lock", "status"], state: state).stdout.contains("not locked"))
        try store.plantLockForTesting(pid: 4_000_000, command: "edgectl reconcile", host: "laptop-of-ada")
        let json = try Edgectl.run(["lock", "status", "-o", "json"], state: state)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["locked"] as? Bool == true)
        #expect(object["host"] as? String == "laptop-of-ada")
        #expect(object["command"] as? String == "edgectl reconcile")
        #expect(object["expiresAt"] as? String != nil)
        #expect(try Edgectl.run(["lock", "release"], state: state).status == 64)
        let released = try Edgectl.run(["lock", "release", "--force"], state: state)
        #expect(released.status == 0)
        #expect(released.stdout.contains("laptop-of-ada"))
        #expect(try store.lockHolder() == nil)
        let event = try #require(try store.events().last)
        #expect(event.reason == "LockReleased")
        #expect(event.message.contains("laptop-of-ada") && event.message.contains("released by"))
    }

    /// Two operators apply different manifests at the same moment: both changes are recorded,
    /// one after the other, and generations have no gap.
    @Test(arguments: TestStates.backends) func simultaneousAppliesBothLand(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make(backend, in: dir)
        _ = try StateStore(path: state)
        let runs = try [["a1", "a2"], ["b1"]].map { names in
            try Edgectl.start(["apply", "-f", "-", "--lock-timeout", "30", "--connect-timeout", "1"], state: state, stdin: Self.nodes(names))
        }
        for (process, out, err) in runs {
            let (_, stderr) = Shell.collect(process, out, err)
            // Both get the lock in turn; their nodes are unreachable, so each ends pending (75).
            #expect([0, 75].contains(process.terminationStatus))
            #expect(!stderr.contains("locked by"), "\(stderr)")
        }
        let store = try StateStore(path: state)
        #expect(Set(try store.resources().map(\.resource.name)) == ["a1", "a2", "b1"])
        #expect(Set(try store.resources().map(\.appliedGeneration)) == [1, 2])
    }

    /// Writers that bypass the run lock (two processes' store calls at once) still lose
    /// nothing: each change is recorded whole, in order, with generations 1…N.
    @Test(arguments: TestStates.backends) func concurrentRecordsNeverLoseAnUpdate(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make(backend, in: dir)
        _ = try StateStore(path: state)
        let failures = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                let store = try StateStore(path: state)
                for i in 0..<5 {
                    let node = Resource(name: "w\(worker)-\(i)", spec: .node(NodeSpec(address: "10.0.0.1")))
                    _ = try store.record(DesiredStateDiff.compute(current: [], incoming: [node]), by: actor)
                }
            } catch {
                failures.add(error)
            }
        }
        #expect(failures.errors.isEmpty, "\(failures.errors)")
        let store = try StateStore(path: state)
        #expect(try store.resources().count == 20)
        #expect(Set(try store.resources().map(\.appliedGeneration)) == Set(1...20))
    }

    /// Several operators' first commands meet on a new database: one migrates, the others wait
    /// for it and then see its tables (none fails on "already exists").
    @Test(arguments: TestStates.backends) func firstOpensAtOnceMigrateOnce(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make(backend, in: dir)
        let failures = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try StateStore(path: state).resources() } catch { failures.add(error) }
        }
        #expect(failures.errors.isEmpty, "\(failures.errors)")
    }

    /// The server restarts in the middle of a write: that write fails with a clear, temporary
    /// error (exit 75) and leaves nothing of itself; the next one reconnects. A restart between
    /// two writes is not even noticed.
    @Test(.enabled(if: TestStates.postgresURL != nil && ProcessInfo.processInfo.environment["EDGECTL_TEST_PG_DIR"] != nil))
    func aServerRestartMidRunIsATemporaryErrorAndNothingHalfWritten() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make("postgres", in: dir)
        let server = ProcessInfo.processInfo.environment["EDGECTL_TEST_PG_DIR"]!
        let store = try StateStore(path: state)
        let n1 = Resource(name: "n1", spec: .node(NodeSpec(address: "x")))
        _ = try store.record(DesiredStateDiff.compute(current: [], incoming: [n1]), by: actor)
        do {
            try store.write { db in
                try db.execute(
                    sql: "INSERT INTO event (time, type, objectKind, objectName, reason, message) VALUES ('t', 'Normal', 'Node', 'n1', 'Half', 'm')")
                let restart = try Shell.run(Edgectl.packageRoot + "/scripts/pg-server", ["restart", server])
                #expect(restart.status == 0, "\(restart.stderr)")
                try db.execute(sql: "UPDATE resource SET labels = '{}' WHERE name = 'n1'")
            }
            Issue.record("a write across a server restart must fail")
        } catch let error as EdgeError {
            #expect(error.kind.exitCode == 75)
            #expect(error.message.contains("went away") && error.message.contains("nothing of this step was written"), "\(error.message)")
        }
        #expect(try !store.events().contains { $0.reason == "Half" }, "the half-done write left nothing")
        let n2 = Resource(name: "n2", spec: .node(NodeSpec(address: "y")))
        _ = try store.record(DesiredStateDiff.compute(current: [], incoming: [n2]), by: actor)
        let again = try Shell.run(Edgectl.packageRoot + "/scripts/pg-server", ["restart", server])
        #expect(again.status == 0)
        let n3 = Resource(name: "n3", spec: .node(NodeSpec(address: "z")))
        _ = try store.record(DesiredStateDiff.compute(current: [], incoming: [n3]), by: actor)
        #expect(try store.resources().map(\.resource.name).sorted() == ["n1", "n2", "n3"])
        #expect(Set(try store.resources().map(\.appliedGeneration)) == [1, 2, 3])
    }

    /// SQLite → PostgreSQL → SQLite: every table identical, and every command answers the same
    /// from each copy; a destination that already holds a state is refused.
    @Test(.enabled(if: TestStates.postgresURL != nil)) func stateCopyRoundTripIsIdentical() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let original = try TestStates.make("sqlite", in: dir)
        dir.write("bundle/run", "#!/bin/sh\nexec sleep 1000\n", mode: 0o755)
        dir.write(
            "m.yaml",
            Self.nodes(["n1", "n2"]) + """
                ---
                apiVersion: edgectl/v1
                kind: NodeGroup
                metadata: {name: all}
                spec: {nodes: [n1, n2]}
                ---
                apiVersion: edgectl/v1
                kind: Secret
                metadata: {name: token}
                spec: {from: {env: EDGECTL_TEST_COPY_TOKEN}}
                ---
                apiVersion: edgectl/v1
                kind: Service
                metadata: {name: web}
                spec:
                  bundle: {path: ./bundle, version: "1.0"}
                  nodeGroups: [all]
                  run: {command: [./run], env: {TOKEN: {secret: token}}}
                """)
        // This operator has no key of their own yet: the copy gives them the source's.
        let operatorKey = dir.path + "/config/edgectl/fingerprint.key"
        let environment = ["EDGECTL_TEST_COPY_TOKEN": "s3cret", "EDGECTL_FINGERPRINT_KEY_FILE": operatorKey]
        let applied = try Edgectl.run(["apply", "-f", dir.path + "/m.yaml", "--connect-timeout", "1"], state: original, environment: environment)
        #expect(applied.stdout.contains("service/web created"), "\(applied.stdout)")
        let store = try StateStore(path: original)
        try store.trustHostKey(TrustedHostKey(node: "n1", keyType: "ssh-ed25519", publicKey: "AAAA", fingerprint: "SHA256:x", trustedAt: Date()))
        let rollout = try store.startRollout(service: "web", revision: 1, release: "r", command: "test")
        try store.recordStep(rollout: rollout, node: "n1", step: .switching, message: "m1")
        try store.recordStep(rollout: rollout, node: "n1", step: .healthy)
        try store.finishRollout(rollout, state: .complete, message: "done")
        try store.pause(service: "web", by: "ada")

        let shared = try TestStates.make("postgres", in: dir)
        let there = try Edgectl.run(["state", "copy", "--from", original, "--to", shared], state: nil, environment: environment)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.contains("every table compared equal"), "\(there.stdout)")
        // The key is the operator's now, never a row of the shared database.
        let sourceKey = try #require(FileManager.default.contents(atPath: original + ".fingerprint-key")).map { String(format: "%02x", $0) }.joined()
        #expect(try String(contentsOfFile: operatorKey, encoding: .utf8) == sourceKey + "\n")
        #expect(try TestStates.psql(shared, "SELECT string_agg(value, ',') FROM setting").contains(sourceKey) == false)
        let back = try TestStates.make("sqlite", in: dir)
        let home = try Edgectl.run(["state", "copy", "--from", shared, "--to", back], state: nil, environment: environment)
        #expect(home.status == 0, "\(home.stderr)")
        try StateCopy.verify(try StateStore(path: original), try StateStore(path: back))

        let commands: [[String]] = [
            ["get", "nodes", "-o", "json"], ["get", "services", "-o", "json"], ["get", "secrets", "-o", "json"], ["get", "events", "-o", "json"],
            ["get", "releases", "-o", "json"], ["rollout", "history", "service/web", "-o", "json"],
            ["rollout", "status", "service/web", "-o", "json"],
            ["status", "--no-refresh", "-o", "json"], ["diff", "-f", dir.path + "/m.yaml", "--no-refresh"],
        ]
        for command in commands {
            let answers = try [original, shared, back].map { try Edgectl.run(command, state: $0, environment: environment) }
            #expect(answers[1].stdout == answers[0].stdout, "\(command) differs on PostgreSQL")
            #expect(answers[2].stdout == answers[0].stdout, "\(command) differs after the round trip")
            #expect(Set(answers.map(\.status)).count == 1, "\(command) exit codes differ")
        }
        // Into a state that is not empty: refused, nothing written.
        let again = try Edgectl.run(["state", "copy", "--from", original, "--to", shared], state: nil, environment: environment)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds a state"), "\(again.stderr)")
    }
}

/// A TCP listener on 127.0.0.1 that never accepts: connections complete (the kernel's backlog)
/// and then hear nothing, like a node whose sshd hangs.
final class SilentListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw TestStateError(message: "cannot listen: \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        _ = self.fd
    }

    func close() { _ = Glibc.close(fd) }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var errors: [Error] = []
    func add(_ error: Error) {
        lock.lock()
        errors.append(error)
        lock.unlock()
    }
}
