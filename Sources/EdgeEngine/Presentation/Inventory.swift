import EdgeCore
import EdgeStore
import Foundation

/// One read of everything `get` and `describe` show, taken without the run lock.
public struct Inventory: Sendable {
    public var resources: [StoredResource]
    public var fleet: Fleet
    public var latestRevisions: [String: Int]
    public var releases: [ReleaseRecord]
    public var facts: [String: NodeFacts]
    public var nodeServices: [StoredNodeService]
    public var paused: Set<String>
    /// Each service's latest rollout (state: Complete, Incomplete, Failed, RolledBack, Paused, Progressing).
    public var rollouts: [String: RolloutRecord]
    /// The fields of every unit seen, by digest (to tell whether a node's unit is the desired one).
    public var knownUnits: [String: [String: String]] = [:]
    /// Each node's last failed attempt of each service.
    public var failures: [AttemptFailure] = []

    public init(store: StateStore) throws {
        resources = try store.resources()
        fleet = Fleet(resources.map(\.resource))
        latestRevisions = try store.latestRevisions()
        releases = try store.releases()
        facts = try store.nodeFacts()
        nodeServices = try store.nodeServices()
        paused = try store.pausedServices()
        var last: [String: RolloutRecord] = [:]
        for rollout in try store.rollouts() { last[rollout.service] = rollout }
        rollouts = last
        knownUnits = try store.knownUnits()
        failures = try store.failures()
    }

    /// For tests that render a fixed fleet (golden output).
    init(
        resources: [StoredResource], latestRevisions: [String: Int], releases: [ReleaseRecord], facts: [String: NodeFacts],
        nodeServices: [StoredNodeService], paused: Set<String> = [], rollouts: [String: RolloutRecord] = [:]
    ) {
        self.resources = resources
        self.fleet = Fleet(resources.map(\.resource))
        self.latestRevisions = latestRevisions
        self.releases = releases
        self.facts = facts
        self.nodeServices = nodeServices
        self.paused = paused
        self.rollouts = rollouts
    }

    public func stored(_ kind: ResourceKind) -> [StoredResource] { resources.filter { $0.resource.kind == kind } }
}
