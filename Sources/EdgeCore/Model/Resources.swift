import Foundation

public let apiVersion = "edgectl/v1"

public enum ResourceKind: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case node = "Node"
    case nodeGroup = "NodeGroup"
    case service = "Service"
    case secret = "Secret"

    /// Apply order: things are created before what refers to them.
    public static func < (a: ResourceKind, b: ResourceKind) -> Bool { a.order < b.order }
    private var order: Int {
        switch self {
        case .node: return 0
        case .nodeGroup: return 1
        case .secret: return 2
        case .service: return 3
        }
    }

    /// Accepts what people type on a command line: `node`, `nodes`, `ng`, `svc`, `Service`…
    public init?(argument: String) {
        switch argument.lowercased() {
        case "node", "nodes", "no": self = .node
        case "nodegroup", "nodegroups", "ng", "group", "groups": self = .nodeGroup
        case "service", "services", "svc": self = .service
        case "secret", "secrets": self = .secret
        default: return nil
        }
    }

    /// The lowercase name used in `kind/name` references and on the command line.
    public var argumentName: String { rawValue.lowercased() }
}

public struct ResourceID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: ResourceKind
    public var name: String
    public init(_ kind: ResourceKind, _ name: String) {
        self.kind = kind
        self.name = name
    }
    public var description: String { "\(kind.argumentName)/\(name)" }
    public static func < (a: ResourceID, b: ResourceID) -> Bool { (a.kind, a.name) < (b.kind, b.name) }
}

public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

public struct NodeSpec: Sendable, Hashable, Codable {
    public var address: String
    public var port: Int = 22
    public var user: String?
    public var identityFile: String?
    public var hostKey: String?
    public var root: String = "/var/lib/edgectl"
    public init(address: String) { self.address = address }
}

public struct SelectorSpec: Sendable, Hashable, Codable {
    public var matchLabels: [String: String]
    public init(matchLabels: [String: String]) { self.matchLabels = matchLabels }
    public var selector: LabelSelector { LabelSelector(matchLabels: matchLabels) }
}

public struct NodeGroupSpec: Sendable, Hashable, Codable {
    public var selector: SelectorSpec?
    public var nodes: [String] = []
    public init() {}
}

public struct BundleSpec: Sendable, Hashable, Codable {
    /// Absolute path, resolved against the manifest's directory when it was read.
    public var path: String
    public var version: String?
    public init(path: String, version: String? = nil) {
        self.path = path
        self.version = version
    }
}

public struct RunSpec: Sendable, Hashable, Codable {
    /// When a service's process is started again after it exits (`run.restart`).
    public enum RestartPolicy: String, Sendable, Hashable, Codable, CaseIterable {
        case always
        case onFailure = "on-failure"
        case never
    }

    public var command: [String]
    public var env: [String: EnvValue] = [:]
    /// nil: `always` (optional so states written before the field existed still read).
    public var restart: RestartPolicy?
    /// nil: 10 s.
    public var stopTimeoutSeconds: Int?
    /// The user the process runs as (nil: the SSH user).
    public var user: String?
    public var resources: ResourceLimits?
    public init(command: [String]) { self.command = command }

    public var restartPolicy: RestartPolicy { restart ?? .always }
    public var stopTimeout: Int { stopTimeoutSeconds ?? 10 }
}

/// `run.resources`: enforced by systemd (MemoryMax=, CPUQuota=); elsewhere the plan warns.
public struct ResourceLimits: Sendable, Hashable, Codable {
    /// Bytes (`256Mi` in the manifest).
    public var memoryBytes: Int?
    /// Percent of one CPU (`50%`; `150%` is one and a half).
    public var cpuPercent: Int?
    public init(memoryBytes: Int? = nil, cpuPercent: Int? = nil) {
        self.memoryBytes = memoryBytes
        self.cpuPercent = cpuPercent
    }
    public var isEmpty: Bool { memoryBytes == nil && cpuPercent == nil }

    /// `256Mi`, `1Gi`, `512Ki`, `1G`, `64M`, `1000`: binary and decimal suffixes as Kubernetes reads them.
    public static func bytes(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40), ("K", 1000), ("M", 1_000_000), ("G", 1_000_000_000),
            ("T", 1_000_000_000_000),
        ]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let n = Int(text.dropLast(suffix.count)), n > 0 else { return nil }
            let (product, overflow) = n.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return Int(text).flatMap { $0 > 0 ? $0 : nil }
    }

    /// `50%` → 50.
    public static func percent(_ text: String) -> Int? {
        guard text.hasSuffix("%"), let n = Int(text.dropLast()), n > 0 else { return nil }
        return n
    }
}

public struct HealthCheckSpec: Sendable, Hashable, Codable {
    public enum Probe: Sendable, Hashable, Codable {
        case http(port: Int, path: String)
        case tcp(port: Int)
        case exec([String])
    }
    public var probe: Probe?
    public var timeoutSeconds: Int = 2
    public var periodSeconds: Int = 1
    public var healthyDeadlineSeconds: Int = 30
    public init() {}
}

public struct RolloutSpec: Sendable, Hashable, Codable {
    public var maxUnavailable: IntOrPercent = .percent(25)
    public var maxFailures: IntOrPercent = .count(0)
    public var canary: Int = 0
    public var autoRollback: Bool = true
    /// A switched node not confirmed within this long goes back by itself (0: off). nil: 60.
    public var confirmSeconds: Int?
    public var confirmWithin: Int { confirmSeconds ?? 60 }
    public init() {}
}

/// `spec.ports[]`: a port the service listens on, named so health checks, endpoints and
/// templates can refer to it. Not part of the unit: declaring a port changes nothing on a node.
public struct PortSpec: Sendable, Hashable, Codable {
    public enum Transport: String, Sendable, Hashable, Codable { case tcp, udp }
    public var name: String
    public var port: Int
    public var transport: Transport = .tcp

    enum CodingKeys: String, CodingKey {
        case name, port
        case transport = "protocol"
    }

    public init(name: String, port: Int, transport: Transport = .tcp) {
        self.name = name
        self.port = port
        self.transport = transport
    }
}

public struct ServiceSpec: Sendable, Hashable, Codable {
    public var bundle: BundleSpec
    public var nodeGroups: [String] = []
    public var selector: SelectorSpec?
    public var run: RunSpec
    public var healthCheck: HealthCheckSpec?
    public var rollout: RolloutSpec = RolloutSpec()
    public var config: ConfigSpec?
    /// nil in a state written before ports existed (read as none).
    public var ports: [PortSpec]?
    public var portList: [PortSpec] { ports ?? [] }
    public init(bundle: BundleSpec, run: RunSpec) {
        self.bundle = bundle
        self.run = run
    }
}

public enum ResourceSpec: Sendable, Hashable {
    case node(NodeSpec)
    case nodeGroup(NodeGroupSpec)
    case service(ServiceSpec)
    case secret(SecretSpec)

    public var kind: ResourceKind {
        switch self {
        case .node: return .node
        case .nodeGroup: return .nodeGroup
        case .service: return .service
        case .secret: return .secret
        }
    }
}

/// One object of the desired state, as read from a manifest (or from the state store).
public struct Resource: Sendable, Hashable {
    public var name: String
    public var labels: [String: String]
    public var spec: ResourceSpec
    /// Where the object was declared; nil when it was not read from a file.
    public var source: SourceLocation?
    /// The release digest of a Service's bundle, computed when the manifest was read.
    public var release: Release?

    public init(name: String, labels: [String: String] = [:], spec: ResourceSpec, source: SourceLocation? = nil, release: Release? = nil) {
        self.name = name
        self.labels = labels
        self.spec = spec
        self.source = source
        self.release = release
    }

    public var kind: ResourceKind { spec.kind }
    public var id: ResourceID { ResourceID(kind, name) }

    public var nodeSpec: NodeSpec? { if case .node(let s) = spec { return s } else { return nil } }
    public var groupSpec: NodeGroupSpec? { if case .nodeGroup(let s) = spec { return s } else { return nil } }
    public var serviceSpec: ServiceSpec? { if case .service(let s) = spec { return s } else { return nil } }
    public var secretSpec: SecretSpec? { if case .secret(let s) = spec { return s } else { return nil } }

    /// The spec as canonical JSON (sorted keys): what is stored and compared.
    public func specJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        switch spec {
        case .node(let s): data = try encoder.encode(s)
        case .nodeGroup(let s): data = try encoder.encode(s)
        case .service(let s): data = try encoder.encode(s)
        case .secret(let s): data = try encoder.encode(s)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The spec as compared between applies and numbered into revisions: the
    /// canonical JSON without the bundle's local path, which says where the
    /// bundle was read from (a checkout on a laptop or in CI), not what it is;
    /// the release digest stands for its content.
    public func identityJSON() throws -> String {
        guard case .service(var service) = spec else { return try specJSON() }
        service.bundle.path = ""
        return try Resource(name: name, labels: labels, spec: .service(service)).specJSON()
    }

    /// Rebuilds a resource from its stored form.
    public static func decode(kind: ResourceKind, name: String, labelsJSON: String, specJSON: String) throws -> Resource {
        let decoder = JSONDecoder()
        let labels = try decoder.decode([String: String].self, from: Data(labelsJSON.utf8))
        let data = Data(specJSON.utf8)
        let spec: ResourceSpec
        switch kind {
        case .node: spec = .node(try decoder.decode(NodeSpec.self, from: data))
        case .nodeGroup: spec = .nodeGroup(try decoder.decode(NodeGroupSpec.self, from: data))
        case .service: spec = .service(try decoder.decode(ServiceSpec.self, from: data))
        case .secret: spec = .secret(try decoder.decode(SecretSpec.self, from: data))
        }
        return Resource(name: name, labels: labels, spec: spec)
    }

    public func labelsJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(labels), as: UTF8.self)
    }
}

extension HealthCheckSpec {
    private enum CodingKeys: String, CodingKey { case http, tcp, exec, timeoutSeconds, periodSeconds, healthyDeadlineSeconds }
    private struct HTTP: Codable { var port: Int; var path: String }
    private struct TCP: Codable { var port: Int }

    /// Encoded in the manifest's own shape, so stored specs, `get -o yaml` and diffs read like the input.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch probe {
        case .http(let port, let path): try c.encode(HTTP(port: port, path: path), forKey: .http)
        case .tcp(let port): try c.encode(TCP(port: port), forKey: .tcp)
        case .exec(let command): try c.encode(command, forKey: .exec)
        case nil: break
        }
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(periodSeconds, forKey: .periodSeconds)
        try c.encode(healthyDeadlineSeconds, forKey: .healthyDeadlineSeconds)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let http = try c.decodeIfPresent(HTTP.self, forKey: .http) {
            probe = .http(port: http.port, path: http.path)
        } else if let tcp = try c.decodeIfPresent(TCP.self, forKey: .tcp) {
            probe = .tcp(port: tcp.port)
        } else if let exec = try c.decodeIfPresent([String].self, forKey: .exec) {
            probe = .exec(exec)
        }
        timeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 2
        periodSeconds = try c.decodeIfPresent(Int.self, forKey: .periodSeconds) ?? 1
        healthyDeadlineSeconds = try c.decodeIfPresent(Int.self, forKey: .healthyDeadlineSeconds) ?? 30
    }
}
