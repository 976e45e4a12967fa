/// Reads a set of manifest inputs into resources and checks them as a whole:
/// duplicate names across files and references to objects that exist neither
/// in the files nor in the recorded desired state.
public enum ManifestLoader {
    /// - Parameters:
    ///   - existing: the desired state already recorded; references may point into it.
    ///   - digests: scan each Service's bundle for its release digest (what `apply`, `diff` and
    ///     `render` need); without, no bundle is read (`delete -f` works with the bundle gone).
    /// - Throws: `ManifestError` with every problem found, in file order.
    public static func load(_ inputs: [ManifestInput], existing: [Resource] = [], digests: Bool = true) throws -> [Resource] {
        var diagnostics: [Diagnostic] = []
        var parsed: [ParsedResource] = []
        for input in inputs {
            let result = ManifestParser.parse(input)
            diagnostics += result.diagnostics
            parsed += result.resources
        }
        if digests { diagnostics += digest(&parsed, inputs: inputs) }

        var seen: [ResourceID: SourceLocation] = [:]
        for item in parsed {
            if let first = seen[item.id] {
                diagnostics.append(
                    diagnostic(
                        at: item.nameLocation, inputs: inputs,
                        "duplicate \(item.id.kind.rawValue) \"\(item.id.name)\": already defined at \(first)"))
            } else {
                seen[item.id] = item.nameLocation
            }
        }

        let known = Set(existing.map(\.id)).union(seen.keys)
        for item in parsed {
            for reference in item.references where !known.contains(ResourceID(reference.kind, reference.name)) {
                let candidates = known.filter { $0.kind == reference.kind }.map(\.name).sorted()
                var message = "\(reference.field) names \(reference.kind.rawValue) \"\(reference.name)\", which does not exist"
                if let suggestion = Suggestion.closest(to: reference.name, in: candidates) {
                    message += "; did you mean \"\(suggestion)\"?"
                }
                diagnostics.append(diagnostic(at: reference.location, inputs: inputs, message))
            }
        }

        if diagnostics.isEmpty {
            diagnostics +=
                templateProblems(parsed, existing: existing) + portProblems(parsed, existing: existing, inputs: inputs)
                + cycleProblems(parsed, existing: existing, inputs: inputs)
        }

        if !diagnostics.isEmpty {
            let order = Dictionary(inputs.enumerated().map { ($1.displayPath, $0) }, uniquingKeysWith: { a, _ in a })
            diagnostics.sort { (order[$0.file] ?? 0, $0.line, $0.column) < (order[$1.file] ?? 0, $1.line, $1.column) }
            throw ManifestError(diagnostics)
        }
        return parsed.compactMap(\.resource)
    }

    /// Scans each parsed Service's bundle and attaches its release; a bundle that cannot be
    /// read is reported where its path was written.
    static func digest(_ parsed: inout [ParsedResource], inputs: [ManifestInput]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for index in parsed.indices {
            guard let path = parsed[index].resource?.serviceSpec?.bundle.path else { continue }
            do {
                parsed[index].resource?.release = try BundleScanner.scan(path)
            } catch {
                let at = parsed[index].bundleLocation ?? parsed[index].nameLocation
                for message in error.messages { diagnostics.append(diagnostic(at: at, inputs: inputs, message)) }
            }
        }
        return diagnostics
    }

    /// Every template use rendered for every node its service runs on (with the recorded
    /// state's nodes and groups where the files do not redefine them): a name some node lacks
    /// is reported at its use, naming the nodes.
    static func templateProblems(_ parsed: [ParsedResource], existing: [Resource]) -> [Diagnostic] {
        let fresh = parsed.compactMap(\.resource)
        let replaced = Set(fresh.map(\.id))
        let fleet = Fleet(existing.filter { !replaced.contains($0.id) } + fresh)
        var diagnostics: [Diagnostic] = []
        // Loops see no endpoints here (whether there are any is known only at a run), only
        // whether the service and port exist.
        let ports = Set(fleet.services.values.flatMap { s in s.spec.portList.map { "\(s.name).\($0.name)" } })
        let endpoints: @Sendable (String, String) -> [TemplateContext.EndpointValue]? = { ports.contains("\($0).\($1)") ? [] : nil }
        for item in parsed where !item.templates.isEmpty {
            guard let resource = item.resource, let config = resource.serviceSpec.map({ $0.config ?? ConfigSpec() }) else { continue }
            let targets = fleet.targets(ofService: resource.name)
            for use in item.templates {
                var missing: [(node: String, error: Template.Missing)] = []
                for node in targets {
                    let spec = fleet.nodes[node]
                    var context = TemplateContext(
                        nodeName: node, nodeAddress: spec?.spec.address ?? "", labels: spec?.labels ?? [:],
                        vars: config.variables(node: node, labels: spec?.labels ?? [:]))
                    context.endpoints = endpoints
                    do {
                        _ = try use.template.render(context, masked: true)
                    } catch {
                        missing.append((node, error))
                    }
                }
                // One diagnostic per name used, listing the nodes that lack it.
                var byUse: [String: [String]] = [:]
                var first: [String: Template.Missing] = [:]
                for (node, error) in missing {
                    let key = "\(error.line):\(error.column)"
                    byUse[key, default: []].append(node)
                    first[key] = first[key] ?? error
                }
                for (key, nodes) in byUse.sorted(by: { $0.key < $1.key }) {
                    let error = first[key]!
                    let at = use.location(line: error.line, column: error.column)
                    let lines = use.text.split(separator: "\n", omittingEmptySubsequences: false)
                    let source = at.line >= 1 && at.line <= lines.count ? String(lines[at.line - 1]).trimmingTrailingCR() : nil
                    let shown =
                        nodes.count > 3 ? nodes.prefix(3).joined(separator: ", ") + " and \(nodes.count - 3) more" : nodes.joined(separator: ", ")
                    var message = "\(use.field): ${\(error.reference)} is not defined for node\(nodes.count == 1 ? "" : "s") \(shown)"
                    if case .endpoints(let service, let port) = error.reference {
                        message =
                            fleet.services[service] == nil
                            ? "\(use.field): endpoints.\(service).\(port) names service \"\(service)\", which does not exist"
                            : "\(use.field): endpoints.\(service).\(port) names port \"\(port)\", which service/\(service) does not declare in spec.ports"
                    }
                    diagnostics.append(Diagnostic(file: use.file, line: at.line, column: at.column, message: message, sourceLine: source))
                }
            }
        }
        return diagnostics
    }

    /// Services whose configs iterate each other's endpoints in a circle: none could be rendered
    /// before the others. Reported at the service of the cycle read first, naming it.
    static func cycleProblems(_ parsed: [ParsedResource], existing: [Resource], inputs: [ManifestInput]) -> [Diagnostic] {
        let fresh = parsed.compactMap(\.resource)
        let replaced = Set(fresh.map(\.id))
        let fleet = Fleet(existing.filter { !replaced.contains($0.id) } + fresh)
        var diagnostics: [Diagnostic] = []
        var reported: Set<String> = []
        for item in parsed {
            guard let resource = item.resource, resource.kind == .service, !reported.contains(resource.name) else { continue }
            // A path from this service back to itself, through the services it depends on.
            var path = [resource.name]
            var seen: Set<String> = []
            func walk(_ name: String) -> Bool {
                for next in fleet.endpointDependencies(ofService: name).sorted() {
                    if next == resource.name { return true }
                    guard !seen.contains(next) else { continue }
                    seen.insert(next)
                    path.append(next)
                    if walk(next) { return true }
                    path.removeLast()
                }
                return false
            }
            guard walk(resource.name) else { continue }
            reported.formUnion(path)
            diagnostics.append(
                diagnostic(
                    at: item.nameLocation, inputs: inputs,
                    "service/\(resource.name): its config iterates endpoints in a cycle (\((path + [resource.name]).joined(separator: " → "))): none of them could be rendered first"
                ))
        }
        return diagnostics
    }

    /// Two services on one node claiming the same port and protocol: reported at the port of
    /// the one read later (a service already in the state is read first), naming both and the nodes.
    static func portProblems(_ parsed: [ParsedResource], existing: [Resource], inputs: [ManifestInput]) -> [Diagnostic] {
        let fresh = parsed.compactMap(\.resource)
        let replaced = Set(fresh.map(\.id))
        let kept = existing.filter { !replaced.contains($0.id) }
        let fleet = Fleet(kept + fresh)
        var diagnostics: [Diagnostic] = []
        // Claims so far, per node and port: the service that made it.
        var claims: [String: String] = [:]
        func claim(_ service: Resource, report: ParsedResource?) {
            guard let spec = service.serviceSpec else { return }
            for (index, port) in spec.portList.enumerated() {
                var clashes: [String: [String]] = [:]
                for node in fleet.targets(ofService: service.name) {
                    let key = "\(node) \(port.port)/\(port.transport.rawValue)"
                    if let other = claims[key], other != service.name { clashes[other, default: []].append(node) } else { claims[key] = service.name }
                }
                guard let report, index < report.portLocations.count else { continue }
                for (other, nodes) in clashes.sorted(by: { $0.key < $1.key }) {
                    let shown =
                        nodes.count > 3 ? nodes.prefix(3).joined(separator: ", ") + " and \(nodes.count - 3) more" : nodes.joined(separator: ", ")
                    diagnostics.append(
                        diagnostic(
                            at: report.portLocations[index], inputs: inputs,
                            "spec.ports[\(index)]: service/\(service.name) and service/\(other) both claim port \(port.port)/\(port.transport.rawValue) on node\(nodes.count == 1 ? "" : "s") \(shown)"
                        ))
                }
            }
        }
        for service in kept where service.kind == .service { claim(service, report: nil) }
        for item in parsed { if let resource = item.resource, resource.kind == .service { claim(resource, report: item) } }
        return diagnostics
    }

    private static func diagnostic(at location: SourceLocation, inputs: [ManifestInput], _ message: String) -> Diagnostic {
        let text = inputs.first { $0.displayPath == location.file }?.text ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let source = location.line >= 1 && location.line <= lines.count ? String(lines[location.line - 1]).trimmingTrailingCR() : nil
        return Diagnostic(file: location.file, line: location.line, column: location.column, message: message, sourceLine: source)
    }
}
