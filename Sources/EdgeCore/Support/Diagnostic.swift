/// A problem found in user input, located precisely enough to jump to it.
///
/// Validation collects diagnostics instead of throwing on the first one, so a
/// single run reports every problem in every file (the way compilers and
/// Terraform do), and the operator fixes them all in one pass.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    /// The offending source line, shown under the message with a caret.
    public var sourceLine: String?

    public init(file: String, line: Int, column: Int, message: String, sourceLine: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `path:line:column: error: message`, then the line and a caret under the column.
    public var description: String {
        var text = "\(file):\(line):\(column): error: \(message)"
        if let sourceLine {
            let prefix = sourceLine.unicodeScalars.prefix(max(0, column - 1))
            let pad = String(String.UnicodeScalarView(prefix.map { $0 == "\t" ? "\t" : " " }))
            text += "\n    \(sourceLine)\n    \(pad)^"
        }
        return text
    }
}

/// Thrown when manifests are invalid; carries every diagnostic found.
public struct ManifestError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String {
        let body = diagnostics.map(\.description).joined(separator: "\n")
        let count = diagnostics.count
        return body + "\n\(count) error\(count == 1 ? "" : "s"); nothing was changed"
    }
}
