import EdgeCore
import Foundation

/// The last observation of one service on one node.
public struct StoredNodeService: Sendable, Equatable {
    public var node: String
    public var service: String
    public var state: NodeServiceState
    public var observedAt: Date
    public var lastError: String?
    /// When the node's state for this service (release, process, drift) last changed.
    public var since: Date
}

public struct RolloutRecord: Sendable {
    public var id: Int64
    public var service: String
    public var revision: Int?
    public var release: String
    public var state: RolloutState
    public var startedAt: Date
    public var finishedAt: Date?
    public var command: String
    public var message: String?
}

public struct RolloutStepRecord: Sendable {
    public var rollout: Int64
    public var node: String
    public var step: StepOutcome
    public var fromRelease: String?
    public var at: Date
    public var message: String?
}

extension StateStore {
    // MARK: Observations

    /// Replaces what is known about the services on these nodes (reachable nodes only;
    /// an unreachable node keeps its last observation).
    ///
    /// - Parameter lookedAt: when the look began. A node something recorded after that (a
    ///   run's step, while `status` looked without the run lock) keeps that newer record: an
    ///   observation older than it must not overwrite it. Returns the nodes so kept.
    @discardableResult
    public func recordObservations(
        _ observed: [String: [String: NodeServiceState]], at time: Date = Date(), lookedAt: Date? = nil
    ) throws -> [String] {
        try write { db in
            var kept: [String] = []
            for (node, services) in observed {
                let before = try StateStore.nodeServices(db, node: node)
                if let lookedAt, before.values.contains(where: { $0.observedAt > lookedAt }) {
                    kept.append(node)
                    continue
                }
                try db.execute(sql: "DELETE FROM nodeService WHERE node = ?", arguments: [node])
                for (service, state) in services {
                    // Unchanged since the last record: keep when it began and, for a step that failed
                    // there, why (an observation cannot see a failed health check; the rollout did).
                    let unchanged = before[service].flatMap { StateStore.sameState($0.state, state) ? $0 : nil }
                    try db.execute(
                        sql: """
                            INSERT INTO nodeService (node, service, current, previous, process, drifted, driftCause, observedAt, since, lastError,
                                unit, restarts, recentRestarts, lastExit, lastExitAt, lastExitReason, revertedAt, revertReason)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            node, service, state.current, state.previous, state.process.rawValue, state.drifted ? 1 : 0, state.driftCause,
                            Timestamp.string(time), Timestamp.string(unchanged?.since ?? time), unchanged?.lastError,
                            state.unit, state.restarts, state.recentRestarts, state.lastExit, state.lastExitAt.map(Timestamp.string),
                            state.lastExitReason, state.revertedAt.map(Timestamp.string), state.revertReason,
                        ])
                }
            }
            return kept.sorted()
        }
    }

    /// Updates one node's service after a step (so a crash leaves the state as current as the node).
    public func recordNodeService(node: String, service: String, state: NodeServiceState?, error: String? = nil, at time: Date = Date()) throws {
        try write { db in
            guard let state else {
                try db.execute(sql: "DELETE FROM nodeService WHERE node = ? AND service = ?", arguments: [node, service])
                return
            }
            let before = try StateStore.nodeServices(db, node: node)[service]
            let since = before.flatMap { StateStore.sameState($0.state, state) && $0.lastError == error ? $0.since : nil } ?? time
            try db.execute(
                sql: """
                    INSERT INTO nodeService (node, service, current, previous, process, drifted, driftCause, observedAt, lastError, since,
                        unit, restarts, recentRestarts, lastExit, lastExitAt, lastExitReason, revertedAt, revertReason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (node, service) DO UPDATE SET current = excluded.current, previous = excluded.previous,
                        process = excluded.process, drifted = excluded.drifted, driftCause = excluded.driftCause,
                        observedAt = excluded.observedAt, lastError = excluded.lastError, since = excluded.since,
                        unit = excluded.unit, restarts = excluded.restarts, recentRestarts = excluded.recentRestarts,
                        lastExit = excluded.lastExit, lastExitAt = excluded.lastExitAt, lastExitReason = excluded.lastExitReason,
                        revertedAt = excluded.revertedAt, revertReason = excluded.revertReason
                    """,
                arguments: [
                    node, service, state.current, state.previous, state.process.rawValue, state.drifted ? 1 : 0, state.driftCause,
                    Timestamp.string(time), error, Timestamp.string(since), state.unit, state.restarts, state.recentRestarts,
                    state.lastExit, state.lastExitAt.map(Timestamp.string), state.lastExitReason, state.revertedAt.map(Timestamp.string),
                    state.revertReason,
                ])
        }
    }

    /// Whether two observations describe the same situation (for keeping `since`).
    static func sameState(_ a: NodeServiceState, _ b: NodeServiceState) -> Bool {
        a.current == b.current && a.process == b.process && a.drifted == b.drifted && a.unit == b.unit
    }

    static func nodeServices(_ db: any SQLConnection, node: String? = nil) throws -> [String: StoredNodeService] {
        var result: [String: StoredNodeService] = [:]
        for row in try db.rows(sql: "SELECT * FROM nodeService" + (node == nil ? "" : " WHERE node = ?"), arguments: node.map { [$0] } ?? []) {
            let item = storedNodeService(row)
            result[item.service] = item
        }
        return result
    }

    static func storedNodeService(_ row: SQLRow) -> StoredNodeService {
        let observedAt = Timestamp.date(row["observedAt"]) ?? Date(timeIntervalSince1970: 0)
        var state = NodeServiceState(
            current: row["current"], previous: row["previous"],
            process: NodeServiceState.Process(rawValue: row["process"]) ?? .stopped, drifted: (row["drifted"] as Int) != 0,
            driftCause: row["driftCause"], unit: row["unit"])
        state.restarts = row["restarts"] ?? 0
        state.recentRestarts = row["recentRestarts"] ?? 0
        state.lastExit = row["lastExit"]
        state.lastExitAt = (row["lastExitAt"] as String?).flatMap(Timestamp.date)
        state.lastExitReason = row["lastExitReason"]
        state.revertedAt = (row["revertedAt"] as String?).flatMap(Timestamp.date)
        state.revertReason = row["revertReason"]
        return StoredNodeService(
            node: row["node"], service: row["service"],
            state: state,
            observedAt: observedAt, lastError: row["lastError"], since: (row["since"] as String?).flatMap(Timestamp.date) ?? observedAt)
    }

    /// Remembers a unit's fields (no secret values), so a later plan can say what changed.
    public func recordUnit(_ unit: ServiceUnit) throws {
        let fields = String(decoding: try JSONEncoder().encode(unit.fields), as: UTF8.self)
        try write { db in
            try db.execute(sql: "INSERT INTO unit (digest, fields) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING", arguments: [unit.digest, fields])
        }
    }

    /// The fields of every unit seen, by digest.
    public func knownUnits() throws -> [String: [String: String]] {
        try read { db in
            var result: [String: [String: String]] = [:]
            for row in try db.rows(sql: "SELECT digest, fields FROM unit") {
                result[row["digest"]] = try? JSONDecoder().decode([String: String].self, from: Data((row["fields"] as String).utf8))
            }
            return result
        }
    }

    public func nodeServices() throws -> [StoredNodeService] {
        try read { db in
            try db.rows(sql: "SELECT * FROM nodeService ORDER BY service, node").map(StateStore.storedNodeService)
        }
    }

    // MARK: Rollouts

    public func startRollout(service: String, revision: Int?, release: String, command: String) throws -> Int64 {
        try write { db in
            try db.value(
                sql: "INSERT INTO rollout (service, revision, release, state, startedAt, command) VALUES (?, ?, ?, 'Progressing', ?, ?) RETURNING id",
                arguments: [service, revision, release, Timestamp.string(Date()), command]) ?? 0
        }
    }

    public func finishRollout(_ id: Int64, state: RolloutState, message: String?) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE rollout SET state = ?, finishedAt = ?, message = ? WHERE id = ?",
                arguments: [state.rawValue, Timestamp.string(Date()), message, id])
        }
    }

    /// Marks every rollout still `Progressing` as `Interrupted`: called by a run that holds the
    /// lock, so no live run owns them; the run that started them ended without finishing.
    /// Returns the services concerned.
    @discardableResult
    public func interruptAbandonedRollouts(message: String) throws -> [String] {
        try write { db in
            let services: [String] = try db.column(sql: "SELECT DISTINCT service FROM rollout WHERE state = 'Progressing' ORDER BY service")
            try db.execute(
                sql: "UPDATE rollout SET state = ?, finishedAt = ?, message = ? WHERE state = 'Progressing'",
                arguments: [RolloutState.interrupted.rawValue, Timestamp.string(Date()), message])
            return services
        }
    }

    public func recordStep(rollout: Int64, node: String, step: StepOutcome, fromRelease: String? = nil, message: String? = nil) throws {
        try write { db in
            try db.execute(
                sql: "INSERT INTO rolloutStep (rollout, node, step, fromRelease, at, message) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [rollout, node, step.rawValue, fromRelease, Timestamp.string(Date()), message])
        }
    }

    /// A service's last `limit` rollouts, oldest first, with their steps: what `GateDebt` reads.
    public func recentRollouts(service: String, limit: Int = 20) throws -> [(RolloutRecord, [RolloutStepRecord])] {
        // Every apply and reconcile asks this for each service: read only the last `limit`.
        let all = try rollouts(service: service, last: limit)
        return try all.map { ($0, try rolloutSteps($0.id)) }
    }

    /// A service's rollouts (or everyone's), oldest first; with `last`, only the latest that many.
    public func rollouts(service: String? = nil, last: Int? = nil) throws -> [RolloutRecord] {
        try read { db in
            var sql = "SELECT * FROM rollout" + (service == nil ? "" : " WHERE service = ?")
            // The newest `last` by a descending limit, then oldest first again.
            if let last { sql = "SELECT * FROM (\(sql) ORDER BY id DESC LIMIT \(max(0, last))) AS latest" }
            let rows = try db.rows(sql: sql + " ORDER BY id", arguments: service.map { [$0] } ?? [])
            return rows.map { row in
                RolloutRecord(
                    id: row["id"], service: row["service"], revision: row["revision"], release: row["release"],
                    state: RolloutState(rawValue: row["state"]) ?? .interrupted,
                    startedAt: Timestamp.date(row["startedAt"]) ?? Date(timeIntervalSince1970: 0),
                    finishedAt: (row["finishedAt"] as String?).flatMap(Timestamp.date), command: row["command"], message: row["message"])
            }
        }
    }

    public func rolloutSteps(_ id: Int64) throws -> [RolloutStepRecord] {
        try read { db in
            try db.rows(sql: "SELECT * FROM rolloutStep WHERE rollout = ? ORDER BY \(db.dialect == .postgres ? "id" : "rowid")", arguments: [id]).map
            { row in
                RolloutStepRecord(
                    rollout: row["rollout"], node: row["node"], step: StepOutcome(rawValue: row["step"]) ?? .failed, fromRelease: row["fromRelease"],
                    at: Timestamp.date(row["at"]) ?? Date(timeIntervalSince1970: 0), message: row["message"])
            }
        }
    }

    /// Marks a revision's outcome (e.g. "RolledBack: …"), so history shows what became of it.
    public func setRevisionOutcome(service: String, revision: Int, outcome: RevisionOutcome) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE revision SET outcome = ? WHERE service = ? AND revision = ?", arguments: [outcome.description, service, revision])
        }
    }

    /// Makes an earlier revision's spec and release the desired state again, as a new revision
    /// that records why (auto-rollback, `rollout undo`). The bundle path stays the current one.
    public func restoreRevision(service: String, to old: RevisionRecord, reason: String, actor: Actor) throws -> Int {
        try write { db in
            guard let row = try db.row(sql: "SELECT * FROM resource WHERE kind = 'Service' AND name = ?", arguments: [service]) else {
                throw EdgeError.runtime("service/\(service) is not in the desired state")
            }
            let current = try StateStore.storedResource(row)
            guard case .service(let currentSpec) = current.resource.spec else { throw EdgeError.runtime("service/\(service) is not a service") }
            var spec = try JSONDecoder().decode(ServiceSpec.self, from: Data(old.specJSON.utf8))
            spec.bundle.path = currentSpec.bundle.path
            var restored = current.resource
            restored.spec = .service(spec)
            // Now, not when the command began: an auto-rollback comes after the halt it follows,
            // and its events must read in that order.
            let now = Timestamp.string(Date())
            try db.execute(
                sql: "UPDATE resource SET spec = ?, release = ?, generation = generation + 1, updatedAt = ? WHERE kind = 'Service' AND name = ?",
                arguments: [try restored.specJSON(), old.release, now, service])
            let latest = try db.value(sql: "SELECT MAX(revision) FROM revision WHERE service = ?", arguments: [service]) ?? 0
            try db.execute(
                sql: """
                    INSERT INTO revision (service, revision, spec, release, version, generation, createdAt, command, "user", reason)
                    VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
                    """,
                arguments: [service, latest + 1, old.specJSON, old.release, old.version, now, actor.command, actor.user, reason])
            try StateStore.appendEvent(
                db, time: now, type: .warning, kind: "Service", name: service, reason: "RevisionRestored",
                message: "revision \(latest + 1) restores revision \(old.revision) (\(reason))", generation: nil)
            return latest + 1
        }
    }

    // MARK: Pause

    public func pause(service: String, by user: String) throws {
        try write { db in
            try db.execute(
                sql:
                    "INSERT INTO servicePause (service, since, \"by\") VALUES (?, ?, ?) ON CONFLICT (service) DO UPDATE SET since = excluded.since, \"by\" = excluded.\"by\"",
                arguments: [service, Timestamp.string(Date()), user])
        }
    }

    public func resume(service: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM servicePause WHERE service = ?", arguments: [service]) }
    }

    public func pausedServices() throws -> Set<String> {
        try read { db in Set(try (db.column(sql: "SELECT service FROM servicePause") as [String])) }
    }
}
