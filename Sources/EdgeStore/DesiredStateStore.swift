import EdgeCore
import Foundation

extension StateStore {
    public func resources(kind: ResourceKind? = nil) throws -> [StoredResource] {
        try read { db in
            var sql = "SELECT * FROM resource"
            var arguments: [any SQLBindable] = []
            if let kind {
                sql += " WHERE kind = ?"
                arguments = [kind.rawValue]
            }
            sql += " ORDER BY kind, name"
            return try db.rows(sql: sql, arguments: arguments).map(StateStore.storedResource)
        }
    }

    /// The desired state as it may reach nodes: every value checked again (`StoredValues`),
    /// since something other than edgectl may have written it. A resource that fails stops the
    /// command before any node is contacted, naming it and what is wrong; `get`, `apply` and
    /// `delete` read without this check, so such a resource can be seen and replaced.
    public func checkedResources(kind: ResourceKind? = nil) throws -> [Resource] {
        try StoredValues.checked(try resources(kind: kind).map(\.resource), stateName: displayName)
    }

    public func resource(_ id: ResourceID) throws -> StoredResource? {
        try read { db in
            try db.row(sql: "SELECT * FROM resource WHERE kind = ? AND name = ?", arguments: [id.kind.rawValue, id.name])
                .map(StateStore.storedResource)
        }
    }

    /// Resources last applied from any of these files (for `--prune` and `delete -f`).
    public func resourceIDs(fromFiles files: [String]) throws -> Set<ResourceID> {
        Set(try resources().filter { $0.sourceFile.map(files.contains) ?? false }.map(\.resource.id))
    }

    static func storedResource(_ row: SQLRow) throws -> StoredResource {
        let kind = ResourceKind(rawValue: row["kind"]) ?? .node
        var resource = try Resource.decode(kind: kind, name: row["name"], labelsJSON: row["labels"], specJSON: row["spec"])
        let digest: String? = row["release"]
        if let digest {
            resource.release = Release(digest: digest, entries: [])
        }
        let file: String? = row["sourceFile"]
        if let file, let line: Int = row["sourceLine"] {
            resource.source = SourceLocation(file: file, line: line, column: 1)
        }
        return StoredResource(
            resource: resource, generation: row["generation"], appliedGeneration: row["appliedGeneration"],
            sourceFile: row["sourceFile"], createdAt: Timestamp.date(row["createdAt"]) ?? Date(timeIntervalSince1970: 0),
            updatedAt: Timestamp.date(row["updatedAt"]) ?? Date(timeIntervalSince1970: 0), releaseDigest: digest)
    }

    /// The result of recording a set of changes.
    public struct RecordOutcome: Sendable {
        public var generation: Int
        /// New service revisions created, by service name.
        public var newRevisions: [String: Int]
    }

    /// Records changes to the desired state as one new generation, atomically:
    /// resources, their releases, new service revisions and one event per change.
    public func record(_ changes: [DesiredStateChange], by actor: Actor) throws -> RecordOutcome {
        try write { db in
            let now = Timestamp.string(actor.now)
            // Unchanged resources may still have moved (a bundle read from another checkout,
            // a manifest in another file): keep where to find them current, silently.
            for change in changes where change.action == .unchanged {
                guard let resource = change.resource else { continue }
                try db.execute(
                    sql: "UPDATE resource SET spec = ?, sourceFile = ?, sourceLine = ? WHERE kind = ? AND name = ?",
                    arguments: [try resource.specJSON(), resource.source?.file, resource.source?.line, resource.kind.rawValue, resource.name])
            }
            guard changes.contains(where: { $0.action != .unchanged }) else {
                return RecordOutcome(generation: 0, newRevisions: [:])
            }
            let generation: Int =
                try db.value(
                    // Numbered here, not by a sequence: a PostgreSQL sequence skips the numbers of
                    // transactions that rolled back (a retried conflict), and generations have no gaps.
                    sql: """
                        INSERT INTO generation (id, createdAt, command, "user", host)
                        VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM generation), ?, ?, ?, ?) RETURNING id
                        """,
                    arguments: [now, actor.command, actor.user, actor.host]) ?? 0
            var newRevisions: [String: Int] = [:]
            for change in changes {
                switch change.action {
                case .unchanged:
                    continue
                case .delete:
                    try db.execute(
                        sql: "DELETE FROM resource WHERE kind = ? AND name = ?", arguments: [change.id.kind.rawValue, change.id.name])
                    try StateStore.appendEvent(
                        db, time: now, type: .normal, kind: change.id.kind.rawValue, name: change.id.name, reason: "Deleted",
                        message: "removed from the desired state by \(actor.user)", generation: generation)
                case .create, .update:
                    guard let resource = change.resource else { continue }
                    let previous: Int? = try db.value(
                        sql: "SELECT generation FROM resource WHERE kind = ? AND name = ?",
                        arguments: [resource.kind.rawValue, resource.name])
                    try db.execute(
                        sql: """
                            INSERT INTO resource (kind, name, labels, spec, release, generation, appliedGeneration,
                                                  sourceFile, sourceLine, createdAt, updatedAt)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (kind, name) DO UPDATE SET
                                labels = excluded.labels, spec = excluded.spec, release = excluded.release,
                                generation = excluded.generation, appliedGeneration = excluded.appliedGeneration,
                                sourceFile = excluded.sourceFile, sourceLine = excluded.sourceLine,
                                updatedAt = excluded.updatedAt
                            """,
                        arguments: [
                            resource.kind.rawValue, resource.name, try resource.labelsJSON(), try resource.specJSON(),
                            resource.release?.digest, (previous ?? 0) + 1, generation, resource.source?.file,
                            resource.source?.line, now, now,
                        ])
                    if let release = resource.release, let service = resource.serviceSpec {
                        try StateStore.recordRelease(db, release, service: resource.name, version: service.bundle.version, now: now)
                        let revision = try StateStore.nextRevision(
                            db, service: resource.name, spec: try resource.identityJSON(), release: release.digest,
                            version: service.bundle.version, generation: generation, actor: actor, reason: "apply")
                        if let revision { newRevisions[resource.name] = revision }
                    }
                    let verb = change.action == .create ? "Created" : "Configured"
                    var message =
                        change.action == .create
                        ? "added to the desired state"
                        : "changed: "
                            + change.fields.prefix(4).map(\.path).joined(separator: ", ")
                            + (change.fields.count > 4 ? " and \(change.fields.count - 4) more" : "")
                    if let revision = newRevisions[resource.name] { message += " (revision \(revision))" }
                    try StateStore.appendEvent(
                        db, time: now, type: .normal, kind: resource.kind.rawValue, name: resource.name, reason: verb,
                        message: message, generation: generation)
                }
            }
            return RecordOutcome(generation: generation, newRevisions: newRevisions)
        }
    }

    static func recordRelease(_ db: any SQLConnection, _ release: Release, service: String, version: String?, now: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let entries = String(decoding: try encoder.encode(release.entries), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO release (digest, service, version, fileCount, size, entries, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (digest, service) DO UPDATE SET version = excluded.version
                """,
            arguments: [release.digest, service, version, release.fileCount, release.totalSize, entries, now])
    }
}
