import EdgeCore
import EdgeEngine
import EdgeSSH
import Foundation
import TestSupport
import XCTest

/// The node side against a real fleet: node 1 and 2 have coreutils, node 3 only busybox on its PATH.
final class NodeOperationsTests: FleetTestCase {
    override class var fleetSpec: (name: String, subnet: String, count: Int, busybox: Int?) { (name: "np", subnet: "10.81.0", count: 3, busybox: 3) }

    func ops(_ fleet: TestFleet, _ i: Int, operationTimeout: Double = 60) throws -> NodeOperations {
        let session = try SSHSession(
            target: SSHTarget(node: fleet.nodeName(i), address: fleet.address(i), user: "root", identityFile: fleet.identityFile),
            options: SSHOptions(connectTimeout: 5, operationTimeout: operationTimeout), verifier: AcceptAnyHostKey())
        return try NodeOperations(session: session, root: "/var/lib/edgectl")
    }

    /// A web service bundle: busybox httpd serving www/ (version, healthz), plus `extra` files.
    func makeBundle(
        _ dir: TemporaryDirectory, _ name: String, version: String, extra: [String: Data] = [:], command: String? = nil
    ) throws -> (String, Release) {
        dir.write("\(name)/bin/serve", command ?? "#!/bin/sh\nexec busybox httpd -f -p \"127.0.0.1:$1\" -h ./www\n", mode: 0o755)
        dir.write("\(name)/www/version", version + "\n")
        dir.write("\(name)/www/healthz", "ok\n")
        for (path, data) in extra {
            let full = dir.path + "/\(name)/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: full))
        }
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/\(name)/www/index.html", withDestinationPath: "version")
        let path = dir.path + "/" + name
        return (path, try BundleScanner.scan(path))
    }

    func spec(port: Int) -> ServiceSpec {
        var spec = ServiceSpec(bundle: BundleSpec(path: "/unused"), run: RunSpec(command: ["./bin/serve", String(port)]))
        var health = HealthCheckSpec()
        health.probe = .http(port: port, path: "/healthz")
        health.healthyDeadlineSeconds = 10
        spec.healthCheck = health
        return spec
    }

    /// GET /version from inside the node's namespace (not through edgectl).
    func answer(_ fleet: TestFleet, _ i: Int, port: Int) throws -> String {
        try fleet.inNode(i, "timeout 5 busybox wget -q -O - http://127.0.0.1:\(port)/version").output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func deploy(_ ops: NodeOperations, _ service: String, _ release: Release, from path: String, port: Int) throws -> PushReport {
        let report = try ops.push(release, from: path)
        try ops.switchTo(
            service: service, unit: try ServiceUnit(service: service, spec: spec(port: port), release: release.digest, node: ops.node), grace: 2)
        XCTAssertEqual(try ops.waitHealthy(service: service, check: spec(port: port).healthCheck), .healthy)
        return report
    }

    func randomData(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    func testDeployAnswersThenRepeatSendsNothingAndOneFileChangeSendsOneFile() throws {
        let fleet = try requireFleet()
        for node in [1, 3] {  // a coreutils node and the busybox-only node
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            var extra: [String: Data] = [:]
            for i in 0..<50 { extra["data/f\(i).bin"] = randomData(20_000) }
            let (path, v1) = try makeBundle(dir, "web", version: "1.0.\(node)", extra: extra)
            let ops = try ops(fleet, node)
            try? ops.stop(service: "web")
            let first = try deploy(ops, "web", v1, from: path, port: 8080)
            XCTAssertEqual(first.filesSent, v1.fileCount)
            XCTAssertEqual(try answer(fleet, node, port: 8080), "1.0.\(node)", "node \(node)")
            XCTAssertTrue(try ops.isRunning(service: "web"))

            // The same release again: no file bytes.
            let again = try ops.push(v1, from: path)
            XCTAssertEqual(again.filesSent, 0)
            XCTAssertEqual(again.bytesSent, 0)

            // One file of 53 changes: about one file is sent.
            dir.write("web/data/f7.bin", String(repeating: "x", count: 20_000))
            let v2 = try BundleScanner.scan(path)
            let one = try ops.push(v2, from: path)
            XCTAssertEqual(one.filesSent, 1)
            // The file, its tar framing (2 KiB at most) and the request's own line.
            XCTAssertLessThan(one.bytesSent, 20_000 + 2_048 + 128)
            XCTAssertGreaterThanOrEqual(one.bytesSent, 20_000)
            let problems = try ops.verify(service: "web", release: v1)
            XCTAssertEqual(problems, [], "node \(node)")
            try ops.stop(service: "web", grace: 2)
            XCTAssertFalse(try ops.isRunning(service: "web"))
            XCTAssertNotEqual(try fleet.inNode(node, "timeout 5 busybox wget -q -O - http://127.0.0.1:8080/version").status, 0)
        }
    }

    func testProcessSurvivesTheConnectionAndStopEndsIt() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (path, release) = try makeBundle(dir, "svc", version: "9")
        do {
            let ops = try ops(fleet, 2)
            _ = try deploy(ops, "survivor", release, from: path, port: 8090)
        }  // session closed here
        XCTAssertEqual(try answer(fleet, 2, port: 8090), "9")
        let ops = try ops(fleet, 2)
        let observed = try XCTUnwrap(try ops.observe().first { $0.service == "survivor" })
        XCTAssertEqual(observed.process, .running)
        XCTAssertEqual(observed.current, release.digest)
        try ops.stop(service: "survivor", grace: 2)
        XCTAssertEqual(try ops.observe().first { $0.service == "survivor" }?.process, .stopped)
    }

    func testInterruptedTransferResumesAndCompletes() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var extra: [String: Data] = [:]
        for i in 0..<16 { extra["blob/\(i)"] = randomData(500_000) }
        let (path, release) = try makeBundle(dir, "big", version: "big", extra: extra)
        try fleet.throttle(1, rate: "8mbit")
        defer { try? fleet.unthrottle(1) }
        let incoming = fleet.root(1) + "/store/.incoming"
        nonisolated(unsafe) let pusher = try ops(fleet, 1, operationTimeout: 10)
        let failed = expectation(description: "push fails when its connection is killed")
        nonisolated(unsafe) var firstError: Error?
        Thread.detachNewThread {
            do { _ = try pusher.push(release, from: path) } catch { firstError = error }
            failed.fulfill()
        }
        // Wait until a few files have arrived, then kill every process of the session on the node.
        let deadline = Date().addingTimeInterval(20)
        while ((try? FileManager.default.contentsOfDirectory(atPath: incoming))?.count ?? 0) < 4 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let listener = try String(contentsOfFile: fleet.directory + "/node-1/sshd.pid", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        _ = try Shell.run("/bin/sh", ["-c", "for p in $(ip netns pids \(fleet.nodeName(1))); do [ \"$p\" = \(listener) ] || kill -KILL $p; done"])
        wait(for: [failed], timeout: 30)
        XCTAssertNotNil(firstError, "the interrupted push reports an error")
        try fleet.unthrottle(1)
        // The next push completes, sending only what had not arrived.
        let resumed = try ops(fleet, 1)
        let report = try resumed.push(release, from: path)
        XCTAssertGreaterThan(report.filesSent, 0)
        XCTAssertLessThan(report.filesSent, release.fileCount, "resumes instead of starting over")
        try resumed.activate(service: "big", digest: release.digest)
        XCTAssertEqual(try resumed.verify(service: "big", release: release), [])
        XCTAssertEqual(try resumed.missingFiles(release, verify: true).count, 0)
    }

    func testCurrentAlwaysPointsAtACompleteRelease() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (pathA, a) = try makeBundle(dir, "a", version: "A")
        let (pathB, b) = try makeBundle(dir, "b", version: "B")
        let ops = try ops(fleet, 2)
        _ = try ops.push(a, from: pathA)
        _ = try ops.push(b, from: pathB)
        try ops.activate(service: "flip", digest: a.digest)
        let current = fleet.root(2) + "/services/flip/current"
        let stop = Locked(false)
        let bad = Locked<[String]>([])
        let observations = Locked(0)
        let watcher = Thread {
            while !stop.value {
                // Through the link, as a reader on the node would: it must always resolve to a whole release.
                guard let version = try? String(contentsOfFile: current + "/www/version", encoding: .utf8),
                    let files = try? FileManager.default.subpathsOfDirectory(atPath: current + "/")
                else {
                    bad.mutate { $0.append("unreadable") }
                    continue
                }
                if !(version == "A\n" || version == "B\n") || files.count != a.entries.count { bad.mutate { $0.append("\(version) \(files.count)") } }
                observations.mutate { $0 += 1 }
            }
        }
        watcher.start()
        for i in 0..<30 { try ops.activate(service: "flip", digest: i % 2 == 0 ? b.digest : a.digest) }
        stop.value = true
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertEqual(bad.value, [])
        XCTAssertGreaterThan(observations.value, 30)
        let observed = try XCTUnwrap(try ops.observe().first { $0.service == "flip" })
        XCTAssertEqual(observed.current, a.digest)
        XCTAssertEqual(observed.previous, b.digest)
    }

    func testFailedHealthCheckRollsBackToThePreviousReleaseWhichAnswersAgain() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (pathGood, good) = try makeBundle(dir, "good", version: "good")
        let (pathBad, bad) = try makeBundle(dir, "bad", version: "bad", command: "#!/bin/sh\necho crashing >&2\nexit 1\n")
        let ops = try ops(fleet, 3)  // the busybox node
        try? ops.stop(service: "roll")
        _ = try deploy(ops, "roll", good, from: pathGood, port: 8070)
        XCTAssertEqual(try answer(fleet, 3, port: 8070), "good")

        _ = try ops.push(bad, from: pathBad)
        try ops.switchTo(
            service: "roll", unit: try ServiceUnit(service: "roll", spec: spec(port: 8070), release: bad.digest, node: ops.node), grace: 2)
        let outcome = try ops.waitHealthy(service: "roll", check: spec(port: 8070).healthCheck)
        guard case .unhealthy(let reason) = outcome else { return XCTFail("a crashing release must not be healthy") }
        XCTAssertTrue(reason.contains("exited"), reason)

        let sentBefore = ops.session.bytesSent
        XCTAssertTrue(try ops.rollback(service: "roll"))
        XCTAssertEqual(try ops.observe().first { $0.service == "roll" }?.current, good.digest)
        try ops.restart(service: "roll", grace: 2)
        XCTAssertEqual(try ops.waitHealthy(service: "roll", check: spec(port: 8070).healthCheck), .healthy)
        XCTAssertEqual(try answer(fleet, 3, port: 8070), "good")
        XCTAssertLessThan(ops.session.bytesSent - sentBefore, 4_096, "rollback sends scripts, no files")
        try ops.stop(service: "roll", grace: 2)
    }

    func testHandEditIsDriftAndCleanupKeepsWhatIsInUse() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let ops = try ops(fleet, 1)
        var releases: [Release] = []
        for v in 1...5 {
            let (path, r) = try makeBundle(dir, "d\(v)", version: "v\(v)")
            _ = try ops.push(r, from: path)
            try ops.activate(service: "drifty", digest: r.digest)
            releases.append(r)
        }
        let current = releases[4]
        var observed = try XCTUnwrap(try ops.observe().first { $0.service == "drifty" })
        XCTAssertNil(observed.drift(expectedEntries: current.entries.count))

        // A hand edit on the node (the file is read-only, so the editor forces it).
        Thread.sleep(forTimeInterval: 1.1)  // mtime granularity of `find -newer` on some filesystems is 1 s
        let edited = try fleet.inNode(1, "f=/proc/self/root\(fleet.root(1))/services/drifty/current/www/version; chmod u+w $f && echo hacked > $f")
        XCTAssertEqual(edited.status, 0, edited.output)
        observed = try XCTUnwrap(try ops.observe().first { $0.service == "drifty" })
        XCTAssertNotNil(observed.drift(expectedEntries: current.entries.count))
        XCTAssertEqual(try ops.verify(service: "drifty", release: current), ["modified www/version"])
        // The store shares the inode, so a verified push re-sends the damaged file.
        XCTAssertEqual(try ops.missingFiles(current, verify: true).map(\.path), ["www/version"])

        let removed = try ops.cleanup(keep: 3)
        // v1 and v2 are neither current, previous nor among the last 3 activated.
        XCTAssertTrue(removed.contains("removed release \(releases[0].digest)"), "\(removed)")
        XCTAssertTrue(removed.contains("removed release \(releases[1].digest)"), "\(removed)")
        XCTAssertFalse(removed.contains { $0.contains(releases[2].digest) })
        XCTAssertFalse(FileManager.default.fileExists(atPath: fleet.root(1) + "/releases/" + releases[0].digest))
        XCTAssertTrue(FileManager.default.fileExists(atPath: fleet.root(1) + "/releases/" + releases[2].digest))
    }

    func testRepairPutsTheReleaseBackInPlaceWithoutReplacingItsDirectory() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        for node in [1, 3] {  // a coreutils node and the busybox-only node
            let ops = try ops(fleet, node)
            let (path, r) = try makeBundle(dir, "repair\(node)", version: "r\(node)", extra: ["lib/a.txt": Data("a\n".utf8)])
            _ = try ops.push(r, from: path)
            try ops.activate(service: "repaired", digest: r.digest)
            let current = fleet.root(node) + "/services/repaired/current"
            let inode = try FileManager.default.attributesOfItem(atPath: current + "/")[.systemFileNumber] as? Int

            // Hands on the node: an edit (damaging the stored copy too), a new file, a new
            // directory, a removed file and a symlink pointed elsewhere.
            let edited = try Shell.run(
                "/bin/sh",
                [
                    "-c",
                    """
                    cd '\(current)/' && echo hacked > www/version && echo x > www/stray && mkdir -p junk/deep && echo y > junk/deep/z \
                    && rm lib/a.txt && ln -sfn healthz www/index.html
                    """,
                ])
            XCTAssertEqual(edited.status, 0, edited.stderr)
            XCTAssertEqual(Set(try ops.verify(service: "repaired", release: r)), ["modified www/version", "missing lib/a.txt"])

            let report = try ops.push(r, from: path, verify: true)
            XCTAssertEqual(report.filesSent, 1, "only the damaged file: the removed one is still in the store")
            XCTAssertEqual(try ops.verify(service: "repaired", release: r), [])
            XCTAssertFalse(FileManager.default.fileExists(atPath: current + "/www/stray"))
            XCTAssertFalse(FileManager.default.fileExists(atPath: current + "/junk"))
            XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: current + "/www/index.html"), "version")
            XCTAssertEqual(try String(contentsOfFile: current + "/www/version", encoding: .utf8), "r\(node)\n")
            XCTAssertEqual(
                try FileManager.default.attributesOfItem(atPath: current + "/")[.systemFileNumber] as? Int, inode,
                "repaired in place: the directory `current` points at was never replaced")
            try ops.activate(service: "repaired", digest: r.digest)  // as the batch's switch does
            let observed = try XCTUnwrap(try ops.observe().first { $0.service == "repaired" })
            XCTAssertNil(observed.drift(expectedEntries: r.entries.count), "\(observed)")
        }
    }

    // MARK: The session shell

    func testAFiftyMegabyteRequestAndAFiftyThousandLineReplyInOneSession() throws {
        let fleet = try requireFleet()
        for i in [1, 3] {
            let ops = try ops(fleet, i)
            var payload = Data(count: 50 << 20)
            for k in stride(from: 0, to: payload.count, by: 4099) { payload[k] = UInt8(truncatingIfNeeded: k) }
            // `cat` answers with its whole input: both directions full at once.
            let echoed = try ops.link.shell.call("cat", input: .bytes(payload), output: .listing)
            XCTAssertEqual(echoed.status, 0)
            XCTAssertEqual(echoed.stdout.count, payload.count, "node \(i)")
            XCTAssertTrue(echoed.stdout == payload, "node \(i): the reply is the request")
            let lines = try ops.link.shell.call("seq", ["1", "50000"]).lines
            XCTAssertEqual(lines.count, 50000)
            XCTAssertEqual(lines.last, "50000")
            XCTAssertNoThrow(try ops.observe(), "the session is still in step")
        }
    }

    func testANodeWhoseShellDiesMidRequestFailsAloneWithinTheTimeout() throws {
        let fleet = try requireFleet()
        let dying = try ops(fleet, 1, operationTimeout: 5)
        let healthy = try ops(fleet, 2, operationTimeout: 5)
        let started = Date()
        let outcome = Locked<Result<ShellReply, Error>?>(nil)
        let shared = Locked(dying)  // used by the thread only until the call returns
        let thread = Thread {
            outcome.value = Result { try shared.value.link.shell.call("sleep", ["60"]) }
        }
        thread.start()
        // Kill node 1's session shell and everything it runs (its process group).
        XCTAssertTrue(
            poll(10) {
                (try? fleet.inNode(
                    1,
                    "for p in $(ip netns pids \(fleet.nodeName(1))); do grep -q edge_serve /proc/$p/cmdline 2>/dev/null && kill -KILL -$p && echo killed; done"
                ).output.contains("killed")) == true
            })
        XCTAssertTrue(poll(15) { outcome.value != nil }, "the call returned")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        guard case .failure(let error)? = outcome.value else { return XCTFail("the call on a dead shell failed") }
        XCTAssertTrue("\(error)".contains(fleet.nodeName(1)), "\(error)")
        XCTAssertThrowsError(try dying.observe(), "a broken session fails at once")
        XCTAssertNoThrow(try healthy.observe(), "the other node is not affected")
    }

    func testTheNodeLibraryReinstallsItselfWhenItsFileIsDamaged() throws {
        let fleet = try requireFleet()
        for i in [2, 3] {
            _ = try ops(fleet, i)
            let file = fleet.root(i) + "/lib/node-\(NodeLibrary.digest).sh"
            XCTAssertTrue(FileManager.default.fileExists(atPath: file))
            XCTAssertFalse(try ops(fleet, i).link.shell.installedLibrary, "installed once")
            try Data("edge_serve() { exit 1; }\n".utf8).write(to: URL(fileURLWithPath: file))
            let again = try ops(fleet, i)
            XCTAssertTrue(again.link.shell.installedLibrary)
            XCTAssertNoThrow(try again.observe())
        }
    }

}

/// A value shared between a test and a watcher thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: Value
    init(_ value: Value) { _value = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return _value }
        set { lock.lock(); _value = newValue; lock.unlock() }
    }
    func mutate(_ body: (inout Value) -> Void) {
        lock.lock()
        body(&_value)
        lock.unlock()
    }

}
