import Yams

/// Reads typed values out of a composed YAML tree while recording a
/// diagnostic, with its exact position, for every value that is wrong.
///
/// Decoding by hand rather than through `Codable` keeps every node's mark at
/// hand, so each error points at the key or value at fault, and lets reading
/// continue past an error to find the next one.
final class YAMLFieldReader {
    let file: String
    private let lines: [Substring]
    private(set) var diagnostics: [Diagnostic] = []

    let manifestText: String

    init(file: String, text: String) {
        self.file = file
        self.manifestText = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func error(_ message: String, line: Int, column: Int) {
        let source = line >= 1 && line <= lines.count ? String(lines[line - 1]).trimmingTrailingCR() : nil
        diagnostics.append(Diagnostic(file: file, line: line, column: column, message: message, sourceLine: source))
    }

    /// A problem in another file the manifest names (a config template), shown with its line.
    func error(_ message: String, file other: String, text: String, line: Int, column: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let source = line >= 1 && line <= lines.count ? String(lines[line - 1]).trimmingTrailingCR() : nil
        diagnostics.append(Diagnostic(file: other, line: line, column: column, message: message, sourceLine: source))
    }

    func error(_ message: String, at node: Node) {
        let loc = location(node)
        error(message, line: loc.line, column: loc.column)
    }

    /// A mapping's fields by name, in order. Unknown keys are reported with the closest known one.
    struct Fields {
        var values: [String: Node] = [:]
        var keys: [String: Node] = [:]
        let owner: Node
        let path: String
    }

    func fields(_ node: Node, path: String, known: [String]) -> Fields? {
        guard case .mapping(let mapping) = node else {
            error("\(path) must be a mapping, got \(describe(node))", at: node)
            return nil
        }
        var result = Fields(owner: node, path: path)
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                error("keys in \(path) must be strings", at: keyNode)
                continue
            }
            let name = key.string
            guard known.contains(name) else {
                var message = "unknown field \"\(name)\" in \(path)"
                if let suggestion = Suggestion.closest(to: name, in: known) {
                    message += "; did you mean \"\(suggestion)\"?"
                } else {
                    message += " (known fields: \(known.joined(separator: ", ")))"
                }
                error(message, at: keyNode)
                continue
            }
            result.values[name] = value
            result.keys[name] = keyNode
        }
        return result
    }

    /// The value of an optional field; nil when absent or null.
    func optional(_ fields: Fields, _ name: String) -> Node? {
        guard let node = fields.values[name], !isNull(node) else { return nil }
        return node
    }

    /// The value of a required field, reporting it at the mapping when missing.
    func required(_ fields: Fields, _ name: String) -> Node? {
        if let node = optional(fields, name) { return node }
        if let key = fields.keys[name] {
            error("\(fields.path).\(name) must not be empty", at: key)
        } else {
            error("missing required field \"\(name)\" in \(fields.path)", at: fields.owner)
        }
        return nil
    }

    func string(_ node: Node, path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error("\(path) must be a string, got \(describe(node))", at: node)
            return nil
        }
        return scalar.string
    }

    func int(_ node: Node, path: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string) else {
            error("\(path) must be an integer, got \(describe(node))", at: node)
            return nil
        }
        if let range, !range.contains(value) {
            error("\(path) must be between \(range.lowerBound) and \(range.upperBound), got \(value)", at: node)
            return nil
        }
        return value
    }

    func bool(_ node: Node, path: String) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            switch scalar.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        error("\(path) must be true or false, got \(describe(node))", at: node)
        return nil
    }

    /// A list of strings; each element is returned with its node for precise later checks.
    func stringList(_ node: Node, path: String) -> [(String, Node)]? {
        guard case .sequence(let sequence) = node else {
            error("\(path) must be a list, got \(describe(node))", at: node)
            return nil
        }
        var result: [(String, Node)] = []
        for (index, element) in sequence.enumerated() {
            if let value = string(element, path: "\(path)[\(index)]") { result.append((value, element)) }
        }
        return result
    }

    func stringMap(_ node: Node, path: String) -> [(key: String, keyNode: Node, value: String, valueNode: Node)]? {
        guard case .mapping(let mapping) = node else {
            error("\(path) must be a mapping, got \(describe(node))", at: node)
            return nil
        }
        var result: [(key: String, keyNode: Node, value: String, valueNode: Node)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = string(keyNode, path: "a key of \(path)") else { continue }
            let value: String
            if isNull(valueNode) {
                value = ""
            } else if let text = string(valueNode, path: "\(path).\(key)") {
                value = text
            } else {
                continue
            }
            result.append((key, keyNode, value, valueNode))
        }
        return result
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a value looks, for "expected X, got Y" messages.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            if scalar.style != .plain { return "the string \"\(scalar.string)\"" }
            return "\"\(scalar.string)\""
        }
    }
}

extension String {
    func trimmingTrailingCR() -> String {
        hasSuffix("\r") ? String(dropLast()) : self
    }
}
