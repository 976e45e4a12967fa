import EdgeSSH
import Foundation

/// One line a node printed, without its newline.
public struct NodeLine: Sendable {
    public var node: String
    public var channel: OutputChannel
    public var text: String
}

/// Cuts a node's output into lines as chunks arrive (a chunk may end mid-line or
/// mid-character), so lines from many nodes can be interleaved without tearing.
struct LineSplitter {
    private var pending: [OutputChannel: Data] = [:]

    mutating func feed(_ channel: OutputChannel, _ data: Data) -> [String] {
        var buffer = pending[channel, default: Data()]
        buffer.append(data)
        var lines: [String] = []
        while let newline = buffer.firstIndex(of: 0x0A) {
            lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
            buffer = Data(buffer[(newline + 1)...])
        }
        pending[channel] = buffer
        return lines
    }

    /// What is left after the output ended: a last line without a newline.
    mutating func finish(_ channel: OutputChannel) -> String? {
        defer { pending[channel] = nil }
        guard let rest = pending[channel], !rest.isEmpty else { return nil }
        return String(decoding: rest, as: UTF8.self)
    }
}

/// Delivers lines to one consumer from many node threads: as they come (streaming),
/// or node by node in the order given once everything has ended (for output a script
/// can rely on).
final class LineDelivery: @unchecked Sendable {
    private let lock = NSLock()
    private let sink: @Sendable (NodeLine) -> Void
    private let ordered: Bool
    private var held: [String: [NodeLine]] = [:]

    init(ordered: Bool, sink: @escaping @Sendable (NodeLine) -> Void) {
        self.ordered = ordered
        self.sink = sink
    }

    func deliver(_ line: NodeLine) {
        lock.lock()
        defer { lock.unlock() }
        if ordered { held[line.node, default: []].append(line) } else { sink(line) }
    }

    /// Feeds a chunk through the node's splitter and delivers its complete lines.
    func feed(_ splitter: inout LineSplitter, node: String, channel: OutputChannel, data: Data) {
        for text in splitter.feed(channel, data) { deliver(NodeLine(node: node, channel: channel, text: text)) }
    }

    func finish(_ splitter: inout LineSplitter, node: String) {
        for channel in [OutputChannel.stdout, .stderr] {
            if let text = splitter.finish(channel) { deliver(NodeLine(node: node, channel: channel, text: text)) }
        }
    }

    func flush(order: [String]) {
        lock.lock()
        defer { lock.unlock() }
        for node in order { for line in held[node] ?? [] { sink(line) } }
        held = [:]
    }
}
