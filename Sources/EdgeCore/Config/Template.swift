/// A template of a config file or a `run.env` value: text with `${node.name}`,
/// `${node.address}`, `${node.labels.KEY}`, `${vars.KEY}` and `${secrets.NAME}`; `$$` is a
/// literal `$`. Parsed once when the manifest is read (syntax errors have positions then);
/// rendered per node on this machine, where a name missing for some node is an error with
/// the position of its use and that node's name.
public struct Template: Sendable, Hashable, Codable {
    public enum Part: Sendable, Hashable, Codable {
        case text(String)
        /// A `${…}` use: what it names, and where it starts (1-based, within the template text).
        case reference(Reference, line: Int, column: Int)
    }

    public enum Reference: Sendable, Hashable, Codable, CustomStringConvertible {
        case nodeName
        case nodeAddress
        case nodeLabel(String)
        case variable(String)
        case secret(String)

        public var description: String {
            switch self {
            case .nodeName: return "node.name"
            case .nodeAddress: return "node.address"
            case .nodeLabel(let key): return "node.labels.\(key)"
            case .variable(let key): return "vars.\(key)"
            case .secret(let name): return "secrets.\(name)"
            }
        }
    }

    public struct SyntaxError: Error, Sendable, Equatable {
        public var message: String
        public var line: Int
        public var column: Int
    }

    public var parts: [Part]

    public init(parts: [Part]) { self.parts = parts }

    /// Stored as the text it was written as (positions are the manifest's business).
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = (try? Template(parsing: text)) ?? .literal(text)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(source)
    }

    /// Parses `text`; the first problem is thrown with its position within `text`.
    public init(parsing text: String) throws(SyntaxError) {
        var parts: [Part] = []
        var literal = ""
        var line = 1
        var column = 1
        var index = text.startIndex
        func advance(_ c: Character) {
            if c == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        while index < text.endIndex {
            let c = text[index]
            guard c == "$" else {
                literal.append(c)
                advance(c)
                index = text.index(after: index)
                continue
            }
            let next = text.index(after: index)
            if next < text.endIndex, text[next] == "$" {
                literal.append("$")
                column += 2
                index = text.index(after: next)
                continue
            }
            guard next < text.endIndex, text[next] == "{" else {
                // A lone `$` (`$HOME`, `5$`) is text, as in a shell script it is the shell's.
                literal.append(c)
                advance(c)
                index = next
                continue
            }
            let (startLine, startColumn) = (line, column)
            guard let close = text[next...].firstIndex(of: "}") else {
                throw SyntaxError(message: "unterminated \"${\": expected \"}\"", line: startLine, column: startColumn)
            }
            let name = String(text[text.index(after: next)..<close])
            guard let reference = Template.reference(name) else {
                throw SyntaxError(
                    message:
                        "unknown template name \"${\(name)}\"; expected node.name, node.address, node.labels.KEY, vars.KEY or secrets.NAME ($$ is a literal $)",
                    line: startLine, column: startColumn)
            }
            if !literal.isEmpty {
                parts.append(.text(literal))
                literal = ""
            }
            parts.append(.reference(reference, line: startLine, column: startColumn))
            for ch in text[index...close] { advance(ch) }
            index = text.index(after: close)
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }

    static func reference(_ name: String) -> Reference? {
        let words = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        let valid = { (key: String) in
            !key.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-./".contains($0)) }
        }
        switch (words.first, words.count) {
        case ("node", 2) where words[1] == "name": return .nodeName
        case ("node", 2) where words[1] == "address": return .nodeAddress
        case ("node", 3) where words[1] == "labels" && valid(words[2]): return .nodeLabel(words[2])
        case ("vars", _) where words.count >= 2 && valid(words.dropFirst().joined(separator: ".")):
            return .variable(words.dropFirst().joined(separator: "."))
        case ("secrets", _) where words.count >= 2 && valid(words.dropFirst().joined(separator: ".")):
            return .secret(words.dropFirst().joined(separator: "."))
        default: return nil
        }
    }

    /// A template of plain text (no `${` in it).
    public static func literal(_ text: String) -> Template { Template(parts: text.isEmpty ? [] : [.text(text)]) }

    public var secretNames: [String] {
        parts.compactMap { if case .reference(.secret(let name), _, _) = $0 { return name } else { return nil } }
    }

    public var isLiteral: Bool { parts.allSatisfy { if case .text = $0 { return true } else { return false } } }

    /// The source text again (`$` doubled where it must be).
    public var source: String {
        parts.map {
            switch $0 {
            case .text(let text): return text.replacingOccurrences(of: "$", with: "$$")
            case .reference(let reference, _, _): return "${\(reference)}"
            }
        }.joined()
    }
}

/// What a template may name for one node.
public struct TemplateContext: Sendable {
    public var nodeName: String
    public var nodeAddress: String
    public var labels: [String: String]
    public var vars: [String: String]
    /// A secret's value, or nil while it is not resolved (rendering then writes the mask).
    public var secret: @Sendable (String) -> String?

    public init(
        nodeName: String, nodeAddress: String, labels: [String: String], vars: [String: String],
        secret: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        self.nodeName = nodeName
        self.nodeAddress = nodeAddress
        self.labels = labels
        self.vars = vars
        self.secret = secret
    }

    /// How a secret shows wherever its value must not: `<secret db-password>`.
    public static func mask(_ name: String) -> String { "<secret \(name)>" }
}

extension Template {
    /// A use that names nothing for this node.
    public struct Missing: Error, Sendable, Equatable {
        public var reference: Reference
        public var line: Int
        public var column: Int
    }

    /// The text for one node; `masked`: secrets as `<secret NAME>` (what may be shown and
    /// compared), else their values (what the node gets).
    public func render(_ context: TemplateContext, masked: Bool = false) throws(Missing) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .reference(let reference, let line, let column):
                let value: String?
                switch reference {
                case .nodeName: value = context.nodeName
                case .nodeAddress: value = context.nodeAddress
                case .nodeLabel(let key): value = context.labels[key]
                case .variable(let key): value = context.vars[key]
                case .secret(let name): value = masked ? TemplateContext.mask(name) : context.secret(name) ?? TemplateContext.mask(name)
                }
                guard let value else { throw Missing(reference: reference, line: line, column: column) }
                out += value
            }
        }
        return out
    }
}
