import EdgeCore
import Foundation

/// A plain-text table in kubectl's style: upper-case headers, columns padded
/// with three spaces, no borders, so it survives `grep`, `awk` and pipes.
public struct Table: Sendable {
    public var headers: [String]
    public var rows: [[String]]

    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// Renders the table; with `maxWidth`, the last column is cut to fit (with `…`).
    /// `style` may colour a cell after padding (colour must not change the width).
    public func render(maxWidth: Int? = nil, style: ((Int, Int, String) -> String)? = nil) -> String {
        // A cell may hold what a node reported: never a control character the terminal would obey.
        let all = ([headers] + rows).map { $0.map { TerminalText.escape($0) } }
        var widths = headers.map { $0.count }
        for row in all {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        var lines: [String] = []
        for (r, row) in all.enumerated() {
            var line = ""
            for (i, cell) in row.enumerated() where i < widths.count {
                let isLast = i == widths.count - 1
                var text = isLast ? cell : cell.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0)
                if isLast, let maxWidth, line.count + text.count > maxWidth, maxWidth - line.count > 4 {
                    text = String(text.prefix(maxWidth - line.count - 1)) + "…"
                }
                if r > 0, let style { text = style(r - 1, i, text) }
                line += text
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
