import Foundation

/// A count of nodes given either absolutely (`2`) or relative to a group (`25%`).
public enum IntOrPercent: Sendable, Hashable, Codable, CustomStringConvertible {
    case count(Int)
    case percent(Int)

    /// Parses `"25%"` or `"3"`; `nil` when malformed. Range checks are the caller's.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("%") {
            guard let value = Int(trimmed.dropLast()) else { return nil }
            self = .percent(value)
        } else {
            guard let value = Int(trimmed) else { return nil }
            self = .count(value)
        }
    }

    public var description: String {
        switch self {
        case .count(let n): return String(n)
        case .percent(let p): return "\(p)%"
        }
    }

    /// The number of nodes this stands for out of `total`, rounded down
    /// (and never below `minimum`, so "25% of 2 nodes" still makes progress).
    public func resolve(total: Int, minimum: Int = 0) -> Int {
        let raw: Int
        switch self {
        case .count(let n): raw = n
        case .percent(let p): raw = total * p / 100
        }
        return max(minimum, raw)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Int.self) {
            self = .count(n)
            return
        }
        let text = try container.decode(String.self)
        guard let value = IntOrPercent(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a count or percentage: \(text)")
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .count(let n): try container.encode(n)
        case .percent: try container.encode(description)
        }
    }
}
