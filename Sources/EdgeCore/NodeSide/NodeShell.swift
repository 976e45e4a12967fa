import Foundation

/// A byte stream to a node's session shell: an SSH exec channel in production, a local
/// process in the library's own tests. Neither call may block for long, so one thread can
/// keep both directions moving.
public protocol ShellTransport: AnyObject {
    /// Writes as much of `bytes` as the peer can take now; 0 when it can take nothing yet.
    func writeSome(_ bytes: UnsafeRawBufferPointer) throws -> Int
    /// Appends what the peer sent to `buffer`, waiting at most `wait` seconds for something.
    /// Returns false at the end of the stream.
    func read(into buffer: inout [UInt8], wait: Double) throws -> Bool
    /// Ends our side of the stream (the shell reads end-of-file and exits).
    func finish()
    /// What the shell wrote on its standard error outside any request (boot failures).
    var diagnostics: String { get }
}

/// A failure of the conversation with a node's shell (not of a call: a call's non-zero
/// status is a `ShellReply`).
public struct NodeShellError: Error, Sendable, CustomStringConvertible {
    public var node: String
    public var message: String
    /// The conversation broke because the connection did (see `TransportFailure`).
    public var connectionLost = false
    public var description: String { "node \(node): \(message)" }

    /// The message quotes what the node wrote on stderr, so it is cut to `NodeLimits.storedMessage`.
    public init(node: String, message: String, connectionLost: Bool = false) {
        self.node = node
        self.message = BoundedText.cut(message, to: NodeLimits.storedMessage)
        self.connectionLost = connectionLost
    }
}

/// A transport's failure that knows whether the connection itself was lost (a socket error,
/// a channel the node would not open), as opposed to the node refusing or failing a step. A
/// lost node is unreachable (pending, retried), not failed.
public protocol TransportFailure: Error {
    var connectionLost: Bool { get }
}

/// What one call returned.
public struct ShellReply: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    public var lines: [String] { stdoutText.split(separator: "\n").map(String.init) }
}

/// What a call's standard output is for, and so how much of it is taken (`NodeLimits`).
public enum ReplyOutput: Sendable {
    /// Kept, up to `limit` bytes; a node that sends more fails the call and ends the session.
    case keep(limit: Int)
    /// Read and dropped as it comes (a health check's chatter): only the status matters.
    case discard

    /// A word, a digest, a few lines.
    public static let standard = ReplyOutput.keep(limit: NodeLimits.callStdout)
    /// A line per file or per service.
    public static let listing = ReplyOutput.keep(limit: NodeLimits.listingStdout)
}

/// The standard input of a call: bytes, or a producer of exactly `length` bytes
/// (a tar stream read from disk as it is sent).
public enum ShellInput {
    case bytes(Data)
    case stream(length: Int64, produce: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void)
}

/// One long-lived shell on one node for a whole run, speaking `edgectl-node.sh`'s protocol.
///
/// Opening it starts the user's login shell once (the cost a node's shell rc adds is paid
/// once per run) and installs the node library if the node lacks it. Each call is then a
/// function of the library with quoted arguments, its input framed by length, its reply
/// framed by length. Reads and writes interleave, so a large reply never blocks a large
/// request. After a broken conversation (a time limit, the node gone) every later call
/// fails at once: the stream can no longer be trusted to be in step.
public final class NodeShell {
    public let node: String
    /// The node's facts, from the shell's first reply: `uname -s`, `uname -m`, PRETTY_NAME.
    public private(set) var facts: [String] = []
    /// Calls made (for tests and benchmarks).
    public private(set) var calls = 0
    /// Whether the library had to be sent in this session.
    public private(set) var installedLibrary = false
    /// Longest wait without any progress before the conversation is given up.
    public var timeout: Double

    private let transport: ShellTransport
    private var inbox: [UInt8] = []
    private var head = 0
    private var ended = false
    private var broken: String?
    private var brokenByLoss = false

    /// Starts the conversation on `transport` (already running `NodeLibrary.bootCommand`).
    public init(node: String, transport: ShellTransport, timeout: Double) throws {
        self.node = node
        self.transport = transport
        self.timeout = timeout
        try perform {
            var first = try readLine()
            if first == "need" {
                installedLibrary = true
                let library = Data(NodeLibrary.source.utf8)
                try send(Data("\(library.count)\n".utf8))
                try send(library)
                first = try readLine()
            }
            facts = try factLines(header: first)
        }
    }

    deinit { transport.finish() }

    /// Calls `function` with `arguments` (each single-quoted; never secrets: those go in `input`).
    /// Its standard output is taken as `output` says; its standard error up to
    /// `NodeLimits.callStderr`.
    @discardableResult
    public func call(
        _ function: String, _ arguments: [String] = [], input: ShellInput? = nil, output: ReplyOutput = .standard
    ) throws
        -> ShellReply
    {
        try call(function, bytes: arguments.map { Array($0.utf8) }, input: input, output: output)
    }

    /// `call` with arguments as bytes (file names need not be UTF-8).
    @discardableResult
    public func call(
        _ function: String, bytes arguments: [[UInt8]], input: ShellInput? = nil, output: ReplyOutput = .standard
    ) throws
        -> ShellReply
    {
        try perform {
            let script = try self.script(function, arguments)
            let length: Int64 =
                switch input {
                case .none: 0
                case .bytes(let data): Int64(data.count)
                case .stream(let length, _): length
                }
            let nonce = NodeShell.nonce()
            try send(Data("R \(script.lines) \(length) \(nonce)\n".utf8) + script.text)
            switch input {
            case .none: break
            case .bytes(let data): try send(data)
            case .stream(let expected, let produce):
                // Gathered into large writes: each write becomes at least one SSH packet, and a
                // node's sshd pays per packet (a tar header alone would be one of 512 bytes).
                var written: Int64 = 0
                var pending = Data()
                pending.reserveCapacity(NodeShell.sendChunk)
                try produce { chunk in
                    written += Int64(chunk.count)
                    guard written <= expected else { throw failure("sent more input than announced") }
                    pending.append(chunk.assumingMemoryBound(to: UInt8.self))
                    if pending.count >= NodeShell.sendChunk {
                        try send(pending)
                        pending.removeAll(keepingCapacity: true)
                    }
                }
                if !pending.isEmpty { try send(pending) }
                guard written == expected else { throw failure("sent \(written) bytes of input, announced \(expected)") }
            }
            // The whole reply within the time limit, plus a second per 64 KiB it holds: a node
            // that sends a byte now and then is not making progress.
            let asked = Date()
            var stdout = Data()
            var received = 0
            var stderr = Data()
            let status = try readReply(nonce: nonce, stderrLimit: NodeLimits.callStderr, closedIsEnd: { false }) { stream, chunk in
                guard stream == .stdout else {
                    stderr.append(chunk)
                    return nil
                }
                received += chunk.count
                if case .keep(let limit) = output {
                    guard received <= limit else { throw failure("\(function) answered more than the \(limit) bytes it may (\(received) so far)") }
                    stdout.append(chunk)
                }
                return Date() > asked.addingTimeInterval(timeout + Double(received) / 65536) ? "no complete answer within \(Int(timeout))s" : nil
            }
            return ShellReply(status: status, stdout: stdout, stderr: stderr)
        }
    }

    /// Calls `function` and hands its standard output to `output` as it arrives; its standard
    /// error follows when it ends. `shouldStop` (checked while waiting) or `deadline` ends the
    /// whole session: the shell reads end-of-file and stops what it supervises. Returns the
    /// call's status; throws when stopped by the deadline.
    public func stream(
        _ function: String, _ arguments: [String] = [], deadline: Date? = nil, shouldStop: () -> Bool = { false },
        output: (OutputStream, Data) -> Void
    ) throws -> Int32 {
        try perform {
            let script = try self.script(function, arguments.map { Array($0.utf8) })
            let nonce = NodeShell.nonce()
            try send(Data("S \(script.lines) 0 \(nonce)\n".utf8) + script.text)
            var stopped = false
            return try readReply(nonce: nonce, stderrLimit: NodeLimits.streamStderr, closedIsEnd: { stopped }) { stream, chunk in
                if !chunk.isEmpty { output(stream, chunk) }
                guard stream == .stdout else { return nil }
                if !stopped && ((deadline.map { Date() >= $0 } ?? false) || shouldStop()) {
                    stopped = true
                    transport.finish()
                    if deadline.map({ Date() >= $0 }) ?? false {
                        broken = "still running after the time limit; stopped"
                        _ = try? pump(wait: 1)
                        return "still running after the time limit; stopped"
                    }
                }
                return nil
            }
        }
    }

    /// A call as the node reads it: the function and its single-quoted arguments, ending in a newline.
    private func script(_ function: String, _ arguments: [[UInt8]]) throws -> (text: Data, lines: Int) {
        var text = Data(function.utf8)
        for argument in arguments {
            guard !argument.contains(0) else { throw failure("an argument cannot contain a NUL byte") }
            text.append(32)
            text.append(contentsOf: ShellQuote.quote(bytes: argument))
        }
        text.append(10)
        return (text, text.reduce(0) { $0 + ($1 == 10 ? 1 : 0) })
    }

    /// Random per request: no output of a call can end its reply early.
    private static func nonce() -> String {
        "@edgectl-" + (0..<4).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 16) }.joined()
    }

    /// Reads a reply (see the protocol in `node/edgectl-node.sh`): stdout as it comes, handed
    /// to `deliver` in pieces (never a tail that could be the start of the end marker), then the
    /// status, then stderr (refused unasked past `stderrLimit`), handed on in pieces as well, so
    /// nothing a node sends is held whole here. `deliver` returns a reason to give up, checked
    /// while waiting for stdout too. A session that ends first is a failure, unless `closedIsEnd`
    /// (a stream edgectl stopped): -1.
    private func readReply(
        nonce: String, stderrLimit: Int, closedIsEnd: () -> Bool, deliver: (OutputStream, Data) throws -> String?
    ) throws -> Int32 {
        let marker = Array("\(nonce) ".utf8)
        var scanned = head
        while true {
            if let at = find(marker, from: scanned) {
                if at > head { _ = try deliver(.stdout, Data(inbox[head..<at])) }
                head = at + marker.count
                let fields = try readLine().split(separator: " ")
                guard fields.count == 2, let status = Int32(fields[0]), let errLength = Int(fields[1]), errLength >= 0 else {
                    throw failure("garbled end of a reply\(diagnosticsSuffix)")
                }
                guard errLength <= stderrLimit else {
                    throw failure("the node announced \(errLength) bytes of standard error, more than the \(stderrLimit) a call may return")
                }
                try take(errLength) { _ = try deliver(.stderr, $0) }
                return status
            }
            // Everything but a tail that could be the start of the marker is handed on at once.
            let safe = inbox.count - partialMarker(marker)
            let piece = safe > head ? Data(inbox[head..<safe]) : Data()
            if safe > head {
                head = safe
                compact()
            }
            scanned = head
            if let reason = try deliver(.stdout, piece) { throw failure(reason) }
            if try !pump(wait: 0.01) {
                if closedIsEnd() { return -1 }
                throw failure(ended ? "the node closed the session\(diagnosticsSuffix)" : "no answer")
            }
        }
    }

    public enum OutputStream: Sendable { case stdout, stderr }

    /// Whether the conversation can go on: nothing broke it, and the transport has not ended or
    /// failed since the last call (a zero-wait read takes in a socket error or an end of stream).
    public var isAlive: Bool {
        guard broken == nil, !ended else { return false }
        do {
            return try pump(wait: 0)
        } catch {
            broken = "\(error)"
            brokenByLoss = (error as? TransportFailure)?.connectionLost ?? false
            return false
        }
    }

    /// Ends the session: the shell reads end-of-file and exits.
    public func close() {
        broken = broken ?? "the session was closed"
        transport.finish()
    }

    // MARK: Framing

    private func perform<T>(_ body: () throws -> T) throws -> T {
        if let broken { throw NodeShellError(node: node, message: "the session broke earlier: \(broken)", connectionLost: brokenByLoss) }
        calls += 1
        do {
            return try body()
        } catch {
            if broken == nil { brokenByLoss = (error as? TransportFailure)?.connectionLost ?? false }
            broken = broken ?? "\(error)"
            throw error
        }
    }

    private func failure(_ message: String) -> NodeShellError { NodeShellError(node: node, message: message) }

    private var diagnosticsSuffix: String {
        let text = transport.diagnostics.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "" : ": \(text)"
    }

    /// The session's first reply: "F <count>" and that many lines.
    private func factLines(header: String) throws -> [String] {
        let fields = header.split(separator: " ")
        guard fields.count == 2, fields[0] == "F", let count = Int(fields[1]), (0...64).contains(count) else {
            throw failure("unexpected answer from the node's shell: \(header.prefix(200))\(diagnosticsSuffix)")
        }
        return try (0..<count).map { _ in try readLine() }
    }

    /// How much of a streamed input is gathered before it is written.
    static let sendChunk = 256 * 1024

    /// Writes all of `data`, reading whatever the node sends meanwhile.
    private func send(_ data: Data) throws {
        try data.withUnsafeBytes { try send($0) }
    }

    private func send(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        var lastProgress = Date()
        while offset < bytes.count {
            let n = try transport.writeSome(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if n > 0 {
                offset += n
                lastProgress = Date()
                continue
            }
            // The node's input is full: take in what it writes, so neither side waits on the other.
            let before = inbox.count
            if try !pump(wait: 0.005) { throw failure("the node closed the session while taking input\(diagnosticsSuffix)") }
            if inbox.count > before { lastProgress = Date() }
            if Date().timeIntervalSince(lastProgress) > timeout { throw failure("the node took no input for \(Int(timeout))s") }
        }
    }

    /// Reads more; false at the end of the stream.
    private func pump(wait: Double) throws -> Bool {
        if ended { return false }
        if try !transport.read(into: &inbox, wait: wait) { ended = true }
        return !ended
    }

    /// A line of the framing (a reply's header or end, a fact): it must be complete within
    /// `timeout` of asking, however the bytes come (a node that sends one byte now and then is not
    /// making progress), and at most `NodeLimits.frameLine` long: a longer one is refused as soon
    /// as that much has come without its newline, so a node cannot make it fill memory.
    private func readLine() throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        let limit = NodeLimits.frameLine
        var scanned = head
        while true {
            if let newline = inbox[scanned..<min(inbox.count, head + limit + 1)].firstIndex(of: 10) {
                let line = String(decoding: inbox[head..<newline], as: UTF8.self)
                head = newline + 1
                compact()
                return line
            }
            guard inbox.count - head <= limit else {
                throw failure("a line of more than \(limit) bytes where edgectl's node library writes a short one (not edgectl's node shell?)")
            }
            scanned = inbox.count
            if try !pump(wait: 0.05) { throw failure("the node closed the session\(diagnosticsSuffix)") }
            if Date() > deadline { throw failure("no answer within \(Int(timeout))s") }
        }
    }

    /// A reply's stderr, announced by its end line, handed to `deliver` in pieces as it comes:
    /// the node library writes it from a file at once, so it must arrive within `timeout` plus
    /// its length at 64 KiB/s, not merely keep trickling.
    private func take(_ count: Int, deliver: (Data) throws -> Void) throws {
        let deadline = Date().addingTimeInterval(timeout + Double(count) / 65536)
        var remaining = count
        while remaining > 0 {
            if inbox.count > head {
                let n = min(remaining, inbox.count - head)
                try deliver(Data(inbox[head..<head + n]))
                head += n
                remaining -= n
                compact()
                continue
            }
            if try !pump(wait: 0.05) { throw failure("the node closed the session mid-reply\(diagnosticsSuffix)") }
            if Date() > deadline { throw failure("a reply of \(count) bytes did not arrive within \(Int(timeout))s") }
        }
    }

    private func find(_ marker: [UInt8], from start: Int) -> Int? {
        guard inbox.count - start >= marker.count else { return nil }
        var i = start
        let last = inbox.count - marker.count
        while i <= last {
            if inbox[i] == marker[0] && inbox[i..<i + marker.count].elementsEqual(marker) { return i }
            i += 1
        }
        return nil
    }

    /// The length of the longest unread tail of the inbox that begins the marker.
    private func partialMarker(_ marker: [UInt8]) -> Int {
        var k = min(marker.count - 1, inbox.count - head)
        while k > 0 {
            if inbox[(inbox.count - k)...].elementsEqual(marker[..<k]) { return k }
            k -= 1
        }
        return 0
    }

    private func compact() {
        if head == inbox.count {
            inbox.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1 << 20 {
            inbox.removeFirst(head)
            head = 0
        }
    }
}
