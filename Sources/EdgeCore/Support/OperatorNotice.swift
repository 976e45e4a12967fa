import Foundation

/// What the layers below the CLI have to tell the operator outside any command's output (a
/// key moved, a connection not verified): each said once per process, on stderr. The CLI
/// sets `sink` so the text is styled and masked like its own warnings.
public enum OperatorNotice {
    public enum Kind: Sendable { case note, warning }

    nonisolated(unsafe) public static var sink: @Sendable (Kind, String) -> Void = { kind, text in
        FileHandle.standardError.write(Data(((kind == .warning ? "warning: " : "note: ") + text + "\n").utf8))
    }
    nonisolated(unsafe) private static var said: Set<String> = []
    private static let lock = NSLock()

    public static func note(_ text: String) { say(.note, text) }
    public static func warning(_ text: String) { say(.warning, text) }

    static func say(_ kind: Kind, _ text: String) {
        let first = lock.withLock { said.insert(text).inserted }
        if first { sink(kind, text) }
    }
}
