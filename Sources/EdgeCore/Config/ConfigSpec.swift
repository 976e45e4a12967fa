import Foundation

/// A `run.env` value: a template (plain text is a template without names), or a Secret's
/// value. Stored as the manifest wrote it (`"${node.name}"` or `{secret: NAME}`): the state
/// never holds a secret's value.
public enum EnvValue: Sendable, Hashable, Codable {
    case template(Template)
    case secret(String)

    public static func text(_ text: String) -> EnvValue { .template(.literal(text)) }

    public var secretNames: [String] {
        switch self {
        case .template(let template): return template.secretNames
        case .secret(let name): return [name]
        }
    }

    /// As the manifest wrote it, for `describe` and `get`.
    public var display: String {
        switch self {
        case .template(let template): return template.source
        case .secret(let name): return TemplateContext.mask(name)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .template((try? Template(parsing: text)) ?? .literal(text))
        } else {
            self = .secret(try container.decode([String: String].self)["secret"] ?? "")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .template(let template): try container.encode(template.source)
        case .secret(let name): try container.encode(["secret": name])
        }
    }
}

extension ServiceSpec {
    /// Whether the unit's fields can differ between nodes (a template in `run.env` or any
    /// config file); when not, one rendering stands for every node.
    public var rendersPerNode: Bool {
        !(config?.files.isEmpty ?? true)
            || run.env.values.contains {
                if case .template(let template) = $0 { return !template.isLiteral }
                return false
            }
    }
}

/// `config`: files rendered per node into `$EDGE_CONFIG_DIR`, from `vars` and the
/// `overrides` that match the node (in order; a later match wins).
public struct ConfigSpec: Sendable, Hashable, Codable {
    public struct Override: Sendable, Hashable, Codable {
        public var selector: SelectorSpec?
        public var nodes: [String] = []
        public var vars: [String: String] = [:]
        public init() {}

        public func matches(node: String, labels: [String: String]) -> Bool {
            nodes.contains(node) || (selector.map { $0.selector.matches(labels) } ?? false)
        }
    }

    public struct File: Sendable, Hashable, Codable {
        /// Relative, without `..`: where it lands under `$EDGE_CONFIG_DIR`.
        public var path: String
        /// The template file as the manifest named it, and its text (kept in the state, so a
        /// reconcile renders without the manifests; it holds names of secrets, never values).
        public var templatePath: String
        public var template: Template
        public var mode: Int = 0o644
        /// A file whose loops see fewer ready endpoints than this is not rendered: the node
        /// keeps its config (nil: 1; only for a template with a loop).
        public var minEndpoints: Int?
        public init(path: String, templatePath: String, template: Template) {
            self.path = path
            self.templatePath = templatePath
            self.template = template
        }
    }

    public var vars: [String: String] = [:]
    public var overrides: [Override] = []
    public var files: [File] = []
    public init() {}

    /// The variables for one node: `vars`, then each matching override over them.
    public func variables(node: String, labels: [String: String]) -> [String: String] {
        var result = vars
        for override in overrides where override.matches(node: node, labels: labels) {
            result.merge(override.vars) { _, new in new }
        }
        return result
    }

    public var secretNames: [String] { files.flatMap(\.template.secretNames) }

    /// The services whose endpoints the files iterate.
    public var endpointServices: Set<String> { Set(files.flatMap { $0.template.endpointLists.map(\.service) }) }
}

/// `kind: Secret`: where a value comes from. Read on this machine when a run needs it; the
/// state keeps only this (and a keyed fingerprint of each value seen).
public struct SecretSpec: Sendable, Hashable, Codable {
    public enum Source: Sendable, Hashable, Codable {
        /// An environment variable of edgectl's process.
        case env(String)
        /// A file; an absolute path resolved against the manifest, which may use `${node.*}`.
        case file(Template)
        /// A command's standard output (argv, no shell; one trailing newline removed).
        case command([String])
    }
    public var from: Source
    public init(from: Source) { self.from = from }
}
