import Foundation

/// A Kubernetes-style label selector, as given to `-l`: `site=berlin,tier!=db,gpu,!legacy,env in (a,b)`.
public struct LabelSelector: Sendable, Equatable, CustomStringConvertible {
    public enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
        case notExists(String)
        case within(String, Set<String>)
        case notWithin(String, Set<String>)
    }

    public var requirements: [Requirement]
    public let text: String

    public init(matchLabels: [String: String]) {
        requirements = matchLabels.sorted { $0.key < $1.key }.map { .equals($0.key, $0.value) }
        text = matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// Parses the `-l` syntax; throws a usage error naming the bad part.
    public init(parsing text: String) throws {
        self.text = text
        var requirements: [Requirement] = []
        for raw in LabelSelector.splitTopLevel(text) {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if part.isEmpty { continue }
            if let range = part.range(of: " notin ") ?? part.range(of: " in ") {
                let key = part[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                var values = part[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard values.hasPrefix("("), values.hasSuffix(")") else {
                    throw EdgeError.usage("invalid selector \"\(part)\": expected a list in parentheses, e.g. \"env in (a,b)\"")
                }
                values = String(values.dropFirst().dropLast())
                let set = Set(values.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                try LabelSelector.checkKey(key, in: part)
                requirements.append(range.lowerBound == part.range(of: " notin ")?.lowerBound ? .notWithin(key, set) : .within(key, set))
            } else if let range = part.range(of: "!=") {
                let key = String(part[..<range.lowerBound]).trimmingCharacters(in: .whitespaces)
                try LabelSelector.checkKey(key, in: part)
                requirements.append(.notEquals(key, String(part[range.upperBound...]).trimmingCharacters(in: .whitespaces)))
            } else if let range = part.range(of: "==") ?? part.range(of: "=") {
                let key = String(part[..<range.lowerBound]).trimmingCharacters(in: .whitespaces)
                try LabelSelector.checkKey(key, in: part)
                requirements.append(.equals(key, String(part[range.upperBound...]).trimmingCharacters(in: .whitespaces)))
            } else if part.hasPrefix("!") {
                let key = String(part.dropFirst()).trimmingCharacters(in: .whitespaces)
                try LabelSelector.checkKey(key, in: part)
                requirements.append(.notExists(key))
            } else {
                try LabelSelector.checkKey(part, in: part)
                requirements.append(.exists(part))
            }
        }
        self.requirements = requirements
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .exists(let k): return labels[k] != nil
            case .notExists(let k): return labels[k] == nil
            case .within(let k, let set): return labels[k].map(set.contains) ?? false
            case .notWithin(let k, let set): return labels[k].map { !set.contains($0) } ?? true
            }
        }
    }

    public var description: String { text }

    private static func checkKey(_ key: String, in part: String) throws {
        if let problem = Names.labelKeyProblem(key) {
            throw EdgeError.usage("invalid selector \"\(part)\": \(problem)")
        }
    }

    /// Splits on commas that are not inside parentheses.
    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            switch ch {
            case "(": depth += 1; current.append(ch)
            case ")": depth -= 1; current.append(ch)
            case "," where depth == 0: parts.append(current); current = ""
            default: current.append(ch)
            }
        }
        parts.append(current)
        return parts
    }
}
