import EdgeCore
import EdgeEngine
import Foundation

/// `node-1 | line`: output from many nodes, each line led by its node's name padded to the
/// longest, the name coloured (a colour per node) only on a terminal.
struct NodePrefix: Sendable {
    let width: Int
    let colours: [String: Int]
    let stdoutStyle: Style
    let stderrStyle: Style

    init(nodes: [String], global: GlobalOptions) {
        width = nodes.map(\.count).max() ?? 0
        colours = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($0.element, $0.offset) })
        stdoutStyle = global.stdoutStyle
        stderrStyle = global.stderrStyle
    }

    func format(_ node: String, _ text: String, style: Style) -> String {
        let padded = node.padding(toLength: width, withPad: " ", startingAt: 0)
        let palette: [(String) -> String] = [style.cyan, style.green, style.yellow, style.magenta, style.blue]
        let name = palette[(colours[node] ?? 0) % palette.count](padded)
        return name + style.dim(" | ") + text
    }

    /// Writes a line to stdout or stderr, whichever the node wrote it to.
    func write(_ line: NodeLine) {
        let isOut = line.channel == .stdout
        let body = NodePrefix.forTerminal(line.text, fd: isOut ? 1 : 2)
        let text = format(line.node, body, style: isOut ? stdoutStyle : stderrStyle) + "\n"
        if isOut { Output.out(text) } else { Output.err(text) }
    }

    static func endingLine(_ text: String) -> String { text.isEmpty || text.hasSuffix("\n") ? text : text + "\n" }

    /// On a terminal a node's output keeps its colours and lines but nothing else the terminal
    /// would obey; into a pipe or a file it goes byte for byte, as `ssh` would pass it.
    static func forTerminal(_ text: String, fd: Int32) -> String {
        isatty(fd) == 1 ? TerminalText.escape(text, keepNewlines: true, keepColour: true) : text
    }
}
