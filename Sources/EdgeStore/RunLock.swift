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
    /// The lease as last renewed (by the server's clock on PostgreSQL). It is shown, never
    /// compared with a clock to decide whether the holder lives (see `LockAnchor`).
    public var expiresAt: Date?
    /// Identifies this holding (a pid may be reused, and two hosts may share a name): the
    /// fencing token every write of the holder is checked against.
    public var token: String = ""
    /// The server session whose advisory lock keeps this holding (PostgreSQL); nil for a
    /// SQLite state and for a row written by an edgectl from before the advisory lock.
    public var session: Int64? = nil

    public var description: String {
        "pid \(pid)\(user.map { " (\($0))" } ?? "") on \(host) (\(command)) since \(Timestamp.string(since))"
    }
}

/// Who this process says it is in the lock's row. Only shown to people: nothing decides by it
/// (two containers may share a host name and a pid). Tests pass their own.
public struct LockIdentity: Sendable {
    public var pid: Int32
    public var processStart: Int64?
    public var host: String
    public var user: String?

    public init(pid: Int32, processStart: Int64?, host: String, user: String?) {
        self.pid = pid
        self.processStart = processStart
        self.host = host
        self.user = user
    }

    public static var current: LockIdentity {
        LockIdentity(pid: getpid(), processStart: ProcessStart.of(getpid()), host: ProcessInfo.processInfo.hostName, user: Actor.userName)
    }
}

/// What proves a run lock's holder alive to every other process, held for the whole run: the
/// kernel's file lock on `<state>.lock` (SQLite, `HostLock`) or a session-level advisory lock on
/// the server (PostgreSQL, `PostgresLockSession`). Either is held exactly as long as the holder
/// (or its session with the server) lives, so no clock, host name or pid is compared.
protocol LockAnchor: AnyObject, Sendable {
    /// Takes it without waiting; false while another live holder has it.
    func tryTake() throws -> Bool
    /// The server session that holds it, recorded in the row (PostgreSQL).
    var session: Int64? { get }
    /// Renews the row's lease; false once this holding is lost (the session ended, the row
    /// was taken over or released by force).
    func renew(store: StateStore, token: String, lease: Double, clock: () -> Date) -> Bool
    /// Whether it is still held, asked inside a write transaction (the fence).
    func isHeld(_ db: any SQLConnection) throws -> Bool
    /// The server's clock inside `db`'s transaction (nil: the state has no server; use ours).
    func now(_ db: any SQLConnection) throws -> Date?
    func release()
}

/// The single-writer lock of the state.
///
/// Two parts: an anchor (`LockAnchor`) that decides whether the holder lives, and a row in the
/// state that names the holder for people (`lock status`, the error a second writer sees) and
/// carries the fencing token. While a process holds the lock, every write of its store first
/// checks, inside the write's own transaction, that the row still carries its token and the
/// anchor is still held; a holder that lost the lock (its session cut, its lease run out, the
/// lock released by force) fails at its next write with a clear error and writes nothing more.
public final class RunLock: @unchecked Sendable {
    let store: StateStore
    public let holder: LockHolder
    /// The holder whose lock was taken over (dead, or its lease ran out), for a warning.
    public let tookOverFrom: LockHolder?
    /// Why it was taken over: "is no longer running", "let its lease run out at …".
    public let takeoverReason: String?
    private let state = NSCondition()
    private var released = false
    /// Why this holding was lost, once it was (seen by the renewer).
    private var lost: String?
    let anchor: any LockAnchor

    init(
        store: StateStore, holder: LockHolder, tookOverFrom: LockHolder?, takeoverReason: String?, lease: Double, anchor: any LockAnchor,
        clock: @escaping @Sendable () -> Date
    ) {
        self.store = store
        self.anchor = anchor
        self.holder = holder
        self.tookOverFrom = tookOverFrom
        self.takeoverReason = takeoverReason
        store.fence.hold(self)
        let renewer = Thread { [weak self] in self?.renew(every: lease / 3, lease: lease, clock: clock) }
        renewer.start()
    }

    /// Renews the lease until released; notes the loss when renewing finds the lock gone.
    /// The condition is not held while renewing: a write of the holder checks the fence
    /// (which reads `lost`) while it holds the state, and renewing on SQLite waits for that.
    private func renew(every interval: Double, lease: Double, clock: @Sendable () -> Date) {
        while true {
            state.lock()
            if !released { _ = state.wait(until: Date().addingTimeInterval(interval)) }
            let stop = released
            state.unlock()
            if stop { return }
            guard anchor.renew(store: store, token: holder.token, lease: lease, clock: clock) else {
                state.lock()
                lost = store.isPostgres ? "its session with the state server ended, or its row was replaced" : "its row was replaced"
                state.unlock()
                return
            }
        }
    }

    /// Throws unless this process still holds the lock: run inside every write transaction of
    /// the holder's store, so a write that commits was made by the current holder.
    func checkFence(_ db: any SQLConnection) throws {
        state.lock()
        let lostReason = lost
        state.unlock()
        let current = try StateStore.currentHolder(db)
        let why: String?
        if let current, current.token != holder.token {
            why = "it was taken over by \(current)"
        } else if current == nil {
            why = "it was released (lock release --force?)"
        } else if try !anchor.isHeld(db) {
            why = "its session with the state server ended (connection cut, or its lease ran out)"
        } else {
            why = lostReason
        }
        guard let why else { return }
        throw EdgeError.temporary(
            "this run lost the run lock of the state \(store.displayName): \(why); it stopped here, and nothing of this step was written; run it again"
        )
    }

    /// Releases the lock if this process still holds it.
    public func release() {
        state.lock()
        let first = !released
        released = true
        state.broadcast()
        state.unlock()
        guard first else { return }
        store.fence.drop(self)
        let token = holder.token
        _ = try? store.unfencedWrite { db in try db.execute(sql: "DELETE FROM runLock WHERE token = ?", arguments: [token]) }
        anchor.release()
    }
}

/// The run lock a store's process holds, if any: its writes are fenced by it.
final class LockFence: @unchecked Sendable {
    private let mutex = NSLock()
    private weak var lock: RunLock?

    var current: RunLock? {
        mutex.lock()
        defer { mutex.unlock() }
        return lock
    }

    func hold(_ lock: RunLock) {
        mutex.lock()
        self.lock = lock
        mutex.unlock()
    }

    func drop(_ lock: RunLock) {
        mutex.lock()
        if self.lock === lock { self.lock = nil }
        mutex.unlock()
    }
}
