import EdgeCore
import Foundation

extension StateStore {
    /// Gives a service's spec + release the next revision number, unless it
    /// is what the latest revision already is. Returns the new number, or nil.
    static func nextRevision(
        _ db: any SQLConnection, service: String, spec: String, release: String, version: String?, generation: Int?, actor: Actor,
        reason: String
    ) throws -> Int? {
        let latest = try db.row(
            sql: "SELECT revision, spec, release FROM revision WHERE service = ? ORDER BY revision DESC LIMIT 1",
            arguments: [service])
        if let latest, latest["spec"] as String == spec, latest["release"] as String == release { return nil }
        let number = ((latest?["revision"] as Int?) ?? 0) + 1
        try db.execute(
            sql: """
                INSERT INTO revision (service, revision, spec, release, version, generation, createdAt, command, "user", reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [service, number, spec, release, version, generation, Timestamp.string(actor.now), actor.command, actor.user, reason])
        return number
    }

    public func revisions(service: String) throws -> [RevisionRecord] {
        try read { db in
            try db.rows(sql: "SELECT * FROM revision WHERE service = ? ORDER BY revision", arguments: [service]).map { row in
                RevisionRecord(
                    service: row["service"], revision: row["revision"], specJSON: row["spec"], release: row["release"],
                    version: row["version"], generation: row["generation"],
                    createdAt: Timestamp.date(row["createdAt"]) ?? Date(timeIntervalSince1970: 0), command: row["command"],
                    user: row["user"], reason: row["reason"], outcome: (row["outcome"] as String?).map(RevisionOutcome.init(stored:)))
            }
        }
    }

    /// The latest revision number of every service.
    public func latestRevisions() throws -> [String: Int] {
        try read { db in
            let rows = try db.rows(sql: "SELECT service, MAX(revision) AS revision FROM revision GROUP BY service")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["service"] as String, $0["revision"] as Int) })
        }
    }

    public func releases() throws -> [ReleaseRecord] {
        try read { db in
            try db.rows(sql: "SELECT digest, service, version, fileCount, size, createdAt FROM release ORDER BY createdAt, service")
                .map { row in
                    ReleaseRecord(
                        digest: row["digest"], service: row["service"], version: row["version"], fileCount: row["fileCount"],
                        size: row["size"], createdAt: Timestamp.date(row["createdAt"]) ?? Date(timeIntervalSince1970: 0))
                }
        }
    }

    /// The file list of a recorded release, so later runs know what to send without rescanning.
    public func releaseEntries(digest: String) throws -> [BundleEntry]? {
        try read { db in
            guard let json: String = try db.value(sql: "SELECT entries FROM release WHERE digest = ? LIMIT 1", arguments: [digest]) else {
                return nil
            }
            let entries = try JSONDecoder().decode([BundleEntry].self, from: Data(json.utf8))
            // The list decides which files are sent and where they land: it must be the release it names.
            let problems = StoredValues.problems(entries: entries, digest: digest)
            guard problems.isEmpty else {
                throw EdgeError.runtime(
                    "the state's file list of release \(digest.prefix(12)) is not that release (\(problems.prefix(3).joined(separator: "; "))); no node was sent it"
                )
            }
            return entries
        }
    }
}
