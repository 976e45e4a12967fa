/// A template of a config file or a `run.env` value: text with `${node.name}`,
/// `${node.address}`, `${node.labels.KEY}`, `${vars.KEY}` and `${secrets.NAME}`; `$$` is a
/// literal `$`. `${for e in endpoints.SERVICE.PORT}…${end}` repeats its body for each ready
/// endpoint of another service's port, sorted by node, with `${e.node}`, `${e.address}`,
/// `${e.port}` and `${e.labels.KEY}` inside. Parsed once when the manifest is read (syntax errors have positions then);
/// rendered per node on this machine, where a name missing for some node is an error with
/// the position of its use and that node's name.
public struct Template: Sendable, Hashable, Codable {
    public indirect enum Part: Sendable, Hashable, Codable {
        case text(String)
        /// A `${…}` use: what it names, and where it starts (1-based, within the template text).
        case reference(Reference, line: Int, column: Int)
        /// `${for VARIABLE in endpoints.SERVICE.PORT}` BODY `${end}`.
        case loop(Loop)
    }

    public struct Loop: Sendable, Hashable, Codable {
        public var variable: String
        public var service: String
        public var port: String
        public var body: [Part]
        public var line: Int
        public var column: Int
    }

    /// What a loop's variable names: `e.node`, `e.address`, `e.port`, `e.labels.KEY`.
    public enum EndpointField: Sendable, Hashable, Codable, CustomStringConvertible {
        case node, address, port
        case label(String)
        public var description: String {
            switch self {
            case .node: return "node"
            case .address: return "address"
            case .port: return "port"
            case .label(let key): return "labels.\(key)"
            }
        }
    }

    public enum Reference: Sendable, Hashable, Codable, CustomStringConvertible {
        case nodeName
        case nodeAddress
        case nodeLabel(String)
        case variable(String)
        case secret(String)
        case endpoint(variable: String, field: EndpointField)
        /// The endpoints a loop iterates (named in an error when there is no such service or port).
        case endpoints(service: String, port: String)

        public var description: String {
            switch self {
            case .endpoint(let variable, let field): return "\(variable).\(field)"
            case .endpoints(let service, let port): return "endpoints.\(service).\(port)"
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
        // The parts being collected, innermost loop last: its header and the parts before it.
        var stack: [(loop: Loop, outer: [Part])] = []
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
        func flush() {
            if !literal.isEmpty {
                parts.append(.text(literal))
                literal = ""
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
            let words = name.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            flush()
            if words.first == "for" {
                guard words.count == 4, words[2] == "in", Template.isVariable(words[1]),
                    case let list = words[3].split(separator: ".", omittingEmptySubsequences: false).map(String.init),
                    list.count == 3, list[0] == "endpoints", Names.dnsLabelProblem(list[1]) == nil, Names.dnsLabelProblem(list[2]) == nil
                else {
                    throw SyntaxError(
                        message: "a loop is written ${for e in endpoints.SERVICE.PORT} … ${end}, not \"${\(name)}\"", line: startLine,
                        column: startColumn)
                }
                if stack.contains(where: { $0.loop.variable == words[1] }) {
                    throw SyntaxError(message: "${for \(words[1]) …} inside a loop over \(words[1]) already", line: startLine, column: startColumn)
                }
                stack.append((Loop(variable: words[1], service: list[1], port: list[2], body: [], line: startLine, column: startColumn), parts))
                parts = []
            } else if name == "end" {
                guard var open = stack.popLast() else {
                    throw SyntaxError(message: "${end} without a ${for …} to end", line: startLine, column: startColumn)
                }
                open.loop.body = parts
                parts = open.outer + [.loop(open.loop)]
            } else if let reference = Template.reference(name, loops: stack.map(\.loop.variable)) {
                parts.append(.reference(reference, line: startLine, column: startColumn))
            } else {
                throw SyntaxError(
                    message:
                        "unknown template name \"${\(name)}\"; expected node.name, node.address, node.labels.KEY, vars.KEY, secrets.NAME"
                        + (stack.isEmpty ? "" : " or \(stack.last!.loop.variable).node, .address, .port, .labels.KEY")
                        + " ($$ is a literal $)",
                    line: startLine, column: startColumn)
            }
            for ch in text[index...close] { advance(ch) }
            index = text.index(after: close)
        }
        flush()
        if let open = stack.last {
            throw SyntaxError(
                message: "${for \(open.loop.variable) …} is never ended: expected ${end}", line: open.loop.line, column: open.loop.column)
        }
        self.parts = parts
    }

    static func isVariable(_ word: String) -> Bool {
        guard let first = word.first, first.isASCII, first.isLetter else { return false }
        return word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            && !["node", "vars", "secrets", "endpoints", "for", "end", "in"].contains(word)
    }

    static func reference(_ name: String, loops: [String]) -> Reference? {
        let words = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        if let variable = words.first, loops.contains(variable) {
            switch (words.count, words.count > 1 ? words[1] : "") {
            case (2, "node"): return .endpoint(variable: variable, field: .node)
            case (2, "address"): return .endpoint(variable: variable, field: .address)
            case (2, "port"): return .endpoint(variable: variable, field: .port)
            case (3, "labels") where !words[2].isEmpty: return .endpoint(variable: variable, field: .label(words[2]))
            default: return nil
            }
        }
        return reference(name)
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

    public var secretNames: [String] { Template.secretNames(parts) }

    static func secretNames(_ parts: [Part]) -> [String] {
        parts.flatMap { part -> [String] in
            switch part {
            case .reference(.secret(let name), _, _): return [name]
            case .loop(let loop): return secretNames(loop.body)
            default: return []
            }
        }
    }

    /// The endpoint lists the template's loops iterate, outermost first.
    public var endpointLists: [(service: String, port: String)] { Template.lists(parts) }

    static func lists(_ parts: [Part]) -> [(service: String, port: String)] {
        parts.flatMap { part -> [(service: String, port: String)] in
            guard case .loop(let loop) = part else { return [] }
            return [(loop.service, loop.port)] + lists(loop.body)
        }
    }

    public var isLiteral: Bool { parts.allSatisfy { if case .text = $0 { return true } else { return false } } }

    /// The source text again (`$` doubled where it must be).
    public var source: String { Template.source(parts) }

    static func source(_ parts: [Part]) -> String {
        parts.map {
            switch $0 {
            case .text(let text): return text.replacingOccurrences(of: "$", with: "$$")
            case .reference(let reference, _, _): return "${\(reference)}"
            case .loop(let loop): return "${for \(loop.variable) in endpoints.\(loop.service).\(loop.port)}" + source(loop.body) + "${end}"
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
    /// The ready endpoints of a service's port, sorted; nil when there is no such service or port.
    public var endpoints: @Sendable (_ service: String, _ port: String) -> [EndpointValue]? = { _, _ in nil }

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

    /// One endpoint as a template sees it.
    public struct EndpointValue: Sendable, Equatable {
        public var node: String
        public var address: String
        public var port: Int
        public var labels: [String: String]
        public init(node: String, address: String, port: Int, labels: [String: String]) {
            self.node = node
            self.address = address
            self.port = port
            self.labels = labels
        }
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
        try Template.render(parts, context, masked: masked, bound: [:])
    }

    static func render(
        _ parts: [Part], _ context: TemplateContext, masked: Bool, bound: [String: TemplateContext.EndpointValue]
    ) throws(Missing) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .loop(let loop):
                guard let endpoints = context.endpoints(loop.service, loop.port) else {
                    throw Missing(reference: .endpoints(service: loop.service, port: loop.port), line: loop.line, column: loop.column)
                }
                for endpoint in endpoints {
                    var inner = bound
                    inner[loop.variable] = endpoint
                    out += try render(loop.body, context, masked: masked, bound: inner)
                }
            case .reference(let reference, let line, let column):
                let value: String?
                switch reference {
                case .nodeName: value = context.nodeName
                case .nodeAddress: value = context.nodeAddress
                case .nodeLabel(let key): value = context.labels[key]
                case .variable(let key): value = context.vars[key]
                case .secret(let name): value = masked ? TemplateContext.mask(name) : context.secret(name) ?? TemplateContext.mask(name)
                case .endpoints: value = nil
                case .endpoint(let variable, let field):
                    let endpoint = bound[variable]
                    switch field {
                    case .node: value = endpoint?.node
                    case .address: value = endpoint?.address
                    case .port: value = endpoint.map { String($0.port) }
                    case .label(let key): value = endpoint?.labels[key]
                    }
                }
                guard let value else { throw Missing(reference: reference, line: line, column: column) }
                out += value
            }
        }
        return out
    }
}
