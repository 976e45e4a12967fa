import Foundation
import TestSupport
import XCTest

/// Services that keep running: the whole unit reconciled, supervision, removal. A real fleet of
/// four nodes: 1 and 2 with coreutils, 3 with only busybox on its PATH (both supervised by
/// edgectl's own supervisor), and 4 a Debian node whose PID 1 is systemd (a systemd unit).
final class RuntimeTests: FleetTestCase {
    override class var fleetSpec: (name: String, subnet: String, count: Int, busybox: Int?) {
        (name: "rt", subnet: "10.87.0", count: 4, busybox: 3)
    }
    override class var systemdNodes: [Int] { [4] }
    let nodes = 1...4

    var fleet: TestFleet!
    var dir: TemporaryDirectory!
    var state: String { dir.path + "/state.db" }
    var port = 0

    override func setUpWithError() throws {
        fleet = try requireFleet()
        dir = TemporaryDirectory()
        port = 9000 + Int.random(in: 0..<900)
        fleet.stopServices()
        for i in nodes { try? FileManager.default.removeItem(atPath: fleet.root(i) + "/services") }
        try FileManager.default.copyItem(atPath: fleet.manifestPath, toPath: dir.mkdir("m") + "/nodes.yaml")
        // The service writes what it was started with where the test can read it, then serves.
        dir.write(
            "app/bin/serve",
            """
            #!/bin/sh
            printf '%s %s\\n' "$0" "$LEVEL" > "/var/lib/edgectl/seen-$EDGE_SERVICE"
            exec busybox httpd -f -p "127.0.0.1:$1" -h ./www
            """, mode: 0o755)
        dir.write("app/bin/other", "#!/bin/sh\nexec \"$(dirname \"$0\")/serve\" \"$@\"\n", mode: 0o755)
        dir.write("app/www/index.html", "ok\n")
        try service(level: "info")
    }

    override func tearDownWithError() throws {
        fleet?.stopServices()
        dir?.remove()
    }

    func service(
        level: String, command: String = "./bin/serve", members: [Int]? = nil, restart: String = "always", stopTimeout: Int = 2
    ) throws {
        let group = members.map { "{nodes: [\($0.map(fleet.nodeName).joined(separator: ", "))]}" } ?? "{selector: {matchLabels: {fleet: rt}}}"
        dir.write(
            "m/app.yaml",
            """
            apiVersion: edgectl/v1
            kind: NodeGroup
            metadata: {name: all}
            spec: \(group)
            ---
            apiVersion: edgectl/v1
            kind: Service
            metadata: {name: app}
            spec:
              bundle: {path: ../app}
              nodeGroups: [all]
              run:
                command: [\(command), "\(port)"]
                env: {LEVEL: \(level)}
                restart: \(restart)
                stopTimeoutSeconds: \(stopTimeout)
              healthCheck: {tcp: {port: \(port)}, healthyDeadlineSeconds: 4}
              rollout: {canary: 1, maxUnavailable: 100%}
            """)
    }

    func edgectl(_ args: [String]) throws -> Edgectl.Result {
        try Edgectl.run(args + ["--connect-timeout", "3"], state: state)
    }

    /// Kills the service's process on node `i` with KILL, from inside the node (a systemd node
    /// has its own pid namespace); returns the pid it killed.
    func killService(_ i: Int) throws -> String {
        let script =
            fleet.systemd.contains(i)
            ? "p=$(systemctl show -p MainPID --value edgectl-app.service); kill -KILL $p && echo $p"
            : "read p s < /var/lib/edgectl/services/app/child && kill -KILL $p && echo $p"
        let run = try Edgectl.run(["exec", "--node", fleet.nodeName(i), "--", script], state: state)
        XCTAssertEqual(run.status, 0, run.stderr)
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func answers(_ i: Int) -> Bool {
        (try? fleet.inNode(i, "busybox wget -q -O - http://127.0.0.1:\(port)/").status) == 0
    }

    func seen(_ i: Int) -> String {
        ((try? String(contentsOfFile: fleet.root(i) + "/seen-app", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func statusNodes() throws -> [[String: Any]] {
        let run = try edgectl(["status", "-o", "json"])
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
        let services = try XCTUnwrap(doc["services"] as? [[String: Any]])
        return try XCTUnwrap(services.first { $0["name"] as? String == "app" }?["nodes"] as? [[String: Any]])
    }

    func testAKilledServiceComesBackWithoutEdgectlAndIsCounted() throws {
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr + apply.stdout)
        for i in [1, 3, 4] {
            let killed = try killService(i)
            XCTAssertFalse(killed.isEmpty)
            XCTAssertTrue(poll(10) { self.answers(i) }, "node \(i): answering again without edgectl")
        }
        let nodes = try statusNodes()
        for i in [1, 3, 4] {
            let node = try XCTUnwrap(nodes.first { $0["node"] as? String == fleet.nodeName(i) })
            XCTAssertEqual(node["restarts"] as? Int, 1, "\(node)")
            XCTAssertEqual(node["phase"] as? String, "Running", "\(node)")
        }
        XCTAssertEqual(try XCTUnwrap(nodes.first { $0["node"] as? String == fleet.nodeName(2) })["restarts"] as? Int, 0)
        let events = try edgectl(["get", "events", "app"])
        XCTAssertTrue(events.stdout.contains("Restarted"), events.stdout)
    }

    func testASystemdNodeRunsTheServiceAsAUnitThatSurvivesAReboot() throws {
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr + apply.stdout)
        let unit = try Edgectl.run(
            ["exec", "--node", fleet.nodeName(4), "--", "systemctl is-enabled edgectl-app.service; systemctl is-active edgectl-app.service"],
            state: state)
        XCTAssertEqual(
            unit.stdout.split(separator: "\n").map { $0.split(separator: "|").last?.trimmingCharacters(in: .whitespaces) ?? "" },
            ["enabled", "active"], unit.stdout + unit.stderr)
        let invocation = { () -> String in
            let run = try? Edgectl.run(
                ["exec", "--node", self.fleet.nodeName(4), "--", "systemctl show -p InvocationID --value edgectl-app.service"], state: self.state)
            return run?.stdout.split(separator: "|").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        }
        let before = invocation()
        XCTAssertFalse(before.isEmpty)
        try fleet.reboot(4)
        XCTAssertTrue(poll(30) { self.answers(4) }, "back after the reboot, without edgectl")
        let after = invocation()
        XCTAssertFalse(after.isEmpty)
        XCTAssertNotEqual(after, before, "started again by the node's boot, not left over")
        let nodes = try statusNodes()
        XCTAssertEqual(try XCTUnwrap(nodes.first { $0["node"] as? String == fleet.nodeName(4) })["phase"] as? String, "Running")
    }

    func testAnEnvOnlyChangeReachesEveryNodeCanaryFirst() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        XCTAssertEqual(nodes.map(seen), Array(repeating: "./bin/serve info", count: 4))
        try service(level: "debug")
        let diff = try edgectl(["diff", "-f", dir.path + "/m"])
        XCTAssertEqual(diff.status, 1, diff.stderr)
        for i in nodes { XCTAssertTrue(diff.stdout.contains("~ \(fleet.nodeName(i))  app  run.env.LEVEL"), diff.stdout) }
        let apply = try edgectl(["apply", "-f", dir.path + "/m", "-o", "json"])
        XCTAssertEqual(apply.status, 0, apply.stderr)
        let batches = apply.stdout.split(separator: "\n").filter { $0.contains("\"kind\":\"batch\"") }
        XCTAssertEqual(batches.count, 2, "canary, then the rest: \(apply.stdout)")
        XCTAssertEqual(nodes.map(seen), Array(repeating: "./bin/serve debug", count: 4))
        let again = try edgectl(["diff", "-f", dir.path + "/m"])
        XCTAssertEqual(again.status, 0, "converged: " + again.stdout)
    }

    func testAChangedCommandThatFailsHealthRollsBackToTheOldCommand() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        // Same release, new command that never answers: the canary fails, and goes back to the
        // previous unit whole (its command and environment), with no transfer.
        try service(level: "info", command: "./bin/nosuch")
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 1, apply.stderr + apply.stdout)
        XCTAssertTrue(
            poll(10) { self.nodes.allSatisfy(self.answers) },
            "every node answers on the old command")
        XCTAssertEqual(nodes.map(seen), Array(repeating: "./bin/serve info", count: 4))
        let unit = try String(contentsOfFile: fleet.root(1) + "/services/app/unit", encoding: .utf8)
        XCTAssertTrue(unit.contains("set -- './bin/serve'"), unit)
    }

    func testADeletedServiceLeavesNothingBehind() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        let pids = (1...3).compactMap { fleet.servicePid($0, "app") }
        XCTAssertEqual(pids.count, 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: fleet.root(4) + "/../merged/etc/systemd/system/edgectl-app.service"))
        let delete = try edgectl(["delete", "service", "app"])
        XCTAssertEqual(delete.status, 0, delete.stderr)
        let reconcile = try edgectl(["reconcile"])
        XCTAssertEqual(reconcile.status, 0, reconcile.stderr + reconcile.stdout)
        for i in nodes {
            XCTAssertFalse(FileManager.default.fileExists(atPath: fleet.root(i) + "/services/app"), "node \(i)")
        }
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: fleet.root(4) + "/../merged/etc/systemd/system/edgectl-app.service"), "the unit is gone")
        XCTAssertFalse(answers(4))
        XCTAssertTrue(poll(5) { pids.allSatisfy { kill($0, 0) != 0 } }, "every process is gone")
        let status = try edgectl(["status", "-o", "json"])
        XCTAssertFalse(status.stdout.contains("\"app\""), status.stdout)
    }

    func testRestartPolicyAndStopTimeoutReachEveryNode() throws {
        try service(level: "info", restart: "never", stopTimeout: 3)
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        for i in [1, 3] {
            let unit = try String(contentsOfFile: fleet.root(i) + "/services/app/unit", encoding: .utf8)
            XCTAssertTrue(unit.contains("EDGE_RESTART='never'") && unit.contains("EDGE_STOP_TIMEOUT='3'"), unit)
        }
        let systemd = try String(contentsOfFile: fleet.root(4) + "/../merged/etc/systemd/system/edgectl-app.service", encoding: .utf8)
        XCTAssertTrue(systemd.contains("Restart=no\n") && systemd.contains("TimeoutStopSec=3\n"), systemd)
        // never: a killed service stays down (well past the first backoff) and status says so.
        for i in [1, 4] { _ = try killService(i) }
        XCTAssertTrue(poll(5) { !self.answers(1) && !self.answers(4) })
        Thread.sleep(forTimeInterval: 2.5)  // longer than the 1 s backoff `always` would wait
        XCTAssertFalse(answers(1), "restart: never leaves it down")
        XCTAssertFalse(answers(4), "Restart=no leaves it down")
        let down = try statusNodes().filter { [fleet.nodeName(1), fleet.nodeName(4)].contains($0["node"] as? String ?? "") }
        XCTAssertEqual(down.map { $0["phase"] as? String }, ["Failed", "Failed"], "\(down)")
        // Back to always: a change of the unit, rolled out; then a kill comes back by itself.
        try service(level: "info", restart: "always", stopTimeout: 3)
        let diff = try edgectl(["diff", "-f", dir.path + "/m"])
        XCTAssertTrue(diff.stdout.contains("~ \(fleet.nodeName(2))  app  run.restart"), diff.stdout)
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        for i in [1, 4] {
            _ = try killService(i)
            XCTAssertTrue(poll(10) { self.answers(i) }, "node \(i) restarted under always")
        }
    }

    func testANodeThatLeavesTheGroupLosesTheServiceAndOnlyThatNode() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        let kept = [1, 3, 4].compactMap { fleet.servicePid($0, "app") }
        try service(level: "info", members: [1, 3, 4])
        let diff = try edgectl(["diff", "-f", dir.path + "/m"])
        XCTAssertTrue(diff.stdout.contains("- \(fleet.nodeName(2))  remove service/app"), diff.stdout)
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr + apply.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fleet.root(2) + "/services/app"))
        XCTAssertFalse(answers(2))
        for i in [1, 3, 4] { XCTAssertTrue(answers(i), "node \(i) still serves") }
        XCTAssertEqual([1, 3, 4].compactMap { fleet.servicePid($0, "app") }, kept, "the others were not touched")
    }

}
