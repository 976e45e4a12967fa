import EdgeCore
import EdgeStore
import Foundation

/// A validated set of desired-state changes, ready to show or to record.
public struct DesiredStatePlan: Sendable {
    public var changes: [DesiredStateChange]
    public var hasChanges: Bool { changes.contains { $0.action != .unchanged } }

    public func count(_ action: DesiredStateChange.Action) -> Int { changes.filter { $0.action == action }.count }

    /// The desired state as it will be once this plan is recorded.
    public func resulting(from existing: [Resource]) -> [Resource] {
        var byID = Dictionary(existing.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for change in changes {
            if change.action == .delete { byID[change.id] = nil } else if let r = change.resource { byID[r.id] = r }
        }
        return byID.values.sorted { $0.id < $1.id }
    }
}

/// Reading manifests into a plan and recording plans: the part of
/// `apply`, `diff` and `delete` that concerns the desired state.
public struct DesiredStateService: Sendable {
    public let store: StateStore

    public init(store: StateStore) { self.store = store }

    /// Loads and validates manifests against the recorded state, then compares.
    /// With `prune`, resources last applied from these files but absent now are deleted.
    public func plan(inputs: [ManifestInput], prune: Bool = false) throws -> DesiredStatePlan {
        try plan(incoming: try load(inputs), files: inputs.map(\.displayPath), prune: prune)
    }

    /// Parses and validates manifests (references may point into the recorded state).
    /// Needs no lock, so invalid input never touches the state file.
    public func load(_ inputs: [ManifestInput]) throws -> [Resource] {
        try ManifestLoader.load(inputs, existing: try store.resources().map(\.resource))
    }

    /// Compares already-validated resources with the state as it is now.
    public func plan(incoming: [Resource], files: [String], prune: Bool) throws -> DesiredStatePlan {
        let existing = try store.resources()
        let known = Set(existing.map(\.resource.id)).union(incoming.map(\.id))
        for resource in incoming {
            for (kind, name) in references(of: resource) where !known.contains(ResourceID(kind, name)) {
                throw EdgeError.invalid("\(resource.id) names \(kind.argumentName)/\(name), which another run has just deleted; nothing was changed")
            }
        }
        var prunable: Set<ResourceID> = []
        if prune {
            prunable = try store.resourceIDs(fromFiles: files)
        }
        let changes = DesiredStateDiff.compute(current: existing.map(\.resource), incoming: incoming, prunable: prunable)
        try checkReferences(after: changes, existing: existing.map(\.resource))
        return DesiredStatePlan(changes: changes)
    }

    private func references(of resource: Resource) -> [(ResourceKind, String)] {
        if let group = resource.groupSpec { return group.nodes.map { (.node, $0) } }
        if let service = resource.serviceSpec { return service.nodeGroups.map { (.nodeGroup, $0) } }
        return []
    }

    /// A plan deleting the given objects.
    public func deletionPlan(_ ids: [ResourceID]) throws -> DesiredStatePlan {
        let existing = try store.resources().map(\.resource)
        let known = Set(existing.map(\.id))
        for id in ids where !known.contains(id) {
            throw EdgeError.runtime("\(id) not found in the desired state")
        }
        let changes = DesiredStateDiff.compute(current: existing, incoming: [], prunable: Set(ids))
        try checkReferences(after: changes, existing: existing)
        return DesiredStatePlan(changes: changes)
    }

    /// The objects the manifests name (`delete -f`): read without opening any bundle, so a
    /// service whose bundle directory is gone can still be deleted.
    public func ids(in inputs: [ManifestInput]) throws -> [ResourceID] {
        var ids: [ResourceID] = []
        var diagnostics: [Diagnostic] = []
        for input in inputs {
            let parsed = ManifestParser.parse(input)
            diagnostics += parsed.diagnostics
            ids += parsed.resources.map(\.id)
        }
        if !diagnostics.isEmpty { throw ManifestError(diagnostics) }
        return ids
    }

    /// Deletes objects from the desired state as one new generation (hold the run lock). With
    /// `onlyExisting` (from files) the objects not in the state are left out instead of refused.
    /// Returns what was deleted.
    public func delete(_ ids: [ResourceID], onlyExisting: Bool, actor: Actor, lock: StateLock) throws -> [ResourceID] {
        let existing = Set(try store.resources().map(\.resource.id))
        let targets = onlyExisting ? ids.filter(existing.contains) : ids
        guard !targets.isEmpty else { return [] }
        _ = try record(try deletionPlan(targets), actor: actor, lock: lock)
        return targets.sorted()
    }

    /// Records the plan as one new generation (taking the run lock for the duration).
    public func record(_ plan: DesiredStatePlan, actor: Actor, lock: RunLock) throws -> StateStore.RecordOutcome {
        _ = lock
        return try store.record(plan.changes, by: actor)
    }

    /// Refuses to delete something still named by what remains (a group listing a deleted node,
    /// a service listing a deleted group): the state would hold a dangling reference.
    func checkReferences(after changes: [DesiredStateChange], existing: [Resource]) throws {
        let deleted = Set(changes.filter { $0.action == .delete }.map(\.id))
        guard !deleted.isEmpty else { return }
        var after: [ResourceID: Resource] = Dictionary(existing.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for change in changes {
            if change.action == .delete { after[change.id] = nil } else if let r = change.resource { after[r.id] = r }
        }
        var problems: [String] = []
        for resource in after.values.sorted(by: { $0.id < $1.id }) {
            if let group = resource.groupSpec {
                for node in group.nodes where deleted.contains(ResourceID(.node, node)) {
                    problems.append("\(resource.id) still lists node/\(node) in spec.nodes")
                }
            }
            if let service = resource.serviceSpec {
                for group in service.nodeGroups where deleted.contains(ResourceID(.nodeGroup, group)) {
                    problems.append("\(resource.id) still lists nodegroup/\(group) in spec.nodeGroups")
                }
            }
        }
        if !problems.isEmpty {
            throw EdgeError.invalid(
                "cannot delete what is still referenced:\n  " + problems.joined(separator: "\n  ")
                    + "\nchange or delete the referring objects in the same run; nothing was changed")
        }
    }
}
