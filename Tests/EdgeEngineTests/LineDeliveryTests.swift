import EdgeSSH
import Foundation
import Testing

@testable import EdgeEngine

/// How node output becomes lines: bounded memory whatever a node sends, and node-by-node
/// order without holding every node's output in memory.
@Suite("Line delivery")
struct LineDeliveryTests {
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [NodeLine] = []
        func add(_ line: NodeLine) { lock.lock(); items.append(line); lock.unlock() }
        var lines: [String] {
            lock.lock(); defer { lock.unlock() }; return items.map { "\($0.node):\($0.channel == .stdout ? "o" : "e"):\($0.text)" }
        }
    }

    @Test func aLineWithoutNewlineIsPassedOnInBoundedPiecesAndNothingIsLost() {
        var splitter = LineSplitter()
        let long = Data(repeating: UInt8(ascii: "x"), count: LineSplitter.maxLine * 2 + 10)
        var lines = splitter.feed(.stdout, long)
        #expect(lines.map(\.utf8.count) == [LineSplitter.maxLine, LineSplitter.maxLine], "held no more than one piece")
        lines += splitter.feed(.stdout, Data("yy\nshort\npart".utf8))
        #expect(lines.count == 4 && lines[2] == String(repeating: "x", count: 10) + "yy" && lines[3] == "short")
        #expect(splitter.finish(.stdout) == "part")
        #expect(splitter.finish(.stdout) == nil)
    }

    @Test func manyLinesInOneChunkAreCutInOnePass() {
        var splitter = LineSplitter()
        let chunk = Data(String(repeating: "a line\n", count: 200_000).utf8)
        let lines = splitter.feed(.stdout, chunk)
        #expect(lines.count == 200_000 && lines.allSatisfy { $0 == "a line" })
    }

    /// Lines arrive interleaved from three nodes that end in any order; they come out node by
    /// node in the given order, stdout and stderr as each node wrote them, the first node's at once.
    @Test func orderedDeliveryHoldsLaterNodesOnDiskAndPlaysThemBackInOrder() {
        let out = Collected()
        let delivery = LineDelivery(order: ["a", "b", "c"], sink: out.add)
        var splitters = ["a": LineSplitter(), "b": LineSplitter(), "c": LineSplitter()]
        func feed(_ node: String, _ text: String, _ channel: OutputChannel = .stdout) {
            delivery.feed(&splitters[node]!, node: node, channel: channel, data: Data(text.utf8))
        }
        feed("c", "c1\n")
        feed("b", "b1\n")
        feed("a", "a1\n")
        #expect(out.lines == ["a:o:a1"], "the first node streams; the others wait")
        feed("c", "c2\n", .stderr)
        delivery.finish(&splitters["c"]!, node: "c")
        feed("b", "b2")
        feed("a", "a2\n")
        delivery.finish(&splitters["a"]!, node: "a")
        #expect(out.lines == ["a:o:a1", "a:o:a2", "b:o:b1"], "b's turn: what it held so far")
        feed("b", "b3\n")
        delivery.finish(&splitters["b"]!, node: "b")
        delivery.flush()
        #expect(out.lines == ["a:o:a1", "a:o:a2", "b:o:b1", "b:o:b2b3", "c:o:c1", "c:e:c2"])
    }

    @Test func nodesThatNeverAnsweredDoNotHoldUpTheOthers() {
        let out = Collected()
        let delivery = LineDelivery(order: ["a", "b"], sink: out.add)
        var b = LineSplitter()
        delivery.feed(&b, node: "b", channel: .stdout, data: Data("b1\n".utf8))
        delivery.finish(&b, node: "b")
        #expect(out.lines.isEmpty)
        delivery.flush()
        #expect(out.lines == ["b:o:b1"])
    }
}
