import Foundation

/// Masks secrets' values in whatever edgectl prints or records. Every value a run reads is
/// registered here first; output paths (the CLI's printer, progress lines, events, errors,
/// output relayed from nodes by `logs` and `exec`) pass their text through `redact`, so a
/// value that a service or a node echoes back still never reaches a terminal, a CI log or
/// the state. One per process.
public final class Redactor: @unchecked Sendable {
    public static let shared = Redactor()

    private let lock = NSLock()
    /// Value → its mask, longest values first so a value containing another is masked whole.
    private var values: [(String, String)] = []

    public func register(_ value: String, name: String) {
        // Very short values would mask ordinary words; they are still never printed on purpose.
        guard value.count >= 4 else { return }
        lock.lock()
        defer { lock.unlock() }
        guard !values.contains(where: { $0.0 == value }) else { return }
        values.append((value, TemplateContext.mask(name)))
        values.sort { $0.0.count > $1.0.count }
        // A multi-line value (a key file) is also masked line by line, as logs split it.
        for line in value.split(separator: "\n") where line.count >= 8 && String(line) != value {
            values.append((String(line), TemplateContext.mask(name)))
        }
        values.sort { $0.0.count > $1.0.count }
    }

    public var isEmpty: Bool {
        lock.lock()
        defer { lock.unlock() }
        return values.isEmpty
    }

    public func redact(_ text: String) -> String {
        lock.lock()
        let known = values
        lock.unlock()
        guard !known.isEmpty else { return text }
        var out = text
        for (value, mask) in known where out.contains(value) { out = out.replacingOccurrences(of: value, with: mask) }
        return out
    }

    public func redact(_ data: Data) -> Data {
        guard !isEmpty else { return data }
        guard let text = String(data: data, encoding: .utf8) else { return data }
        return Data(redact(text).utf8)
    }
}
