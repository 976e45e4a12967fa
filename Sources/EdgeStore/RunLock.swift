import EdgeCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// Who holds the run lock.
public struct LockHolder: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var processStart: Int64?
    public var host: String
    public var command: String
    public var since: Date

    public var description: String {
        "pid \(pid) on \(host) (\(command)) since \(Timestamp.string(since))"
    }
}

/// The single-writer lock of the state file.
///
/// It is a row, not an OS file lock, so it can name its holder in the error
/// a second writer sees, and so it survives in the file itself. A holder that
/// died without releasing (e.g. `kill -9`) is detected by its pid and the
/// pid's start time (so a recycled pid does not keep the lock alive).
public final class RunLock: Sendable {
    let store: StateStore
    public let holder: LockHolder
    /// The dead holder whose lock was taken over, for a warning.
    public let tookOverFrom: LockHolder?

    init(store: StateStore, holder: LockHolder, tookOverFrom: LockHolder?) {
        self.store = store
        self.holder = holder
        self.tookOverFrom = tookOverFrom
    }

    /// Releases the lock if this process still holds it.
    public func release() {
        _ = try? store.write { db in
            try db.execute(sql: "DELETE FROM runLock WHERE pid = ? AND host = ?", arguments: [holder.pid, holder.host])
        }
    }
}

extension StateStore {
    /// Takes the run lock for `command`, waiting up to `timeout` seconds for a live holder.
    /// Throws a temporary `EdgeError` (exit 75) naming the holder if it cannot.
    public func acquireLock(command: String, timeout: Double = 0, pollInterval: Double = 0.1) throws -> RunLock {
        let me = LockHolder(
            pid: getpid(), processStart: ProcessStart.of(getpid()), host: ProcessInfo.processInfo.hostName,
            command: command, since: Date())
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let result: (acquired: Bool, holder: LockHolder?) = try write { db in
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM runLock WHERE id = 1") {
                    let holder = LockHolder(
                        pid: Int32(row["pid"] as Int), processStart: row["processStart"], host: row["host"], command: row["command"],
                        since: Timestamp.date(row["since"]) ?? Date(timeIntervalSince1970: 0))
                    if StateStore.isAlive(holder, localHost: me.host) { return (false, holder) }
                    try StateStore.insertLock(db, me)
                    return (true, holder)
                }
                try StateStore.insertLock(db, me)
                return (true, nil)
            }
            if result.acquired { return RunLock(store: self, holder: me, tookOverFrom: result.holder) }
            guard let holder = result.holder, Date() < deadline else {
                let holderText = result.holder.map(\.description) ?? "another process"
                throw EdgeError.temporary(
                    "the state \(path) is locked by \(holderText); try again later"
                        + (timeout > 0 ? " (waited \(Int(timeout))s)" : " or pass --lock-timeout SECONDS to wait"))
            }
            _ = holder
            Thread.sleep(forTimeInterval: pollInterval)
        }
    }

    /// The current holder, for `status` and diagnostics; nil when unlocked.
    public func lockHolder() throws -> LockHolder? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runLock WHERE id = 1").map { row in
                LockHolder(
                    pid: Int32(row["pid"] as Int), processStart: row["processStart"], host: row["host"], command: row["command"],
                    since: Timestamp.date(row["since"]) ?? Date(timeIntervalSince1970: 0))
            }
        }
    }

    static func insertLock(_ db: Database, _ holder: LockHolder) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO runLock (id, pid, processStart, host, command, since) VALUES (1, ?, ?, ?, ?, ?)",
            arguments: [holder.pid, holder.processStart, holder.host, holder.command, Timestamp.string(holder.since)])
    }

    /// A holder on another host cannot be checked, so it counts as alive.
    static func isAlive(_ holder: LockHolder, localHost: String) -> Bool {
        guard holder.host == localHost else { return true }
        if kill(holder.pid, 0) != 0 && errno == ESRCH { return false }
        if let recorded = holder.processStart, let actual = ProcessStart.of(holder.pid), recorded != actual { return false }
        return true
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
    /// Writes a lock row for another process, as if it had taken the lock and died.
    /// Only tests use this, to simulate a holder killed with SIGKILL.
    public func plantLockForTesting(pid: Int32, command: String) throws {
        try write { db in
            try StateStore.insertLock(
                db, LockHolder(pid: pid, processStart: ProcessStart.of(pid), host: ProcessInfo.processInfo.hostName, command: command, since: Date()))
        }
    }
}
