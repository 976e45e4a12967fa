import EdgeCore
import Foundation
import PostgresNIO

/// The run lock's anchor on a PostgreSQL state: a session of its own to the server, holding a
/// session-level advisory lock for the whole run.
///
/// The server releases that lock the moment the session ends: the holder exited or was killed
/// (its socket closed), its connection was cut (`pg_terminate_backend`, a broken link), or it
/// stopped renewing for a whole lease (a closed laptop, a frozen process): the session runs
/// with `idle_session_timeout` set to the lease, so the server itself ends a session nobody
/// renews. No client's clock, host name or pid is ever compared: who holds the lock is what
/// the server says, in its own time.
final class PostgresLockSession: LockAnchor, @unchecked Sendable {
    /// The advisory lock's key (the schema migrations use 7271001); advisory locks are per
    /// database, so two states on one server do not meet.
    static let key: Int64 = 7_271_002

    private let backend: PostgresBackend
    private let lease: Double
    private let mutex = NSLock()
    private var connection: PostgresConnection?
    /// The server process serving the session (`pg_backend_pid()`), recorded in the lock's row.
    private(set) var session: Int64?

    init(backend: PostgresBackend, lease: Double) {
        self.backend = backend
        self.lease = lease
    }

    deinit { try? connection?.close().wait() }

    private func run(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> [SQLRow] {
        guard let connection, !connection.isClosed else { throw PostgresBackend.ConnectionLost() }
        return try PostgresBackend.run(sql, arguments, on: connection, logger: backend.logger)
    }

    func tryTake() throws -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        do {
            if connection == nil || connection?.isClosed == true {
                connection = try backend.newConnection()
                // Whole milliseconds, at least one; renewal comes every third of it.
                let timeout = max(1, Int((lease * 1000).rounded()))
                _ = try run("SET application_name = 'edgectl run lock'")
                // PostgreSQL 14 and later; an older server ends a vanished holder's session
                // only once it notices the connection is gone.
                _ = try? run("SET idle_session_timeout = \(timeout)")
            }
            guard let row = try run("SELECT pg_try_advisory_lock(?), pg_backend_pid()", [PostgresLockSession.key]).first else { return false }
            let taken: Bool = row[0]
            session = row[1]
            return taken
        } catch let error as EdgeError {
            throw error
        } catch {
            connection = nil
            throw EdgeError.temporary("the state server \(backend.url) went away while taking the run lock (\(error)); try again")
        }
    }

    /// Renews on the session itself: the statement resets the server's idle timer, and the
    /// row's lease (shown by `lock status`) is set by the server's clock. False when the
    /// session has ended or the row is no longer this holder's.
    func renew(store: StateStore, token: String, lease: Double, clock: () -> Date) -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        let rows = try? run(
            """
            UPDATE runLock SET expiresAt = to_char((now() + make_interval(secs => ?)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            WHERE token = ? RETURNING token
            """, [lease, token])
        return rows?.count == 1
    }

    /// Whether the server still grants the advisory lock to this session, asked inside the
    /// writer's own transaction (another connection): the fence every write passes.
    func isHeld(_ db: any SQLConnection) throws -> Bool {
        guard let session else { return false }
        let count: Int =
            try db.value(
                sql: """
                    SELECT COUNT(*) FROM pg_locks
                    WHERE locktype = 'advisory' AND granted AND pid = ? AND classid = 0 AND objid = ? AND objsubid = 1
                        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """, arguments: [session, PostgresLockSession.key]) ?? 0
        return count > 0
    }

    func now(_ db: any SQLConnection) throws -> Date? {
        let seconds: Double? = try db.value(sql: "SELECT EXTRACT(EPOCH FROM now())::float8")
        return seconds.map { Date(timeIntervalSince1970: $0) }
    }

    func release() {
        mutex.lock()
        defer { mutex.unlock() }
        // Unlocked explicitly: a closed socket is noticed by the server a moment later, and the
        // next writer should not have to wait for that.
        _ = try? run("SELECT pg_advisory_unlock_all()")
        try? connection?.close().wait()
        connection = nil
    }
}
