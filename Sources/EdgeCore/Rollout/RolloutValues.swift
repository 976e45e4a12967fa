/// The words a rollout is recorded and reported in. Each is stored as its raw value, so a
/// state written before these types existed reads back the same; a word not known here (a
/// newer edgectl wrote it) is kept as `unknown` rather than dropped.

/// Where one rollout of one service stands.
public enum RolloutState: String, Sendable, Codable, CaseIterable {
    case progressing = "Progressing"
    case complete = "Complete"
    /// Done on every reachable node; some stayed pending (unreachable).
    case incomplete = "Incomplete"
    case failed = "Failed"
    case rolledBack = "RolledBack"
    case paused = "Paused"
    /// Stopped by a signal, or by a run that ended before it could finish (killed).
    case interrupted = "Interrupted"

    /// Still running or stopped half-way: the next run looks again at what it switched.
    public var isUnfinished: Bool { self == .progressing || self == .interrupted }
    /// What `rollout status` exits non-zero for.
    public var isFailure: Bool { self == .failed || self == .rolledBack }
}

/// One recorded step of one node in a rollout. Steps are recorded when they start and when
/// they end, so the last one says how far a node got.
public enum StepOutcome: String, Sendable, Codable, CaseIterable {
    /// The release's files are on the node (nothing switched yet).
    case staged
    /// About to switch (or restart): not yet gated. A node left here was never seen healthy.
    case switching
    /// The node committed a confirmed attempt.
    case committed
    case healthy
    case failed
    /// Unreachable: caught up by a later run.
    case pending
    case rolledBack
    case rollbackFailed

    /// The node passed its gate in this rollout.
    public var passedGate: Bool { self == .healthy || self == .committed }
}

/// What became of a revision once a rollout of it ended (`rollout history`'s OUTCOME).
public enum RevisionOutcome: Sendable, Equatable, CustomStringConvertible {
    case complete
    case incomplete
    case failed(String)
    case rolledBack(String)
    /// A word this version does not know (kept verbatim).
    case other(String)

    /// Reads the stored text: `Complete`, `Incomplete`, `Failed: why`, `RolledBack: why`.
    public init(stored text: String) {
        if text == "Complete" {
            self = .complete
        } else if text == "Incomplete" {
            self = .incomplete
        } else if let why = RevisionOutcome.reason(text, after: "RolledBack") {
            self = .rolledBack(why)
        } else if let why = RevisionOutcome.reason(text, after: "Failed") {
            self = .failed(why)
        } else {
            self = .other(text)
        }
    }

    private static func reason(_ text: String, after word: String) -> String? {
        guard text.hasPrefix(word) else { return nil }
        let rest = text.dropFirst(word.count)
        if rest.isEmpty { return "" }
        guard rest.hasPrefix(": ") else { return nil }
        return String(rest.dropFirst(2))
    }

    public var description: String {
        switch self {
        case .complete: return "Complete"
        case .incomplete: return "Incomplete"
        case .failed(let why): return why.isEmpty ? "Failed" : "Failed: \(why)"
        case .rolledBack(let why): return why.isEmpty ? "RolledBack" : "RolledBack: \(why)"
        case .other(let text): return text
        }
    }

    /// A revision that failed or was rolled back is not retried until a new apply or undo.
    public var blocksRetry: Bool {
        switch self {
        case .failed, .rolledBack: return true
        default: return false
        }
    }
}

/// What a progress event reports (`-o json`'s `kind`). A typo in an emitter is a compile error.
public enum ProgressEventKind: String, Sendable, CaseIterable {
    case started, staging, staged, batch, healthy, failed, pending, halted, rolledBack, paused, done
    case unreachable, removed, skipped, nothing, warning
    /// A signal arrived: no new batch starts.
    case interrupted

    /// Ends a service's live progress line.
    public var endsPhase: Bool {
        switch self {
        case .done, .halted, .paused, .nothing, .skipped, .interrupted: return true
        default: return false
        }
    }

    /// Counts one node on the live progress line.
    public var countsNode: Bool {
        switch self {
        case .staged, .healthy, .failed, .pending: return true
        default: return false
        }
    }
}
