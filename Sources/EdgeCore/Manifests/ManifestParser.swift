import Foundation
import Yams

/// A resource as read from a manifest, with the positions of the names it refers to,
/// so reference checks across files can point at the exact list element.
public struct ParsedResource: Sendable {
    /// nil when the document declared a kind and name but its spec was invalid.
    public var resource: Resource?
    public var id: ResourceID
    public var nameLocation: SourceLocation
    public var references: [Reference]
    /// Every template of a Service, with where it was written: checked per node once the
    /// whole fleet is known (a label one node lacks is an error at its use).
    public var templates: [TemplateUse] = []
    /// Where a Service's `spec.bundle.path` was written: parsing reads no bundle; the digest
    /// is computed afterwards, only by the commands that need it (`ManifestLoader.digest`).
    public var bundleLocation: SourceLocation?
    /// Where each of a Service's `spec.ports[]` was written (port conflicts are reported there).
    public var portLocations: [SourceLocation] = []

    public struct Reference: Sendable {
        public var kind: ResourceKind
        public var name: String
        public var location: SourceLocation
        public var field: String
    }
}

/// Turns manifest text into resources, reporting every problem with its position.
public enum ManifestParser {
    public static func parse(_ input: ManifestInput) -> (resources: [ParsedResource], diagnostics: [Diagnostic]) {
        let reader = YAMLFieldReader(file: input.displayPath, text: input.text)
        var resources: [ParsedResource] = []
        do {
            let parser = try Parser(yaml: input.text)
            while let root = try parser.nextRoot() {
                if reader.isNull(root) { continue }  // an empty document, e.g. a trailing `---`
                if let parsed = DocumentParser(reader: reader, baseDirectory: input.baseDirectory).parse(root) {
                    resources.append(parsed)
                }
            }
        } catch let error as YamlError {
            report(error, reader: reader)
        } catch {
            reader.error("cannot parse YAML: \(error)", line: 1, column: 1)
        }
        return (resources, reader.diagnostics)
    }

    private static func report(_ error: YamlError, reader: YAMLFieldReader) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            reader.error(message, line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            reader.error(
                "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) in mapping", line: context.mark.line,
                column: context.mark.column)
        case .reader(let problem, _, _, _):
            reader.error("invalid YAML: \(problem)", line: 1, column: 1)
        default:
            reader.error("invalid YAML: \(error)", line: 1, column: 1)
        }
    }
}

/// Reads one YAML document into a resource.
struct DocumentParser {
    let reader: YAMLFieldReader
    let baseDirectory: String

    func parse(_ root: Node) -> ParsedResource? {
        guard let top = reader.fields(root, path: "the document", known: ["apiVersion", "kind", "metadata", "spec"]) else {
            return nil
        }
        var ok = true
        if let node = reader.required(top, "apiVersion"), let value = reader.string(node, path: "apiVersion") {
            if value != apiVersion {
                reader.error("unknown apiVersion \"\(value)\"; expected \"\(apiVersion)\"", at: node)
                ok = false
            }
        } else {
            ok = false
        }
        var kind: ResourceKind?
        if let node = reader.required(top, "kind"), let value = reader.string(node, path: "kind") {
            kind = ResourceKind(rawValue: value)
            if kind == nil {
                let known = ResourceKind.allCases.map(\.rawValue)
                var message = "unknown kind \"\(value)\"; expected one of \(known.joined(separator: ", "))"
                if let suggestion = Suggestion.closest(to: value, in: known) { message += " (did you mean \"\(suggestion)\"?)" }
                reader.error(message, at: node)
            }
        }
        let what = kind?.rawValue ?? "resource"
        var name: String?
        var nameLocation = reader.location(root)
        var labels: [String: String] = [:]
        if let node = reader.required(top, "metadata"),
            let meta = reader.fields(node, path: "metadata", known: ["name", "labels"])
        {
            if let nameNode = reader.required(meta, "name"), let value = reader.string(nameNode, path: "metadata.name") {
                nameLocation = reader.location(nameNode)
                if let problem = Names.dnsLabelProblem(value) {
                    reader.error("invalid metadata.name: \(problem)", at: nameNode)
                } else {
                    name = value
                }
            }
            if let labelsNode = reader.optional(meta, "labels") {
                labels = readLabels(labelsNode, path: "metadata.labels")
            }
        }
        let specNode = reader.required(top, "spec")
        guard let kind else { return nil }
        guard let specNode else { return nil }
        let path = "\(what) spec"
        var references: [ParsedResource.Reference] = []
        var templates: [TemplateUse] = []
        let spec: ResourceSpec?
        var bundleLocation: SourceLocation?
        var portLocations: [SourceLocation] = []
        switch kind {
        case .node:
            spec = readNode(specNode, path: path).map(ResourceSpec.node)
        case .nodeGroup:
            spec = readGroup(specNode, path: path, references: &references).map(ResourceSpec.nodeGroup)
        case .service:
            if let (service, location) = readService(
                specNode, path: path, references: &references, templates: &templates, portLocations: &portLocations)
            {
                spec = .service(service)
                bundleLocation = location
            } else {
                spec = nil
            }
        case .secret:
            spec = readSecret(specNode, path: path).map(ResourceSpec.secret)
        }
        guard let name else { return nil }
        let resource = ok ? spec.map { Resource(name: name, labels: labels, spec: $0, source: reader.location(root)) } : nil
        var parsed = ParsedResource(resource: resource, id: ResourceID(kind, name), nameLocation: nameLocation, references: references)
        parsed.templates = templates
        parsed.bundleLocation = bundleLocation
        parsed.portLocations = portLocations
        return parsed
    }

    func readLabels(_ node: Node, path: String) -> [String: String] {
        var labels: [String: String] = [:]
        for entry in reader.stringMap(node, path: path) ?? [] {
            if let problem = Names.labelKeyProblem(entry.key) {
                reader.error("invalid \(path): \(problem)", at: entry.keyNode)
            } else if let problem = Names.labelValueProblem(entry.value) {
                reader.error("invalid \(path): \(problem)", at: entry.valueNode)
            } else {
                labels[entry.key] = entry.value
            }
        }
        return labels
    }

    func readSelector(_ node: Node, path: String) -> SelectorSpec? {
        guard let fields = reader.fields(node, path: path, known: ["matchLabels"]) else { return nil }
        guard let labelsNode = reader.required(fields, "matchLabels") else { return nil }
        let labels = readLabels(labelsNode, path: "\(path).matchLabels")
        if labels.isEmpty, case .mapping(let m) = labelsNode, m.count == 0 {
            reader.error("\(path).matchLabels must name at least one label", at: labelsNode)
            return nil
        }
        return SelectorSpec(matchLabels: labels)
    }

    func readNode(_ node: Node, path: String) -> NodeSpec? {
        guard let f = reader.fields(node, path: path, known: ["address", "port", "user", "identityFile", "hostKey", "root"]) else { return nil }
        let address = reader.required(f, "address").flatMap { reader.string($0, path: "spec.address") }
        var spec = NodeSpec(address: address ?? "")
        if let n = reader.optional(f, "port") { spec.port = reader.int(n, path: "spec.port", range: 1...65535) ?? spec.port }
        if let n = reader.optional(f, "user") { spec.user = reader.string(n, path: "spec.user") }
        if let n = reader.optional(f, "identityFile") { spec.identityFile = reader.string(n, path: "spec.identityFile") }
        if let n = reader.optional(f, "hostKey"), let key = reader.string(n, path: "spec.hostKey") {
            let parts = key.split(separator: " ")
            if key.hasPrefix("SHA256:") || (parts.count >= 2 && parts[0].hasPrefix("ssh-") || parts.first?.hasPrefix("ecdsa-") == true) {
                spec.hostKey = key
            } else {
                reader.error("spec.hostKey must be a public key (\"ssh-ed25519 AAAA…\") or a fingerprint (\"SHA256:…\")", at: n)
            }
        }
        if let n = reader.optional(f, "root"), let root = reader.string(n, path: "spec.root") {
            if let normalised = FieldRules.normalisedRoot(root) {
                spec.root = normalised
            } else {
                reader.error("spec.root must be an absolute path other than /, got \"\(root)\"", at: n)
            }
        }
        return address == nil ? nil : spec
    }

    func readGroup(_ node: Node, path: String, references: inout [ParsedResource.Reference]) -> NodeGroupSpec? {
        guard let f = reader.fields(node, path: path, known: ["selector", "nodes"]) else { return nil }
        var spec = NodeGroupSpec()
        if let n = reader.optional(f, "selector") { spec.selector = readSelector(n, path: "spec.selector") }
        if let n = reader.optional(f, "nodes") {
            for (index, (name, element)) in (reader.stringList(n, path: "spec.nodes") ?? []).enumerated() {
                spec.nodes.append(name)
                references.append(.init(kind: .node, name: name, location: reader.location(element), field: "spec.nodes[\(index)]"))
            }
        }
        if f.values["selector"] == nil && f.values["nodes"] == nil {
            reader.error("a NodeGroup needs spec.selector or spec.nodes", at: node)
            return nil
        }
        return spec
    }

    func readService(
        _ node: Node, path: String, references: inout [ParsedResource.Reference], templates: inout [TemplateUse],
        portLocations: inout [SourceLocation]
    ) -> (ServiceSpec, SourceLocation?)? {
        guard
            let f = reader.fields(
                node, path: path, known: ["bundle", "nodeGroups", "selector", "run", "healthCheck", "rollout", "config", "ports"])
        else { return nil }
        var bundle: BundleSpec?
        var bundleLocation: SourceLocation?
        if let n = reader.required(f, "bundle"), let bf = reader.fields(n, path: "spec.bundle", known: ["path", "version"]) {
            if let pathNode = reader.required(bf, "path"), let raw = reader.string(pathNode, path: "spec.bundle.path") {
                let expanded = (raw as NSString).expandingTildeInPath
                let absolute = expanded.hasPrefix("/") ? expanded : baseDirectory + "/" + expanded
                bundle = BundleSpec(path: (absolute as NSString).standardizingPath)
                bundleLocation = reader.location(pathNode)
            }
            if let v = reader.optional(bf, "version") { bundle?.version = reader.string(v, path: "spec.bundle.version") }
        }
        var run: RunSpec?
        var commandWords: [(String, Node)] = []
        if let n = reader.required(f, "run"),
            let rf = reader.fields(n, path: "spec.run", known: ["command", "env", "restart", "stopTimeoutSeconds", "user", "resources"])
        {
            if let commandNode = reader.required(rf, "command") {
                if let items = reader.stringList(commandNode, path: "spec.run.command") {
                    commandWords = items
                    if items.isEmpty || items[0].0.isEmpty {
                        reader.error("spec.run.command must not be empty", at: commandNode)
                    } else {
                        run = RunSpec(command: items.map(\.0))
                    }
                }
            }
            if let n = reader.optional(rf, "restart"), let text = reader.string(n, path: "spec.run.restart") {
                if let policy = RunSpec.RestartPolicy(rawValue: text) {
                    run?.restart = policy
                } else {
                    reader.error("spec.run.restart must be always, on-failure or never, not \"\(text)\"", at: n)
                }
            }
            if let n = reader.optional(rf, "stopTimeoutSeconds") {
                run?.stopTimeoutSeconds = reader.int(n, path: "spec.run.stopTimeoutSeconds", range: 1...3600)
            }
            if let n = reader.optional(rf, "user"), let name = reader.string(n, path: "spec.run.user") {
                let valid = FieldRules.isUserName(name)
                if valid { run?.user = name } else { reader.error("spec.run.user: \"\(name)\" is not a valid user name", at: n) }
            }
            if let n = reader.optional(rf, "resources"), let lf = reader.fields(n, path: "spec.run.resources", known: ["memory", "cpu"]) {
                var limits = ResourceLimits()
                if let m = reader.optional(lf, "memory"), let text = reader.string(m, path: "spec.run.resources.memory") {
                    if let bytes = ResourceLimits.bytes(text), bytes >= 1 << 20 {
                        limits.memoryBytes = bytes
                    } else {
                        reader.error("spec.run.resources.memory must be a size of at least 1Mi such as 256Mi or 1Gi, not \"\(text)\"", at: m)
                    }
                }
                if let c = reader.optional(lf, "cpu"), let text = reader.string(c, path: "spec.run.resources.cpu") {
                    if let percent = ResourceLimits.percent(text), percent <= 100_000 {
                        limits.cpuPercent = percent
                    } else {
                        reader.error("spec.run.resources.cpu must be a percentage of one CPU such as 50% or 200%, not \"\(text)\"", at: c)
                    }
                }
                if !limits.isEmpty { run?.resources = limits }
            }
            if let envNode = reader.optional(rf, "env") {
                for entry in readEnv(envNode, references: &references, templates: &templates) {
                    if let problem = FieldRules.envKeyProblem(entry.key) {
                        reader.error("spec.run.env: \(problem)", at: entry.keyNode)
                    } else {
                        run?.env[entry.key] = entry.value
                    }
                }
            }
            // A secret expanded into the command would be an argument, readable by every user
            // of the node in `ps`: refused where it is used.
            for (index, (word, element)) in commandWords.enumerated() {
                for name in CommandExpansion.references(in: word) where !(run?.env[name]?.secretNames.isEmpty ?? true) {
                    reader.error(
                        "spec.run.command[\(index)]: $(\(name)) holds a secret, which would be on the node's command line for anyone to see in ps; the process reads it from its environment",
                        at: element)
                }
            }
        }
        var groups: [String] = []
        var selector: SelectorSpec?
        if let n = reader.optional(f, "nodeGroups") {
            let items = reader.stringList(n, path: "spec.nodeGroups") ?? []
            for (index, (name, element)) in items.enumerated() {
                groups.append(name)
                references.append(.init(kind: .nodeGroup, name: name, location: reader.location(element), field: "spec.nodeGroups[\(index)]"))
            }
            if items.isEmpty, case .sequence = n { reader.error("spec.nodeGroups must name at least one group", at: n) }
        }
        if let n = reader.optional(f, "selector") { selector = readSelector(n, path: "spec.selector") }
        if f.values["nodeGroups"] == nil && f.values["selector"] == nil {
            reader.error("a Service needs spec.nodeGroups or spec.selector to say where it runs", at: node)
        } else if f.values["nodeGroups"] != nil && f.values["selector"] != nil {
            reader.error("a Service takes spec.nodeGroups or spec.selector, not both", at: f.keys["selector"]!)
        }
        var ports: [PortSpec] = []
        if let n = reader.optional(f, "ports") { ports = readPorts(n, locations: &portLocations) }
        var health: HealthCheckSpec?
        if let n = reader.optional(f, "healthCheck") { health = readHealth(n, ports: ports) }
        var rollout = RolloutSpec()
        if let n = reader.optional(f, "rollout") { rollout = readRollout(n) ?? rollout }
        var config: ConfigSpec?
        if let n = reader.optional(f, "config") { config = readConfig(n, references: &references, templates: &templates) }

        guard let bundle, let run else { return nil }
        var spec = ServiceSpec(bundle: bundle, run: run)
        spec.nodeGroups = groups
        spec.selector = selector
        spec.healthCheck = health
        spec.rollout = rollout
        spec.config = config
        if !ports.isEmpty { spec.ports = ports }
        return (spec, bundleLocation)
    }

    /// `spec.ports`: `[{name: http, port: 8080, protocol: tcp}]`, names DNS labels, each name
    /// and each port/protocol once.
    func readPorts(_ node: Node, locations: inout [SourceLocation]) -> [PortSpec] {
        guard case .sequence(let items) = node else {
            reader.error("spec.ports must be a list such as [{name: http, port: 8080}], got \(reader.describe(node))", at: node)
            return []
        }
        var ports: [PortSpec] = []
        for (index, item) in items.enumerated() {
            let path = "spec.ports[\(index)]"
            guard let pf = reader.fields(item, path: path, known: ["name", "port", "protocol"]) else { continue }
            var name: String?
            if let n = reader.required(pf, "name"), let text = reader.string(n, path: path + ".name") {
                if let problem = Names.dnsLabelProblem(text) {
                    reader.error("\(path).name: port \(problem)", at: n)
                } else if ports.contains(where: { $0.name == text }) {
                    reader.error("\(path).name: port \"\(text)\" is named twice", at: n)
                } else {
                    name = text
                }
            }
            let number = reader.required(pf, "port").flatMap { reader.int($0, path: path + ".port", range: 1...65535) }
            var transport = PortSpec.Transport.tcp
            if let n = reader.optional(pf, "protocol"), let text = reader.string(n, path: path + ".protocol") {
                if let value = PortSpec.Transport(rawValue: text) {
                    transport = value
                } else {
                    reader.error("\(path).protocol must be tcp or udp, not \"\(text)\"", at: n)
                }
            }
            guard let name, let number else { continue }
            if let twin = ports.first(where: { $0.port == number && $0.transport == transport }) {
                reader.error("\(path).port: \(number)/\(transport.rawValue) is already port \"\(twin.name)\"", at: pf.keys["port"] ?? item)
                continue
            }
            ports.append(PortSpec(name: name, port: number, transport: transport))
            locations.append(reader.location(item))
        }
        return ports
    }

    /// A health check's port: a number, or the name of one of `spec.ports` (a tcp one).
    func healthPort(_ node: Node, path: String, ports: [PortSpec]) -> Int? {
        if case .scalar(let scalar) = node, scalar.style == .plain, Int(scalar.string) == nil {
            let name = scalar.string
            if let port = ports.first(where: { $0.name == name && $0.transport == .tcp }) { return port.port }
            let names = ports.filter { $0.transport == .tcp }.map(\.name)
            var message = "\(path) names port \"\(name)\", which spec.ports does not declare (as tcp)"
            if let suggestion = Suggestion.closest(to: name, in: names) { message += "; did you mean \"\(suggestion)\"?" }
            reader.error(message, at: node)
            return nil
        }
        return reader.int(node, path: path, range: 1...65535)
    }

    func readHealth(_ node: Node, ports: [PortSpec] = []) -> HealthCheckSpec? {
        guard
            let f = reader.fields(
                node, path: "spec.healthCheck",
                known: ["http", "tcp", "exec", "timeoutSeconds", "periodSeconds", "healthyDeadlineSeconds"])
        else { return nil }
        var spec = HealthCheckSpec()
        let probes = ["http", "tcp", "exec"].filter { f.values[$0] != nil }
        if probes.count > 1 {
            reader.error("spec.healthCheck takes one of http, tcp or exec, not \(probes.joined(separator: " and "))", at: f.keys[probes[1]]!)
        }
        if let n = reader.optional(f, "http"), let hf = reader.fields(n, path: "spec.healthCheck.http", known: ["port", "path"]) {
            let port = reader.required(hf, "port").flatMap { healthPort($0, path: "spec.healthCheck.http.port", ports: ports) }
            var path = "/"
            if let p = reader.optional(hf, "path"), let value = reader.string(p, path: "spec.healthCheck.http.path") {
                if FieldRules.isHTTPPath(value) {
                    path = value
                } else {
                    reader.error("spec.healthCheck.http.path must start with / and contain no spaces, got \"\(value)\"", at: p)
                }
            }
            if let port { spec.probe = .http(port: port, path: path) }
        } else if let n = reader.optional(f, "tcp"), let tf = reader.fields(n, path: "spec.healthCheck.tcp", known: ["port"]) {
            if let port = reader.required(tf, "port").flatMap({ healthPort($0, path: "spec.healthCheck.tcp.port", ports: ports) }) {
                spec.probe = .tcp(port: port)
            }
        } else if let n = reader.optional(f, "exec"), let items = reader.stringList(n, path: "spec.healthCheck.exec") {
            if items.isEmpty || items[0].0.isEmpty {
                reader.error("spec.healthCheck.exec must not be empty", at: n)
            } else {
                spec.probe = .exec(items.map(\.0))
            }
        }
        if let n = reader.optional(f, "timeoutSeconds") {
            spec.timeoutSeconds = reader.int(n, path: "spec.healthCheck.timeoutSeconds", range: 1...3600) ?? spec.timeoutSeconds
        }
        if let n = reader.optional(f, "periodSeconds") {
            spec.periodSeconds = reader.int(n, path: "spec.healthCheck.periodSeconds", range: 1...3600) ?? spec.periodSeconds
        }
        if let n = reader.optional(f, "healthyDeadlineSeconds") {
            spec.healthyDeadlineSeconds =
                reader.int(n, path: "spec.healthCheck.healthyDeadlineSeconds", range: 1...86400) ?? spec.healthyDeadlineSeconds
        }
        return spec
    }

    func readRollout(_ node: Node) -> RolloutSpec? {
        guard
            let f = reader.fields(
                node, path: "spec.rollout", known: ["maxUnavailable", "maxFailures", "canary", "autoRollback", "confirmSeconds"])
        else { return nil }
        var spec = RolloutSpec()
        if let n = reader.optional(f, "maxUnavailable"), let value = countOrPercent(n, path: "spec.rollout.maxUnavailable") {
            if case .count(0) = value {
                reader.error("spec.rollout.maxUnavailable must be at least 1 (or a percentage)", at: n)
            } else {
                spec.maxUnavailable = value
            }
        }
        if let n = reader.optional(f, "maxFailures"), let value = countOrPercent(n, path: "spec.rollout.maxFailures") {
            spec.maxFailures = value
        }
        if let n = reader.optional(f, "canary") { spec.canary = reader.int(n, path: "spec.rollout.canary", range: 0...100_000) ?? 0 }
        if let n = reader.optional(f, "autoRollback") { spec.autoRollback = reader.bool(n, path: "spec.rollout.autoRollback") ?? true }
        if let n = reader.optional(f, "confirmSeconds") {
            spec.confirmSeconds = reader.int(n, path: "spec.rollout.confirmSeconds", range: 0...86400)
        }
        return spec
    }

    func countOrPercent(_ node: Node, path: String) -> IntOrPercent? {
        guard case .scalar(let scalar) = node, let value = IntOrPercent(parsing: scalar.string) else {
            reader.error("\(path) must be a count (e.g. 2) or a percentage (e.g. 25%), got \(reader.describe(node))", at: node)
            return nil
        }
        switch value {
        case .percent(let p) where !(0...100).contains(p):
            reader.error("\(path) must be a percentage between 0% and 100%, got \(scalar.string)", at: node)
            return nil
        case .count(let n) where n < 0:
            reader.error("\(path) must not be negative, got \(n)", at: node)
            return nil
        default:
            return value
        }
    }
}
