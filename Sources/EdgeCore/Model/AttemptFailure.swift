import Foundation

/// Why one node's attempt at a release failed, as the node could tell: how the process ended
/// and the last of what it wrote. Kept with the state per node and service (the last one),
/// shown in the rollout's progress, `rollout status`, the halt event and `describe`.
public struct AttemptFailure: Sendable, Equatable {
    public enum Ending: Sendable, Equatable {
        case exited(Int)
        case signalled(Int)
        /// Still running: the health check failed (the reason says what it saw).
        case running
        case unknown
    }

    public var node: String
    public var service: String
    public var at: Date
    public var release: String?
    public var ending: Ending
    /// What edgectl saw: the health check's words, a timeout.
    public var reason: String
    /// The attempt's last lines (at most `maxLines`, `maxBytes`), masked and cut.
    public var output: [String]

    public static let maxLines = 20
    public static let maxBytes = 4096

    public init(node: String, service: String, at: Date, release: String?, ending: Ending, reason: String, output: [String]) {
        self.node = node
        self.service = service
        self.at = at
        self.release = release
        self.ending = ending
        self.reason = reason
        self.output = output
    }

    /// The node's reply to `edge_evidence`: "ended exit N" / "ended signal N" / "ended
    /// running" / "ended unknown", then the output's lines. Masked and bounded here, whatever
    /// the node sent.
    public static func parse(
        _ reply: String, node: String, service: String, release: String?, reason: String, at: Date = Date()
    )
        -> AttemptFailure
    {
        // Masked whole first: a secret's value may span lines.
        var lines = Redactor.shared.redact(reply).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var ending = Ending.unknown
        if let first = lines.first, first.hasPrefix("ended ") {
            lines.removeFirst()
            let words = first.split(separator: " ")
            switch (words.count > 1 ? String(words[1]) : "", words.count > 2 ? Int(words[2]) : nil) {
            case ("exit", let code?): ending = .exited(code)
            case ("signal", let number?): ending = .signalled(number)
            case ("running", _): ending = .running
            default: ending = .unknown
            }
        }
        return AttemptFailure(
            node: node, service: service, at: at, release: release, ending: ending, reason: reason, output: bounded(lines))
    }

    /// The last `maxLines` lines, within `maxBytes` in all, each masked and cut to fit.
    public static func bounded(_ lines: [String]) -> [String] {
        var kept: [String] = []
        var bytes = 0
        for line in lines.suffix(maxLines).reversed() {
            let masked = BoundedText.cut(Redactor.shared.redact(line), to: maxBytes / 4)
            guard bytes + masked.utf8.count + 1 <= maxBytes else { break }
            bytes += masked.utf8.count + 1
            kept.append(masked)
        }
        return kept.reversed()
    }

    /// "exited with status 3", "killed by SIGKILL", "still running", or nil when unknown.
    public var endingText: String? {
        switch ending {
        case .exited(let code): return "exited with status \(code)"
        case .signalled(let number): return "killed by \(AttemptFailure.signalName(number))"
        case .running: return "still running"
        case .unknown: return nil
        }
    }

    /// How it ended and what edgectl saw: "exited with status 3: the process exited (…)".
    public var endingAndReason: String { endingText.map { "\($0): \(reason)" } ?? reason }

    /// One line: how it ended, what edgectl saw, and the service's own last line.
    public var summary: String {
        endingAndReason + (lastServiceLine.map { "; last output: \($0)" } ?? "")
    }

    /// Short, for a list of nodes (the halt): how it ended and the service's last line; for
    /// one still running, what its health check saw.
    public var headline: String {
        guard let ended = endingText else { return reason }
        if ending == .running { return "\(ended): \(reason)" }
        return ended + (lastServiceLine.map { ": \($0)" } ?? " (\(reason))")
    }

    /// The last line the service itself wrote: not its supervisor's ("edgectl: …") nor
    /// systemd's about its unit.
    public var lastServiceLine: String? {
        let unit = "edgectl-\(service).service"
        return output.last { line in
            !line.trimmingCharacters(in: .whitespaces).isEmpty && !line.hasPrefix("edgectl: ") && !line.contains(unit)
        }
    }

    public static func signalName(_ number: Int) -> String {
        let names = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1",
            11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        ]
        return names[number].map { "\($0) (\(number))" } ?? "signal \(number)"
    }
}
