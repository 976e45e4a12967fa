import EdgeCore
import Foundation
import Yams

/// A JSON document built by hand, so output shapes are explicit in code
/// (scripts depend on them) and the same tree prints as JSON or YAML.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    /// Keys keep their insertion order: `apiVersion, kind, metadata, spec, status` reads better than sorted.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.render() == b.render() }

    public static func str(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
    public static func int(_ i: Int?) -> JSONValue { i.map { .int(Int64($0)) } ?? .null }
    public static func date(_ d: Date?) -> JSONValue {
        d.map { .string($0.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))) } ?? .null
    }
    public static func strings(_ map: [String: String]) -> JSONValue {
        .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    /// Pretty JSON with two-space indentation.
    public func render(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        // Masked before escaping: a secret holding `"` or `\` is escaped in the document and no
        // longer matches its value when the printer masks the text.
        case .string(let s): return JSONValue.quote(Redactor.shared.redact(s))
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.render(indent: indent + 1) }.joined(separator: ",\n") + "\n\(close)]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { pad + JSONValue.quote($0.0) + ": " + $0.1.render(indent: indent + 1) }.joined(separator: ",\n")
                + "\n\(close)}"
        }
    }

    /// One-line JSON, for event streams.
    public func compact() -> String {
        switch self {
        case .array(let items): return "[" + items.map { $0.compact() }.joined(separator: ",") + "]"
        case .object(let fields): return "{" + fields.map { JSONValue.quote($0.0) + ":" + $0.1.compact() }.joined(separator: ",") + "}"
        default: return render()
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Converts Foundation JSON (from `JSONSerialization`) into a value, sorting object keys.
    public static func from(foundation value: Any?) -> JSONValue {
        switch value {
        case let dict as [String: Any]:
            return .object(dict.keys.sorted().map { ($0, from(foundation: dict[$0])) })
        case let array as [Any]: return .array(array.map { from(foundation: $0) })
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(Int64(i))
        case let n as NSNumber: return .int(n.int64Value)
        case let s as String: return .string(s)
        default: return .null
        }
    }

    public static func from(json text: String) -> JSONValue {
        from(foundation: try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
    }

    /// The same tree as YAML.
    public func yaml() -> String {
        (try? Yams.serialize(node: yamlNode(), sortKeys: false)) ?? ""
    }

    func yamlNode() -> Yams.Node {
        switch self {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .int(let i): return Node(String(i), Tag(.int))
        case .string(let raw):
            let s = Redactor.shared.redact(raw)
            return Node(s, Tag(.str), needsQuoting(s) ? .doubleQuoted : .any)
        case .array(let items): return .sequence(Node.Sequence(items.map { $0.yamlNode() }))
        case .object(let fields): return .mapping(Node.Mapping(fields.map { (Node($0.0), $0.1.yamlNode()) }))
        }
    }

    private func needsQuoting(_ s: String) -> Bool {
        if s.isEmpty { return true }
        if Int(s) != nil || Double(s) != nil { return true }
        return ["true", "false", "yes", "no", "null", "~", "on", "off"].contains(s.lowercased())
    }
}
