import EdgeStore
import Foundation
import TestSupport
import XCTest

/// status, describe, logs and exec against a real fleet of six nodes running a service
/// that prints three lines and then answers HTTP.
final class InspectTests: FleetTestCase {
    override class var fleetSpec: (name: String, subnet: String, count: Int, busybox: Int?) {
        (name: "in", subnet: "10.85.0", count: 6, busybox: nil)
    }

    var fleet: TestFleet!
    var dir: TemporaryDirectory!
    var state: String { dir.path + "/state.db" }
    let port = 9471

    override func setUpWithError() throws {
        fleet = try requireFleet()
        dir = TemporaryDirectory()
        for i in 1...6 {
            try? FileManager.default.removeItem(atPath: fleet.root(i) + "/services")
            try? FileManager.default.removeItem(atPath: fleet.root(i) + "/fail-here")
            // Something only this node knows, for exec to print.
            try "\(i)\n".write(toFile: fleet.root(i) + "/whoami", atomically: true, encoding: .utf8)
        }
        try FileManager.default.copyItem(atPath: fleet.manifestPath, toPath: dir.mkdir("m") + "/nodes.yaml")
        dir.write(
            "m/groups.yaml",
            """
            apiVersion: edgectl/v1
            kind: NodeGroup
            metadata: {name: all}
            spec: {selector: {matchLabels: {fleet: in}}}
            """)
        dir.write(
            "talker/bin/talk",
            """
            #!/bin/sh
            for n in 1 2 3; do echo "line $n from $EDGE_NODE"; done
            echo "to stderr from $EDGE_NODE" >&2
            exec busybox httpd -f -p "127.0.0.1:$1" -h ./www
            """, mode: 0o755)
        dir.write("talker/www/version", "1.0\n")
        dir.write(
            "m/talker.yaml",
            """
            apiVersion: edgectl/v1
            kind: Service
            metadata: {name: talker}
            spec:
              bundle: {path: ../talker, version: "1.0"}
              nodeGroups: [all]
              run: {command: [./bin/talk, "\(port)"]}
              healthCheck: {http: {port: \(port), path: /version}, healthyDeadlineSeconds: 5}
              rollout: {maxUnavailable: 100%}
            """)
    }

    override func tearDownWithError() throws {
        fleet?.stopServices()
        if let fleet { for i in 1...6 { try? fleet.heal(i) } }
        dir?.remove()
    }

    func edgectl(_ args: [String], timeout: Double = 3) throws -> Edgectl.Result {
        // Options go right after the subcommand: everything after `--` belongs to exec's command.
        try Edgectl.run([args[0], "--connect-timeout", String(timeout)] + args.dropFirst(), state: state)
    }

    func applied() throws {
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr)
    }

    func json(_ result: Edgectl.Result) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout + result.stderr)
    }

    func service(_ status: [String: Any], _ name: String) throws -> [String: Any] {
        try XCTUnwrap((status["services"] as? [[String: Any]])?.first { $0["name"] as? String == name })
    }

    func nodePhases(_ service: [String: Any]) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: (service["nodes"] as? [[String: Any]] ?? []).map { ($0["node"] as? String ?? "", $0["phase"] as? String ?? "") })
    }

    // MARK: logs

    func testLogsTailReturnsWhatEachNodePrinted() throws {
        try applied()
        let logs = try edgectl(["logs", "service/talker", "--tail", "2"])
        XCTAssertEqual(logs.status, 0, logs.stderr)
        // Node by node, in name order, each line led by its node: the last two lines of each log
        // (stdout and stderr of the service share the log).
        let expected = (1...6).flatMap { i in
            let n = fleet.nodeName(i)
            return ["\(n) | line 3 from \(n)", "\(n) | to stderr from \(n)"]
        }
        XCTAssertEqual(logs.stdout.split(separator: "\n").map(String.init), expected)

        let one = try edgectl(["logs", "talker", "--node", fleet.nodeName(3), "--tail", "all"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let n3 = fleet.nodeName(3)
        XCTAssertEqual(one.stdout, ["line 1", "line 2", "line 3"].map { "\(n3) | \($0) from \(n3)\n" }.joined() + "\(n3) | to stderr from \(n3)\n")

        let stranger = try edgectl(["logs", "talker", "--node", "nosuch"])
        XCTAssertEqual(stranger.status, 1)
        XCTAssertTrue(stranger.stderr.contains("node/nosuch not found"), stranger.stderr)

        // An unreachable node: the others' logs, a warning naming it, and 75.
        try fleet.partition(5)
        let partial = try edgectl(["logs", "talker", "--tail", "1"], timeout: 2)
        XCTAssertEqual(partial.status, 75, partial.stderr)
        XCTAssertEqual(partial.stdout.split(separator: "\n").count, 5)
        XCTAssertTrue(partial.stderr.contains(fleet.nodeName(5)), partial.stderr)
    }

    func testLogsFollowStreamsNewLinesAndStopsTheTailOnTheNode() throws {
        try applied()
        let node = fleet.nodeName(2)
        let (process, out, _) = try Edgectl.start(
            ["logs", "talker", "--node", node, "--tail", "0", "--follow", "--connect-timeout", "3"], state: state)
        let received = DataCollector(out)
        let logPath = "/var/lib/edgectl/services/talker/log"
        // Wait until the tail runs on the node, then write to the log as the service would.
        XCTAssertTrue(poll(10) { (try? self.fleet.inNode(2, "pgrep -f '[t]ail -n 0 -f .*talker/log'").status) == 0 }, "tail started on the node")
        let write = try edgectl(["exec", "--node", node, "--", "echo 'a new line' >> \(logPath)"])
        XCTAssertEqual(write.status, 0, write.stderr)
        XCTAssertTrue(poll(10) { received.text.contains("\(node) | a new line\n") }, "followed line arrived: \(received.text)")
        process.terminate()
        process.waitUntilExit()
        XCTAssertTrue(
            poll(10) { (try? self.fleet.inNode(2, "pgrep -f '[t]ail -n 0 -f .*talker/log'").status) == 1 }, "the tail on the node ended with edgectl")
    }

    /// A node that partitions after edgectl connected (the link goes down, nothing is reset)
    /// ends `logs --follow` and an `exec` without `--timeout` within a bounded time (TCP
    /// keepalive, sized by `--connect-timeout`), naming the node, instead of waiting forever.
    func testAPartitionAfterConnectEndsFollowAndExecWithinABoundedTime() throws {
        try applied()
        let node = fleet.nodeName(3)
        let (follow, _, followErr) = try Edgectl.start(
            ["logs", "talker", "--node", node, "--tail", "0", "--follow", "--connect-timeout", "2"], state: state)
        let followErrors = DataCollector(followErr)
        let (exec, _, execErr) = try Edgectl.start(["exec", "--node", node, "--connect-timeout", "2", "--", "sleep 3600"], state: state)
        let execErrors = DataCollector(execErr)
        defer {
            for p in [follow, exec] where p.isRunning { p.terminate() }
            try? fleet.heal(3)
            // The node's sshd has not noticed that edgectl is gone (nothing reset the connection):
            // what it ran for the cut-off sessions is stopped by hand, as an operator would.
            _ = try? fleet.inNode(3, "pkill -f '[s]leep 3600'; pkill -f '[t]ail -n 0 -f .*talker/log'; true")
        }
        XCTAssertTrue(poll(10) { (try? self.fleet.inNode(3, "pgrep -f '[t]ail -n 0 -f .*talker/log'").status) == 0 }, "the tail runs")
        XCTAssertTrue(poll(10) { (try? self.fleet.inNode(3, "pgrep -f '[s]leep 3600'").status) == 0 }, "the command runs")
        try fleet.partition(3)
        let cut = Date()
        XCTAssertTrue(poll(30) { !follow.isRunning && !exec.isRunning }, "both ended after the partition")
        let elapsed = Date().timeIntervalSince(cut)
        XCTAssertLessThan(elapsed, 20, "bounded by keepalive (2 s idle, 3 probes 1 s apart)")
        XCTAssertEqual(follow.terminationStatus, 75, "a lost node is unreachable: \(followErrors.text)")
        XCTAssertEqual(exec.terminationStatus, 75, "a lost node is unreachable: \(execErrors.text)")
        XCTAssertTrue(followErrors.text.contains(node), followErrors.text)
        XCTAssertTrue(execErrors.text.contains(node), execErrors.text)
    }

    // MARK: exec

    func testExecAcrossSixNodesReportsEachNodeAndTheFailure() throws {
        try applied()
        XCTAssertTrue(FileManager.default.createFile(atPath: fleet.root(4) + "/fail-here", contents: nil))
        let command = "echo \"hello from $(cat /var/lib/edgectl/whoami)\"; test ! -e /var/lib/edgectl/fail-here"
        let run = try edgectl(["exec", "--all", "--", command])
        XCTAssertEqual(run.status, 1, "one node failed: " + run.stderr)
        let lines = Set(run.stdout.split(separator: "\n").map(String.init))
        XCTAssertEqual(lines, Set((1...6).map { "\(fleet.nodeName($0)) | hello from \($0)" }))
        XCTAssertTrue(run.stderr.contains("6 nodes: 5 succeeded, 1 failed (\(fleet.nodeName(4)): exit 1)"), run.stderr)

        let doc = try json(try edgectl(["exec", "--group", "all", "-o", "json", "--", command]))
        let nodes = try XCTUnwrap(doc["nodes"] as? [[String: Any]])
        XCTAssertEqual(nodes.map { $0["node"] as? String }, (1...6).map(fleet.nodeName))
        XCTAssertEqual(nodes.map { $0["exitCode"] as? Int }, [0, 0, 0, 1, 0, 0])
        XCTAssertEqual(nodes.map { $0["stdout"] as? String }, (1...6).map { "hello from \($0)\n" })
        XCTAssertEqual(doc["failed"] as? Int, 1)

        // Several words pass through as words, byte for byte; all succeed → 0.
        let words = try edgectl(["exec", "-l", "index in (1,2)", "--grouped", "--", "printf", "%s|", "a b", "it's", "$HOME"])
        XCTAssertEqual(words.status, 0, words.stderr)
        // A last line without a newline gets one, so the next node's header starts on its own line.
        XCTAssertEqual(words.stdout, "── \(fleet.nodeName(1)) (exit 0)\na b|it's|$HOME|\n── \(fleet.nodeName(2)) (exit 0)\na b|it's|$HOME|\n")

        // Recorded in the event log of each node.
        let events = try json(try edgectl(["get", "events", "--for", "node/\(fleet.nodeName(4))", "-o", "json"]))
        let execs = (events["items"] as? [[String: Any]] ?? []).compactMap { $0["spec"] as? [String: Any] }.filter {
            $0["reason"] as? String == "Exec"
        }
        XCTAssertEqual(execs.count, 2)
        XCTAssertEqual(execs.last?["type"] as? String, "Warning")
        XCTAssertTrue((execs.last?["message"] as? String)?.contains("exited 1") == true, "\(execs)")
    }

    func testExecTimeoutStopsTheCommandOnTheNodes() throws {
        try applied()
        let run = try edgectl(["exec", "--node", fleet.nodeName(1), "--node", fleet.nodeName(2), "--timeout", "1", "--", "sleep 4477"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("time limit"), run.stderr)
        XCTAssertTrue(poll(10) { (try? self.fleet.inNode(1, "pgrep -f '[s]leep 4477'").status) == 1 }, "no sleep left on the nodes")
        // The node itself is fine: not marked as refusing us.
        let status = try json(try edgectl(["status", "-o", "json"]))
        let n1 = (status["nodes"] as? [[String: Any]])?.first { $0["name"] as? String == fleet.nodeName(1) }
        XCTAssertTrue(n1?["lastError"] is NSNull, "\(String(describing: n1))")
    }

    // MARK: status

    func testStatusShowsAPartitionedNodeUnreachableWithinTheTimeoutAndRecovers() throws {
        try applied()
        let converged = try json(try edgectl(["status", "-o", "json"]))
        XCTAssertEqual(try service(converged, "talker")["phase"] as? String, "Converged")

        try fleet.partition(2)
        let started = Date()
        let result = try edgectl(["status", "-o", "json"], timeout: 2)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(elapsed, 2 + 2.5, "bounded by the connect timeout")
        let status = try json(result)
        let node = (status["nodes"] as? [[String: Any]])?.first { $0["name"] as? String == fleet.nodeName(2) }
        XCTAssertEqual(node?["reachable"] as? Bool, false)
        let talker = try service(status, "talker")
        XCTAssertEqual(talker["phase"] as? String, "Degraded")
        XCTAssertEqual(nodePhases(talker)[fleet.nodeName(2)], "Unreachable")
        XCTAssertEqual(Set(nodePhases(talker).values), ["Running", "Unreachable"])

        let table = try edgectl(["status", "--no-refresh"])
        XCTAssertTrue(table.stdout.hasPrefix("5/6 nodes reachable · 1 service: 1 degraded"), table.stdout)
        XCTAssertTrue(table.stdout.contains("node/\(fleet.nodeName(2))"), "listed as needing attention: \(table.stdout)")

        try fleet.heal(2)
        let healed = try json(try edgectl(["status", "-o", "json"]))
        XCTAssertEqual(try service(healed, "talker")["phase"] as? String, "Converged")
        XCTAssertTrue((healed["nodes"] as? [[String: Any]] ?? []).allSatisfy { $0["reachable"] as? Bool == true })
    }

    func testDriftMadeByHandShowsInStatusWithItsCause() throws {
        try applied()
        // Someone edits a file of the running release on node 3.
        let file = fleet.root(3) + "/services/talker/current/www/version"
        let release = try FileManager.default.destinationOfSymbolicLink(atPath: fleet.root(3) + "/services/talker/current")
        XCTAssertFalse(release.isEmpty)
        let release5 = try FileManager.default.destinationOfSymbolicLink(atPath: fleet.root(5) + "/services/talker/current")
        XCTAssertEqual(try Shell.run("/bin/sh", ["-c", "echo edited > '\(file)'"]).status, 0)

        let status = try json(try edgectl(["status", "-o", "json"]))
        let talker = try service(status, "talker")
        XCTAssertEqual(talker["phase"] as? String, "Degraded")
        let entry = (talker["nodes"] as? [[String: Any]])?.first { $0["node"] as? String == fleet.nodeName(3) }
        XCTAssertEqual(entry?["phase"] as? String, "Drifted")
        XCTAssertEqual(entry?["reason"] as? String, "1 file changed or added in the release on the node after activation")
        XCTAssertEqual((status["summary"] as? [String: Any])?["driftedNodes"] as? Int, 1)

        let table = try edgectl(["status", "--no-refresh"])
        XCTAssertTrue(table.stdout.contains("· 1 node drifted"), table.stdout)
        XCTAssertTrue(table.stdout.contains("talker on \(fleet.nodeName(3))"), table.stdout)
        let describe = try edgectl(["describe", "service", "talker"])
        XCTAssertTrue(describe.stdout.contains("Drifted"), describe.stdout)
        let nodes = try edgectl(["get", "nodes"])
        XCTAssertTrue(nodes.stdout.contains("talker(Drifted)"), nodes.stdout)

        // reconcile repairs it, and status says so.
        let reconcile = try edgectl(["reconcile"])
        XCTAssertEqual(reconcile.status, 0, reconcile.stderr)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "1.0\n")
        let after = try json(try edgectl(["status", "-o", "json"]))
        XCTAssertEqual(try service(after, "talker")["phase"] as? String, "Converged")

        // A file added by hand: the cause says so, and the repair removes it (in place: the
        // release directory that `current` points at is never taken away).
        let stray = fleet.root(5) + "/services/talker/current/www/stray.html"
        try "<p>added by hand</p>".write(toFile: stray, atomically: false, encoding: .utf8)
        let added = try json(try edgectl(["status", "-o", "json"]))
        let entry5 = (try service(added, "talker")["nodes"] as? [[String: Any]])?.first { $0["node"] as? String == fleet.nodeName(5) }
        XCTAssertEqual(entry5?["phase"] as? String, "Drifted")
        XCTAssertEqual(entry5?["reason"] as? String, "1 file changed or added in the release on the node after activation")
        XCTAssertEqual(try edgectl(["reconcile"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stray))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: fleet.root(5) + "/services/talker/current"), release5)
        let repaired = try json(try edgectl(["status", "-o", "json"]))
        XCTAssertEqual(try service(repaired, "talker")["phase"] as? String, "Converged")
        let again = try edgectl(["reconcile", "-o", "json"])
        XCTAssertFalse(again.stdout.contains("\"staged\""), "converged stays converged: \(again.stdout)")
    }

}

/// Collects what a child process writes, readable while it still runs.
final class DataCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    init(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self, !chunk.isEmpty else { return }
            self.lock.lock()
            self.data.append(chunk)
            self.lock.unlock()
        }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
