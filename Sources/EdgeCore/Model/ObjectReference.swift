/// `KIND/NAME` (or `NAME` where the command says the kind), as every command reads it: one
/// parser, so an alias accepted by one command is accepted by all (`svc/web`, `no/edge-1`,
/// `ng/berlin`).
public struct ObjectReference: Sendable, Equatable, CustomStringConvertible {
    public var kind: ResourceKind
    public var name: String

    public init(kind: ResourceKind, name: String) {
        self.kind = kind
        self.name = name
    }

    /// - Parameter kind: the kind a bare `NAME` is, and the only kind accepted (nil: any kind,
    ///   and `KIND/` is required).
    /// - Returns: the reference, or a sentence saying what is wrong.
    public static func parse(_ text: String, kind expected: ResourceKind? = nil) -> Result<ObjectReference, Problem> {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let kind: ResourceKind
        let name: String
        if parts.count == 2 {
            guard let k = ResourceKind(argument: parts[0]) else {
                return .failure(Problem(message: "unknown kind \"\(parts[0])\" in \"\(text)\": expected node, nodegroup, service or secret"))
            }
            kind = k
            name = parts[1]
        } else if let expected {
            kind = expected
            name = text
        } else {
            return .failure(Problem(message: "give KIND/NAME, e.g. service/web, got \"\(text)\""))
        }
        if let expected, kind != expected {
            return .failure(Problem(message: "expected \(expected.argumentName)/NAME or NAME, got \"\(text)\""))
        }
        if name.isEmpty { return .failure(Problem(message: "\"\(text)\" names no \(kind.argumentName)")) }
        return .success(ObjectReference(kind: kind, name: name))
    }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public var description: String { "\(kind.argumentName)/\(name)" }
}
