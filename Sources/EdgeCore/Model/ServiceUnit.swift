import Crypto
import Foundation

/// What runs on one node for one service: the release plus everything in the spec that
/// reaches the node (`run.*`, `healthCheck`, the config files rendered for that node, the
/// secrets' values). Any difference between the desired unit and the one a node runs is a
/// change, rolled out like a new release; a rollback restores the previous unit whole (the
/// node keeps it, its config directory included, beside the previous release).
///
/// `fields` names each part by its manifest path (`run.env.LOG_LEVEL`,
/// `config.files.relay.conf`, `secrets.db-password`), so a plan can say what changed; the
/// digest is over those fields, so equal units have equal digests. Fields never hold a
/// secret's value: env values and files are compared as rendered with `<secret NAME>` in
/// place of values, and each secret is a keyed fingerprint of its value.
public struct ServiceUnit: Sendable, Equatable {
    public var release: String
    public var fields: [String: String]
    public var digest: String
    public var command: [String]
    /// The process's environment, values as the node gets them (secrets included).
    public var environment: [(String, String)]
    public var restart: RunSpec.RestartPolicy
    public var stopTimeoutSeconds: Int
    public var user: String?
    public var resources: ResourceLimits?
    /// The config files as the node gets them, relative to `$EDGE_CONFIG_DIR`.
    public var files: [RenderedFile]
    /// Where the node keeps this unit's config files.
    public var configDirectory: String

    public struct RenderedFile: Sendable, Equatable {
        public var path: String
        public var content: Data
        public var mode: Int
        /// Whether the content holds a secret's value (shown masked, never printed).
        public var holdsSecret: Bool
    }

    /// A secret's value for this node, and its keyed fingerprint (what the state may keep).
    public struct SecretValue: Sendable {
        public var value: String
        public var fingerprint: String
        public init(value: String, fingerprint: String) {
            self.value = value
            self.fingerprint = fingerprint
        }
    }

    public struct RenderError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Renders the unit for `node`. `secrets` gives each secret's value for this node; without
    /// it (`nil`: `status`, `render`, validation) values stay masked and no `secrets.*` field is
    /// made, so the fields compare as far as they can be known without reading a secret.
    public init(
        service: String, spec: ServiceSpec, release: String, node: String, address: String = "", labels: [String: String] = [:],
        root: String = "/var/lib/edgectl", secrets: ((String) throws -> SecretValue)? = nil,
        endpoints: @escaping @Sendable (String, String) -> [TemplateContext.EndpointValue]? = { _, _ in nil }, checkMinimum: Bool = true
    ) throws {
        self.release = release
        command = spec.run.command
        restart = spec.run.restartPolicy
        stopTimeoutSeconds = spec.run.stopTimeout
        user = spec.run.user
        resources = spec.run.resources
        let config = spec.config ?? ConfigSpec()
        var resolved: [String: SecretValue] = [:]
        if let secrets {
            let names = Set(spec.run.env.values.flatMap(\.secretNames) + config.secretNames)
            for name in names.sorted() { resolved[name] = try secrets(name) }
        }
        let values = resolved
        var context = TemplateContext(
            nodeName: node, nodeAddress: address, labels: labels, vars: config.variables(node: node, labels: labels),
            secret: { values[$0]?.value })
        context.endpoints = endpoints
        func render(_ template: Template, _ field: String, masked: Bool) throws -> String {
            do {
                return try template.render(context, masked: masked)
            } catch {
                if case .endpoints = error.reference {
                    throw RenderError(message: "\(field): ${\(error.reference)}: no such service or port in the desired state")
                }
                throw RenderError(message: "\(field): ${\(error.reference)} is not defined for node \(node)")
            }
        }

        var fields: [String: String] = [
            "release": release,
            "run.command": ServiceUnit.json(spec.run.command),
            "run.restart": restart.rawValue,
            "run.stopTimeoutSeconds": String(stopTimeoutSeconds),
        ]
        var environment: [(String, String)] = []
        for (key, value) in spec.run.env.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .template(let template):
                fields["run.env." + key] = try render(template, "run.env.\(key)", masked: true)
                environment.append((key, try render(template, "run.env.\(key)", masked: false)))
            case .secret(let name):
                fields["run.env." + key] = TemplateContext.mask(name)
                environment.append((key, values[name]?.value ?? TemplateContext.mask(name)))
            }
        }
        var files: [RenderedFile] = []
        for file in config.files.sorted(by: { $0.path < $1.path }) {
            let field = "config.files." + file.path
            // A gateway with no backends is worse than its previous config: not made at all.
            let minimum = file.minEndpoints ?? 1
            for list in file.template.endpointLists where checkMinimum {
                let ready = endpoints(list.service, list.port)?.count ?? 0
                if ready < minimum {
                    throw RenderError(
                        message:
                            "\(field) needs at least \(minimum) ready endpoint\(minimum == 1 ? "" : "s") of \(list.service).\(list.port) (config.files[].minEndpoints), and \(ready) \(ready == 1 ? "is" : "are") ready"
                    )
                }
            }
            let masked = try render(file.template, field, masked: true)
            let real = try render(file.template, field, masked: false)
            fields[field] = "mode \(String(file.mode, radix: 8)) sha256:" + BundleScanner.hex(SHA256.hash(data: Data(masked.utf8)))
            files.append(
                RenderedFile(path: file.path, content: Data(real.utf8), mode: file.mode, holdsSecret: !file.template.secretNames.isEmpty))
        }
        for (name, value) in resolved { fields["secrets." + name] = value.fingerprint }
        if let user { fields["run.user"] = user }
        if let bytes = resources?.memoryBytes { fields["run.resources.memory"] = String(bytes) }
        if let percent = resources?.cpuPercent { fields["run.resources.cpu"] = "\(percent)%" }
        if let check = spec.healthCheck { fields["healthCheck"] = ServiceUnit.json(check) }
        self.fields = fields
        self.files = files
        digest = ServiceUnit.digest(of: fields)
        configDirectory = "\(root)/services/\(service)/config/\(digest)"
        self.environment =
            environment + [
                ("EDGE_NODE", node), ("EDGE_SERVICE", service), ("EDGE_RELEASE", release), ("EDGE_CONFIG_DIR", configDirectory),
            ]
        // The command's $(NAME) from the environment (after the digest: fields keep the words
        // as written, and EDGE_CONFIG_DIR names the digest), never from a value with a secret.
        let secretKeys = Set(spec.run.env.filter { !$0.value.secretNames.isEmpty }.map(\.key))
        var known: [String: String] = [:]
        for (key, value) in self.environment where !secretKeys.contains(key) { known[key] = value }
        command = spec.run.command.map { CommandExpansion.expand($0) { known[$0] } }
    }

    public static func == (a: ServiceUnit, b: ServiceUnit) -> Bool { a.digest == b.digest }

    public static func digest(of fields: [String: String]) -> String {
        BundleScanner.hex(SHA256.hash(data: Data(json(fields).utf8)))
    }

    /// The node's unit file: sourced by root (the service's supervisor before each start, or
    /// the node library writing systemd's `EnvironmentFile=` from it), so it stays the SSH
    /// user's (mode 0600) and the service's user never owns it: the process gets its
    /// environment from the supervisor after it drops privileges, or from systemd. It holds
    /// the environment, the names in it (`EDGE_ENV`, for that file) and the command as
    /// `set --` words, and reaches the node on the session's standard input. The first line
    /// names its form: the node reads a unit without it (an older one, which a service's user
    /// may have owned) as no unit at all, so the plan replaces it.
    public var file: Data {
        var text = "\(ServiceUnit.formLine)\n"
        text += "EDGE_UNIT=\(ShellQuote.quote(digest))\n"
        text += "EDGE_RESTART=\(ShellQuote.quote(restart.rawValue))\n"
        text += "EDGE_STOP_TIMEOUT=\(ShellQuote.quote(String(stopTimeoutSeconds)))\n"
        if let user { text += "EDGE_USER=\(ShellQuote.quote(user))\n" }
        if let bytes = resources?.memoryBytes { text += "EDGE_MEMORY_MAX=\(ShellQuote.quote(String(bytes)))\n" }
        if let percent = resources?.cpuPercent { text += "EDGE_CPU_QUOTA=\(ShellQuote.quote(String(percent)))\n" }
        text += "EDGE_ENV=\(ShellQuote.quote(environment.map(\.0).joined(separator: " ")))\n"
        for (key, value) in environment { text += "export \(key)=\(ShellQuote.quote(value))\n" }
        text += "set -- " + ShellQuote.command(command) + "\n"
        return Data(text.utf8)
    }

    /// The first line of every unit file this version writes (`edge_unit_trusted` on the node).
    public static let formLine = "EDGE_FORM='2'"

    /// The config files as one tar stream (what `edge_config` unpacks).
    public var configArchive: Data {
        var tar: [UInt8] = []
        let now = Int64(Date().timeIntervalSince1970)
        var directories: Set<String> = []
        for file in files {
            var parts = file.path.split(separator: "/").dropLast().map(String.init)
            var prefix: [String] = []
            while !parts.isEmpty {
                prefix.append(parts.removeFirst())
                let dir = prefix.joined(separator: "/")
                if directories.insert(dir).inserted { tar += TarWriter.header(name: dir + "/", type: .directory, mode: 0o750, size: 0, mtime: now) }
            }
            tar += TarWriter.header(name: file.path, mode: UInt32(file.mode), size: Int64(file.content.count), mtime: now)
            tar += [UInt8](file.content) + TarWriter.padding(forSize: Int64(file.content.count))
        }
        return Data(tar + TarWriter.trailer)
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
