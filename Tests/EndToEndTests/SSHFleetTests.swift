import Crypto
import EdgeCore
import EdgeSSH
import Foundation
import TestSupport
import XCTest

/// Accepts any host key: for tests that exercise exec and transfer, not trust.
struct AcceptAnyHostKey: HostKeyVerifying {
    func verify(node: String, key: HostKey) throws {}
}

/// End to end against a real fleet of five sshd nodes in network namespaces.
final class SSHFleetTests: FleetTestCase {
    override class var fleetSpec: (name: String, subnet: String, count: Int, busybox: Int?) {
        (name: "es", subnet: "10.79.0", count: 5, busybox: nil)
    }

    func statusJSON(_ state: String, _ extra: [String] = []) throws -> [String: [String: Any]] {
        let result = try Edgectl.run(["status", "-o", "json"] + extra, state: state)
        XCTAssertEqual(result.status, 0, result.stderr)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let nodes = try XCTUnwrap(doc["nodes"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: nodes.map { ($0["name"] as! String, $0) })
    }

    func session(_ fleet: TestFleet, _ i: Int) throws -> SSHSession {
        try SSHSession(
            target: SSHTarget(node: fleet.nodeName(i), address: fleet.address(i), user: "root", identityFile: fleet.identityFile),
            options: SSHOptions(connectTimeout: 5), verifier: AcceptAnyHostKey())
    }

    func testStatusContactsEveryNodeAndRecordsFacts() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        XCTAssertEqual(try Edgectl.run(["apply", "-f", fleet.manifestPath], state: state).status, 0)
        let nodes = try statusJSON(state)
        XCTAssertEqual(nodes.count, 5)
        for (name, node) in nodes {
            XCTAssertEqual(node["reachable"] as? Bool, true, "\(name): \(node["lastError"] ?? "")")
            XCTAssertNotNil(node["lastSeen"] as? String)
            XCTAssertEqual(node["arch"] as? String, "x86_64")
            XCTAssertNotNil(node["os"] as? String)
        }
        let wide = try Edgectl.run(["get", "nodes", "-o", "wide"], state: state)
        for i in 1...5 { XCTAssertTrue(wide.stdout.contains(try fleet.fingerprint(i)), "fingerprint of node \(i) recorded") }
        let noRefresh = try Edgectl.run(["status", "--no-refresh"], state: state)
        XCTAssertTrue(noRefresh.stdout.contains("5/5 nodes reachable"))
    }

    func testChangedHostKeyIsRefusedUntilTrusted() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        XCTAssertEqual(try Edgectl.run(["apply", "-f", fleet.manifestPath], state: state).status, 0)
        _ = try statusJSON(state)  // first contact pins every key
        let old = try fleet.fingerprint(5)
        try fleet.rekey(5, type: "rsa")
        let new = try fleet.fingerprint(5)
        XCTAssertNotEqual(old, new)
        let refused = try statusJSON(state)[fleet.nodeName(5)]!
        XCTAssertEqual(refused["reachable"] as? Bool, false, "a node whose host key is refused is not reachable")
        let error = try XCTUnwrap(refused["lastError"] as? String)
        XCTAssertTrue(error.contains("node \(fleet.nodeName(5))"), error)
        XCTAssertTrue(error.contains(old) && error.contains(new), "names both fingerprints: \(error)")
        XCTAssertTrue(error.contains("edgectl node trust \(fleet.nodeName(5))"))
        // Still refused on the next run: nothing changes until trust, not even with
        // --insecure-accept-host-keys (it never overrides a recorded key).
        XCTAssertNotNil(try statusJSON(state)[fleet.nodeName(5)]!["lastError"] as? String)
        let insecure = try Edgectl.run(["status", "-o", "json", "--insecure-accept-host-keys", "--connect-timeout", "3"], state: state)
        XCTAssertTrue(insecure.stdout.contains("HOST KEY CHANGED"), insecure.stdout)
        XCTAssertNotNil(try statusJSON(state)[fleet.nodeName(5)]!["lastError"] as? String)
        // Trust needs the expected key: without a terminal, --expect; a wrong one records nothing.
        let unasked = try Edgectl.run(["node", "trust", fleet.nodeName(5)], state: state)
        XCTAssertEqual(unasked.status, 64, unasked.stderr)
        XCTAssertTrue(unasked.stderr.contains("--expect SHA256:"), unasked.stderr)
        let wrong = try Edgectl.run(["node", "trust", fleet.nodeName(5), "--expect", old], state: state)
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("presents \(new)") && wrong.stderr.contains("nothing was recorded"), wrong.stderr)
        XCTAssertNotNil(try statusJSON(state)[fleet.nodeName(5)]!["lastError"] as? String, "still refused")
        let trust = try Edgectl.run(["node", "trust", fleet.nodeName(5), "--expect", new], state: state)
        XCTAssertEqual(trust.status, 0, trust.stderr)
        XCTAssertTrue(trust.stdout.contains("old: \(old)") && trust.stdout.contains("new: \(new)"), trust.stdout)
        let trusted = try statusJSON(state)[fleet.nodeName(5)]!
        XCTAssertTrue(trusted["lastError"] is NSNull)
        XCTAssertEqual(trusted["reachable"] as? Bool, true)
    }

    func testPartitionedNodeIsUnreachableWithinTheTimeoutOthersFinish() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        XCTAssertEqual(try Edgectl.run(["apply", "-f", fleet.manifestPath], state: state).status, 0)
        try fleet.partition(2)
        defer { try? fleet.heal(2) }
        let start = Date()
        let nodes = try statusJSON(state, ["--connect-timeout", "2"])
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThan(elapsed, 2 + 2.5, "a dead node costs at most the connect timeout")
        XCTAssertEqual(nodes[fleet.nodeName(2)]?["reachable"] as? Bool, false)
        XCTAssertTrue((nodes[fleet.nodeName(2)]?["lastError"] as? String)?.contains("connect failed") == true)
        for i in [1, 3, 4, 5] { XCTAssertEqual(nodes[fleet.nodeName(i)]?["reachable"] as? Bool, true) }
        try fleet.heal(2)
        XCTAssertEqual(try statusJSON(state)[fleet.nodeName(2)]?["reachable"] as? Bool, true)
    }

    func testWrongIdentityFileIsAnAuthErrorNamingTheNode() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let key = dir.path + "/stranger"
        XCTAssertEqual(try Shell.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]).status, 0)
        let manifest = dir.write(
            "n.yaml",
            """
            apiVersion: edgectl/v1
            kind: Node
            metadata: {name: stranger}
            spec: {address: \(fleet.address(1)), user: root, identityFile: \(key)}
            """)
        let state = dir.path + "/state.db"
        XCTAssertEqual(try Edgectl.run(["apply", "-f", manifest], state: state).status, 0)
        let node = try XCTUnwrap(try statusJSON(state)["stranger"])
        let error = try XCTUnwrap(node["lastError"] as? String)
        XCTAssertTrue(error.hasPrefix("node stranger: authentication failed"), error)
    }

    func testQuotingSurvivesHostileStrings() throws {
        let fleet = try requireFleet()
        let s = try session(fleet, 1)
        let marker = "/tmp/edgectl-pwned-\(getpid())"
        let hostile: [[UInt8]] =
            [
                "it's", "\"double\"", "$(touch \(marker))", "`touch \(marker)`", "a; touch \(marker)", "line1\nline2", "-n", "--", "*",
                "~", "$HOME", "back\\slash", "", " spaced  out ", "'", "''", "&& touch \(marker) ||", "|", ">\(marker)",
            ].map { Array($0.utf8) } + [[0xFF, 0xFE, 0x41], [0xC3, 0x28]]
        var command = Array("printf '%s\\0'".utf8)
        for value in hostile { command += [UInt8(ascii: " ")] + ShellQuote.quote(bytes: value) }
        let result = try s.exec(bytes: command)
        XCTAssertEqual(result.status, 0, result.stderrText)
        var echoed = result.stdout.split(separator: 0, omittingEmptySubsequences: false).map { Array($0) }
        XCTAssertEqual(echoed.removeLast(), [])  // after the last NUL
        XCTAssertEqual(echoed, hostile)
        XCTAssertEqual(try s.exec("test -e \(ShellQuote.quote(marker)) && echo yes || echo no").stdoutText, "no\n")
    }

    func testFiftyMegabyteTransferArrivesIntact() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/blob"
        var generator = SystemRandomNumberGenerator()
        var data = Data(count: 50 << 20)
        data.withUnsafeMutableBytes { buf in
            let words = buf.bindMemory(to: UInt64.self)
            for i in words.indices { words[i] = generator.next() }
        }
        try data.write(to: URL(fileURLWithPath: path))
        let expected = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let s = try session(fleet, 3)
        try s.upload(file: path, to: "/var/lib/edgectl/test/blob")
        XCTAssertEqual(s.bytesSent, 50 << 20)
        let sum = try s.exec("sha256sum /var/lib/edgectl/test/blob")
        XCTAssertEqual(sum.stdoutText.split(separator: " ").first.map(String.init), expected)
        // It landed in node 3's own /var/lib/edgectl (its mount namespace), not on the host or another node.
        XCTAssertTrue(FileManager.default.fileExists(atPath: fleet.root(3) + "/test/blob"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: fleet.root(2) + "/test/blob"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/lib/edgectl/test/blob"))
    }

    /// Health probes go through direct-tcpip: a port with nothing on it, and a node whose sshd
    /// refuses forwarding altogether, are told apart by the protocol's reason code, so the
    /// health gate can say which (the second never passes, whatever runs there).
    func testForwardingRefusedIsToldApartFromNothingListening() throws {
        let fleet = try requireFleet()
        let open = try session(fleet, 4)
        XCTAssertEqual(try open.exec("busybox httpd -p 127.0.0.1:7781 -h /var/lib/edgectl").status, 0)
        defer { _ = try? fleet.inNode(4, "pkill -f '[h]ttpd -p 127.0.0.1:7781'; true") }
        XCTAssertTrue(poll(5) { open.tcpProbe(port: 7781) == .connected }, "something listens on the node's loopback")
        XCTAssertEqual(open.httpProbe(port: 7781, path: "/nosuch", timeout: 2).1, 404)
        XCTAssertEqual(open.tcpProbe(port: 1), .nothingListening)
        XCTAssertEqual(open.httpProbe(port: 1, path: "/", timeout: 1).0, .nothingListening)
        try fleet.sshdOption(4, "AllowTcpForwarding no")
        defer { XCTAssertNoThrow(try fleet.sshdOption(4, "AllowTcpForwarding yes")) }
        let refusing = try session(fleet, 4)
        XCTAssertEqual(refusing.tcpProbe(port: 7781), .forwardingRefused)
        XCTAssertEqual(refusing.httpProbe(port: 7781, path: "/", timeout: 1).0, .forwardingRefused)
        XCTAssertEqual(try refusing.exec("echo still fine").stdoutText, "still fine\n", "the session itself still works")
    }

    /// A node with host keys of two types, pinned to the one libssh would not pick first: only
    /// the pinned type is negotiated, so the pinned key is what the node presents (and a
    /// recorded key likewise), instead of the other key looking like a re-key.
    func testThePinnedKeyTypeIsTheOneNegotiated() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let key = fleet.root(1) + "/../extra_rsa_host_key"
        try? FileManager.default.removeItem(atPath: key)
        try? FileManager.default.removeItem(atPath: key + ".pub")
        XCTAssertEqual(try Shell.run("/usr/bin/ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", key]).status, 0)
        try fleet.sshdOption(1, "HostKey \(key)")
        let rsa = try String(contentsOfFile: key + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let manifest = try String(contentsOfFile: fleet.manifestPath, encoding: .utf8)
        let first = String(manifest.components(separatedBy: "---\n")[0]).trimmingCharacters(in: .whitespacesAndNewlines)
        dir.write("n1.yaml", first + "\n  hostKey: \"\(rsa)\"\n")
        let state = dir.path + "/state.db"
        let applied = try Edgectl.run(["apply", "-f", dir.path + "/n1.yaml"], state: state)
        XCTAssertEqual(applied.status, 0, applied.stderr)
        let node = try XCTUnwrap(try statusJSON(state)[fleet.nodeName(1)])
        XCTAssertEqual(node["reachable"] as? Bool, true, "\(node["lastError"] ?? "")")
        XCTAssertTrue(node["lastError"] is NSNull, "\(node["lastError"] ?? "")")
        // Without the pin, a fresh state records what libssh prefers (ed25519), and keeps getting it.
        let other = dir.path + "/other.db"
        XCTAssertEqual(try Edgectl.run(["apply", "-f", fleet.manifestPath], state: other).status, 0)
        XCTAssertEqual(try statusJSON(other)[fleet.nodeName(1)]?["reachable"] as? Bool, true)
        XCTAssertTrue(try Edgectl.run(["get", "nodes", "-o", "wide"], state: other).stdout.contains(try fleet.fingerprint(1)))
    }

    /// A node's output reaches a terminal with its colours but no sequence the terminal would
    /// obey (retitle, clipboard), as lines (led by the node's name) and as `--grouped` blocks;
    /// into a pipe it goes byte for byte.
    func testExecOutputOnATerminalIsEscaped() throws {
        let fleet = try requireFleet()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        XCTAssertEqual(try Edgectl.run(["apply", "-f", fleet.manifestPath], state: state).status, 0)
        let hostile = #"printf '\033]0;owned\007\033]52;c;aGk=\007\033[31mred\033[0m\n'; printf '\033]0;err\007\n' >&2"#
        for mode in [[], ["--grouped"]] {
            let args = [Edgectl.binaryPath, "exec", "--state", state, "--node", fleet.nodeName(2)] + mode + ["--", hostile]
            // util-linux `script` gives edgectl a pseudo-terminal (stdout and stderr both).
            let tty = try Shell.run("/usr/bin/script", ["-qec", args.map(ShellQuote.quote).joined(separator: " "), "/dev/null"])
            XCTAssertEqual(tty.status, 0, tty.stdout)
            XCTAssertTrue(tty.stdout.contains("^[]0;owned^G^[]52;c;aGk=^G\u{1B}[31mred\u{1B}[0m"), "\(mode): \(tty.stdout.debugDescription)")
            XCTAssertTrue(tty.stdout.contains("^[]0;err^G"), "\(mode): stderr too: \(tty.stdout.debugDescription)")
            XCTAssertFalse(tty.stdout.contains("\u{1B}]"), "\(mode): an OSC sequence reached the terminal: \(tty.stdout.debugDescription)")
            let piped = try Edgectl.run(["exec", "--node", fleet.nodeName(2)] + mode + ["--", hostile], state: state)
            XCTAssertTrue(piped.stdout.contains("\u{1B}]0;owned\u{07}"), "\(mode): a pipe gets the bytes: \(piped.stdout.debugDescription)")
        }
    }

    func testCommandFailureAndStderrAreReported() throws {
        let fleet = try requireFleet()
        let s = try session(fleet, 4)
        let result = try s.exec("echo out; echo err >&2; exit 7")
        XCTAssertEqual(result.status, 7)
        XCTAssertEqual(result.stdoutText, "out\n")
        XCTAssertEqual(result.stderrText, "err\n")
        let input = try s.exec("wc -c", stdin: Data(repeating: 65, count: 1_000_000))
        XCTAssertEqual(input.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "1000000")
    }
}
