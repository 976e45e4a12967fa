import EdgeCore
import Foundation

extension StateStore {
    static func appendEvent(
        _ db: any SQLConnection, time: String, type: EventRecord.EventType, kind: String, name: String, reason: String, message: String,
        generation: Int?
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO event (time, type, objectKind, objectName, reason, message, generation)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            // A message may quote a node (its stderr, in an error): what the shared state keeps of it is bounded.
            arguments: [
                time, type.rawValue, kind, name, reason, BoundedText.cut(Redactor.shared.redact(message), to: NodeLimits.storedMessage), generation,
            ])
    }

    public func appendEvent(
        type: EventRecord.EventType = .normal, kind: String, name: String, reason: String, message: String, at time: Date = Date()
    ) throws {
        try write { db in
            try StateStore.appendEvent(
                db, time: Timestamp.string(time), type: type, kind: kind, name: name, reason: reason, message: message, generation: nil)
        }
    }

    /// Events oldest first, optionally for one object and/or since a time.
    public func events(kind: String? = nil, name: String? = nil, since: Date? = nil, limit: Int? = nil) throws -> [EventRecord] {
        try read { db in
            var clauses: [String] = []
            var arguments: [any SQLBindable] = []
            if let kind {
                clauses.append("objectKind = ?")
                arguments.append(kind)
            }
            if let name {
                clauses.append("objectName = ?")
                arguments.append(name)
            }
            if let since {
                clauses.append("time >= ?")
                arguments.append(Timestamp.string(since))
            }
            var sql = "SELECT * FROM event"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY id DESC"
            if let limit { sql += " LIMIT \(limit)" }
            let rows = try db.rows(sql: sql, arguments: arguments)
            return rows.reversed().map { row in
                EventRecord(
                    id: row["id"], time: Timestamp.date(row["time"]) ?? Date(timeIntervalSince1970: 0),
                    type: EventRecord.EventType(rawValue: row["type"]) ?? .normal, objectKind: row["objectKind"],
                    objectName: row["objectName"], reason: row["reason"], message: row["message"], generation: row["generation"])
            }
        }
    }
}
