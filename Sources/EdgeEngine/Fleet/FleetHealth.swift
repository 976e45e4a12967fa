import EdgeCore
import EdgeStore
import Foundation

/// Where one service stands on one node, and why, derived from the last observations.
public struct NodeServiceHealth: Sendable, Equatable {
    /// SPEC node phases within a service.
    public enum Phase: String, Sendable, CaseIterable {
        case running = "Running", pending = "Pending", unreachable = "Unreachable", failed = "Failed", drifted = "Drifted"
    }

    public var node: String
    public var service: String
    public var phase: Phase
    /// The release the node runs (nil: none).
    public var release: String?
    public var desiredRelease: String?
    /// healthy, unhealthy, not running, or unknown.
    public var health: String
    /// Why it is not Running (nil when it is).
    public var reason: String?
    /// Since when it has been like this, as far as edgectl saw.
    public var since: Date?
    /// Restarts by the node's supervisor since the unit was activated there.
    public var restarts = 0
}

/// Where one service stands across its nodes.
public struct ServiceHealth: Sendable {
    /// SPEC service phases.
    public enum Phase: String, Sendable, CaseIterable {
        case converged = "Converged", progressing = "Progressing", degraded = "Degraded", failed = "Failed", rolledBack = "RolledBack", paused =
            "Paused"
    }

    public var name: String
    public var revision: Int?
    public var version: String?

    /// The phase as a headline counts it: `converged`, `rolled back`.
    public static func words(_ phase: Phase) -> String {
        phase == .rolledBack ? "rolled back" : phase.rawValue.lowercased()
    }
    public var desiredRelease: String?
    public var phase: Phase
    public var nodes: [NodeServiceHealth]
    /// The latest rollout: what last changed, and how it ended.
    public var lastRollout: RolloutRecord?

    /// Nodes running the desired release, healthy.
    public var ready: Int { nodes.filter { $0.phase == .running }.count }

    /// `3 Running, 1 Drifted`, in phase order.
    public var nodeSummary: String {
        let counts = Dictionary(grouping: nodes, by: \.phase).mapValues(\.count)
        let text = NodeServiceHealth.Phase.allCases.compactMap { p in counts[p].map { "\($0) \(p.rawValue)" } }.joined(separator: ", ")
        return text.isEmpty ? "<no nodes>" : text
    }
}

/// The phases of every service and of every node within it, with reasons, from the state alone
/// (`status`, `get`, `describe` all read it, so they never disagree).
public struct FleetHealth: Sendable {
    public var services: [ServiceHealth]
    /// Each node's services, sorted by name (so tables of 10,000 nodes stay linear).
    private var byNode: [String: [NodeServiceHealth]] = [:]

    public init(inventory: Inventory) {
        var observed: [String: StoredNodeService] = [:]
        for item in inventory.nodeServices { observed["\(item.service)/\(item.node)"] = item }
        // A service whose config iterates others' endpoints is judged after them: its desired
        // unit is rendered from their ready endpoints.
        let stored = Dictionary(uniqueKeysWithValues: inventory.stored(.service).map { ($0.resource.name, $0) })
        var judged: [String: ServiceHealth] = [:]
        for name in inventory.fleet.servicesByDependency {
            guard let item = stored[name] else { continue }
            let dependencies = inventory.fleet.endpointDependencies(ofService: name)
            let endpoints =
                dependencies.isEmpty
                ? Endpoints.none
                : Endpoints.lookup(Endpoints.list(inventory, phases: judged.filter { dependencies.contains($0.key) }), fleet: inventory.fleet)
            judged[name] = FleetHealth.service(item, inventory: inventory, observed: observed, endpoints: endpoints)
        }
        services = inventory.stored(.service).compactMap { judged[$0.resource.name] }
        for service in services.sorted(by: { $0.name < $1.name }) {
            for n in service.nodes { byNode[n.node, default: []].append(n) }
        }
    }

    static func service(
        _ item: StoredResource, inventory: Inventory, observed: [String: StoredNodeService],
        endpoints: @escaping @Sendable (String, String) -> [TemplateContext.EndpointValue]?
    ) -> ServiceHealth {
        do {
            let name = item.resource.name
            let desired = item.releaseDigest
            let paused = inventory.paused.contains(name)
            // A service without templates has the same unit fields on every node: rendered once
            // (`status` on 10,000 nodes would otherwise render and hash 10,000 times per service).
            let shared =
                item.resource.serviceSpec?.rendersPerNode == false
                ? desired.flatMap { try? inventory.fleet.unit(ofService: name, node: "", release: $0, endpoints: endpoints).fields } : nil
            let nodes = inventory.fleet.targets(ofService: name).map { node in
                let seen = observed["\(name)/\(node)"]
                let differs = FleetHealth.unitDiffers(inventory: inventory, seen: seen) {
                    shared
                        ?? desired.flatMap {
                            try? inventory.fleet.unit(ofService: name, node: node, release: $0, endpoints: endpoints, checkMinimum: false).fields
                        }
                }
                return FleetHealth.node(
                    node, service: name, desired: desired, unitDiffers: differs, facts: inventory.facts[node], seen: seen, paused: paused)
            }
            let phases = Set(nodes.map(\.phase))
            let phase: ServiceHealth.Phase
            switch inventory.rollouts[name]?.state {
            case _ where paused: phase = .paused
            case .rolledBack?: phase = .rolledBack
            case .failed?: phase = .failed
            default:
                if phases.subtracting([.running]).isEmpty {
                    phase = .converged
                } else if !phases.isDisjoint(with: [.unreachable, .drifted, .failed]) {
                    phase = .degraded
                } else {
                    phase = .progressing
                }
            }
            return ServiceHealth(
                name: name, revision: inventory.latestRevisions[name], version: item.resource.serviceSpec?.bundle.version,
                desiredRelease: desired, phase: phase, nodes: nodes, lastRollout: inventory.rollouts[name])
        }
    }

    public subscript(service name: String) -> ServiceHealth? { services.first { $0.name == name } }

    /// Every service on one node.
    public func services(onNode node: String) -> [NodeServiceHealth] { byNode[node] ?? [] }

    /// Whether the node runs another unit of the desired release than the manifests say, as far
    /// as the state tells without reading secrets: the fields of the node's unit against the
    /// desired ones rendered for that node, secrets' fingerprints aside (a rotation shows in
    /// `diff` and is rolled out by `apply`/`reconcile`, which read the secrets).
    static func unitDiffers(inventory: Inventory, seen: StoredNodeService?, desired: () -> [String: String]?) -> Bool {
        guard let unit = seen?.state.unit, let known = inventory.knownUnits[unit], let desired = desired() else { return false }
        let public_ = { (fields: [String: String]) in fields.filter { !$0.key.hasPrefix("secrets.") } }
        return public_(known) != public_(desired)
    }

    static func node(
        _ node: String, service: String, desired: String?, unitDiffers: Bool = false, facts: NodeFacts?, seen: StoredNodeService?,
        paused: Bool
    ) -> NodeServiceHealth {
        var h = NodeServiceHealth(
            node: node, service: service, phase: .pending, release: seen?.state.current, desiredRelease: desired, health: "unknown",
            reason: nil, since: seen?.since, restarts: seen?.state.restarts ?? 0)
        if let seen {
            h.health = seen.lastError != nil ? "unhealthy" : seen.state.process == .running ? "healthy" : "not running"
        }
        if facts?.reachable == false {
            h.phase = .unreachable
            h.health = "unknown"
            h.reason = facts?.lastError ?? "did not answer"
            h.since = facts?.lastSeen
            return h
        }
        guard let seen else {
            h.reason = facts?.reachable == nil ? "node never contacted" : "not installed yet"
            if paused { h.reason! += " (rollout paused)" }
            return h
        }
        let onDesired = seen.state.current == desired
        // A unit known to differ (a changed env or command) is not what is desired yet; a
        // node that predates units is judged by its release.
        if let error = seen.lastError {
            h.phase = .failed
            h.reason = error
        } else if seen.state.recentRestarts >= 5 {
            h.phase = .failed
            h.reason = "crash loop: \(seen.state.restarts) restarts" + FleetHealth.lastExit(seen.state)
        } else if let at = seen.state.revertedAt, !onDesired || unitDiffers {
            h.phase = .failed
            h.reason = FleetHealth.revertText(seen.state) + " at \(Timestamp.string(at))"
        } else if seen.state.drifted {
            h.phase = .drifted
            h.reason = seen.state.driftCause ?? "the release's files differ from what was installed"
        } else if onDesired && unitDiffers {
            h.reason = "runs another unit of this release (its run spec changed); reconcile rolls it out" + (paused ? " (rollout paused)" : "")
        } else if onDesired && seen.state.process == .running {
            h.phase = .running
            if seen.state.restarts > 0, seen.state.lastExitReason != nil {
                h.reason = "restarted \(seen.state.restarts) time\(seen.state.restarts == 1 ? "" : "s")" + FleetHealth.lastExit(seen.state)
            }
        } else if onDesired {
            h.phase = .failed
            h.reason =
                seen.state.process == .dead
                ? "process not running\(FleetHealth.lastExit(seen.state)) (see edgectl logs)"
                : "process not started; reconcile starts it"
        } else {
            let runs = seen.state.current.map { "runs \(Formatting.short($0))" } ?? "nothing installed"
            h.reason = "\(runs), desired \(Formatting.short(desired))" + (paused ? " (rollout paused)" : "")
        }
        return h
    }
}

extension FleetHealth {
    /// `, last exit 1 at 2026-11-28T10:00:00Z`, when the node reported one.
    static func lastExit(_ state: NodeServiceState) -> String {
        guard let code = state.lastExit else { return "" }
        return ", last exit \(code)" + (state.lastExitReason.map { " (\(reason($0)))" } ?? "")
            + (state.lastExitAt.map { " at \(Timestamp.string($0))" } ?? "")
    }

    /// `reverted by the node: not confirmed within 60s`.
    static func revertText(_ state: NodeServiceState) -> String {
        let reason = state.revertReason ?? "reverted: not confirmed"
        let (what, why) =
            reason.hasPrefix("stopped: ")
            ? ("stopped by the node", reason.dropFirst(9)) : ("reverted by the node", reason.dropFirst(reason.hasPrefix("reverted: ") ? 10 : 0))
        return "\(what): \(why)"
    }

    /// systemd's Result words, for people.
    static func reason(_ result: String) -> String {
        switch result {
        case "oom-kill": return "killed for using more memory than run.resources.memory"
        case "signal": return "killed by a signal"
        case "core-dump": return "dumped core"
        case "exit-code": return "exited with an error"
        case "timeout": return "timed out"
        case "watchdog": return "watchdog timeout"
        default: return result
        }
    }
}

extension NodeServiceHealth {
    /// One node of a service, as `status -o json` and `get services -o json` show it.
    public var json: JSONValue {
        .object([
            ("node", .string(node)), ("phase", .string(phase.rawValue)), ("release", .str(release)), ("desiredRelease", .str(desiredRelease)),
            ("health", .string(health)), ("reason", .str(reason)), ("since", .date(since)), ("restarts", .int(restarts)),
        ])
    }
}
