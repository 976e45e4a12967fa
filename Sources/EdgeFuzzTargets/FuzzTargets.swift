import EdgeCore
import Foundation

/// What the fuzzer feeds: everything edgectl parses that someone else wrote, a manifest or a
/// node's reply. The first byte picks the parser, the rest is its input. Each must end (throw
/// or return) on any input, never crash or hang; `scripts/fuzz` runs this under libFuzzer,
/// and `FuzzRegressionTests` replays every input it ever crashed on.
public enum FuzzTargets {
    public static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let input = Array(bytes.dropFirst())
        let text = String(decoding: input, as: UTF8.self)
        switch selector % 6 {
        case 0:
            // Manifests, with every check (positions, templates, references) but no bundle read.
            _ = try? ManifestLoader.load([ManifestInput(displayPath: "fuzz.yaml", text: text, baseDirectory: "/nonexistent")], digests: false)
        case 1:
            _ = try? Template(parsing: text)
            _ = try? LabelSelector(parsing: text)
        case 2:
            for line in text.split(separator: "\n") { _ = ServiceObservation(line: String(line)) }
        case 3:
            _ = RevisionOutcome(stored: text)
            _ = NodeRuntime(fact: text)
        default:
            replies(input)
        }
    }

    /// A node's session shell answering with these bytes: the boot reply, a call's framed
    /// reply, a streamed call's end. The conversation must fail cleanly on anything malformed.
    static func replies(_ input: [UInt8]) {
        let transport = ScriptedNode(input)
        guard let shell = try? NodeShell(node: "fuzz", transport: transport, timeout: 0.05) else { return }
        _ = try? shell.call("edge_facts", ["a", "b"], input: .bytes(Data("x".utf8)))
        _ = try? shell.stream("edge_logs", ["svc", "10", "once"]) { _, _ in }
    }
}

/// A transport whose node says exactly the given bytes, a few at a time, then ends.
final class ScriptedNode: ShellTransport {
    private var remaining: ArraySlice<UInt8>
    init(_ bytes: [UInt8]) { remaining = bytes[...] }

    func writeSome(_ bytes: UnsafeRawBufferPointer) throws -> Int { bytes.count }

    func read(into buffer: inout [UInt8], wait: Double) throws -> Bool {
        guard !remaining.isEmpty else { return false }
        let n = min(remaining.count, 7)
        buffer.append(contentsOf: remaining.prefix(n))
        remaining = remaining.dropFirst(n)
        return true
    }

    func finish() {}
    var diagnostics: String { "" }
}
