import EdgeCore
import EdgeSSH
import EdgeStore
import Foundation

/// Looks at the nodes and writes down what it saw, nothing else: reachability and facts, each
/// service's release, unit, process and drift, and what happened there between runs (restarts
/// by the node's supervisor, reverts of unconfirmed attempts) as events. `status` and `diff`
/// use it alone; the reconciler uses it before it plans.
struct FleetObserver {
    let store: StateStore
    let connector: NodeConnector
    let progress: ProgressSink

    /// What one look at the fleet found, with the sessions it opened (kept for the run).
    struct Look {
        var boxes: [String: SessionBox]
        var observed: [String: ObservedNode]
    }

    func observe(_ nodes: [DesiredNode]) throws -> Look {
        let lookedAt = Date()
        // One session per node for the whole run, one round trip for all its services, made
        // while the connection is new.
        let sessions = try connector.connect(nodes) { link in Result { try NodeOperations(link: link).observe() } }
        var boxes: [String: SessionBox] = [:]
        var observedList: [(String, Result<[ServiceObservation], Error>)] = []
        for (node, result) in sessions {
            switch result {
            case .success(let (box, observation)):
                boxes[node] = box
                observedList.append((node, observation))
            case .failure(let error):
                progress.emit(ProgressEvent(node: node, kind: error.isUnreachable ? .unreachable : .failed, message: error.description))
            }
        }
        let entryCounts = try releaseEntryCounts()
        var observed: [String: ObservedNode] = [:]
        var toRecord: [String: [String: NodeServiceState]] = [:]
        for (node, result) in observedList {
            switch result {
            case .success(let services):
                var states: [String: NodeServiceState] = [:]
                for s in services {
                    let expected = s.current.flatMap { entryCounts[$0] }
                    states[s.service] = s.state(driftCause: s.drift(expectedEntries: expected))
                }
                observed[node] = ObservedNode(reachable: true, services: states, runtime: boxes[node]?.runtime)
                toRecord[node] = states
            case .failure(let error):
                progress.emit(ProgressEvent(node: node, kind: .failed, message: "observing failed: \(error)"))
            }
        }
        try record(toRecord, lookedAt: lookedAt)
        return Look(boxes: boxes, observed: observed)
    }

    /// The observations, and as events what changed on the nodes since the last look.
    private func record(_ toRecord: [String: [String: NodeServiceState]], lookedAt: Date) throws {
        var before: [String: NodeServiceState] = [:]
        for item in try store.nodeServices() { before["\(item.node)/\(item.service)"] = item.state }
        let newerOnes = Set(try store.recordObservations(toRecord, lookedAt: lookedAt))
        for (node, states) in toRecord.sorted(by: { $0.key < $1.key }) where !newerOnes.contains(node) {
            for (service, state) in states.sorted(by: { $0.key < $1.key }) {
                let earlier = before["\(node)/\(service)"]
                // Restarts by the node's supervisor happen between runs, when no edgectl sees them.
                let new = earlier.map { $0.unit == state.unit ? state.restarts - $0.restarts : state.restarts } ?? state.restarts
                if new > 0 {
                    try store.appendEvent(
                        type: .warning, kind: "Service", name: service, reason: "Restarted",
                        message: "restarted \(new) time\(new == 1 ? "" : "s") on \(node) by its supervisor\(FleetHealth.lastExit(state))")
                }
                // A node that went back by itself from an unconfirmed attempt, seen for the first time.
                if let at = state.revertedAt, earlier?.revertedAt != at {
                    try store.appendEvent(
                        type: .warning, kind: "Service", name: service, reason: "Reverted",
                        message: "\(node): \(FleetHealth.revertText(state)) at \(Timestamp.string(at))")
                }
            }
        }
    }

    /// Entries per known release (for the cheap drift check's file count).
    private func releaseEntryCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for release in try store.releases() where counts[release.digest] == nil {
            counts[release.digest] = try store.releaseEntries(digest: release.digest)?.count
        }
        return counts
    }
}
