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
        for i in nodes {
            for leftover in ["/services", "/failed", "/crash-app", "/seen-app"] {
                try? FileManager.default.removeItem(atPath: fleet.root(i) + leftover)
            }
        }
        for i in 1...3 { _ = try fleet.inNodeMounts(i, "rm -f /etc/rc.local") }
        try FileManager.default.copyItem(atPath: fleet.manifestPath, toPath: dir.mkdir("m") + "/nodes.yaml")
        // The service writes what it was started with where the test can read it, then serves.
        dir.write(
            "app/bin/serve",
            """
            #!/bin/sh
            echo "started as $(id -un)"
            echo "args: $*"
            printf 'level: %s\\n' "$LEVEL"
            [ ! -e "/var/lib/edgectl/crash-$EDGE_SERVICE" ] || { echo "crashing on purpose"; exit 3; }
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
        level: String, command: String = "./bin/serve", members: [Int]? = nil, restart: String = "always", stopTimeout: Int = 2,
        run extra: String = "", arguments: String = "", healthCheck: String? = nil
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
                command: [\(command), "\(port)"\(arguments)]
                env: {LEVEL: \(level)}
                restart: \(restart)
                stopTimeoutSeconds: \(stopTimeout)\(extra.isEmpty ? "" : "\n    " + extra)
              healthCheck: \(healthCheck ?? "{tcp: {port: \(port)}, healthyDeadlineSeconds: 4}")
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

    /// Runs `script` as root on node `i` over SSH (a systemd node has its own mounts); its
    /// output without exec's node prefix.
    func onNode(_ i: Int, _ script: String) throws -> Edgectl.Result {
        var run = try Edgectl.run(["exec", "--node", fleet.nodeName(i), "--", script], state: state)
        let prefix = fleet.nodeName(i) + " | "
        run.stdout = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : String($0) }.joined(separator: "\n")
        return run
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

    /// A failing first release on a coreutils, a busybox and a systemd node at once: each node
    /// says how its attempt ended and what it last wrote, everywhere an operator looks, with the
    /// service's secret masked, and `logs --previous` still prints it once the release is gone.
    func testAFailedAttemptSaysHowItEndedAndWhatItWrote() throws {
        let token = "tok-\(UInt32.random(in: 100_000...999_999))-value"
        dir.write(
            "bad/bin/fail",
            """
            #!/bin/sh
            echo "starting with token $TOKEN"
            case $1 in
                exit) echo "error: unknown long flag '--bogus-flag'"; exit 3 ;;
                kill) echo "about to be killed"; kill -KILL $$ ;;
                http) echo "serving the wrong page"; exec busybox httpd -f -p "127.0.0.1:$2" -h ./www ;;
            esac
            """, mode: 0o755)
        dir.write("bad/www/index.html", "ok\n")
        func manifest(_ mode: String, check: String) {
            dir.write(
                "m/app.yaml",
                """
                apiVersion: edgectl/v1
                kind: NodeGroup
                metadata: {name: all}
                spec: {nodes: [\([1, 3, 4].map(fleet.nodeName).joined(separator: ", "))]}
                ---
                apiVersion: edgectl/v1
                kind: Secret
                metadata: {name: tok}
                spec: {from: {env: TEST_TOKEN}}
                ---
                apiVersion: edgectl/v1
                kind: Service
                metadata: {name: app}
                spec:
                  bundle: {path: ../bad}
                  nodeGroups: [all]
                  run:
                    command: [./bin/fail, \(mode), "\(port)"]
                    env: {TOKEN: {secret: tok}}
                  healthCheck: \(check)
                  rollout: {canary: 0, maxUnavailable: 100%, maxFailures: 0}
                """)
        }
        let environment = ["TEST_TOKEN": token]
        func run(_ args: [String]) throws -> Edgectl.Result {
            try Edgectl.run(args + ["--connect-timeout", "3"], state: state, environment: environment)
        }
        let names = [1, 3, 4].map(fleet.nodeName)
        for (mode, check, ending, line) in [
            ("exit", "{tcp: {port: \(port)}, healthyDeadlineSeconds: 4}", "exited with status 3", "error: unknown long flag '--bogus-flag'"),
            ("kill", "{tcp: {port: \(port)}, healthyDeadlineSeconds: 4}", "killed by SIGKILL (9)", "about to be killed"),
            ("http", "{http: {port: \(port), path: /missing}, healthyDeadlineSeconds: 3}", "GET /missing answered 404", "serving the wrong page"),
        ] {
            manifest(mode, check: check)
            let apply = try run(["apply", "-f", dir.path + "/m"])
            XCTAssertEqual(apply.status, 1, mode + ": " + apply.stdout + apply.stderr)
            let output = apply.stdout + apply.stderr
            for name in names {
                XCTAssertTrue(output.contains(ending), "\(mode) \(name): the run says how it ended: \(output)")
            }
            XCTAssertTrue(output.contains("| " + line), "\(mode): the run shows the attempt's output: \(output)")
            XCTAssertTrue(output.contains("halted (\(names[0]): "), "\(mode): the halt names why: \(output)")

            let status = try run(["rollout", "status", "service/app"])
            XCTAssertTrue(status.stdout.contains(ending) && status.stdout.contains(line), "\(mode): rollout status: \(status.stdout)")
            let describe = try run(["describe", "service", "app"])
            XCTAssertTrue(describe.stdout.contains("Last failure") && describe.stdout.contains(line), "\(mode): describe: \(describe.stdout)")
            let events = try run(["get", "events"])
            XCTAssertTrue(events.stdout.contains("RolloutHalted"), events.stdout)

            let json = try run(["rollout", "status", "service/app", "-o", "json"])
            let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], json.stdout)
            let nodes = try XCTUnwrap(doc["nodes"] as? [[String: Any]])
            for name in names {
                let failure = try XCTUnwrap(
                    nodes.first { $0["node"] as? String == name }?["lastFailure"] as? [String: Any], "\(mode) \(name): \(json.stdout)")
                let output = failure["output"] as? [String] ?? []
                XCTAssertTrue(output.contains(line), "\(mode) \(name): \(failure)")
                XCTAssertTrue(output.contains("starting with token <secret tok>"), "\(mode) \(name): masked: \(failure)")
                switch mode {
                case "exit": XCTAssertEqual(failure["exit"] as? Int, 3, "\(name): \(failure)")
                case "kill": XCTAssertEqual(failure["signal"] as? String, "SIGKILL", "\(name): \(failure)")
                default: XCTAssertEqual(failure["running"] as? Bool, true, "\(name): \(failure)")
                }
            }

            // The first release was removed from every node; its output was kept.
            for i in [1, 3, 4] { XCTAssertFalse(FileManager.default.fileExists(atPath: fleet.root(i) + "/services/app/unit"), "node \(i)") }
            let previous = try run(["logs", "service/app", "--previous"])
            XCTAssertEqual(previous.status, 0, previous.stderr)
            for name in names { XCTAssertTrue(previous.stdout.contains(name + " | " + line), "\(mode) \(name): \(previous.stdout)") }
            for text in [apply.stdout, apply.stderr, status.stdout, describe.stdout, json.stdout, previous.stdout, events.stdout] {
                XCTAssertFalse(text.contains(token), "\(mode): the secret's value was printed: \(text)")
            }
        }
        // The last 3 failed attempts are kept per service on a node, no more.
        manifest("exit", check: "{tcp: {port: \(port)}, healthyDeadlineSeconds: 2}")
        XCTAssertEqual(try run(["apply", "-f", dir.path + "/m"]).status, 1)
        let kept = try FileManager.default.contentsOfDirectory(atPath: fleet.root(1) + "/failed/app")
        XCTAssertEqual(kept.count, 3, "\(kept)")
    }

    /// Applying again what is already there: no rollout, no event, no health check.
    func testANoOpApplyAfterAConvergedRolloutDoesNothing() throws {
        let counter = "/var/lib/edgectl/health-checks-\(port)"
        try service(level: "info", healthCheck: "{exec: [sh, -c, 'echo x >> \(counter)'], healthyDeadlineSeconds: 4}")
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        func checks() -> [Int] {
            nodes.map { i in
                ((try? String(contentsOfFile: fleet.root(i) + "/health-checks-\(port)", encoding: .utf8)) ?? "").split(separator: "\n").count
            }
        }
        func events() throws -> Int {
            let run = try edgectl(["get", "events", "-o", "json"])
            let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
            return (doc["items"] as? [Any])?.count ?? -1
        }
        let checked = checks()
        XCTAssertTrue(checked.allSatisfy { $0 > 0 }, "every node was gated once: \(checked)")
        let before = try events()
        for _ in 1...2 {
            let again = try edgectl(["apply", "-f", dir.path + "/m"])
            XCTAssertEqual(again.status, 0, again.stderr)
            XCTAssertFalse(again.stderr.contains("rolling out") || again.stderr.contains("batch"), again.stderr)
        }
        XCTAssertEqual(try events(), before, (try? edgectl(["get", "events"]).stdout) ?? "")
        XCTAssertEqual(checks(), checked, "no health check ran")
        for i in nodes { try? FileManager.default.removeItem(atPath: fleet.root(i) + "/health-checks-\(port)") }
    }

    /// A declared port is an endpoint on every node of the service, ready where the service
    /// runs as desired; a partitioned node's is not ready after the next look, and back after.
    func testEndpointsFollowWhereTheServiceRuns() throws {
        try service(level: "info", healthCheck: "{tcp: {port: http}, healthyDeadlineSeconds: 4}")
        var text = try String(contentsOfFile: dir.path + "/m/app.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "  bundle: {path: ../app}", with: "  bundle: {path: ../app}\n  ports: [{name: http, port: \(port)}]")
        dir.write("m/app.yaml", text)
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        func ready() throws -> [String: Bool] {
            let run = try edgectl(["get", "endpoints", "service/app", "-o", "json"])
            let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout + run.stderr)
            let items = try XCTUnwrap(doc["items"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: items.map { ($0["node"] as! String, $0["ready"] as! Bool) })
        }
        XCTAssertEqual(try ready(), Dictionary(uniqueKeysWithValues: nodes.map { (fleet.nodeName($0), true) }))
        let sd = try edgectl(["get", "endpoints", "-o", "prometheus-sd"])
        let groups = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(sd.stdout.utf8)) as? [[String: Any]], sd.stdout)
        XCTAssertEqual(groups.compactMap { ($0["targets"] as? [String])?.first }, nodes.map { "\(fleet.address($0)):\(port)" })
        let table = try edgectl(["get", "endpoints"])
        XCTAssertTrue(table.stdout.contains("app       http   \(fleet.address(1)):\(port)"), table.stdout)

        try fleet.partition(2)
        defer { try? fleet.heal(2) }
        let look = try edgectl(["status"])
        XCTAssertTrue(look.stdout.contains("3/4 nodes reachable"), look.stdout)
        XCTAssertEqual(try ready()[fleet.nodeName(2)], false, "a node that did not answer is no endpoint to send traffic to")
        XCTAssertEqual(try ready().values.filter { $0 }.count, 3)
        try fleet.heal(2)
        XCTAssertTrue(
            poll(20) {
                _ = try? self.edgectl(["status"]); return (try? ready()[self.fleet.nodeName(2)]) == true
            }, "ready again")
        XCTAssertEqual(try edgectl(["get", "nodes", "-o", "prometheus-sd"]).status, 64)
        XCTAssertEqual(try edgectl(["get", "endpoints", "service/nosuch"]).status, 1)
    }

    /// A gateway whose config iterates the backends' endpoints: rendered after the backends in
    /// the apply that installs both, then following their health and membership at each
    /// reconcile, and kept as it was when fewer backends are ready than it asks for.
    func testAGatewayConfigFollowsTheReadyEndpointsOfItsBackends() throws {
        try service(level: "info", members: [1, 2, 3], healthCheck: "{tcp: {port: http}, healthyDeadlineSeconds: 4}")
        var text = try String(contentsOfFile: dir.path + "/m/app.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "  bundle: {path: ../app}", with: "  bundle: {path: ../app}\n  ports: [{name: http, port: \(port)}]")
        dir.write("gw/bin/run", "#!/bin/sh\nexec sleep 100000\n", mode: 0o755)
        dir.write("m/upstream.tmpl", "${for e in endpoints.app.http}server ${e.address}:${e.port}; # ${e.node}\n${end}")
        func gateway(minimum: Int) {
            dir.write(
                "m/gw.yaml",
                """
                apiVersion: edgectl/v1
                kind: NodeGroup
                metadata: {name: gws}
                spec: {nodes: [\(fleet.nodeName(4))]}
                ---
                apiVersion: edgectl/v1
                kind: Service
                metadata: {name: gw}
                spec:
                  bundle: {path: ../gw}
                  nodeGroups: [gws]
                  run: {command: [./bin/run]}
                  config:
                    files: [{path: upstream.conf, template: ./upstream.tmpl, minEndpoints: \(minimum)}]
                """)
        }
        dir.write("m/app.yaml", text)
        gateway(minimum: 1)
        /// The backends in the config of the unit node 4 runs now (its EDGE_CONFIG_DIR).
        func upstream() -> [String] {
            let unit = (try? String(contentsOfFile: fleet.root(4) + "/services/gw/unit", encoding: .utf8)) ?? ""
            guard let line = unit.split(separator: "\n").first(where: { $0.hasPrefix("export EDGE_CONFIG_DIR=") }) else { return [] }
            let directory = line.dropFirst("export EDGE_CONFIG_DIR=".count).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            let local = fleet.root(4) + directory.dropFirst("/var/lib/edgectl".count)
            let content = (try? String(contentsOfFile: local + "/upstream.conf", encoding: .utf8)) ?? ""
            return content.split(separator: "\n").compactMap { $0.split(separator: "#").last.map { $0.trimmingCharacters(in: .whitespaces) } }
        }
        let all = [1, 2, 3].map(fleet.nodeName)
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr)
        XCTAssertEqual(upstream(), all, "rendered after the backends it lists were rolled out, in the same apply: " + apply.stderr)
        let line = "server \(fleet.address(1)):\(port); # \(fleet.nodeName(1))"
        XCTAssertTrue(try edgectl(["render", "service/gw", "--node", fleet.nodeName(4)]).stdout.contains(line))

        try fleet.partition(2)
        defer { try? fleet.heal(2) }
        XCTAssertEqual(try edgectl(["reconcile"]).status, 75, "a backend pending")
        XCTAssertEqual(upstream(), [fleet.nodeName(1), fleet.nodeName(3)], "the unreachable backend left the gateway")
        try fleet.heal(2)
        let back = try edgectl(["reconcile"])
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertEqual(upstream(), all, "back once it answered again: \(back.stderr) \((try? edgectl(["get", "endpoints"]).stdout) ?? "")")

        // Asking for all three while one is away: the gateway keeps what it had, and the run says why.
        gateway(minimum: 3)
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        try fleet.partition(3)
        let short = try edgectl(["reconcile"])
        XCTAssertTrue(
            short.stderr.contains("needs at least 3 ready endpoints of app.http (config.files[].minEndpoints), and 2 are ready"), short.stderr)
        XCTAssertEqual(upstream(), all, "kept its previous config")
        try fleet.heal(3)
    }

    func testADeletedServiceLeavesNothingBehind() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        let pids = (1...3).compactMap { fleet.servicePid($0, "app") }
        XCTAssertEqual(pids.count, 3)
        for i in 1...3 { XCTAssertTrue(FileManager.default.fileExists(atPath: fleet.etc(i) + "/rc.local"), "node \(i) has a boot hook") }
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
        for i in 1...3 {
            XCTAssertFalse(FileManager.default.fileExists(atPath: fleet.etc(i) + "/rc.local"), "node \(i): the boot hook is gone")
            XCTAssertFalse(FileManager.default.fileExists(atPath: fleet.root(i) + "/boot"), "node \(i)")
        }
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

    func testAServiceComesBackAfterAPlainNodeReboots() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        let hook = try String(contentsOfFile: fleet.etc(1) + "/rc.local", encoding: .utf8)
        XCTAssertTrue(hook.contains("/var/lib/edgectl'/boot &"), hook)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/rc.local"), "the host's /etc is not the node's")
        let before = [1, 3].map { fleet.servicePid($0, "app") }
        // Everything in the node dies (supervisor, service, sshd); then it "boots": sshd and rc.local.
        for i in [1, 3] { try fleet.reboot(i) }
        for i in [1, 3] { XCTAssertTrue(poll(15) { self.answers(i) }, "node \(i): back after the reboot, without edgectl") }
        XCTAssertNotEqual([1, 3].map { fleet.servicePid($0, "app") }, before, "started again at boot")
        let nodes = try statusNodes()
        for i in [1, 3] {
            XCTAssertEqual(try XCTUnwrap(nodes.first { $0["node"] as? String == fleet.nodeName(i) })["phase"] as? String, "Running")
        }
    }

    func testAServiceThatKeepsExitingIsACrashLoop() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        // From now on the service exits 3 as soon as it starts: its supervisor (1 s doubling) and
        // systemd (RestartSec=1) keep starting it; five restarts within 5 minutes are a crash loop.
        for i in [1, 3, 4] {
            XCTAssertTrue(FileManager.default.createFile(atPath: fleet.root(i) + "/crash-app", contents: Data()))
            _ = try killService(i)
        }
        let looping = { () -> Bool in
            let nodes = (try? self.statusNodes()) ?? []
            return [1, 3, 4].allSatisfy { i in
                guard let node = nodes.first(where: { $0["node"] as? String == self.fleet.nodeName(i) }) else { return false }
                return node["phase"] as? String == "Failed" && (node["reason"] as? String ?? "").hasPrefix("crash loop: ")
            }
        }
        XCTAssertTrue(poll(70, every: 2) { looping() }, "\((try? statusNodes()) ?? [])")
        let node = try XCTUnwrap(try statusNodes().first { $0["node"] as? String == fleet.nodeName(1) })
        XCTAssertTrue((node["reason"] as? String ?? "").contains("last exit 3"), "\(node)")
        XCTAssertGreaterThanOrEqual(node["restarts"] as? Int ?? 0, 5)
        XCTAssertEqual(try XCTUnwrap(try statusNodes().first { $0["node"] as? String == fleet.nodeName(2) })["phase"] as? String, "Running")
        let logs = try edgectl(["logs", "service/app", "--node", fleet.nodeName(4)])
        XCTAssertTrue(logs.stdout.contains("crashing on purpose"), "systemd node: logs read the journal: " + logs.stdout)
    }

    func testRunUserRunsTheProcessAsThatUser() throws {
        // Arguments that util-linux su took as its own options and run.command's $(NAME) (an
        // escaped one, and one the environment does not define), an exec health check with an
        // option (it runs as the user too), and an environment value with every character systemd's
        // EnvironmentFile= and the shell quote differently.
        let level = "a\\b\"c$d%e`f'g\nsecond line"
        try service(
            level: "\"a\\\\b\\\"c$d%e`f'g\\nsecond line\"", members: [1, 4], run: "user: nobody",
            arguments: ", \"-n\", \"-c\", \"x\", \"$(EDGE_SERVICE)\", \"$$(EDGE_SERVICE)\", \"$(date)\"",
            healthCheck: "{exec: [/bin/sh, -c, 'echo -n ok', -s], healthyDeadlineSeconds: 4}")
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr + apply.stdout)
        for i in [1, 4] {
            let logs = try edgectl(["logs", "service/app", "--node", fleet.nodeName(i)])
            XCTAssertTrue(logs.stdout.contains("started as nobody"), "node \(i): " + logs.stdout + logs.stderr)
            XCTAssertTrue(logs.stdout.contains("args: \(port) -n -c x app $(EDGE_SERVICE) $(date)\n"), "node \(i): " + logs.stdout)
            XCTAssertTrue(
                logs.stdout.contains("level: " + level.split(separator: "\n")[0]) && logs.stdout.contains("second line"), "node \(i): " + logs.stdout)
            XCTAssertTrue(answers(i))
            // The unit is root's (the SSH user's) and private; nothing root reads or runs there
            // is writable by the service's user: tried as that user on the node.
            let probe = """
                cd /var/lib/edgectl && for f in . lib lib/* boot services services/app services/app/* services/app/.next services/app/.next/*; do
                    [ -e "$f" ] || continue
                    if [ -d "$f" ]; then ( : > "$f/planted" ) 2>/dev/null && echo "created in $f"
                    else ( : >> "$f" ) 2>/dev/null && echo "wrote $f"; fi
                done; echo probed
                """
            let tried = try onNode(
                i, "setpriv --reuid=65534 --regid=65534 --clear-groups sh -c '\(probe.replacingOccurrences(of: "'", with: "'\\''"))'")
            XCTAssertEqual(tried.stdout, "probed\n", "node \(i): the service's user could write: " + tried.stdout + tried.stderr)
            let owner = try onNode(i, "stat -c '%u %a' /var/lib/edgectl/services/app/unit")
            XCTAssertEqual(owner.stdout, "0 600\n", "node \(i): the unit file is root's, 0600")
        }
        let sd = try onNode(
            4, "stat -c '%u %a' /var/lib/edgectl/services/app/env; grep -E '^(User|EnvironmentFile)=' /etc/systemd/system/edgectl-app.service")
        XCTAssertEqual(sd.stdout, "0 600\nEnvironmentFile=/var/lib/edgectl/services/app/env\nUser=nobody\n", sd.stderr)

        // A node upgraded from a version that chowned the unit to the service's user: the
        // user appends to it and kills its process. Root never sources it; the next
        // reconcile writes the unit again, root's, and the service runs.
        for i in [1, 4] {
            _ = try onNode(i, "rm -f /var/lib/edgectl/pwned; chown nobody /var/lib/edgectl/services/app/unit")
            let planted = try onNode(
                i,
                "setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo \"id -u > /var/lib/edgectl/pwned\" >> /var/lib/edgectl/services/app/unit'"
            )
            XCTAssertEqual(planted.status, 0, planted.stderr)
            _ = try killService(i)
        }
        XCTAssertTrue(poll(8) { self.fleet.systemd.allSatisfy { self.answers($0) } }, "systemd restarts it from root's files alone")
        XCTAssertTrue(
            poll(8) { ((try? self.onNode(1, "cat /var/lib/edgectl/services/app/log").stdout) ?? "").contains("not one this edgectl wrote") })
        for i in [1, 4] { XCTAssertNotEqual(try onNode(i, "cat /var/lib/edgectl/pwned").status, 0, "node \(i): root ran the user's unit") }
        let reconcile = try edgectl(["reconcile"])
        XCTAssertEqual(reconcile.status, 0, reconcile.stderr + reconcile.stdout)
        for i in [1, 4] {
            XCTAssertEqual(try onNode(i, "stat -c '%u' /var/lib/edgectl/services/app/unit").stdout, "0\n")
            XCTAssertTrue(poll(8) { self.answers(i) }, "node \(i)")
            XCTAssertNotEqual(try onNode(i, "cat /var/lib/edgectl/pwned").status, 0, "node \(i)")
        }
        // A node that cannot run as that user (busybox only: no setpriv, no su) is refused with the cause,
        // before its running service is stopped.
        try service(level: "info", members: [3])
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        try service(level: "info", members: [3], run: "user: nobody")
        let refused = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("run.user: this node has neither systemd nor setpriv or su to run as 'nobody'"), refused.stderr)
        XCTAssertTrue(answers(3), "still serving as before")
    }

    func testRunResourcesAreLimitsOnSystemdAndAWarningElsewhere() throws {
        try service(level: "info", run: "resources: {memory: 64Mi, cpu: 50%}")
        let diff = try edgectl(["diff", "-f", dir.path + "/m"])
        let plain = [1, 2, 3].map(fleet.nodeName).joined(separator: ", ")
        XCTAssertTrue(
            diff.stdout.contains("warning: app: run.resources.memory/cpu cannot be enforced on \(plain) (no systemd as root there)"),
            diff.stdout)
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr + apply.stdout)
        XCTAssertTrue(apply.stderr.contains("warning: app: run.resources.memory/cpu cannot be enforced on \(plain)"), apply.stderr)
        let show = try Edgectl.run(
            ["exec", "--node", fleet.nodeName(4), "--", "systemctl show -p MemoryMax -p CPUQuotaPerSecUSec edgectl-app.service"], state: state)
        XCTAssertTrue(show.stdout.contains("MemoryMax=67108864") && show.stdout.contains("CPUQuotaPerSecUSec=500ms"), show.stdout)
        // Whether systemd can enforce them depends on the node's cgroup controllers; the node
        // says which it has, and the plan warns exactly when one is missing. (This machine's
        // cgroup v2 hierarchy has no controllers, so a container node here cannot enforce
        // them; the warning is what is tested then.)
        let status = try edgectl(["status", "-o", "json"])
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let runtime = try XCTUnwrap(
            (doc["nodes"] as? [[String: Any]])?.first { $0["name"] as? String == fleet.nodeName(4) }?["runtime"] as? String)
        XCTAssertTrue(runtime.hasPrefix("systemd"), runtime)
        let warned = apply.stderr.contains("cannot be enforced on \(fleet.nodeName(4)) (its cgroups lack the controller)")
        XCTAssertEqual(warned, !(runtime.contains("memory") && runtime.contains("cpu")), apply.stderr)
    }
}
