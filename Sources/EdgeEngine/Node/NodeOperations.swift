import Crypto
import EdgeCore
import EdgeSSH
import Foundation

/// What a push cost.
public struct PushReport: Sendable {
    public var filesSent: Int
    public var bytesSent: Int64
}

/// The outcome of waiting for a service to become healthy.
public enum HealthOutcome: Sendable, Equatable {
    case healthy
    case unhealthy(String)
}

/// A node reached for one run: its SSH session (for health probes through direct-tcpip)
/// and the one session shell that carries everything else edgectl does there.
public final class NodeLink {
    public let ssh: SSHSession
    public let shell: NodeShell
    public let layout: NodeLayout
    public var node: String { ssh.target.node }
    /// Whether the connection still serves calls (nothing broke it since the last call).
    public var isAlive: Bool { shell.isAlive }
    /// How the node runs services (the last line of its facts).
    public var runtime: NodeRuntime? { shell.facts.count > 3 ? NodeRuntime(fact: shell.facts[3]) : nil }

    /// Starts the node's session shell (installing the node library if it lacks it).
    public init(session: SSHSession, root: String) throws {
        ssh = session
        layout = NodeLayout(root: root)
        let channel = try ShellChannel(session: session, command: NodeLibrary.bootCommand(root: root))
        do {
            shell = try NodeShell(node: session.target.node, transport: channel, timeout: session.options.operationTimeout)
        } catch let error as NodeShellError {
            throw error.ssh(.exec, "starting edgectl's node shell: \(error.message)")
        }
    }
}

/// The node side of edgectl, over one node's session shell: content-addressed push,
/// atomic activation, processes, health, rollback and observation. Agentless: each
/// operation is a call to a function of `node/edgectl-node.sh`, typed here.
public final class NodeOperations {
    public let link: NodeLink
    public var session: SSHSession { link.ssh }
    public var layout: NodeLayout { link.layout }
    public var node: String { link.node }

    public init(link: NodeLink) { self.link = link }

    /// Connects a session shell on `session` (for tests and benchmarks that hold a bare session).
    public convenience init(session: SSHSession, root: String) throws {
        self.init(link: try NodeLink(session: session, root: root))
    }

    // MARK: Calls

    /// Calls a library function; a status outside `statuses` is a failure of `what`.
    @discardableResult
    func call(
        _ function: String, _ arguments: [String] = [], input: ShellInput? = nil, what: String, step: SSHStep = .exec,
        passing statuses: Set<Int32> = [0], output: ReplyOutput = .standard
    ) throws
        -> ShellReply
    {
        let reply: ShellReply
        do {
            reply = try link.shell.call(function, arguments, input: input, output: output)
        } catch let error as NodeShellError {
            throw error.ssh(step, "\(what) failed: \(error.message)")
        }
        guard statuses.contains(reply.status) else {
            let detail = reply.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw SSHError(node: node, step: step, message: "\(what) failed (exit \(reply.status))\(detail.isEmpty ? "" : ": \(detail)")")
        }
        return reply
    }

    /// One line per entry, TAB-separated, as the library's `edge_materialise`/`edge_repair` read them.
    static func entryList(_ release: Release) -> Data {
        var out = ""
        for entry in release.entries {
            switch entry.type {
            case .directory: out += "d\t\(String(entry.mode & 0o7777, radix: 8))\t\(entry.path)\n"
            case .file: out += "f\t\(NodeLayout.storeName(entry))\t\(entry.path)\n"
            case .symlink: out += "l\t\(entry.target ?? "")\t\(entry.path)\n"
            }
        }
        return Data(out.utf8)
    }

    // MARK: Push

    /// The release's files the node does not have (one call). With `verify`, stored
    /// files are re-hashed and damaged ones count as missing.
    public func missingFiles(_ release: Release, verify: Bool = false) throws -> [BundleEntry] {
        try storeState(release, verify: verify).missing
    }

    /// The files the node lacks, and whether the release directory is already built.
    func storeState(_ release: Release, verify: Bool) throws -> (missing: [BundleEntry], releasePresent: Bool) {
        var byName: [String: BundleEntry] = [:]
        for entry in release.entries where entry.type == .file { byName[NodeLayout.storeName(entry)] = entry }
        let names = byName.keys.sorted()
        let lines = try call(
            "edge_missing", [release.digest, verify ? "verify" : "-"], input: .bytes(Data((names.joined(separator: "\n") + "\n").utf8)),
            what: "listing stored files", output: .listing
        ).lines
        return (lines.compactMap { byName[$0] }, lines.first == "=present")
    }

    /// Streams files into the node's store as one tar stream on the session shell; the node
    /// verifies each digest before it enters the store.
    public func send(_ entries: [BundleEntry], from bundle: String) throws -> PushReport {
        guard !entries.isEmpty else { return PushReport(filesSent: 0, bytesSent: 0) }
        let before = session.bytesSent
        let length = entries.reduce(Int64(TarWriter.trailer.count)) {
            $0 + Int64(TarWriter.blockSize) + $1.size + Int64(TarWriter.padding(forSize: $1.size).count)
        }
        let node = self.node
        let stream = ShellInput.stream(length: length) { write in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            for entry in entries {
                let path = bundle + "/" + entry.path
                let fd: Int32
                do {
                    fd = try BundleFile.openRegular(path)
                } catch {
                    throw SSHError(node: node, step: .transfer, message: "\(error)")
                }
                defer { close(fd) }
                let header = TarWriter.header(name: NodeLayout.storeName(entry), mode: NodeLayout.readOnlyMode(entry.mode), size: entry.size)
                try header.withUnsafeBytes { try write($0) }
                var remaining = entry.size
                while remaining > 0 {
                    let n = read(fd, buffer.baseAddress, min(buffer.count, Int(remaining)))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else {
                        throw SSHError(node: node, step: .transfer, message: "\(path) is shorter than when it was applied; re-apply the service")
                    }
                    try write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                    remaining -= Int64(n)
                }
                let pad = TarWriter.padding(forSize: entry.size)
                if !pad.isEmpty { try pad.withUnsafeBytes { try write($0) } }
            }
            try TarWriter.trailer.withUnsafeBytes { try write($0) }
        }
        let reply: ShellReply
        do {
            reply = try link.shell.call("edge_receive", input: stream, output: .listing)
        } catch let error as NodeShellError {
            throw error.ssh(.transfer)
        }
        if reply.status == 28 {
            // The node library's word for ENOSPC: nothing was left behind there.
            throw SSHError(
                node: node, step: .transfer,
                message:
                    "no space left on \(node): \(reply.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)); its previous release is untouched"
            )
        }
        let bad = reply.lines.filter { $0.hasPrefix("BAD ") }
        guard reply.status == 0, bad.isEmpty else {
            let detail =
                bad.isEmpty
                ? reply.stderrText
                : "files did not match their digests (the bundle changed since apply?): \(bad.map { String($0.dropFirst(4)) }.joined(separator: ", "))"
            throw SSHError(node: node, step: .transfer, message: detail.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return PushReport(filesSent: entries.count, bytesSent: Int64(session.bytesSent - before))
    }

    /// Makes the release present on the node: sends only missing files, then materialises it.
    /// With `verify` (a repair), an existing release directory is also put back in place
    /// entry by entry (extra files removed, damaged links replaced), since it may be `current`.
    /// `beforeSending` runs only when some file must be sent (to check the local bundle first).
    public func push(
        _ release: Release, from bundle: String, verify: Bool = false, beforeSending: (() throws -> Void)? = nil
    ) throws -> PushReport {
        let (missing, present) = try storeState(release, verify: verify)
        if !missing.isEmpty { try beforeSending?() }
        let report = try send(missing, from: bundle)
        if !present {
            try materialise(release)
        } else if verify || !missing.isEmpty {
            try call(
                "edge_repair", [release.digest], input: .bytes(Self.entryList(release)), what: "repairing release \(release.shortDigest)",
                output: .listing)
        }
        return report
    }

    /// Builds the release directory from the store: one tar process of hard links when every
    /// path fits ustar (a few processes on the node, whatever the number of files), else entry by entry.
    public func materialise(_ release: Release) throws {
        let what = "materialising release \(release.shortDigest)"
        guard let archive = ReleaseArchive.links(release: release) else {
            try call("edge_materialise", [release.digest], input: .bytes(Self.entryList(release)), what: what)
            return
        }
        var modes: [String] = []
        for entry in release.entries.reversed() where entry.type == .directory && entry.mode & 0o7777 != 0o755 {
            modes += [String(entry.mode & 0o7777, radix: 8), entry.path]
        }
        try call("edge_materialise_tar", [release.digest] + modes, input: .bytes(Data(archive)), what: what)
    }

    // MARK: Activation and processes

    /// Points `current` at a release without a unit (for benchmarks of the push alone).
    public func activate(service: String, digest: String) throws {
        try call("edge_activate", [service, digest, ""], what: "activating \(service)")
    }

    /// Stop, make `unit` (its release already on the node) the service's unit, and start it
    /// under its supervisor, in one call. The unit file (with the environment) is the call's input.
    /// With `attempt` (a nonce and a number of seconds), the node arms a watchdog first: unless
    /// `confirm` reaches it within that long, it goes back to the unit it runs now by itself.
    public func switchTo(service: String, unit: ServiceUnit, grace: Int = 10, attempt: (nonce: String, seconds: Int)? = nil) throws {
        // Its config files first, into a directory of the unit's own (kept while the unit may
        // come back by a rollback), owned by the service's user; their bytes, secrets included,
        // travel on the session's standard input only.
        if !unit.files.isEmpty {
            try call(
                "edge_config", [service, unit.digest, unit.user ?? ""], input: .bytes(unit.configArchive),
                what: "writing \(service)'s config files")
        }
        try call(
            "edge_switch", [service, unit.release, unit.digest, String(grace)] + (attempt.map { [$0.nonce, String($0.seconds)] } ?? []),
            input: .bytes(unit.file),
            what: "switching \(service) to \(String(unit.release.prefix(12)))")
    }

    /// Commits attempt `nonce` once the node sees `proof` that a connection opened after the
    /// switch got in (see RolloutRun). False when this node cannot check that kind of proof
    /// (nothing changed: try another); throws when the node refuses to commit.
    public func confirm(service: String, nonce: String, proof: ConfirmProof) throws -> Bool {
        var arguments = [service, nonce]
        switch proof {
        case .listener(let port): arguments += ["port", String(port)]
        case .marker: arguments.append("marker")
        case .ownConnection: break
        }
        let reply = try call("edge_confirm", arguments, what: "confirming \(service)", passing: [0, 5])
        if reply.status == 5 { return false }
        guard reply.stdoutText.hasPrefix("committed") else {
            throw SSHError(node: node, step: .exec, message: "confirming \(service): the node did not report the attempt committed")
        }
        return true
    }

    public func stop(service: String, grace: Int = 10) throws {
        try call("edge_stop", [service, String(grace)], what: "stopping \(service)")
    }

    /// Stop and start again on the unit the node has (after a rollback: the previous unit, whole).
    public func restart(service: String, grace: Int = 10) throws {
        try call("edge_switch", [service, "-", "-", String(grace)], what: "restarting \(service)")
    }

    public func isRunning(service: String) throws -> Bool {
        try call("edge_running", [service], what: "checking \(service)").stdoutText.hasPrefix("running")
    }

    /// Switches back to the previous release (no transfer) and returns its digest. The caller restarts.
    /// Swaps back to the previous unit; with `unit`, only if that is the unit in place (false:
    /// the node is already elsewhere, e.g. it went back by itself).
    @discardableResult
    /// Swaps back to the previous unit, only from `unit` when given. With the `attempt` that
    /// switched the node, the node's own watchdog and this rollback never both swap: whichever
    /// takes the attempt first goes back, and the other leaves it (`false`: unchanged).
    public func rollback(service: String, from unit: String? = nil, attempt: String? = nil) throws -> Bool {
        var arguments = [service, unit ?? ""]
        if let attempt { arguments.append(attempt) }
        let out = try call("edge_rollback", arguments, what: "rolling back \(service)").stdoutText
        return !out.hasPrefix("unchanged")
    }

    // MARK: Health

    static let forwardingRefused =
        "the node's sshd refuses port forwarding (AllowTcpForwarding), which http and tcp health checks go through; allow it for this user or use an exec check"

    /// Waits until the service passes its check within `healthyDeadlineSeconds`, or fails
    /// early if its process exits. Without a check, healthy means still running after 2 s.
    public func waitHealthy(service: String, check: HealthCheckSpec?) throws -> HealthOutcome {
        guard let check, let probe = check.probe else {
            Thread.sleep(forTimeInterval: 2)
            return try isRunning(service: service) ? .healthy : .unhealthy("the process exited within 2s")
        }
        let deadline = Date().addingTimeInterval(Double(check.healthyDeadlineSeconds))
        var last = "no answer yet"
        while true {
            // Probe first: a healthy service costs one probe; the process check only runs on a miss.
            switch probe {
            case .tcp(let port):
                let outcome = session.tcpProbe(port: port)
                if outcome == .connected { return .healthy }
                if outcome == .forwardingRefused { return .unhealthy(Self.forwardingRefused) }
                last = outcome == .nothingListening ? "nothing listens on port \(port)" : "cannot reach port \(port): \(outcome)"
            case .http(let port, let path):
                let (outcome, code) = session.httpProbe(port: port, path: path, timeout: Double(check.timeoutSeconds))
                if let code {
                    if (200..<400).contains(code) { return .healthy }
                    last = "GET \(path) answered \(code)"
                } else if outcome == .forwardingRefused {
                    return .unhealthy(Self.forwardingRefused)
                } else {
                    last = outcome == .nothingListening ? "nothing listens on port \(port)" : "GET :\(port)\(path) got no answer"
                }
            case .exec(let command):
                let reply: ShellReply
                do {
                    reply = try link.shell.call("edge_health_exec", [service, String(check.timeoutSeconds)] + command, output: .discard)
                } catch let error as NodeShellError {
                    throw error.ssh(.exec, "health check failed: \(error.message)")
                }
                if reply.status == 0 { return .healthy }
                last = "\(command.joined(separator: " ")) exited \(reply.status)"
            }
            guard try isRunning(service: service) else { return .unhealthy("the process exited (\(last))") }
            if Date().addingTimeInterval(Double(check.periodSeconds)) > deadline {
                return .unhealthy("not healthy within \(check.healthyDeadlineSeconds)s: \(last)")
            }
            Thread.sleep(forTimeInterval: Double(check.periodSeconds))
        }
    }

    /// Why the service's current attempt failed, as the node tells it (how the process ended,
    /// its last output), with `reason` what edgectl saw; the node keeps the attempt's output
    /// for `logs --previous`. Never throws: a node that cannot say leaves the reason alone.
    public func evidence(service: String, release: String?, reason: String) -> AttemptFailure {
        let reply = try? call("edge_evidence", [service], what: "reading why \(service) failed")
        return AttemptFailure.parse(reply?.stdoutText ?? "", node: node, service: service, release: release, reason: reason)
    }

    // MARK: Observation and housekeeping

    /// Every managed service on the node, in one call.
    public func observe(logCap: Int = 10 << 20) throws -> [ServiceObservation] {
        try call("edge_observe", [String(logCap)], what: "observing services", output: .listing).lines.compactMap(ServiceObservation.init(line:))
    }

    /// Full re-hash of the current release: the files that differ from it.
    public func verify(service: String, release: Release) throws -> [String] {
        let lines = release.entries.filter { $0.type == .file }.map { "\(NodeLayout.storeName($0)) \($0.path)" }
        return try call(
            "edge_verify", [service], input: .bytes(Data((lines.joined(separator: "\n") + "\n").utf8)), what: "verifying \(service)",
            output: .listing
        ).lines
    }

    /// Stops a service and removes it from the node.
    public func remove(service: String, grace: Int = 10) throws {
        try call("edge_remove", [service, String(grace)], what: "removing \(service)")
    }

    /// Removes releases beyond the last `keep` per service and files no release uses.
    @discardableResult
    public func cleanup(keep: Int = 3) throws -> [String] {
        try call("edge_cleanup", [String(keep)], what: "cleaning up", output: .listing).lines
    }
}

/// What a connection opened after a switch leaves on the node to show it got in (confirmed
/// activation), cheapest first.
public enum ConfirmProof: Sendable, Equatable {
    /// It holds a listener on this port of the node's loopback (a remote forward, in sshd).
    case listener(port: Int)
    /// It created `services/SERVICE/confirm-NONCE` over SFTP.
    case marker
    /// The confirmation is asked over that connection itself (its own session shell).
    case ownConnection
}
