import Foundation
import TestSupport
import XCTest

/// Per-node configuration and secrets, end to end, on a real fleet of three nodes with
/// different labels: 1 with coreutils, 2 with only busybox, 3 a systemd node. A sentinel
/// secret value must reach each service and appear nowhere else: not in the state (its bytes,
/// WAL included), not in any output, not on any command line on the nodes while a rollout
/// runs, and in no node file but the service's own 0600 unit file and its config file (and, on
/// the systemd node, the root-owned environment file systemd reads).
final class ConfigTests: FleetTestCase {
    override class var fleetSpec: (name: String, subnet: String, count: Int, busybox: Int?) {
        (name: "cf", subnet: "10.91.0", count: 3, busybox: 2)
    }
    override class var systemdNodes: [Int] { [3] }
    let nodes = 1...3

    var fleet: TestFleet!
    var dir: TemporaryDirectory!
    var state: String { dir.path + "/state.db" }
    let sentinel = "S3NTINEL-db-\(UInt32.random(in: 100_000...999_999))"
    var password = ""

    override func setUpWithError() throws {
        fleet = try requireFleet()
        dir = TemporaryDirectory()
        password = sentinel
        fleet.stopServices()
        for i in nodes { try? FileManager.default.removeItem(atPath: fleet.root(i) + "/services") }
        try nodesManifest(labels: [1: "berlin", 2: "munich", 3: "berlin"])
        // The service prints digests of what it got (never the values), then sleeps.
        dir.write(
            "app/run",
            """
            #!/bin/sh
            h() { printf '%s' "$1" | sha256sum | cut -c1-16; }
            echo "site=$SITE db=$(h "$DB_PASSWORD") key=$(h "$DEVICE_KEY") upstream=$(sed -n 's/^upstream=//p' "$EDGE_CONFIG_DIR/relay.conf") conf-db=$(h "$(sed -n 's/^password=//p' "$EDGE_CONFIG_DIR/relay.conf")")"
            exec sleep 100000
            """, mode: 0o755)
        dir.write("m/relay.conf.tmpl", "upstream=${vars.upstream}\nnode=${node.name}\npassword=${secrets.db}\n")
        for i in nodes { dir.write("keys/\(fleet.nodeName(i)).key", "device-key-\(i)-\(sentinel)") }
        try service()
    }

    override func tearDownWithError() throws {
        fleet?.stopServices()
        dir?.remove()
    }

    func nodesManifest(labels: [Int: String]) throws {
        var text = try String(contentsOfFile: fleet.manifestPath, encoding: .utf8)
        for (i, site) in labels {
            text = text.replacingOccurrences(of: "labels: {fleet: cf, index: \"\(i)\"}", with: "labels: {fleet: cf, index: \"\(i)\", site: \(site)}")
        }
        dir.write("m/nodes.yaml", text)
    }

    func service(secretFrom: String = "{env: TEST_DB_PASSWORD}") throws {
        dir.write(
            "m/app.yaml",
            """
            apiVersion: edgectl/v1
            kind: NodeGroup
            metadata: {name: all}
            spec: {selector: {matchLabels: {fleet: cf}}}
            ---
            apiVersion: edgectl/v1
            kind: Secret
            metadata: {name: db}
            spec: {from: \(secretFrom)}
            ---
            apiVersion: edgectl/v1
            kind: Secret
            metadata: {name: device-key}
            spec: {from: {file: "../keys/${node.name}.key"}}
            ---
            apiVersion: edgectl/v1
            kind: Service
            metadata: {name: app}
            spec:
              bundle: {path: ../app}
              nodeGroups: [all]
              run:
                command: [./run]
                env:
                  SITE: "${node.labels.site}"
                  DB_PASSWORD: {secret: db}
                  DEVICE_KEY: {secret: device-key}
              config:
                vars: {upstream: "10.0.0.1"}
                overrides:
                  - selector: {matchLabels: {site: munich}}
                    vars: {upstream: "10.2.0.1"}
                files:
                  - {path: relay.conf, template: ./relay.conf.tmpl, mode: "0640"}
              rollout: {maxUnavailable: 100%}
            """)
    }

    func edgectl(_ args: [String]) throws -> Edgectl.Result {
        // Options go before a `--` (what follows it is exec's command).
        let split = args.firstIndex(of: "--") ?? args.endIndex
        return try Edgectl.run(
            Array(args[..<split]) + ["--connect-timeout", "3"] + args[split...], state: state, environment: ["TEST_DB_PASSWORD": password])
    }

    func digest(_ text: String) -> String {
        let r = try? Shell.run("/bin/sh", ["-c", "printf '%s' \"$1\" | sha256sum | cut -c1-16", "sh", text])
        return r?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// What the service on node `i` printed last about itself.
    func seen(_ i: Int) throws -> String {
        let logs = try edgectl(["logs", "service/app", "--node", fleet.nodeName(i), "--tail", "20"])
        let line = logs.stdout.split(separator: "\n").last { $0.contains("site=") } ?? ""
        return line.range(of: "site=").map { String(line[$0.lowerBound...]) } ?? ""
    }

    func expected(_ i: Int, site: String, upstream: String) -> String {
        "site=\(site) db=\(digest(password)) key=\(digest("device-key-\(i)-\(sentinel)")) upstream=\(upstream) conf-db=\(digest(password))"
    }

    /// Samples every process's command line on this machine (the nodes' processes included:
    /// the namespaces share its kernel) until stopped.
    final class CommandLineSampler: @unchecked Sendable {
        private let lock = NSLock()
        private var stop = false
        private(set) var samples = 0
        private(set) var hits: [String] = []
        private var thread: Thread?

        func start(looking needle: String) {
            let bytes = Data(needle.utf8)
            thread = Thread { [self] in
                while !lock.withLock({ stop }) {
                    for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where pid.allSatisfy(\.isNumber) {
                        if let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), data.range(of: bytes) != nil {
                            lock.withLock { hits.append(String(decoding: data, as: UTF8.self)) }
                        }
                    }
                    lock.withLock { samples += 1 }
                }
            }
            thread?.start()
        }

        func finish() {
            lock.withLock { stop = true }
            while thread?.isFinished == false { Thread.sleep(forTimeInterval: 0.01) }
        }
    }

    func testEachNodeGetsItsOwnConfigAndSecretsAndTheValueIsNowhereElse() throws {
        let sampler = CommandLineSampler()
        sampler.start(looking: sentinel)
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        sampler.finish()
        XCTAssertEqual(apply.status, 0, apply.stderr + apply.stdout)
        XCTAssertTrue(poll(10) { (try? self.seen(3)) == self.expected(3, site: "berlin", upstream: "10.0.0.1") }, (try? seen(3)) ?? "")
        XCTAssertEqual(try seen(1), expected(1, site: "berlin", upstream: "10.0.0.1"))
        XCTAssertEqual(try seen(2), expected(2, site: "munich", upstream: "10.2.0.1"))
        XCTAssertGreaterThan(sampler.samples, 5, "command lines were sampled throughout the rollout")
        XCTAssertEqual(sampler.hits, [], "a command line held the secret")

        // Everything a user or a script can print.
        var outputs = [apply.stdout, apply.stderr]
        for args in [
            ["diff", "-f", dir.path + "/m"], ["render", "service/app", "--node", fleet.nodeName(2)],
            ["render", "service/app", "--node", fleet.nodeName(2), "-o", "yaml"], ["describe", "service", "app"],
            ["describe", "secret", "db"], ["get", "services", "-o", "json"], ["get", "services", "-o", "yaml"], ["get", "secrets", "-o", "json"],
            ["get", "events"], ["status", "-o", "json"], ["logs", "service/app"],
            ["exec", "--node", fleet.nodeName(1), "--", "cat /var/lib/edgectl/services/app/unit"],
        ] {
            let run = try edgectl(args)
            outputs += [run.stdout, run.stderr]
            if args[0] == "render" && args.count == 4 {
                XCTAssertTrue(run.stdout.contains("password=<secret db>") && run.stdout.contains("DB_PASSWORD=<secret db>"), run.stdout)
                XCTAssertTrue(run.stdout.contains("upstream=10.2.0.1"), run.stdout)
            }
            if args[0] == "exec" { XCTAssertTrue(run.stdout.contains("DB_PASSWORD='<secret db>'"), "relayed output is masked: " + run.stdout) }
        }
        for (index, text) in outputs.enumerated() { XCTAssertFalse(text.contains(sentinel), "output \(index): \(text)") }

        // The state's bytes, its WAL included.
        for file in [state, state + "-wal", state + "-shm"] {
            if let data = FileManager.default.contents(atPath: file) {
                XCTAssertNil(data.range(of: Data(sentinel.utf8)), "\(file) holds the secret")
            }
        }
        // Node files: only the service's unit file (0600) and its config file (0640) hold it,
        // and on the systemd node the environment file systemd reads (root's, 0600).
        for i in nodes {
            let grep = try Shell.run("/bin/grep", ["-rlF", sentinel, fleet.root(i), fleet.etc(i)])
            var files = grep.stdout.split(separator: "\n").map { String($0.dropFirst(fleet.root(i).count)) }.sorted()
            if fleet.systemd.contains(i) {
                XCTAssertEqual(files.filter { $0 == "/services/app/env" }.count, 1, "node \(i): \(files)")
                files.removeAll { $0 == "/services/app/env" }
            }
            XCTAssertEqual(files.count, 2, "node \(i): \(files)")
            XCTAssertEqual(files.first, "/services/app/config/" + (files.first?.split(separator: "/")[3]).map(String.init)! + "/relay.conf")
            XCTAssertEqual(files.last, "/services/app/unit")
            for file in files {
                let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: fleet.root(i) + file)[.posixPermissions] as? Int)
                XCTAssertEqual(mode & 0o037, 0, "node \(i): \(file) is \(String(mode, radix: 8))")
            }
        }
    }

    /// A secret holding `"` and `\` (a JSON key file) is escaped inside a JSON document; it is
    /// masked before that, so `-o json` never prints it in its escaped form.
    func testASecretHoldingQuotesAndBackslashesIsMaskedInJSONOutput() throws {
        password = "{\"key\": \"\(sentinel)\\\\u0041\", \"n\": \"a\\\\b\"}"
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        for format in ["json", "text"] {
            let run = try edgectl(["exec", "--node", fleet.nodeName(1), "-o", format, "--", "cat /var/lib/edgectl/services/app/config/*/relay.conf"])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stdout.contains("password=<secret db>"), format + ": " + run.stdout)
            XCTAssertFalse(run.stdout.contains(sentinel), format + ": " + run.stdout)
        }
    }

    func testChangingOneNodesLabelUpdatesThatNodeOnly() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        XCTAssertTrue(poll(10) { (try? self.seen(3)) == self.expected(3, site: "berlin", upstream: "10.0.0.1") })
        let before = [1, 2].map { fleet.servicePid($0, "app") }
        try nodesManifest(labels: [1: "berlin", 2: "munich", 3: "munich"])
        let diff = try edgectl(["diff", "-f", dir.path + "/m"])
        XCTAssertTrue(diff.stdout.contains("~ \(fleet.nodeName(3))  app  config.files.relay.conf, run.env.SITE"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("= \(fleet.nodeName(1))  up to date"), diff.stdout)
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        XCTAssertTrue(poll(10) { (try? self.seen(3)) == self.expected(3, site: "munich", upstream: "10.2.0.1") }, (try? seen(3)) ?? "")
        XCTAssertEqual([1, 2].map { fleet.servicePid($0, "app") }, before, "the other nodes were not touched")
    }

    func testRotatingTheSecretUpdatesEveryNodeThatUsesIt() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        password = sentinel + "-rotated"
        let diff = try edgectl(["diff", "-f", dir.path + "/m"])
        for i in nodes { XCTAssertTrue(diff.stdout.contains("~ \(fleet.nodeName(i))  app  secrets.db"), diff.stdout) }
        XCTAssertFalse(diff.stdout.contains(password))
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr)
        XCTAssertTrue(poll(10) { (try? self.seen(3)) == self.expected(3, site: "berlin", upstream: "10.0.0.1") }, (try? seen(3)) ?? "")
        XCTAssertEqual(try seen(1), expected(1, site: "berlin", upstream: "10.0.0.1"))
        XCTAssertEqual(try seen(2), expected(2, site: "munich", upstream: "10.2.0.1"))
        XCTAssertEqual(try edgectl(["diff", "-f", dir.path + "/m"]).status, 0, "converged after the rotation")
    }

    func testASecretFromACommandIsItsStandardOutput() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        // The same value, now printed by a command (argv, no shell; its newline dropped): the
        // fingerprint is the same, so no node changes.
        try service(secretFrom: "{command: [printenv, TEST_DB_PASSWORD]}")
        let diff = try edgectl(["diff", "-f", dir.path + "/m"])
        for i in nodes { XCTAssertTrue(diff.stdout.contains("= \(fleet.nodeName(i))  up to date"), diff.stdout) }
        // A new value from the command reaches every node.
        password = sentinel + "-from-command"
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 0, apply.stderr)
        XCTAssertFalse((apply.stdout + apply.stderr).contains(password))
        XCTAssertTrue(poll(10) { (try? self.seen(3)) == self.expected(3, site: "berlin", upstream: "10.0.0.1") }, (try? seen(3)) ?? "")
        XCTAssertEqual(try seen(1), expected(1, site: "berlin", upstream: "10.0.0.1"))
    }

    func testAFailingSecretCommandChangesNoNode() throws {
        XCTAssertEqual(try edgectl(["apply", "-f", dir.path + "/m"]).status, 0)
        let before = [1, 2].map { fleet.servicePid($0, "app") }
        let unit = try String(contentsOfFile: fleet.root(1) + "/services/app/unit", encoding: .utf8)
        // The command prints the value and fails: the run stops before any node, saying which
        // secret failed and never what it printed.
        try service(secretFrom: "{command: [sh, -c, \"echo \(sentinel)-partial; exit 3\"]}")
        let apply = try edgectl(["apply", "-f", dir.path + "/m"])
        XCTAssertEqual(apply.status, 1)
        XCTAssertTrue(apply.stderr.contains("secret/db: command sh failed (exit 3); no node was changed"), apply.stderr)
        XCTAssertFalse((apply.stdout + apply.stderr).contains(sentinel))
        XCTAssertEqual([1, 2].map { fleet.servicePid($0, "app") }, before)
        XCTAssertEqual(try String(contentsOfFile: fleet.root(1) + "/services/app/unit", encoding: .utf8), unit)
    }
}
