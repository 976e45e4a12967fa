import EdgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Taking, inspecting and breaking the run lock (`RunLock`), the same on both backends: the
/// anchor decides (a kernel file lock, a server advisory lock), the row names the holder.
extension StateStore {
    /// Seconds a lock's lease lasts (`EDGECTL_LOCK_LEASE`, default 30): on PostgreSQL the server
    /// ends the session of a holder that has not renewed for that long, releasing its lock.
    public static var lockLease: Double {
        ProcessInfo.processInfo.environment["EDGECTL_LOCK_LEASE"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 30
    }

    /// Takes the run lock for `command`, waiting up to `timeout` seconds for a live holder.
    /// Throws a temporary `EdgeError` (exit 75) naming the holder if it cannot. `identity` and
    /// `clock` are what this process writes in the row; neither decides who holds the lock.
    public func acquireLock(
        command: String, timeout: Double = 0, pollInterval: Double = 0.1, lease: Double = StateStore.lockLease,
        identity: LockIdentity = .current, clock: @escaping @Sendable () -> Date = { Date() }
    )
        throws -> RunLock
    {
        let token = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let deadline = Date().addingTimeInterval(timeout)
        let anchor: any LockAnchor =
            if let postgres = backend as? PostgresBackend { PostgresLockSession(backend: postgres, lease: lease) } else {
                try HostLock(statePath: path)
            }
        while true {
            let free = try anchor.tryTake()
            let result: (acquired: LockHolder?, holder: LockHolder?, reason: String?) = try unfencedWrite { db in
                let holder = try StateStore.currentHolder(db)
                guard free else { return (nil, holder, nil) }
                let now = try anchor.now(db) ?? clock()
                let reason = holder.flatMap { StateStore.takeoverReason($0, anchoredBy: anchor, now: now) }
                if holder != nil && reason == nil { return (nil, holder, nil) }
                let me = LockHolder(
                    pid: identity.pid, processStart: identity.processStart, host: identity.host, user: identity.user, command: command,
                    since: now, expiresAt: now.addingTimeInterval(lease), token: token, session: anchor.session)
                try db.execute(sql: "DELETE FROM runLock")
                try StateStore.insertLock(db, me)
                if let holder, let reason {
                    try StateStore.appendEvent(
                        db, time: Timestamp.string(now), type: .warning, kind: "Lock", name: "state", reason: "LockTakenOver",
                        message: "\(me) took over the lock of \(holder), which \(reason)", generation: nil)
                }
                return (me, holder, reason)
            }
            if let me = result.acquired {
                return RunLock(
                    store: self, holder: me, tookOverFrom: result.holder, takeoverReason: result.reason, lease: lease, anchor: anchor,
                    clock: clock)
            }
            // Taken but not usable (an older edgectl's live lease): let others try meanwhile.
            if free { anchor.release() }
            guard Date() < deadline else {
                anchor.release()
                let holderText = result.holder.map(\.description) ?? "another process"
                let leaseText = result.holder?.expiresAt.map { ", its lease runs until \(Timestamp.string($0))" } ?? ""
                let liveText = free || isPostgres ? "" : " (a process on this machine holds \(path).lock)"
                throw EdgeError.temporary(
                    "the state \(displayName) is locked by \(holderText)\(leaseText)\(liveText); try again later"
                        + (timeout > 0 ? " (waited \(Int(timeout))s)" : " or pass --lock-timeout SECONDS to wait"))
            }
            Thread.sleep(forTimeInterval: pollInterval)
        }
    }

    /// Why the row of `holder` may be replaced by one who has just taken the anchor, or nil to
    /// leave it. Holding the anchor proves the holder gone, unless the row was written by an
    /// edgectl from before the advisory lock (no session): that one keeps its lease, read by
    /// the server's clock.
    static func takeoverReason(_ holder: LockHolder, anchoredBy anchor: any LockAnchor, now: Date) -> String? {
        guard anchor is PostgresLockSession else { return "is no longer running (it let go of the state's .lock file)" }
        if holder.session != nil {
            return "is no longer connected to the state server (it ended, its connection was cut, or it stopped renewing its lease)"
        }
        guard let expires = holder.expiresAt, expires >= now else {
            return "let its lease run out at \(holder.expiresAt.map(Timestamp.string) ?? "an unknown time")"
        }
        return nil
    }

    /// The current holder (`lock status`); nil when unlocked.
    public func lockHolder() throws -> LockHolder? {
        try read { try StateStore.currentHolder($0) }
    }

    /// Breaks the lock whoever holds it (`lock release --force`), recording who did and whom
    /// it was taken from. Returns that holder (nil: it was not held). On PostgreSQL the holder's
    /// session is ended too where the server lets this role (else it stops at its next write,
    /// and its session ends with it).
    @discardableResult
    public func forceReleaseLock(by actor: Actor) throws -> LockHolder? {
        let holder: LockHolder? = try unfencedWrite { db in
            guard let holder = try StateStore.currentHolder(db) else { return nil }
            try db.execute(sql: "DELETE FROM runLock")
            try StateStore.appendEvent(
                db, time: Timestamp.string(actor.now), type: .warning, kind: "Lock", name: "state", reason: "LockReleased",
                message: "released by \(actor.user) on \(actor.host) (\(actor.command)); it was held by \(holder)", generation: nil)
            return holder
        }
        if isPostgres, let session = holder?.session {
            _ = try? unfencedWrite { db in try db.execute(sql: "SELECT pg_terminate_backend(?::int)", arguments: [session]) }
        }
        return holder
    }

    static func currentHolder(_ db: any SQLConnection) throws -> LockHolder? {
        try db.row(sql: "SELECT * FROM runLock WHERE id = 1").map { row in
            LockHolder(
                pid: Int32(row["pid"] as Int), processStart: row["processStart"], host: row["host"], user: row["holderUser"],
                command: row["command"], since: Timestamp.date(row["since"]) ?? Date(timeIntervalSince1970: 0),
                expiresAt: (row["expiresAt"] as String?).flatMap(Timestamp.date), token: row["token"] ?? "", session: row["session"])
        }
    }

    static func insertLock(_ db: any SQLConnection, _ holder: LockHolder) throws {
        try db.execute(
            sql: """
                INSERT INTO runLock (id, pid, processStart, host, holderUser, command, since, expiresAt, token, session)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                holder.pid, holder.processStart, holder.host, holder.user, holder.command, Timestamp.string(holder.since),
                holder.expiresAt.map(Timestamp.string), holder.token, holder.session,
            ])
    }

    /// Writes a lock row for another process, as if it had taken the lock and died: nothing
    /// holds its anchor. Only tests use this.
    public func plantLockForTesting(pid: Int32, command: String, host: String? = nil, leaseSeconds: Double = 30) throws {
        try unfencedWrite { db in
            try db.execute(sql: "DELETE FROM runLock")
            try StateStore.insertLock(
                db,
                LockHolder(
                    pid: pid, processStart: ProcessStart.of(pid), host: host ?? ProcessInfo.processInfo.hostName, user: "tester",
                    command: command, since: Date(), expiresAt: Date().addingTimeInterval(leaseSeconds), token: "planted",
                    session: db.dialect == .postgres ? 0 : nil))
        }
    }
}

/// A process's start time in clock ticks since boot (`/proc/PID/stat` field 22), shown with
/// the pid in the lock's row.
public enum ProcessStart {
    public static func of(_ pid: Int32) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may contain spaces) start at field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return Int64(fields[19])
    }
}
