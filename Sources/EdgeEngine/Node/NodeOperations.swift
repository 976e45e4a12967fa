import Crypto
import EdgeCore
import EdgeSSH
import Foundation

/// What one node reports about one managed service.
public struct ServiceObservation: Sendable, Equatable {
    public enum Process: String, Sendable { case running, dead, stopped }
    public var service: String
    public var current: String?
    public var previous: String?
    public var process: Process
    public var pid: Int32?
    /// Files of the current release modified since its activation (cheap drift check).
    public var modifiedFiles: Int
    /// Entries in the current release directory, itself included.
    public var entryCount: Int

    /// Drift: a file changed, or files added or removed, against the release's recorded entries.
    public func drifted(expectedEntries: Int) -> Bool {
        current != nil && (modifiedFiles > 0 || entryCount != expectedEntries + 1)
    }
}

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

/// The node side of edgectl, over one SSH session: content-addressed push,
/// atomic activation, processes, health, rollback and observation.
/// Agentless: each operation is a POSIX sh script (see `NodeScripts`).
public final class NodeOperations {
    public let session: SSHSession
    public let layout: NodeLayout
    public var node: String { session.target.node }

    public init(session: SSHSession, root: String) {
        self.session = session
        self.layout = NodeLayout(root: root)
    }

    // MARK: Running scripts

    /// Runs a script passed as an argument, with `stdin` as its input.
    @discardableResult
    func run(_ script: String, stdin: Data? = nil, what: String) throws -> ExecResult {
        let result = try session.exec("sh -c " + ShellQuote.quote(script), stdin: stdin)
        guard result.status == 0 else { throw failure(what, result) }
        return result
    }

    /// Runs a (possibly long) script fed to `sh -s` on standard input.
    @discardableResult
    func runFed(_ script: String, what: String) throws -> ExecResult {
        let result = try session.exec("sh -s", stdin: Data(script.utf8))
        guard result.status == 0 else { throw failure(what, result) }
        return result
    }

    func failure(_ what: String, _ result: ExecResult) -> SSHError {
        let detail = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
        return SSHError(node: node, step: .exec, message: "\(what) failed (exit \(result.status))\(detail.isEmpty ? "" : ": \(detail)")")
    }

    // MARK: Push

    /// The release's files the node does not have (one round trip). With `verify`, stored
    /// files are re-hashed and damaged ones count as missing.
    public func missingFiles(_ release: Release, verify: Bool = false) throws -> [BundleEntry] {
        try storeState(release, verify: verify).missing
    }

    /// The files the node lacks, and whether the release directory is already built.
    func storeState(_ release: Release, verify: Bool) throws -> (missing: [BundleEntry], releasePresent: Bool) {
        var byName: [String: BundleEntry] = [:]
        for entry in release.entries where entry.type == .file { byName[NodeLayout.storeName(entry)] = entry }
        let names = byName.keys.sorted()
        let result = try run(
            NodeScripts.missingFiles(layout, release: release.digest, verify: verify),
            stdin: Data((names.joined(separator: "\n") + "\n").utf8), what: "listing stored files")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        return (lines.compactMap { byName[$0] }, lines.first == "=present")
    }

    /// Streams files into the node's store as one tar stream; the node verifies each digest
    /// before it enters the store.
    public func send(_ entries: [BundleEntry], from bundle: String) throws -> PushReport {
        guard !entries.isEmpty else { return PushReport(filesSent: 0, bytesSent: 0) }
        let before = session.bytesSent
        let result = try session.exec(bytes: Array(("sh -c " + ShellQuote.quote(NodeScripts.receive(layout))).utf8), step: .transfer) { write in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            for entry in entries {
                let path = bundle + "/" + entry.path
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    throw SSHError(node: node, step: .transfer, message: "cannot read \(path): \(String(cString: strerror(errno)))")
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
        let bad = result.stdoutText.split(separator: "\n").filter { $0.hasPrefix("BAD ") }
        guard result.status == 0, bad.isEmpty else {
            let detail =
                bad.isEmpty
                ? result.stderrText
                : "files did not match their digests (the bundle changed since apply?): \(bad.map { String($0.dropFirst(4)) }.joined(separator: ", "))"
            throw SSHError(node: node, step: .transfer, message: detail.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return PushReport(filesSent: entries.count, bytesSent: Int64(session.bytesSent - before))
    }

    /// Makes the release present on the node: sends only missing files, then materialises it.
    /// Sends what the node's store lacks and makes sure the release directory is built.
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
            try runFed(NodeScripts.repairRelease(layout, release: release), what: "repairing release \(release.shortDigest)")
        }
        return report
    }

    /// Builds the release directory from the store: one tar process of hard links when every
    /// path fits ustar (a few processes on the node, whatever the number of files), else a script.
    public func materialise(_ release: Release) throws {
        guard let archive = NodeScripts.materialiseArchive(release: release) else {
            try runFed(NodeScripts.materialise(layout, release: release), what: "materialising release \(release.shortDigest)")
            return
        }
        try run(NodeScripts.finishMaterialise(layout, release: release), stdin: Data(archive), what: "materialising release \(release.shortDigest)")
    }

    // MARK: Activation and processes

    public func activate(service: String, digest: String) throws {
        try run(NodeScripts.activate(layout, service: service, digest: digest), what: "activating \(service)")
    }

    /// Starts the service's current release with its environment plus EDGE_NODE, EDGE_SERVICE, EDGE_RELEASE.
    @discardableResult
    public func start(service: String, spec: ServiceSpec, release: String) throws -> Int32 {
        var env = spec.run.env.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        env += [("EDGE_NODE", node), ("EDGE_SERVICE", service), ("EDGE_RELEASE", release)]
        let result = try run(NodeScripts.start(layout, service: service, command: spec.run.command, environment: env), what: "starting \(service)")
        return Int32(result.stdoutText.split(separator: " ").first ?? "") ?? 0
    }

    /// Stop, switch `current` to `digest` (unless nil: a plain restart) and start, in one round
    /// trip: the steps of a batch cost one command per node, not three.
    @discardableResult
    public func switchTo(service: String, digest: String?, spec: ServiceSpec, release: String, grace: Int = 10) throws -> Int32 {
        var env = spec.run.env.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        env += [("EDGE_NODE", node), ("EDGE_SERVICE", service), ("EDGE_RELEASE", release)]
        var parts = ["(\n" + NodeScripts.stop(layout, service: service, grace: grace) + ")"]
        if let digest { parts.append("(\n" + NodeScripts.activate(layout, service: service, digest: digest) + ")") }
        parts.append("(\n" + NodeScripts.start(layout, service: service, command: spec.run.command, environment: env) + ")")
        let result = try run(parts.joined(separator: " &&\n"), what: "switching \(service) to \(String(release.prefix(12)))")
        return Int32(result.stdoutText.split(separator: "\n").last?.split(separator: " ").first ?? "") ?? 0
    }

    public func stop(service: String, grace: Int = 10) throws {
        try run(NodeScripts.stop(layout, service: service, grace: grace), what: "stopping \(service)")
    }

    public func restart(service: String, spec: ServiceSpec, release: String, grace: Int = 10) throws {
        try stop(service: service, grace: grace)
        try start(service: service, spec: spec, release: release)
    }

    public func isRunning(service: String) throws -> Bool {
        try run(NodeScripts.running(layout, service: service), what: "checking \(service)").stdoutText.hasPrefix("running")
    }

    /// Switches back to the previous release (no transfer) and returns its digest. The caller restarts.
    public func rollback(service: String) throws -> String {
        try run(NodeScripts.rollback(layout, service: service), what: "rolling back \(service)").stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: Health

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
                if session.tcpProbe(port: port) { return .healthy }
                last = "nothing listens on port \(port)"
            case .http(let port, let path):
                if let code = session.httpProbe(port: port, path: path, timeout: Double(check.timeoutSeconds)) {
                    if (200..<400).contains(code) { return .healthy }
                    last = "GET \(path) answered \(code)"
                } else {
                    last = "GET :\(port)\(path) got no answer"
                }
            case .exec(let command):
                let script =
                    "cd -P \(ShellQuote.quote(layout.service(service) + "/current")) && exec timeout \(check.timeoutSeconds) \(ShellQuote.command(command))"
                let result = try session.exec("sh -c " + ShellQuote.quote(script), timeout: Double(check.timeoutSeconds) + 5)
                if result.status == 0 { return .healthy }
                last = "\(command.joined(separator: " ")) exited \(result.status)"
            }
            guard try isRunning(service: service) else { return .unhealthy("the process exited (\(last))") }
            if Date().addingTimeInterval(Double(check.periodSeconds)) > deadline {
                return .unhealthy("not healthy within \(check.healthyDeadlineSeconds)s: \(last)")
            }
            Thread.sleep(forTimeInterval: Double(check.periodSeconds))
        }
    }

    // MARK: Observation and housekeeping

    /// Every managed service on the node, in one round trip.
    public func observe() throws -> [ServiceObservation] {
        let result = try run(NodeScripts.observe(layout), what: "observing services")
        return result.stdoutText.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 8, f[0] == "service" else { return nil }
            return ServiceObservation(
                service: f[1], current: f[2].isEmpty ? nil : f[2], previous: f[3].isEmpty ? nil : f[3],
                process: ServiceObservation.Process(rawValue: f[4]) ?? .stopped, pid: Int32(f[5]),
                modifiedFiles: Int(f[6]) ?? 0, entryCount: Int(f[7]) ?? 0)
        }
    }

    /// Full re-hash of the current release: the files that differ from it.
    public func verify(service: String, release: Release) throws -> [String] {
        let lines = release.entries.filter { $0.type == .file }.map { "\(NodeLayout.storeName($0)) \($0.path)" }
        let result = try run(
            NodeScripts.verify(layout, service: service), stdin: Data((lines.joined(separator: "\n") + "\n").utf8), what: "verifying \(service)")
        return result.stdoutText.split(separator: "\n").map(String.init)
    }

    /// Stops a service and removes it from the node.
    public func remove(service: String, grace: Int = 10) throws {
        try stop(service: service, grace: grace)
        try run(NodeScripts.removeService(layout, service: service), what: "removing \(service)")
    }

    /// Removes releases beyond the last `keep` per service and files no release uses.
    @discardableResult
    public func cleanup(keep: Int = 3) throws -> [String] {
        try run(NodeScripts.cleanup(layout, keep: keep), what: "cleaning up").stdoutText.split(separator: "\n").map(String.init)
    }
}
