import EdgeCore
import EdgeStore
import Foundation

/// `rollout status|history|undo|pause|resume`: what the CLI asks of rollouts, answered from
/// the state (undo then converges through the `Reconciler` like any apply).
public struct RolloutService: Sendable {
    public let store: StateStore

    public init(store: StateStore) { self.store = store }

    /// Where a service's latest rollout stands and where each node is.
    public struct Status: Sendable {
        public struct InFlight: Sendable {
            public var node: String
            /// What the node was doing (the confirmation deadline of an attempt, a restart, …).
            public var message: String
        }

        public var service: String
        public var paused: Bool
        public var rollout: RolloutRecord?
        /// Nodes whose last step started and never ended: awaiting their gate or confirmation
        /// (in a live run), or owed a gate by the next run (a stopped one).
        public var inFlight: [InFlight]
        public var nodes: [StoredNodeService]
        public var desiredRelease: String?
        /// The nodes whose attempt in this rollout failed, with why (also those a failed
        /// first release left without the service).
        public var failures: [AttemptFailure] = []

        /// `rollout status` exits non-zero when the latest rollout failed or was rolled back.
        public var failed: Bool { rollout?.state.isFailure ?? false }
    }

    public func status(service: String) throws -> Status {
        let item = try require(service)
        let rollout = try store.rollouts(service: service).last
        var last: [String: RolloutStepRecord] = [:]
        for step in try rollout.map({ try store.rolloutSteps($0.id) }) ?? [] { last[step.node] = step }
        let inFlight = last.values.filter { $0.step == .switching }.sorted { $0.node < $1.node }.map {
            Status.InFlight(node: $0.node, message: $0.message ?? "")
        }
        let failures = try store.failures(service: service).filter { f in rollout.map { f.at >= $0.startedAt.addingTimeInterval(-1) } ?? false }
        return Status(
            service: service, paused: try store.pausedServices().contains(service), rollout: rollout, inFlight: inFlight,
            nodes: try store.nodeServices().filter { $0.service == service }, desiredRelease: item.releaseDigest, failures: failures)
    }

    public func history(service: String) throws -> [RevisionRecord] {
        _ = try require(service)
        return try store.revisions(service: service)
    }

    public struct Undo: Sendable {
        public var target: RevisionRecord
        /// The new revision that restores it.
        public var restored: Int
    }

    /// Makes an earlier revision desired again, as a new revision (`RevisionRules.undoTarget`
    /// says which); the caller then converges. Hold the run lock around it.
    public func undo(service: String, toRevision: Int?, actor: Actor) throws -> Undo {
        _ = try require(service)
        let revisions = try store.revisions(service: service)
        switch RevisionRules.undoTarget(revisions.map(\.summary), toRevision: toRevision) {
        case .failure(let problem):
            throw EdgeError.runtime("service/\(service) \(problem)")
        case .success(let summary):
            let target = revisions.first { $0.revision == summary.revision }!
            let restored = try store.restoreRevision(
                service: service, to: target, reason: "rollout undo to revision \(target.revision)", actor: actor)
            return Undo(target: target, restored: restored)
        }
    }

    /// No run lock: pausing must work while a rollout holds it (the rollout stops at its next
    /// batch boundary).
    public func pause(service: String, by user: String) throws {
        _ = try require(service)
        try store.pause(service: service, by: user)
        try store.appendEvent(kind: "Service", name: service, reason: "Paused", message: "paused by \(user)")
    }

    public func resume(service: String, by user: String) throws {
        _ = try require(service)
        try store.resume(service: service)
        try store.appendEvent(kind: "Service", name: service, reason: "Resumed", message: "resumed by \(user)")
    }

    private func require(_ service: String) throws -> StoredResource {
        guard let item = try store.resource(ResourceID(.service, service)) else {
            throw EdgeError.runtime("service/\(service) not found in the desired state")
        }
        return item
    }
}
