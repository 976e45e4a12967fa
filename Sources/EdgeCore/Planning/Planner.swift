import Foundation

/// What a node reported about the services on it, or that it could not be reached.
public struct NodeServiceState: Sendable, Equatable {
    public enum Process: String, Sendable { case running, dead, stopped }
    public var current: String?
    public var previous: String?
    public var process: Process
    public var drifted: Bool
    /// What the drift check found, in words (nil when not drifted).
    public var driftCause: String?
    /// The digest of the unit the node runs (`ServiceUnit`); nil on a node that predates units.
    public var unit: String?
    /// Restarts by the node's supervisor since the unit was activated, and within the last 5 minutes.
    public var restarts = 0
    public var recentRestarts = 0
    /// The last exit status of the service's process, and when.
    public var lastExit: Int?
    public var lastExitAt: Date?
    /// What ended it, when the node knows (systemd's Result: `oom-kill`, `signal`, …).
    public var lastExitReason: String?
    /// When the node last went back by itself from an attempt edgectl did not confirm, and why.
    public var revertedAt: Date?
    public var revertReason: String?

    public init(
        current: String?, previous: String? = nil, process: Process, drifted: Bool = false, driftCause: String? = nil, unit: String? = nil
    ) {
        self.unit = unit
        self.current = current
        self.previous = previous
        self.process = process
        self.drifted = drifted
        self.driftCause = driftCause
    }
}

public struct ObservedNode: Sendable, Equatable {
    public var reachable: Bool
    public var services: [String: NodeServiceState]
    /// How the node runs services; nil when not known (never contacted).
    public var runtime: NodeRuntime?

    public init(reachable: Bool, services: [String: NodeServiceState] = [:], runtime: NodeRuntime? = nil) {
        self.reachable = reachable
        self.services = services
        self.runtime = runtime
    }
}

/// One thing to do on one node for one service.
public enum NodeAction: Sendable, Equatable {
    /// The service is not on the node yet.
    case install
    /// The node runs another release.
    case update(from: String)
    /// The node runs the right release as another unit: these manifest fields differ
    /// (`run.env.LOG_LEVEL`, `run.command`, …; `unit` when the node's unit is not known).
    case reconfigure(changes: [String])
    /// The right release is there but its process is not running.
    case restart
    /// The release's files were changed on the node.
    case repair
    /// Already converged.
    case none
    /// The node did not answer; it is caught up when it does.
    case pending
    /// Converged, but a run stopped before this node's health gate ended (or before its
    /// rollout finished): it is health-checked again, in its batch, before later batches move.
    case recheck

    public var isChange: Bool {
        switch self {
        case .install, .update, .reconfigure, .restart, .repair, .recheck: return true
        case .none, .pending: return false
        }
    }

    public var symbol: String {
        switch self {
        case .install: return "+"
        case .update, .reconfigure, .restart, .repair: return "~"
        case .none: return "="
        case .recheck: return "?"
        case .pending: return "?"
        }
    }
}

public struct NodeStep: Sendable, Equatable {
    public var node: String
    public var action: NodeAction
}

/// A service's rollout: its release and, in order, the batches of node steps.
public struct ServicePlan: Sendable, Equatable {
    public struct Batch: Sendable, Equatable {
        public var group: String?
        public var canary: Bool
        public var steps: [NodeStep]
    }

    public var service: String
    public var release: String
    public var version: String?
    public var batches: [Batch]

    public var steps: [NodeStep] { batches.flatMap(\.steps) }
    public var changes: [NodeStep] { steps.filter { $0.action.isChange } }
    public var pending: [NodeStep] { steps.filter { $0.action == .pending } }
}

/// A service to stop and remove from a node (deleted, or the node left its groups).
public struct Removal: Sendable, Equatable {
    public var node: String
    public var service: String
}

/// What a run will do: plain data shared by `diff`, `apply --dry-run` and `apply`.
public struct Plan: Sendable, Equatable {
    public var services: [ServicePlan]
    public var removals: [Removal]
    /// What the plan does that some node cannot do fully (a limit it cannot enforce, no boot
    /// hook), one sentence each: said with the plan, never silent.
    public var warnings: [String] = []

    public var isEmpty: Bool { services.allSatisfy { $0.changes.isEmpty } && removals.isEmpty }
    public var pendingNodes: [String] { Array(Set(services.flatMap { $0.pending.map(\.node) })).sorted() }
}

/// Desired state + observed state → plan. Pure: no I/O, so it is tested on its own and
/// `diff --no-refresh` can plan from the last observation.
public enum Planner {
    /// - Parameters:
    ///   - releases: the desired release digest of each service.
    ///   - units: the desired unit of each service on each node (one without is compared by release only).
    ///   - knownUnits: the fields of units seen before, by digest, to name what changed.
    ///   - removalsOf: the services whose removal may be planned (nil: any no longer desired).
    ///   - observed: what each node reported; a node absent from it was not observed (pending).
    ///   - only: restrict to these services (nil: all). Paused services should be left out by the caller.
    ///   - nodeFilter: restrict to nodes passing this test (for `-l`).
    ///   - owedGates: per service, the nodes whose health gate a stopped run never saw pass
    ///     (`GateDebt.owed`): converged ones are planned as `recheck`.
    public static func plan(
        fleet: Fleet, releases: [String: String], units: [String: [String: ServiceUnit]] = [:], knownUnits: [String: [String: String]] = [:],
        observed: [String: ObservedNode], only: Set<String>? = nil, removalsOf: Set<String>? = nil,
        nodeFilter: (String) -> Bool = { _ in true }, owedGates: [String: Set<String>] = [:]
    ) -> Plan {
        var services: [ServicePlan] = []
        for name in fleet.services.keys.sorted() where only?.contains(name) ?? true {
            guard let spec = fleet.services[name]?.spec, let release = releases[name] else { continue }
            let owed = owedGates[name] ?? []
            let stages = fleet.stages(ofService: name).map { stage in
                RolloutPolicy.Stage(
                    group: stage.group, size: stage.nodes.count,
                    steps: stage.nodes.filter(nodeFilter).map { node in
                        var action = action(
                            service: name, release: release, unit: units[name]?[node], knownUnits: knownUnits, observed: observed[node])
                        if action == .none && owed.contains(node) { action = .recheck }
                        return NodeStep(node: node, action: action)
                    })
            }
            let batches = RolloutPolicy.batches(stages, rollout: spec.rollout)
            services.append(ServicePlan(service: name, release: release, version: spec.bundle.version, batches: batches))
        }
        var removals: [Removal] = []
        var targets: [String: Set<String>] = [:]
        for name in fleet.services.keys { targets[name] = Set(fleet.targets(ofService: name)) }
        for node in observed.keys.sorted() where nodeFilter(node) {
            guard let state = observed[node], state.reachable else { continue }
            for service in state.services.keys.sorted() where removalsOf?.contains(service) ?? true {
                let wanted = targets[service]?.contains(node) ?? false
                if !wanted { removals.append(Removal(node: node, service: service)) }
            }
        }
        return Plan(services: services, removals: removals, warnings: warnings(fleet: fleet, services: services, observed: observed))
    }

    /// A warning per service and node kind the node cannot honour: `run.resources` where the
    /// node has no systemd, and coming back after a reboot where it has no boot hook.
    static func warnings(fleet: Fleet, services: [ServicePlan], observed: [String: ObservedNode]) -> [String] {
        var warnings: [String] = []
        for plan in services {
            guard let spec = fleet.services[plan.service]?.spec else { continue }
            let changed = plan.changes.map(\.node)
            if let limits = spec.run.resources, !limits.isEmpty {
                // Grouped by what is missing, so 20 nodes make one sentence.
                var byGap: [String: [String]] = [:]
                for node in changed {
                    guard let runtime = observed[node]?.runtime else { continue }
                    let gap = runtime.unenforced(limits)
                    guard !gap.isEmpty else { continue }
                    let why = runtime.isSupervisor ? "no systemd as root there" : "its cgroups lack the controller"
                    byGap[
                        "run.resources.\(gap.joined(separator: "/")) cannot be enforced on {nodes} (\(why)); it runs without that limit", default: []
                    ]
                    .append(node)
                }
                for (text, nodes) in byGap.sorted(by: { $0.key < $1.key }) {
                    warnings.append("\(plan.service): " + text.replacingOccurrences(of: "{nodes}", with: nodes.joined(separator: ", ")))
                }
            }
            let noBoot = changed.filter { observed[$0]?.runtime == .supervisor(boot: nil) }
            if !noBoot.isEmpty {
                warnings.append(
                    "\(plan.service): \(noBoot.joined(separator: ", ")) cannot start it at boot (not connected as root); after a reboot it runs again only at the next reconcile"
                )
            }
        }
        return warnings
    }

    static func action(
        service: String, release: String, unit: ServiceUnit?, knownUnits: [String: [String: String]], observed: ObservedNode?
    ) -> NodeAction {
        guard let observed, observed.reachable else { return .pending }
        guard let state = observed.services[service], let current = state.current else { return .install }
        if current != release { return .update(from: current) }
        if let unit, state.unit != unit.digest {
            let changes = state.unit.flatMap { knownUnits[$0] }.map { ServiceUnit.changes(from: $0, to: unit.fields) } ?? []
            return .reconfigure(changes: changes.isEmpty ? ["unit"] : changes)
        }
        if state.drifted { return .repair }
        if state.process != .running { return .restart }
        return .none
    }
}
