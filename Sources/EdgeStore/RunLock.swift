import EdgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Who holds the run lock, and until when their lease runs.
public struct LockHolder: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var processStart: Int64?
    public var host: String
    public var user: String?
    public var command: String
    public var since: Date
    /// The lease: the holder renews it while it runs; past it, the lock may be taken over.
    public var expiresAt: Date?
    /// Identifies this holding (a pid may be reused, and two hosts may share a name).
    public var token: String = ""

    public var description: String {
        "pid \(pid)\(user.map { " (\($0))" } ?? "") on \(host) (\(command)) since \(Timestamp.string(since))"
    }
}

/// The single-writer lock of the state, with a lease.
///
/// It is a row in the state, not an OS file lock, so it works the same on a shared PostgreSQL
/// database as in a local file, names its holder in the error a second writer sees, and can be
/// listed and released by automation (`edgectl lock status|release`). The holder renews its
/// lease every third of the lease; a lock whose lease ran out (the holder was killed, the
/// laptop closed) is taken over with a warning naming the old holder. On the holder's own host
/// a dead holder is seen at once by its pid and the pid's start time.
public final class RunLock: @unchecked Sendable {
    let store: StateStore
    public let holder: LockHolder
    /// The holder whose lock was taken over (dead, or its lease ran out), for a warning.
    public let tookOverFrom: LockHolder?
    /// Why it was taken over: "no longer running" or "its lease ran out at …".
    public let takeoverReason: String?
    private let state = NSCondition()
    private var released = false
    private let hostLock: HostLock?

    init(store: StateStore, holder: LockHolder, tookOverFrom: LockHolder?, takeoverReason: String?, lease: Double, hostLock: HostLock?) {
        self.store = store
        self.hostLock = hostLock
        self.holder = holder
        self.tookOverFrom = tookOverFrom
        self.takeoverReason = takeoverReason
        let renewer = Thread { [weak self] in self?.renew(every: lease / 3, lease: lease) }
        renewer.start()
    }

    /// Extends the lease until released (a holder that stops renewing loses it after `lease`).
    private func renew(every interval: Double, lease: Double) {
        state.lock()
        defer { state.unlock() }
        while !released {
            _ = state.wait(until: Date().addingTimeInterval(interval))
            if released { return }
            let token = holder.token
            _ = try? store.write { db in
                try db.execute(
                    sql: "UPDATE runLock SET expiresAt = ? WHERE token = ?",
                    arguments: [Timestamp.string(Date().addingTimeInterval(lease)), token])
            }
        }
    }

    /// Releases the lock if this process still holds it.
    public func release() {
        state.lock()
        let first = !released
        released = true
        state.broadcast()
        state.unlock()
        guard first else { return }
        let token = holder.token
        _ = try? store.write { db in try db.execute(sql: "DELETE FROM runLock WHERE token = ?", arguments: [token]) }
        hostLock?.unlock()
    }
}

extension StateStore {
    /// Seconds a lock's lease lasts (`EDGECTL_LOCK_LEASE`, default 30).
    public static var lockLease: Double {
        ProcessInfo.processInfo.environment["EDGECTL_LOCK_LEASE"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 30
    }

    /// Takes the run lock for `command`, waiting up to `timeout` seconds for a live holder.
    /// Throws a temporary `EdgeError` (exit 75) naming the holder if it cannot.
    public func acquireLock(
        command: String, timeout: Double = 0, pollInterval: Double = 0.1, lease: Double = StateStore.lockLease
    )
        throws -> RunLock
    {
        let me = LockHolder(
            pid: getpid(), processStart: ProcessStart.of(getpid()), host: ProcessInfo.processInfo.hostName, user: Actor.userName,
            command: command, since: Date(), expiresAt: Date().addingTimeInterval(lease),
            token: (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined())
        let deadline = Date().addingTimeInterval(timeout)
        let hostLock = isPostgres ? nil : try HostLock(statePath: path)
        while true {
            // A live process on this machine holds the file lock: its row is live too, whatever
            // its host name and pid say (another container may share both).
            let hostLockFree = hostLock?.tryLock() ?? true
            let result: (acquired: Bool, holder: LockHolder?, reason: String?) = try write { db in
                guard hostLockFree else { return (false, try StateStore.currentHolder(db), nil) }
                var me = me
                me.expiresAt = Date().addingTimeInterval(lease)
                guard let holder = try StateStore.currentHolder(db) else {
                    try StateStore.insertLock(db, me)
                    return (true, nil, nil)
                }
                guard let reason = StateStore.takeoverReason(holder, localHost: me.host) else { return (false, holder, nil) }
                try db.execute(sql: "DELETE FROM runLock")
                try StateStore.insertLock(db, me)
                try StateStore.appendEvent(
                    db, time: Timestamp.string(Date()), type: .warning, kind: "Lock", name: "state", reason: "LockTakenOver",
                    message: "\(me) took over the lock of \(holder), which \(reason)", generation: nil)
                return (true, holder, reason)
            }
            if result.acquired {
                return RunLock(
                    store: self, holder: me, tookOverFrom: result.holder, takeoverReason: result.reason, lease: lease, hostLock: hostLock)
            }
            guard Date() < deadline else {
                let holderText = result.holder.map(\.description) ?? "another process"
                let leaseText = result.holder?.expiresAt.map { ", its lease runs until \(Timestamp.string($0))" } ?? ""
                let liveText = hostLockFree ? "" : " (a process on this machine holds \(path).lock)"
                throw EdgeError.temporary(
                    "the state \(displayName) is locked by \(holderText)\(leaseText)\(liveText); try again later"
                        + (timeout > 0 ? " (waited \(Int(timeout))s)" : " or pass --lock-timeout SECONDS to wait"))
            }
            Thread.sleep(forTimeInterval: pollInterval)
        }
    }

    /// The current holder (`lock status`); nil when unlocked.
    public func lockHolder() throws -> LockHolder? {
        try read { try StateStore.currentHolder($0) }
    }

    /// Breaks the lock whoever holds it (`lock release --force`), recording who did and whom
    /// it was taken from. Returns that holder (nil: it was not held).
    @discardableResult
    public func forceReleaseLock(by actor: Actor) throws -> LockHolder? {
        try write { db in
            guard let holder = try StateStore.currentHolder(db) else { return nil }
            try db.execute(sql: "DELETE FROM runLock")
            try StateStore.appendEvent(
                db, time: Timestamp.string(actor.now), type: .warning, kind: "Lock", name: "state", reason: "LockReleased",
                message: "released by \(actor.user) on \(actor.host) (\(actor.command)); it was held by \(holder)", generation: nil)
            return holder
        }
    }

    static func currentHolder(_ db: any SQLConnection) throws -> LockHolder? {
        try db.row(sql: "SELECT * FROM runLock WHERE id = 1").map { row in
            LockHolder(
                pid: Int32(row["pid"] as Int), processStart: row["processStart"], host: row["host"], user: row["holderUser"],
                command: row["command"], since: Timestamp.date(row["since"]) ?? Date(timeIntervalSince1970: 0),
                expiresAt: (row["expiresAt"] as String?).flatMap(Timestamp.date), token: row["token"] ?? "")
        }
    }

    static func insertLock(_ db: any SQLConnection, _ holder: LockHolder) throws {
        try db.execute(
            sql: """
                INSERT INTO runLock (id, pid, processStart, host, holderUser, command, since, expiresAt, token)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                holder.pid, holder.processStart, holder.host, holder.user, holder.command, Timestamp.string(holder.since),
                holder.expiresAt.map(Timestamp.string), holder.token,
            ])
    }

    /// Why a holder's lock may be taken over, or nil while it is held: a lease that ran out,
    /// or (on its own host, where it can be checked) a holder that is no longer running.
    static func takeoverReason(_ holder: LockHolder, localHost: String, now: Date = Date()) -> String? {
        if let expires = holder.expiresAt, expires < now { return "let its lease run out at \(Timestamp.string(expires))" }
        guard holder.host == localHost else { return nil }
        if kill(holder.pid, 0) != 0 && errno == ESRCH { return "is no longer running" }
        if let recorded = holder.processStart, let actual = ProcessStart.of(holder.pid), recorded != actual { return "is no longer running" }
        return nil
    }
}

/// A process's start time in clock ticks since boot (`/proc/PID/stat` field 22),
/// which with the pid identifies a process even after pids wrap around.
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

extension StateStore {
    /// Writes a lock row for another process, as if it had taken the lock and died (or, with a
    /// host that is not this one, as if a holder elsewhere had stopped renewing). Only tests use this.
    public func plantLockForTesting(pid: Int32, command: String, host: String? = nil, leaseSeconds: Double = 30) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM runLock")
            try StateStore.insertLock(
                db,
                LockHolder(
                    pid: pid, processStart: ProcessStart.of(pid), host: host ?? ProcessInfo.processInfo.hostName, user: "tester",
                    command: command, since: Date(), expiresAt: Date().addingTimeInterval(leaseSeconds), token: "planted"))
        }
    }
}
