/// Every rule of a rollout in one place: when the next batch starts, when a rollout halts,
/// pauses or stops for a signal, whether it rolls back and to which revision, which revision
/// `rollout undo` returns to, and which nodes the next run must health-check again. Pure:
/// plain values in, a decision out; `RolloutRun` carries the decisions out on the nodes.
///
/// What a node needs (install, update, reconfigure, restart, repair, recheck) is decided by
/// `Planner.action` from what the node reported; everything after that is here.
public struct RolloutPolicy: Sendable, Equatable {
    /// Failed nodes tolerated before the rollout halts (`rollout.maxFailures` over the targets).
    public var maxFailures: Int
    public var autoRollback: Bool

    public init(maxFailures: Int, autoRollback: Bool) {
        self.maxFailures = maxFailures
        self.autoRollback = autoRollback
    }

    /// `rollout.maxFailures` resolved against the plan's target count (a percentage rounds down).
    public init(_ spec: RolloutSpec, targets: Int) {
        self.init(maxFailures: spec.maxFailures.resolve(total: targets), autoRollback: spec.autoRollback)
    }

    /// One stage of a service's targets: a group in the order the service lists them (a node
    /// in several groups counted with the first), or all nodes its selector matches.
    public struct Stage: Sendable {
        public var group: String?
        /// The group's size, before `-l` narrowed the steps: what `maxUnavailable` is of.
        public var size: Int
        public var steps: [NodeStep]

        public init(group: String?, size: Int, steps: [NodeStep]) {
            self.group = group
            self.size = size
            self.steps = steps
        }
    }

    /// The batches a service's nodes move in: stage by stage; the first `canary` nodes of the
    /// first stage alone first; then batches of `maxUnavailable` of the stage (a percentage
    /// rounds down, at least one node). An empty stage makes no batch.
    public static func batches(_ stages: [Stage], rollout: RolloutSpec) -> [ServicePlan.Batch] {
        var batches: [ServicePlan.Batch] = []
        for (index, stage) in stages.enumerated() where !stage.steps.isEmpty {
            var rest = stage.steps[...]
            if index == 0 && rollout.canary > 0 {
                batches.append(.init(group: stage.group, canary: true, steps: Array(rest.prefix(rollout.canary))))
                rest = rest.dropFirst(rollout.canary)
            }
            let size = rollout.maxUnavailable.resolve(total: stage.size, minimum: 1)
            while !rest.isEmpty {
                batches.append(.init(group: stage.group, canary: false, steps: Array(rest.prefix(size))))
                rest = rest.dropFirst(size)
            }
        }
        return batches
    }

    /// What a run knows at a batch boundary (after staging, and after each batch).
    public struct Progress: Sendable, Equatable {
        /// Batches finished so far, and in all.
        public var batchesDone = 0
        public var batches: Int
        /// Nodes that failed (staging, switch, health gate).
        public var failed: Set<String> = []
        /// Nodes that did not answer: caught up later, not failures.
        public var pending: Set<String> = []
        /// Nodes this rollout moved to the new unit that still hold it (what a rollback undoes).
        public var switched: Set<String> = []
        /// The operator paused the service (`rollout pause`).
        public var paused = false
        /// A signal asked the run to stop.
        public var interrupted = false

        public init(batches: Int) { self.batches = batches }
    }

    public enum Decision: Sendable, Equatable {
        /// Start batch N (0-based).
        case runBatch(Int)
        /// Stop before batch N; the service stays paused until `rollout resume`.
        case pause(beforeBatch: Int)
        /// Stop before batch N for a signal; the next run continues by the same rules.
        case interrupt(beforeBatch: Int)
        /// Too many failures: stop. `rollBack` lists the nodes to switch back (empty without
        /// `autoRollback`, or when none moved).
        case halt(rollBack: [String])
        /// Every batch ran.
        case finish(RolloutState)
    }

    /// The one decision taken at every batch boundary. Failures are checked first (a batch
    /// that crossed `maxFailures` halts even if a signal arrived meanwhile), then the end,
    /// then a signal, then a pause.
    public func decide(_ progress: Progress) -> Decision {
        if progress.failed.count > maxFailures {
            return .halt(rollBack: autoRollback ? progress.switched.sorted() : [])
        }
        if progress.batchesDone >= progress.batches {
            return .finish(progress.pending.isEmpty ? .complete : .incomplete)
        }
        if progress.interrupted { return .interrupt(beforeBatch: progress.batchesDone) }
        if progress.paused { return .pause(beforeBatch: progress.batchesDone) }
        return .runBatch(progress.batchesDone)
    }

    /// How a decision that ends the rollout is recorded: the rollout's state, and the
    /// revision's outcome (nil: the revision stays open, so the next run continues it).
    public func record(_ decision: Decision, message: String) -> (state: RolloutState, revision: RevisionOutcome?)? {
        switch decision {
        case .runBatch: return nil
        case .pause: return (.paused, nil)
        case .interrupt: return (.interrupted, nil)
        case .halt: return autoRollback ? (.rolledBack, .rolledBack(message)) : (.failed, .failed(message))
        case .finish(let state): return (state, state == .complete ? .complete : .incomplete)
        }
    }
}

/// A revision as the rules see it.
public struct RevisionSummary: Sendable, Equatable {
    public var revision: Int
    public var release: String
    public var outcome: RevisionOutcome?

    public init(revision: Int, release: String, outcome: RevisionOutcome? = nil) {
        self.revision = revision
        self.release = release
        self.outcome = outcome
    }
}

/// The rules about revisions: which one is retried, restored or returned to.
public enum RevisionRules {
    /// The latest revision, when it failed or was rolled back: reconcile does not retry it
    /// (a new apply or `rollout undo` makes a new revision that is tried).
    public static func blocked(_ revisions: [RevisionSummary]) -> RevisionSummary? {
        guard let latest = revisions.max(by: { $0.revision < $1.revision }), latest.outcome?.blocksRetry == true else { return nil }
        return latest
    }

    /// What an automatic rollback of `failing` restores: the latest earlier revision that
    /// neither failed nor was rolled back (nil: none; the nodes are switched back anyway).
    public static func autoRollbackTarget(_ revisions: [RevisionSummary], failing: Int) -> RevisionSummary? {
        revisions.filter { $0.revision < failing && $0.outcome?.blocksRetry != true }.max { $0.revision < $1.revision }
    }

    public enum UndoProblem: Error, Equatable, CustomStringConvertible {
        case noRevisions
        case noSuchRevision(Int, latest: Int)
        case nothingEarlier

        public var description: String {
            switch self {
            case .noRevisions: return "has no revisions"
            case .noSuchRevision(let wanted, let latest): return "has no revision \(wanted) (it has 1…\(latest))"
            case .nothingEarlier: return "has no earlier revision with another release to return to"
            }
        }
    }

    /// Which revision `rollout undo` returns to: the one asked for, or the latest earlier one
    /// with another release (undoing a config-only change goes past it to a real release change,
    /// as `kubectl rollout undo` goes to the previous ReplicaSet).
    public static func undoTarget(_ revisions: [RevisionSummary], toRevision: Int?) -> Result<RevisionSummary, UndoProblem> {
        let sorted = revisions.sorted { $0.revision < $1.revision }
        guard let latest = sorted.last else { return .failure(.noRevisions) }
        if let toRevision {
            guard let found = sorted.first(where: { $0.revision == toRevision }) else {
                return .failure(.noSuchRevision(toRevision, latest: latest.revision))
            }
            return .success(found)
        }
        guard let previous = sorted.last(where: { $0.revision < latest.revision && $0.release != latest.release }) else {
            return .failure(.nothingEarlier)
        }
        return .success(previous)
    }
}

/// Which nodes owe a health gate: no rollout skips a node's gate because a run stopped.
public enum GateDebt {
    /// One earlier rollout of a service: its state and each node's steps in the order recorded.
    public struct PastRollout: Sendable, Equatable {
        public var state: RolloutState
        public var steps: [(node: String, step: StepOutcome)]

        public init(state: RolloutState, steps: [(node: String, step: StepOutcome)]) {
            self.state = state
            self.steps = steps
        }

        public static func == (a: PastRollout, b: PastRollout) -> Bool {
            a.state == b.state && a.steps.map(\.node) == b.steps.map(\.node) && a.steps.map(\.step) == b.steps.map(\.step)
        }
    }

    /// The nodes the next run health-checks again before treating them as converged, given a
    /// service's rollouts oldest first: a node left `switching` (the run died before its gate
    /// ended), and a node that passed its gate in a rollout that never finished (interrupted or
    /// killed: the rest of that rollout never ran, so the node is gated again first). A later
    /// step of the node (healthy in a finished rollout, failed, rolled back) settles it.
    public static func owed(_ rollouts: [PastRollout]) -> Set<String> {
        var owed = Set<String>()
        for rollout in rollouts {
            var last: [String: StepOutcome] = [:]
            for (node, step) in rollout.steps { last[node] = step }
            for (node, step) in last {
                switch step {
                case .switching: owed.insert(node)
                case .healthy, .committed:
                    if rollout.state.isUnfinished { owed.insert(node) } else { owed.remove(node) }
                case .failed, .rolledBack, .rollbackFailed, .pending: owed.remove(node)
                case .staged: break
                }
            }
        }
        return owed
    }
}
