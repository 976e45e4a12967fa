import EdgeCore
import EdgeSSH
import EdgeStore
import Foundation

public struct ReconcileOptions: Sendable {
    /// Only these services (nil: all).
    public var services: Set<String>?
    /// Only nodes matching this selector.
    public var selector: LabelSelector?
    /// Observe and plan, change nothing.
    public var dryRun = false
    /// Re-hash stored and released files instead of the cheap drift check.
    public var verify = false
    public var keepReleases = 3
    public var stopGrace = 10
    public var command = "edgectl"
    /// Plan against these resources instead of the recorded ones (for `diff` and `--dry-run`
    /// of manifests not yet applied). Only with `dryRun`.
    public var resources: [Resource]?
    /// Set by a signal: no new batch (or service) starts, and the run says it was interrupted.
    public var interruption: Interruption?

    public init() {}
}

public struct ReconcileOutcome: Sendable {
    public var plan: Plan
    /// Services whose rollout failed or halted (rolled back or not).
    public var failed: [String] = []
    public var rolledBack: [String] = []
    public var paused: [String] = []
    public var pendingNodes: [String] = []
    /// Nodes where nothing could be changed because the connection failed for another reason.
    public var mutated = false
    /// The signal that stopped the run (its rollouts are recorded `Interrupted`).
    public var interrupted: Int32?

    public var exitKind: FailureKind? {
        if let interrupted { return .interrupted(signal: interrupted) }
        if !failed.isEmpty { return .runtime }
        if !pendingNodes.isEmpty { return .temporary }
        return nil
    }
}

/// Observes the nodes, plans against the desired state, and converges: stage releases on
/// every reachable target in parallel, then roll out group by group in batches behind
/// health gates, rolling back on failure. Every step lands in the state as it happens,
/// so a run killed at any moment is resumed by the next one (which observes again).
public final class Reconciler: @unchecked Sendable {
    let store: StateStore
    let connector: NodeConnector
    let progress: ProgressSink
    let actor: Actor

    public init(store: StateStore, settings: ConnectionSettings, actor: Actor, progress: ProgressSink) {
        self.store = store
        self.connector = NodeConnector(store: store, settings: settings)
        self.progress = progress
        self.actor = actor
    }

    var parallel: Int { connector.settings.parallel }

    public func run(_ options: ReconcileOptions) throws -> ReconcileOutcome {
        let all = try StoredValues.checked(options.resources ?? store.resources().map(\.resource), stateName: store.displayName)
        let fleet = Fleet(all)
        let desired = Reconciler.desiredReleases(fleet)
        let paused = try store.pausedServices()
        var considered = Set(fleet.services.keys)
        if let only = options.services {
            for name in only where fleet.services[name] == nil { throw EdgeError.runtime("service/\(name) not found in the desired state") }
            considered = only
        }
        if !options.dryRun {
            // This run holds the lock, so a rollout still `Progressing` belongs to a run that
            // died (SIGKILL, power): it is recorded as interrupted, and its nodes owe a gate.
            for service in try store.interruptAbandonedRollouts(
                message: "the run that started it ended before it finished; its nodes are health-checked again")
            {
                progress.emit(
                    ProgressEvent(
                        service: service, kind: .warning,
                        message: "an earlier run ended in the middle of its rollout; nodes it switched are health-checked again first"))
            }
        }
        let nodeFilter: (String) -> Bool = { name in options.selector.map { $0.matches(fleet.nodes[name]?.labels ?? [:]) } ?? true }
        let nodes = fleet.nodes.values.filter { nodeFilter($0.name) }.sorted { $0.name < $1.name }

        let look = try FleetObserver(store: store, connector: connector, progress: progress).observe(nodes)
        let boxes = look.boxes
        let observed = look.observed

        // A revision that failed or was rolled back is not retried until a new apply (or undo).
        var blocked = Set<String>()
        for name in considered {
            if let latest = RevisionRules.blocked(try store.revisions(service: name).map(\.summary)) {
                blocked.insert(name)
                let what: String
                if case .failed = latest.outcome { what = "failed" } else { what = "was rolled back" }
                progress.emit(
                    ProgressEvent(
                        service: name, kind: .skipped,
                        message: "revision \(latest.revision) \(what); not retried until a new apply or `edgectl rollout undo`"))
            }
        }
        // Each node's unit: templates rendered for it, secrets read (a service whose units
        // cannot be made fails here, before any of its nodes is touched).
        let resolver = try SecretResolver(fleet: fleet, store: store)
        // Rendered from the endpoints ready now, as this run's look recorded them. A service
        // iterating endpoints is rendered again at its turn (below), after the services it
        // lists: its minimum of ready endpoints is checked then.
        let dependents = Set(fleet.services.keys.filter { !fleet.endpointDependencies(ofService: $0).isEmpty })
        let made = Reconciler.desiredUnits(
            fleet, secrets: resolver, only: considered.subtracting(paused).subtracting(blocked),
            endpoints: try Endpoints.lookup(store: store, fleet: fleet), deferringMinimum: dependents)
        for (service, reason) in made.failures.sorted(by: { $0.key < $1.key }) {
            progress.emit(ProgressEvent(service: service, kind: .failed, message: "\(reason); no node was changed"))
        }
        // Removals are planned for every service no longer desired on a node (a deleted one
        // included), unless the run was narrowed to some services.
        let plan = Planner.plan(
            fleet: fleet, releases: desired, units: made.units, knownUnits: try store.knownUnits(), observed: observed,
            only: considered.subtracting(paused).subtracting(blocked).subtracting(made.failures.keys), removalsOf: options.services,
            nodeFilter: nodeFilter, owedGates: try Reconciler.owedGates(store, services: considered))
        var outcome = ReconcileOutcome(plan: plan)
        outcome.failed += made.failures.keys.sorted()
        outcome.pendingNodes = plan.pendingNodes
        outcome.paused = considered.intersection(paused).sorted()
        if options.dryRun { return outcome }
        for warning in plan.warnings { progress.emit(ProgressEvent(kind: .warning, message: warning)) }

        // Removals: services deleted, or nodes that left a service's groups.
        let removalResults = FanOut.run(plan.removals, parallel: parallel) { removal -> (Removal, Error?) in
            defer { boxes[removal.node]?.park() }
            do {
                guard let box = boxes[removal.node] else {
                    throw SSHError(node: removal.node, step: .connect, message: "no session", unreachable: true)
                }
                try NodeOperations(link: try box.link()).remove(service: removal.service, grace: options.stopGrace)
                return (removal, nil)
            } catch {
                return (removal, error)
            }
        }
        for (removal, error) in removalResults {
            outcome.mutated = true
            if let error {
                progress.emit(ProgressEvent(service: removal.service, node: removal.node, kind: .failed, message: "removing failed: \(error)"))
            } else {
                try store.recordNodeService(node: removal.node, service: removal.service, state: nil)
                try store.appendEvent(kind: "Node", name: removal.node, reason: "ServiceRemoved", message: "stopped and removed \(removal.service)")
                progress.emit(ProgressEvent(service: removal.service, node: removal.node, kind: .removed, message: "stopped and removed"))
            }
        }

        // Services whose endpoints others iterate go first; a service iterating endpoints is
        // rendered and planned again at its turn, from the endpoints ready after them.
        let order = Dictionary(uniqueKeysWithValues: fleet.servicesByDependency.enumerated().map { ($1, $0) })
        for planned in plan.services.sorted(by: { (order[$0.service] ?? 0) < (order[$1.service] ?? 0) }) {
            var servicePlan = planned
            var units = made.units[planned.service] ?? [:]
            if dependents.contains(planned.service) {
                let again = Reconciler.desiredUnits(
                    fleet, secrets: resolver, only: [planned.service], endpoints: try Endpoints.lookup(store: store, fleet: fleet))
                if let reason = again.failures[planned.service] {
                    progress.emit(ProgressEvent(service: planned.service, kind: .failed, message: "\(reason); no node was changed"))
                    outcome.failed.append(planned.service)
                    continue
                }
                units = again.units[planned.service] ?? [:]
                let replanned = Planner.plan(
                    fleet: fleet, releases: desired, units: again.units, knownUnits: try store.knownUnits(), observed: observed,
                    only: [planned.service], removalsOf: [], nodeFilter: nodeFilter,
                    owedGates: try Reconciler.owedGates(store, services: [planned.service]))
                servicePlan = replanned.services.first { $0.service == planned.service } ?? planned
            }
            guard !servicePlan.changes.isEmpty else { continue }
            if let signal = options.interruption?.signal {
                // No new rollout starts once a signal arrived.
                outcome.interrupted = signal
                break
            }
            guard let service = fleet.services[servicePlan.service] else { continue }
            outcome.mutated = true
            let result = try RolloutRun(
                reconciler: self, service: service, plan: servicePlan, units: units, observed: observed,
                boxes: boxes, fleet: fleet, options: options
            ).execute()
            switch result {
            case .complete: break
            case .paused: outcome.paused.append(servicePlan.service)
            case .failed: outcome.failed.append(servicePlan.service)
            case .rolledBack:
                outcome.failed.append(servicePlan.service)
                outcome.rolledBack.append(servicePlan.service)
            case .interrupted:
                outcome.interrupted = options.interruption?.signal ?? SIGINT
            }
        }
        if outcome.interrupted == nil, let signal = options.interruption?.signal { outcome.interrupted = signal }
        for servicePlan in plan.services where servicePlan.changes.isEmpty && !servicePlan.steps.isEmpty {
            let pending = servicePlan.pending.count
            progress.emit(
                ProgressEvent(
                    service: servicePlan.service, kind: pending > 0 ? .pending : .nothing,
                    message: pending > 0 ? "\(pending) node(s) unreachable, pending" : "converged (release \(String(servicePlan.release.prefix(12))))"
                ))
        }
        return outcome
    }

    /// Each service's desired release digest.
    public static func desiredReleases(_ fleet: Fleet) -> [String: String] {
        fleet.services.compactMapValues { $0.release?.digest }
    }

    /// Each service's unit on each of its nodes (templates rendered for the node, secrets read
    /// when `secrets` is given). A service whose units cannot be made (a secret that cannot be
    /// read, a name a node lacks) is in `failures`, with the reason, instead.
    public static func desiredUnits(
        _ fleet: Fleet, secrets: SecretResolver?, only: Set<String>? = nil,
        endpoints: @escaping @Sendable (String, String) -> [TemplateContext.EndpointValue]? = Endpoints.none,
        deferringMinimum: Set<String> = []
    ) -> (units: [String: [String: ServiceUnit]], failures: [String: String]) {
        var units: [String: [String: ServiceUnit]] = [:]
        var failures: [String: String] = [:]
        for (name, service) in fleet.services where only?.contains(name) ?? true {
            guard let release = service.release?.digest else { continue }
            do {
                var byNode: [String: ServiceUnit] = [:]
                for node in fleet.targets(ofService: name) {
                    byNode[node] = try fleet.unit(
                        ofService: name, node: node, release: release, secrets: secrets.map { r in { try r.value($0, node: node) } },
                        endpoints: endpoints, checkMinimum: !deferringMinimum.contains(name))
                }
                units[name] = byNode
            } catch {
                failures[name] = "\(error)"
            }
        }
        return (units, failures)
    }

    /// Plans from the last observation in the state, contacting no node (`--no-refresh`).
    public static func planFromState(_ store: StateStore, resources: [Resource]? = nil) throws -> Plan {
        let fleet = Fleet(try resources ?? store.checkedResources())
        let facts = try store.nodeFacts()
        var observed: [String: ObservedNode] = [:]
        // A node never contacted is planned as empty (everything to install); one last seen
        // unreachable stays pending.
        for name in fleet.nodes.keys where facts[name]?.reachable != false {
            observed[name] = ObservedNode(reachable: true, runtime: facts[name]?.runtime.flatMap(NodeRuntime.init(fact:)))
        }
        for item in try store.nodeServices() where observed[item.node] != nil {
            observed[item.node]?.services[item.service] = item.state
        }
        let blocked = try Set(fleet.services.keys.filter { RevisionRules.blocked(try store.revisions(service: $0).map(\.summary)) != nil })
        let paused = try store.pausedServices()
        let resolver = try SecretResolver(fleet: fleet, store: store)
        let made = desiredUnits(fleet, secrets: resolver, endpoints: try Endpoints.lookup(store: store, fleet: fleet))
        var plan = Planner.plan(
            fleet: fleet, releases: desiredReleases(fleet), units: made.units, knownUnits: try store.knownUnits(), observed: observed,
            only: Set(fleet.services.keys).subtracting(paused).subtracting(blocked).subtracting(made.failures.keys),
            owedGates: try owedGates(store, services: Set(fleet.services.keys)))
        for (service, reason) in made.failures.sorted(by: { $0.key < $1.key }) { plan.warnings.append("\(service): \(reason)") }
        return plan
    }

    /// Per service, the nodes whose health gate a stopped run never saw pass (`GateDebt`).
    static func owedGates(_ store: StateStore, services: Set<String>) throws -> [String: Set<String>] {
        var owed: [String: Set<String>] = [:]
        for service in services {
            let past = try store.recentRollouts(service: service).map { rollout, steps in
                GateDebt.PastRollout(state: rollout.state, steps: steps.map { ($0.node, $0.step) })
            }
            let nodes = GateDebt.owed(past)
            if !nodes.isEmpty { owed[service] = nodes }
        }
        return owed
    }
}
