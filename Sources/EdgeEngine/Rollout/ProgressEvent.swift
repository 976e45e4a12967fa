import EdgeCore
import Foundation

/// One thing that happened during a run, for the live view, the log lines and `-o json`.
public struct ProgressEvent: Sendable {
    public var time = Date()
    public var service: String?
    public var node: String?
    public var group: String?
    public var batch: String?
    public var kind: ProgressEventKind
    public var message: String
    /// For `staging` and `batch`: how many nodes the phase covers (what a progress bar counts to).
    public var total: Int?

    public init(service: String? = nil, node: String? = nil, group: String? = nil, batch: String? = nil, kind: ProgressEventKind, message: String) {
        self.service = service
        self.node = node
        self.group = group
        self.batch = batch
        self.kind = kind
        self.message = message
    }

    public var json: JSONValue {
        .object([
            ("time", .date(time)), ("kind", .string(kind.rawValue)), ("service", .str(service)), ("node", .str(node)), ("group", .str(group)),
            ("batch", .str(batch)), ("total", .int(total)), ("message", .string(message)),
        ])
    }

    /// One line for logs and pipes: `service group batch node: message`.
    public func line(style: Style) -> String {
        var head: [String] = []
        if let service { head.append(style.bold(service)) }
        if let group { head.append(group) }
        if let batch { head.append("batch \(batch)") }
        if let node { head.append(style.cyan(node)) }
        let text: String
        let message = TerminalText.escape(message, keepNewlines: true)
        switch kind {
        case .failed, .halted, .unreachable: text = style.red(message)
        case .healthy, .done: text = style.green(message)
        case .rolledBack, .pending, .paused, .interrupted: text = style.yellow(message)
        case .warning: text = style.yellow("warning: " + message)
        case .started, .staging, .staged, .batch, .removed, .skipped, .nothing: text = message
        }
        return (head.isEmpty ? "" : head.joined(separator: " ") + ": ") + text
    }
}

/// Collects events from many threads and hands them to one sink in order.
public final class ProgressSink: @unchecked Sendable {
    private let lock = NSLock()
    private let handler: (ProgressEvent) -> Void

    public init(_ handler: @escaping (ProgressEvent) -> Void) { self.handler = handler }

    public func emit(_ event: ProgressEvent) {
        lock.lock()
        handler(event)
        lock.unlock()
    }
}
