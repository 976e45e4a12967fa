import Foundation
import TestSupport
import XCTest

/// Confirmed activation on a real fleet: 1 with coreutils, 2 with only busybox (both under
/// edgectl's supervisor), 3 a systemd node. A switched node that edgectl does not confirm
/// over a new connection goes back to its previous unit by itself.
final class ConfirmTests: FleetTestCase {
    override class var fleetSpec: (name: String, subnet: String, count: Int, busybox: Int?) {
        (name: "ca", subnet: "10.92.0", count: 3, busybox: 2)
    }
    override class var systemdNodes: [Int] { [3] }
    let nodes = 1...3
    var confirmSeconds = 6

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
        try release("v1")
    }

    override func tearDownWithError() throws {
        // A release that took a node's network down must not outlive the test.
        for i in nodes { _ = try? fleet.inNode(i, "ip link set eth0 up") }
        fleet.stopServices()
        dir?.remove()
    }

    /// A release serving its version; `cutsNetwork`: it takes the node's link down while it
    /// runs (up again when stopped), as a bad firewall or network change would.
    func release(_ version: String, cutsNetwork: Bool = false, healthDeadline: Int = 8, startDelay: Int = 0) throws {
        // A systemd node here has no CAP_NET_ADMIN (a container), so there the release freezes
        // sshd's listener instead (and thaws it with the shell's own `kill` when stopped: a
        // command it started would die with the unit): no new connection gets in either way.
        let cut = """
            if [ -d /run/systemd/system ] && read -r sshd < /run/sshd.pid; then
                trap 'kill -CONT "$sshd"; exit 0' TERM
                kill -STOP "$sshd"
            else
                trap 'ip link set eth0 up; exit 0' TERM
                ip link set eth0 down
            fi
            busybox httpd -f -p "127.0.0.1:$1" -h ./www &
            wait

            """
        let body = cutsNetwork ? cut : "sleep \(startDelay)\nexec busybox httpd -f -p \"127.0.0.1:$1\" -h ./www\n"
        dir.write("app/bin/serve", "#!/bin/sh\n" + body, mode: 0o755)
        dir.write("app/www/index.html", version + "\n")
        dir.write(
            "m/app.yaml",
            """
            apiVersion: edgectl/v1
            kind: NodeGroup
            metadata: {name: all}
            spec: {selector: {matchLabels: {fleet: ca}}}
            ---
            apiVersion: edgectl/v1
            kind: Service
            metadata: {name: app}
            spec:
              bundle: {path: ../app, version: "\(version)"}
              nodeGroups: [all]
              run: {command: [./bin/serve, "\(port)"], stopTimeoutSeconds: 2}
              healthCheck: {tcp: {port: \(port)}, healthyDeadlineSeconds: \(healthDeadline)}
              rollout: {maxUnavailable: 100%, confirmSeconds: \(confirmSeconds)}
            """)
    }

    func edgectl(_ args: [String]) throws -> Edgectl.Result {
        try Edgectl.run(args + ["--connect-timeout", "3"], state: state)
    }

    /// What node `i` serves on its own loopback (asked from inside its namespace, not over SSH).
    func serves(_ i: Int) -> String {
        let run = try? fleet.inNode(i, "timeout 3 busybox wget -q -O - http://127.0.0.1:\(port)/")
        return run?.status == 0 ? run!.output.trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }

    func attempts(_ i: Int) -> [String] {
        ((try? String(contentsOfFile: fleet.root(i) + "/services/app/attempts", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func unitDigest(_ i: Int) -> String {
        let text = (try? String(contentsOfFile: fleet.root(i) + "/services/app/unit", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first.map(String.init) ?? ""
    }

    /// Every node confirmed by the listener its new connection's sshd holds: no shell starts for
    /// it, although these nodes' sshd start SFTP through the login shell (as Debian's does).
    func testANormalRolloutConfirmsEveryNodeOverANewConnection() throws {
        let before = try nodes.map { try fleet.shellStarts($0) }
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr)
        XCTAssertTrue(apply.stderr.contains("confirmed"), apply.stderr)
        XCTAssertEqual(try zip(nodes.map { try fleet.shellStarts($0) }, before).map { $0 - $1 }, [1, 1, 1], "shell starts per node")
        for i in nodes {
            let lines = attempts(i)
            XCTAssertEqual(lines.count, 2, "node \(i): \(lines)")
            let nonce = lines.first?.split(separator: " ").first.map(String.init) ?? "?"
            XCTAssertTrue(lines[0].hasPrefix("\(nonce) armed") && lines.last!.hasPrefix("\(nonce) committed"), "node \(i): \(lines)")
            XCTAssertTrue(lines.last!.hasSuffix(" by port"), "node \(i): \(lines)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: fleet.root(i) + "/services/app/attempt"), "nothing left pending")
        }
        // Well past the deadline, nothing went back.
        Thread.sleep(forTimeInterval: Double(confirmSeconds) + 1)
        for i in nodes { XCTAssertEqual(serves(i), "v1", "node \(i)") }
        XCTAssertEqual(attempts(1).count, 2)
    }

    /// Where the node's sshd listens for no one (`AllowTcpForwarding local`: the health checks'
    /// forwards still pass), the new connection leaves a marker through SFTP; where it has no
    /// SFTP either, it confirms through its own shell. Every node is confirmed.
    func testANodeThatListensForNoOneIsConfirmedThroughSFTPOrItsShell() throws {
        try fleet.sshdOption(1, "AllowTcpForwarding local")
        defer { XCTAssertNoThrow(try fleet.sshdOption(1, "AllowTcpForwarding yes")) }
        try fleet.sshdOption(2, "AllowTcpForwarding local")
        defer { XCTAssertNoThrow(try fleet.sshdOption(2, "AllowTcpForwarding yes")) }
        try fleet.sshdOption(2, "Subsystem sftp /nonexistent/sftp-server")
        defer { XCTAssertNoThrow(try fleet.sshdOption(2, "Subsystem sftp /usr/lib/openssh/sftp-server")) }
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr)
        for (i, proof) in [(1, "marker"), (2, "shell"), (3, "port")] {
            let last = attempts(i).last ?? ""
            XCTAssertTrue(last.contains(" committed ") && last.hasSuffix(" by \(proof)"), "node \(i): \(attempts(i))")
            XCTAssertEqual(serves(i), "v1", "node \(i)")
        }
        let markers = try FileManager.default.contentsOfDirectory(atPath: fleet.root(1) + "/services/app").filter { $0.hasPrefix("confirm-") }
        XCTAssertEqual(markers, [], "the marker is cleared once it has confirmed")
    }

    /// An sshd that ends connections with no channel open (`UnusedConnectionTimeout`, here 1 s)
    /// closes the confirming connection while a 3 s health gate runs: the node is confirmed
    /// over another new connection, still by its listener.
    func testAConfirmingConnectionClosedDuringTheGateIsMadeAgain() throws {
        try fleet.sshdOption(1, "UnusedConnectionTimeout 1")
        defer { XCTAssertNoThrow(try fleet.sshdOption(1, "UnusedConnectionTimeout none")) }
        try release("v1", startDelay: 3)
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr)
        for i in nodes {
            let last = attempts(i).last ?? ""
            XCTAssertTrue(last.contains(" committed ") && last.hasSuffix(" by port"), "node \(i): \(attempts(i))")
        }
        XCTAssertEqual(serves(1), "v1")
    }

    func testAReleaseThatCutsTheNetworkIsRevertedByTheNodesThemselves() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        let before = nodes.map(unitDigest)
        try release("v2", cutsNetwork: true, healthDeadline: 4)
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 1, apply.stderr)
        // No one can reach them now; each goes back by itself at its deadline.
        for i in nodes {
            XCTAssertTrue(poll(Double(confirmSeconds) + 10) { self.serves(i) == "v1" }, "node \(i) serves v1 again: \(attempts(i))")
            XCTAssertTrue(poll(5) { self.unitDigest(i) == before[i - 1] }, "node \(i): the previous unit whole")
            // edgectl may have put a node back over its old session first; the node's own
            // watchdog still records the attempt reverted at its deadline.
            XCTAssertTrue(poll(Double(confirmSeconds) + 10) { self.attempts(i).last?.contains("reverted") == true }, "node \(i): \(attempts(i))")
        }
        // The rollout failed for that reason and was rolled back: v1 is what is desired again,
        // and once sshd is back the next look records what the nodes did on their own.
        XCTAssertTrue(apply.stderr.contains("goes back to its previous unit by itself"), apply.stderr)
        XCTAssertTrue(
            poll(15) {
                let status = try? self.edgectl(["status", "-o", "json"])
                return status?.stdout.contains("\"phase\": \"RolledBack\"") == true && status?.stdout.contains("Unreachable") == false
            },
            "every node reachable again, the rollout rolled back: " + ((try? edgectl(["status", "-o", "json"]).stdout) ?? "") + "\n"
                + nodes.map { "node \($0): \(attempts($0))" }.joined(separator: "\n"))
        let events = try edgectl(["get", "events", "app"])
        for i in nodes {
            XCTAssertTrue(
                events.stdout.contains("\(fleet.nodeName(i)): reverted by the node: not confirmed within \(confirmSeconds)s"), events.stdout)
        }
    }

    /// A gate slower than confirmSeconds: each node's watchdog goes back before the run can
    /// confirm. The run that caused it says so, in its output and its halt event.
    func testARevertByTheNodesOwnWatchdogIsNamedByTheRunThatCausedIt() throws {
        confirmSeconds = 3
        try release("v1")
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        try release("v2", healthDeadline: 15, startDelay: 8)
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 1, apply.stderr)
        let events = try edgectl(["get", "events", "app"])
        for i in nodes {
            let said = "\(fleet.nodeName(i)): reverted by the node: not confirmed within 3s"
            XCTAssertTrue(apply.stderr.contains(said), "node \(i): \(apply.stderr)")
            XCTAssertTrue(events.stdout.contains("RolloutHalted") && events.stdout.contains(said), "node \(i): \(events.stdout)")
        }
        for i in nodes { XCTAssertTrue(poll(10) { self.serves(i) == "v1" }, "node \(i) serves v1") }
    }

    func testAControllerKilledAfterTheSwitchLeavesNodesThatRevert() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        let before = nodes.map(unitDigest)
        // v2 never becomes healthy within the run (nothing listens on the probed port), so
        // edgectl sits in the health wait, after the switch and before any confirmation.
        try switchUnconfirmedAndKillEdgectl()
        for i in nodes {
            XCTAssertTrue(poll(Double(confirmSeconds) + 10) { self.serves(i) == "v1" }, "node \(i): back on v1 without edgectl")
            XCTAssertEqual(unitDigest(i), before[i - 1])
        }
        // The next run sees them on the previous unit and goes on by the normal rules.
        let status = try edgectl(["status", "-o", "json"])
        XCTAssertTrue(status.stdout.contains("reverted by the node"), status.stdout)
    }

    /// Switches every node to a v2 that edgectl never confirms (its health never passes), and
    /// kills edgectl once every node holds the attempt.
    func switchUnconfirmedAndKillEdgectl() throws {
        dir.write("app/www/index.html", "v2\n")
        var text = try String(contentsOfFile: dir.path + "/m/app.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "healthCheck: {tcp: {port: \(port)}", with: "healthCheck: {tcp: {port: \(port + 1)}")
        text = text.replacingOccurrences(of: "healthyDeadlineSeconds: 8", with: "healthyDeadlineSeconds: 120")
        dir.write("m/app.yaml", text)
        let (process, _, _) = try Edgectl.start(["apply", "-f", dir.path + "/m", "--connect-timeout", "3"], state: state)
        XCTAssertTrue(
            poll(20) { self.nodes.allSatisfy { FileManager.default.fileExists(atPath: self.fleet.root($0) + "/services/app/attempt") } },
            "every node armed and switched")
        XCTAssertTrue(poll(10) { self.nodes.allSatisfy { self.serves($0) == "v2" } }, "every node runs v2, unconfirmed")
        let awaiting = try edgectl(["rollout", "status", "service/app"])
        for i in nodes { XCTAssertTrue(awaiting.stdout.contains("awaiting confirmation: \(fleet.nodeName(i))"), awaiting.stdout) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func testANodeThatRebootsBeforeItsDeadlineGoesBackAtBoot() throws {
        confirmSeconds = 300
        try release("v1")
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        let before = nodes.map(unitDigest)
        try switchUnconfirmedAndKillEdgectl()
        // Long before the deadline, the nodes restart: the watchdogs die with them, and boot
        // (rc.local on a supervised node, edgectl-boot-*.service on systemd) takes the attempt back.
        for i in [1, 3] { try fleet.reboot(i) }
        for i in [1, 3] {
            XCTAssertTrue(poll(30) { self.serves(i) == "v1" }, "node \(i): back on v1 after its reboot: \(attempts(i))")
            XCTAssertEqual(unitDigest(i), before[i - 1])
            XCTAssertTrue(
                poll(10) { self.attempts(i).last?.contains("the node restarted before the attempt was confirmed") == true },
                "node \(i): \(attempts(i))")
        }
        XCTAssertEqual(serves(2), "v2", "node 2 did not restart: it waits for its deadline")
    }
}
