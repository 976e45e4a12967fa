import Crypto
import Foundation

/// What runs on one node for one service: the release plus everything in the spec that
/// reaches the node (`run.*`, `healthCheck`). Any difference between the desired unit and
/// the one a node runs is a change, rolled out like a new release; a rollback restores the
/// previous unit whole (the node keeps it beside the previous release).
///
/// `fields` names each part by its manifest path (`run.env.LOG_LEVEL`), so a plan can say
/// what changed; the digest is over those fields, so equal units have equal digests.
public struct ServiceUnit: Sendable, Equatable {
    public var release: String
    public var fields: [String: String]
    public var digest: String
    public var command: [String]
    public var environment: [(String, String)]
    public var restart: RunSpec.RestartPolicy
    public var stopTimeoutSeconds: Int
    public var user: String?
    public var resources: ResourceLimits?

    public init(service: String, spec: ServiceSpec, release: String, node: String) {
        self.release = release
        command = spec.run.command
        restart = spec.run.restartPolicy
        stopTimeoutSeconds = spec.run.stopTimeout
        user = spec.run.user
        resources = spec.run.resources
        environment =
            spec.run.env.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            + [("EDGE_NODE", node), ("EDGE_SERVICE", service), ("EDGE_RELEASE", release)]
        var fields: [String: String] = [
            "release": release,
            "run.command": ServiceUnit.json(spec.run.command),
            "run.restart": restart.rawValue,
            "run.stopTimeoutSeconds": String(stopTimeoutSeconds),
        ]
        for (key, value) in spec.run.env { fields["run.env." + key] = value }
        if let user { fields["run.user"] = user }
        if let bytes = resources?.memoryBytes { fields["run.resources.memory"] = String(bytes) }
        if let percent = resources?.cpuPercent { fields["run.resources.cpu"] = "\(percent)%" }
        if let check = spec.healthCheck { fields["healthCheck"] = ServiceUnit.json(check) }
        self.fields = fields
        digest = ServiceUnit.digest(of: fields)
    }

    public static func == (a: ServiceUnit, b: ServiceUnit) -> Bool { a.digest == b.digest }

    public static func digest(of fields: [String: String]) -> String {
        BundleScanner.hex(SHA256.hash(data: Data(json(fields).utf8)))
    }

    /// The node's unit file: sourced by the service's supervisor before each start, so it
    /// holds the environment (mode 0600 on the node) and the command as `set --` words.
    public var file: Data {
        var text = "EDGE_UNIT=\(ShellQuote.quote(digest))\n"
        text += "EDGE_RESTART=\(ShellQuote.quote(restart.rawValue))\n"
        text += "EDGE_STOP_TIMEOUT=\(ShellQuote.quote(String(stopTimeoutSeconds)))\n"
        if let user { text += "EDGE_USER=\(ShellQuote.quote(user))\n" }
        if let bytes = resources?.memoryBytes { text += "EDGE_MEMORY_MAX=\(ShellQuote.quote(String(bytes)))\n" }
        if let percent = resources?.cpuPercent { text += "EDGE_CPU_QUOTA=\(ShellQuote.quote(String(percent)))\n" }
        for (key, value) in environment { text += "export \(key)=\(ShellQuote.quote(value))\n" }
        text += "set -- " + ShellQuote.command(command) + "\n"
        return Data(text.utf8)
    }

    /// The manifest paths whose values differ between two units' fields, sorted.
    public static func changes(from old: [String: String], to new: [String: String]) -> [String] {
        Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.sorted()
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}
