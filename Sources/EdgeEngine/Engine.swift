import EdgeCore
import EdgeSSH
import EdgeStore
import Foundation

/// The run lock on the state, as the engine hands it out (`release()` when done;
/// `tookOverFrom` names a dead holder whose lock was taken over).
public typealias StateLock = RunLock

/// Where every command starts: the state, opened once, and the engine's services over it.
/// The CLI reaches the store and the nodes only through this, so it imports neither.
public final class Engine: Sendable {
    let store: StateStore

    public init(statePath: String) throws { store = try StateStore(path: statePath) }

    /// `--state`, else `EDGECTL_STATE`, else the per-user default.
    public static func defaultStatePath() -> String { StateStore.defaultPath() }

    public var statePath: String { store.path }

    /// The run lock: one writer at a time (`timeout` seconds of waiting; 0 fails at once, exit 75).
    public func lock(command: String, timeout: Double) throws -> StateLock {
        try store.acquireLock(command: command, timeout: timeout)
    }

    // MARK: Reading the state

    public func resources(kind: ResourceKind? = nil) throws -> [Resource] {
        try (kind.map { try store.resources(kind: $0) } ?? store.resources()).map(\.resource)
    }

    public func inventory() throws -> Inventory { try Inventory(store: store) }

    public func releases() throws -> [ReleaseRecord] { try store.releases() }

    public func events(kind: String? = nil, name: String? = nil, since: Date? = nil, limit: Int? = nil) throws -> [EventRecord] {
        try store.events(kind: kind, name: name, since: since, limit: limit)
    }

    public func revisions(service: String) throws -> [RevisionRecord] { try store.revisions(service: service) }

    /// The node plan from the last observation, contacting no node (`--no-refresh`).
    public func planFromState(resources: [Resource]? = nil) throws -> Plan {
        try Reconciler.planFromState(store, resources: resources)
    }

    // MARK: Services

    public var desiredState: DesiredStateService { DesiredStateService(store: store) }
    public var rollouts: RolloutService { RolloutService(store: store) }

    public func reconciler(settings: ConnectionSettings, actor: Actor, progress: ProgressSink) -> Reconciler {
        Reconciler(store: store, settings: settings, actor: actor, progress: progress)
    }

    /// Looks at the nodes (all, or those `selector` matches) and records what they report;
    /// changes nothing anywhere else (`status`).
    public func observe(settings: ConnectionSettings, selector: LabelSelector?, progress: ProgressSink = ProgressSink { _ in }) throws {
        let nodes = Fleet(try store.checkedResources(kind: .node)).nodes.values.filter { selector?.matches($0.labels) ?? true }
        let connector = NodeConnector(store: store, settings: settings)
        _ = try FleetObserver(store: store, connector: connector, progress: progress).observe(nodes.sorted { $0.name < $1.name })
    }

    public func exec(settings: ConnectionSettings, actor: Actor) -> FleetExec { FleetExec(store: store, settings: settings, actor: actor) }
    public func logs(settings: ConnectionSettings) -> FleetLogs { FleetLogs(store: store, settings: settings) }
    public func nodes(settings: ConnectionSettings) -> FleetService { FleetService(store: store, settings: settings) }

    public func preview(resources: [Resource]?, service: String, node: String) throws -> UnitPreview {
        try UnitPreview.make(store: store, resources: resources, service: service, node: node)
    }
}
