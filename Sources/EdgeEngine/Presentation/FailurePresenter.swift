import EdgeCore
import Foundation

/// A node's failed attempt as `rollout status`, `describe` and JSON show it.
enum FailurePresenter {
    /// `{at, release, exit, signal, running, reason, output}`: how it ended as numbers and a
    /// name, for scripts.
    static func json(_ f: AttemptFailure) -> JSONValue {
        var exit: Int? = nil
        var signal: String? = nil
        if case .exited(let code) = f.ending { exit = code }
        if case .signalled(let number) = f.ending { signal = AttemptFailure.signalName(number).split(separator: " ").first.map(String.init) }
        return .object([
            ("at", .date(f.at)), ("release", .str(f.release)), ("exit", exit.map { .int(Int64($0)) } ?? .null), ("signal", .str(signal)),
            ("running", .bool(f.ending == .running)), ("reason", .string(f.reason)), ("output", .array(f.output.map(JSONValue.string))),
        ])
    }

    /// "node (time): how it ended: reason" and the output's last lines below it, indented by
    /// `indent`, each line escaped (what the node's service wrote).
    static func text(_ f: AttemptFailure, indent: String, lines: Int = AttemptFailure.maxLines) -> [String] {
        let ended = f.endingText.map { "\($0): " } ?? ""
        var out = [indent + TerminalText.escape("\(f.node) (\(Timestamp.string(f.at)), release \(Formatting.short(f.release))): \(ended)\(f.reason)")]
        out += f.output.suffix(lines).map { indent + "  | " + TerminalText.escape($0) }
        return out
    }
}
