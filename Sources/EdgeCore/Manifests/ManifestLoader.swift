/// Reads a set of manifest inputs into resources and checks them as a whole:
/// duplicate names across files and references to objects that exist neither
/// in the files nor in the recorded desired state.
public enum ManifestLoader {
    /// - Parameter existing: the desired state already recorded; references may point into it.
    /// - Throws: `ManifestError` with every problem found, in file order.
    public static func load(_ inputs: [ManifestInput], existing: [Resource] = []) throws -> [Resource] {
        var diagnostics: [Diagnostic] = []
        var parsed: [ParsedResource] = []
        for input in inputs {
            let result = ManifestParser.parse(input)
            diagnostics += result.diagnostics
            parsed += result.resources
        }

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

        if !diagnostics.isEmpty {
            let order = Dictionary(inputs.enumerated().map { ($1.displayPath, $0) }, uniquingKeysWith: { a, _ in a })
            diagnostics.sort { (order[$0.file] ?? 0, $0.line, $0.column) < (order[$1.file] ?? 0, $1.line, $1.column) }
            throw ManifestError(diagnostics)
        }
        return parsed.compactMap(\.resource)
    }

    private static func diagnostic(at location: SourceLocation, inputs: [ManifestInput], _ message: String) -> Diagnostic {
        let text = inputs.first { $0.displayPath == location.file }?.text ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let source = location.line >= 1 && location.line <= lines.count ? String(lines[location.line - 1]).trimmingTrailingCR() : nil
        return Diagnostic(file: location.file, line: location.line, column: location.column, message: message, sourceLine: source)
    }
}
