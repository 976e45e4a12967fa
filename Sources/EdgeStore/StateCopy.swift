import EdgeCore
import Foundation

/// `edgectl state copy`: a whole state from one backend to another (SQLite file ⇄ PostgreSQL),
/// table by table in an order that keeps references valid, then every table read back from
/// both sides and compared. The destination must hold no state yet; both run locks are held
/// throughout, so nothing changes either side meanwhile.
public enum StateCopy {
    /// Every table that holds the state, parents first. (`runLock` is not state: each side
    /// keeps its own, held by this copy.)
    static let tables: [(name: String, order: String)] = [
        ("generation", "id"), ("resource", "kind, name"), ("release", "digest, service"), ("revision", "service, revision"),
        ("event", "id"), ("nodeFact", "node"), ("hostKey", "node"), ("nodeService", "node, service"), ("rollout", "id"),
        ("rolloutStep", "{step}"), ("servicePause", "service"), ("unit", "digest"), ("setting", "name"),
        ("nodeFailure", "node, service"),
    ]

    public struct Report: Sendable {
        /// Rows copied per table, in copy order.
        public var rows: [(table: String, count: Int)]
    }

    /// The secret fingerprint key travels with the state (unit digests depend on it): a file
    /// beside a SQLite state, the operator's key for a PostgreSQL one (`FingerprintKey`). Its
    /// settings are not copied as rows.
    static let keySettings: Set<String> = [FingerprintKey.legacySetting, FingerprintKey.checkSetting]

    public static func copy(from source: StateStore, to destination: StateStore, actor: Actor) throws -> Report {
        let sourceLock = try source.acquireLock(command: actor.command)
        defer { sourceLock.release() }
        let destinationLock = try destination.acquireLock(command: actor.command)
        defer { destinationLock.release() }
        let held = try destination.read { db in
            try tables.compactMap { table -> String? in
                let count: Int = try db.value(sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0
                return count == 0 ? nil : "\(table.name) \(count)"
            }
        }
        guard held.isEmpty else {
            throw EdgeError.runtime(
                "\(destination.displayName) already holds a state (\(held.joined(separator: ", "))); copy into an empty one")
        }
        var report = Report(rows: [])
        let snapshot = try source.read { db in try tables.map { try rows(db, $0.name, order: $0.order) } }
        try destination.write { db in
            for (index, table) in tables.enumerated() {
                let columns = Set(try StateCopy.columns(db, table.name).map { $0.lowercased() })
                // The fingerprint key goes to its own place (`copyKey`), not as a row.
                for row in snapshot[index] where !(table.name == "setting" && isKeySetting(row)) {
                    let kept = zip(row.columns, row.values).filter { columns.contains($0.0.lowercased()) }
                    let names = kept.map { quoted($0.0) }.joined(separator: ", ")
                    let marks = Array(repeating: "?", count: kept.count).joined(separator: ", ")
                    try db.execute(sql: "INSERT INTO \(table.name) (\(names)) VALUES (\(marks))", arguments: kept.map(\.1))
                }
                report.rows.append((table.name, snapshot[index].count))
            }
            if db.dialect == .postgres {
                // Ids were copied as they were: the sequences go on after them.
                for table in ["event", "rollout", "generation"] {
                    try db.execute(
                        sql:
                            "SELECT setval(pg_get_serial_sequence('\(table.lowercased())', 'id'), COALESCE((SELECT MAX(id) FROM \(table)), 0) + 1, false)"
                    )
                }
            }
        }
        try copyKey(from: source, to: destination)
        try verify(source, destination)
        return report
    }

    /// Compares every table on both sides, row by row (by column name, whatever its case);
    /// throws naming the first difference.
    public static func verify(_ a: StateStore, _ b: StateStore) throws {
        let left = try a.read { db in try tables.map { try rows(db, $0.name, order: $0.order) } }
        let right = try b.read { db in try tables.map { try rows(db, $0.name, order: $0.order) } }
        // The fingerprint key is a file beside a SQLite state and a setting in PostgreSQL:
        // compared as a key, not as a row.
        let keys = (key(of: a), key(of: b))
        if keys.0 != keys.1 {
            throw EdgeError.runtime("state copy: the secrets' fingerprint key differs between \(a.displayName) and \(b.displayName)")
        }
        for (index, table) in tables.enumerated() {
            let l = left[index].filter { !(table.name == "setting" && isKeySetting($0)) }.map(normalised)
            let r = right[index].filter { !(table.name == "setting" && isKeySetting($0)) }.map(normalised)
            guard l.count == r.count else {
                throw EdgeError.runtime("state copy: \(table.name) has \(l.count) row(s) in \(a.displayName) but \(r.count) in \(b.displayName)")
            }
            for (i, (x, y)) in zip(l, r).enumerated() where x != y {
                let column = Set(x.keys).union(y.keys).sorted().first { x[$0] != y[$0] } ?? "?"
                throw EdgeError.runtime(
                    "state copy: \(table.name) row \(i + 1) differs in \(column): \(x[column].map(\.description) ?? "absent") vs \(y[column].map(\.description) ?? "absent")"
                )
            }
        }
    }

    static func isKeySetting(_ row: SQLRow) -> Bool {
        keySettings.contains { row.value("name") == .text($0) }
    }

    static func key(of store: StateStore) -> String? { try? FingerprintKey.hex(for: store) }

    static func copyKey(from source: StateStore, to destination: StateStore) throws {
        guard let key = key(of: source) else { return }
        if destination.isPostgres {
            try FingerprintKey.adopt(key, for: destination)
        } else if try FingerprintKey.besideState(destination.path, hex: key) != key {
            throw EdgeError.runtime("state copy: \(destination.path).fingerprint-key already holds another key; remove it or copy elsewhere")
        }
    }

    static func rows(_ db: any SQLConnection, _ table: String, order: String) throws -> [SQLRow] {
        let step = db.dialect == .postgres ? "id" : "rowid"
        return try db.rows(sql: "SELECT * FROM \(table) ORDER BY \(order.replacingOccurrences(of: "{step}", with: step))")
    }

    static func columns(_ db: any SQLConnection, _ table: String) throws -> [String] {
        switch db.dialect {
        case .sqlite: return try db.rows(sql: "PRAGMA table_info(\(table))").map { $0["name"] }
        case .postgres:
            return try db.column(sql: "SELECT column_name FROM information_schema.columns WHERE table_name = ?", arguments: [table.lowercased()])
        }
    }

    /// A row as name → value, without the ids only one backend has (`rolloutStep.id`).
    static func normalised(_ row: SQLRow) -> [String: SQLValue] {
        var out: [String: SQLValue] = [:]
        for (column, value) in zip(row.columns, row.values) { out[column.lowercased()] = value }
        if out["step"] != nil && out["rollout"] != nil { out["id"] = nil }
        return out
    }

    /// Column names go unquoted (PostgreSQL folds them as it did when the table was made),
    /// but for the two reserved words.
    static func quoted(_ column: String) -> String {
        ["user", "by"].contains(column.lowercased()) ? "\"\(column.lowercased())\"" : column
    }
}
