import EdgeCore
import Foundation
import TestSupport
import Testing

/// A node that is not edgectl's node library (broken, or someone's) and answers without end:
/// the session with it fails at once, saying so and naming it, having taken little more than
/// the limit (`NodeLimits`), not what the node sent. Fake nodes here are real shells writing
/// real bytes into a pipe, as a node's sshd would into the channel.
@Suite("A hostile node cannot exhaust edgectl")
struct HostileNodeTests {
    /// A transport that counts what it took in: how much edgectl read before it gave up.
    final class Counting: ShellTransport {
        let inner: LocalShell
        private(set) var received = 0
        init(_ inner: LocalShell) { self.inner = inner }
        func writeSome(_ bytes: UnsafeRawBufferPointer) throws -> Int { try inner.writeSome(bytes) }
        func read(into buffer: inout [UInt8], wait: Double) throws -> Bool {
            let before = buffer.count
            defer { received += buffer.count - before }
            return try inner.read(into: &buffer, wait: wait)
        }
        func finish() { inner.finish() }
        var diagnostics: String { "" }
    }

    /// The first lines of a fake node: its facts, then it reads one request (its nonce in $nonce).
    static let facts = "printf 'F 1\\nLinux\\n'; "
    static let readRequest =
        "IFS=' ' read -r tag slen plen nonce; i=0; while [ \"$i\" -lt \"$slen\" ]; do IFS= read -r _; i=$((i + 1)); done; "

    /// `count` bytes of `byte` on stdout (or stderr), fast.
    static func flood(_ count: Int, _ byte: String, toStderr: Bool = false) -> String {
        "head -c \(count) /dev/zero | tr '\\0' '\(byte)'\(toStderr ? " >&2" : ""); "
    }

    func session(_ script: String, dir: TemporaryDirectory) throws -> (Counting, () throws -> NodeShell) {
        let transport = Counting(try LocalShell(shell: ["/bin/sh", "-c", script + "exec sleep 60", "fake-node"], root: dir.path))
        return (transport, { try NodeShell(node: "hx-1", transport: transport, timeout: 20) })
    }

    func expectRefusal(_ body: () throws -> Void, mentioning fragment: String) {
        do {
            try body()
            Issue.record("the node was not refused")
        } catch let error as NodeShellError {
            #expect(error.description.hasPrefix("node hx-1: "), "\(error)")
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(error.description.utf8.count < 8 << 10)
        } catch {
            Issue.record("\(error)")
        }
    }

    /// 100 MB where the session's first line belongs, and where a reply's end line belongs.
    @Test(arguments: [false, true]) func aHundredMegabyteHeaderLineIsRefusedAfterAFewKilobytes(inTheReplysEnd: Bool) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let script =
            inTheReplysEnd
            ? Self.facts + Self.readRequest + "printf '%s ' \"$nonce\"; " + Self.flood(100_000_000, "7") + "echo; "
            : Self.flood(100_000_000, "x") + "echo; "
        let (transport, open) = try session(script, dir: dir)
        expectRefusal({ _ = try open().call("edge_facts") }, mentioning: "a line of more than \(NodeLimits.frameLine) bytes")
        #expect(transport.received < 1 << 20, "read \(transport.received) bytes")
    }

    /// A reply that announces 50 MB of stderr is refused before a byte of it is read.
    @Test func fiftyMegabytesOfStderrAreRefusedUnread() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let script = Self.facts + Self.readRequest + "printf '%s 1 52428800\\n' \"$nonce\"; " + Self.flood(52_428_800, "e")
        let (transport, open) = try session(script, dir: dir)
        let shell = try open()
        expectRefusal({ _ = try shell.call("edge_facts") }, mentioning: "52428800 bytes of standard error")
        #expect(transport.received < 1 << 20, "read \(transport.received) bytes")
        // The conversation is over: the next call fails at once, without reading.
        expectRefusal({ _ = try shell.call("edge_facts") }, mentioning: "broke earlier")
    }

    /// An ordinary call's stdout past its limit ends the call as soon as the limit is passed;
    /// a health check's (discarded) may be long and costs no memory.
    @Test func aCallsStdoutIsTakenOnlyAsFarAsTheCallNeeds() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let answer = Self.flood(3 << 20, "o") + "printf '%s 0 0\\n' \"$nonce\"; "
        let (transport, open) = try session(Self.facts + Self.readRequest + answer + Self.readRequest + answer, dir: dir)
        let shell = try open()
        #expect(try shell.call("edge_health_exec", output: .discard).stdout.isEmpty)
        expectRefusal({ _ = try shell.call("edge_running") }, mentioning: "more than the \(NodeLimits.callStdout) bytes")
        #expect(transport.received < (3 << 20) + (2 << 20), "read \(transport.received) bytes")
    }

    /// A streamed call's stderr (an `exec`'s own) is relayed in pieces as it comes, never held whole.
    @Test func aStreamsStderrIsHandedOnInPieces() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let script = Self.facts + Self.readRequest + "printf '%s 0 8388608\\n' \"$nonce\"; " + Self.flood(8 << 20, "s")
        let (_, open) = try session(script, dir: dir)
        var total = 0
        var largest = 0
        let status = try open().stream("edge_exec", ["true"]) { stream, data in
            #expect(stream == .stderr)
            total += data.count
            largest = max(largest, data.count)
        }
        #expect(status == 0)
        #expect(total == 8 << 20)
        #expect(largest <= 1 << 20, "a piece of \(largest) bytes")
    }

    /// What is kept of a node's words is cut, on a character boundary, saying how much was cut.
    @Test func storedTextIsCutAndSaysHowMuch() {
        #expect(BoundedText.cut("short", to: 10) == "short")
        let long = String(repeating: "é", count: 3000)  // 2 bytes each
        let cut = BoundedText.cut(long, to: 4095)
        #expect(cut == String(repeating: "é", count: 2047) + "… (1906 bytes cut)")
        let error = NodeShellError(node: "hx-1", message: String(repeating: "e", count: 50_000_000))
        #expect(error.message.utf8.count < NodeLimits.storedMessage + 32)
        #expect(error.message.hasSuffix("(\(50_000_000 - NodeLimits.storedMessage) bytes cut)"))
    }
}
