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
///
/// Memory stays bounded whatever a node sends: a line longer than `maxLine` bytes is passed
/// on in pieces of that size (nothing is dropped, but no line without a newline is held
/// whole), and each chunk is cut in one pass (no copy of the rest per line).
struct LineSplitter {
    static let maxLine = 64 * 1024
    private var pending: [OutputChannel: [UInt8]] = [:]

    mutating func feed(_ channel: OutputChannel, _ data: Data) -> [String] {
        var buffer = pending[channel, default: []]
        buffer.append(contentsOf: data)
        var lines: [String] = []
        var start = 0
        var index = 0
        while index < buffer.count {
            if buffer[index] == 0x0A {
                lines.append(String(decoding: buffer[start..<index], as: UTF8.self))
                start = index + 1
            } else if index - start + 1 >= LineSplitter.maxLine {
                lines.append(String(decoding: buffer[start...index], as: UTF8.self))
                start = index + 1
            }
            index += 1
        }
        pending[channel] = start == 0 ? buffer : Array(buffer[start...])
        return lines
    }

    /// What is left after the output ended: a last line without a newline.
    mutating func finish(_ channel: OutputChannel) -> String? {
        defer { pending[channel] = nil }
        guard let rest = pending[channel], !rest.isEmpty else { return nil }
        return String(decoding: rest, as: UTF8.self)
    }
}

/// Delivers lines to one consumer from many node threads: as they come (streaming), or node
/// by node in the order given (for output a script can rely on).
///
/// In order, the first node's lines go out as they come; the others' wait in a temporary
/// file each (unlinked at once), not in memory, and are played back when every node before
/// them has ended: `logs --tail all` on many nodes costs disk the size of the logs for a
/// moment, never memory that size.
final class LineDelivery: @unchecked Sendable {
    private let lock = NSLock()
    private let sink: @Sendable (NodeLine) -> Void
    private let order: [String]?
    private var head = 0
    private var ended: Set<String> = []
    private var held: [String: FileHandle] = [:]

    /// `order`: the nodes in the order their lines must come out; nil to stream as they come.
    init(order: [String]?, sink: @escaping @Sendable (NodeLine) -> Void) {
        self.order = order
        self.sink = sink
    }

    func deliver(_ line: NodeLine) {
        lock.lock()
        defer { lock.unlock() }
        guard let order, head < order.count, order[head] != line.node else {
            sink(line)
            return
        }
        hold(line)
    }

    /// Feeds a chunk through the node's splitter and delivers its complete lines.
    func feed(_ splitter: inout LineSplitter, node: String, channel: OutputChannel, data: Data) {
        for text in splitter.feed(channel, data) { deliver(NodeLine(node: node, channel: channel, text: text)) }
    }

    /// The node's output ended: its last partial lines go out, and nodes after it whose turn
    /// has come are played back.
    func finish(_ splitter: inout LineSplitter, node: String) {
        for channel in [OutputChannel.stdout, .stderr] {
            if let text = splitter.finish(channel) { deliver(NodeLine(node: node, channel: channel, text: text)) }
        }
        lock.lock()
        defer { lock.unlock() }
        ended.insert(node)
        advance()
    }

    /// Everything still held, in order (nodes that never answered have nothing).
    func flush() {
        lock.lock()
        defer { lock.unlock() }
        guard let order else { return }
        while head < order.count {
            ended.insert(order[head])
            advance()
        }
    }

    /// Moves the head past every ended node, playing back the next one's held lines.
    private func advance() {
        guard let order else { return }
        while head < order.count && ended.contains(order[head]) {
            head += 1
            if head < order.count { playBack(order[head]) }
        }
    }

    private func hold(_ line: NodeLine) {
        let handle: FileHandle
        if let open = held[line.node] {
            handle = open
        } else {
            var template = Array((NSTemporaryDirectory() + "/edgectl-lines.XXXXXX").utf8CString)
            let fd = mkstemp(&template)
            guard fd >= 0 else {
                sink(line)  // no temporary file: out of order rather than lost
                return
            }
            _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
            handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            held[line.node] = handle
        }
        let text = Data(line.text.utf8)
        var header = Data([line.channel == .stdout ? 0 : 1])
        withUnsafeBytes(of: UInt32(text.count).littleEndian) { header.append(contentsOf: $0) }
        handle.write(header + text)
    }

    private func playBack(_ node: String) {
        guard let handle = held.removeValue(forKey: node) else { return }
        handle.seek(toFileOffset: 0)
        while let header = try? handle.read(upToCount: 5), header.count == 5 {
            let length = Int(UInt32(littleEndian: header[1..<5].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
            let text = (try? handle.read(upToCount: length)) ?? Data()
            sink(NodeLine(node: node, channel: header[0] == 0 ? .stdout : .stderr, text: String(decoding: text, as: UTF8.self)))
        }
    }
}
