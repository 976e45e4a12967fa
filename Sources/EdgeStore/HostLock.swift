import EdgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An OS lock (`flock`) on `<state>.lock`: the run lock's anchor on a SQLite state.
///
/// A row's host name and pid cannot tell whether its holder lives: two containers with the
/// same host name (each with its own pid 1) would each take the other's live lock for a dead
/// one. The kernel knows: while the holder's process lives, its `flock` is held, whatever its
/// pid looks like from here, and the moment it ends the lock is free. So a row is taken over
/// exactly when this lock could be had. The file is made like the state (0600, never through
/// a link) and held open until the run lock is released or the process ends.
final class HostLock: LockAnchor, @unchecked Sendable {
    private var fd: Int32

    /// Opens (creating) the lock file beside `statePath`.
    init(statePath: String) throws {
        let path = statePath + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw EdgeError.runtime("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if fstat(fd, &info) != 0 || info.st_uid != geteuid() || info.st_mode & 0o022 != 0 || info.st_mode & S_IFMT != S_IFREG {
            close(fd)
            fd = -1
            throw EdgeError.runtime("\(path) is not a plain file of your own that only you can write; remove it after checking")
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Takes the lock without waiting; false while another live process holds it.
    func tryLock() -> Bool {
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            if errno != EINTR { return false }
        }
    }

    func unlock() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    // MARK: As the run lock's anchor

    func tryTake() throws -> Bool { tryLock() }

    var session: Int64? { nil }

    /// The lease only informs (`lock status`): liveness is the kernel's lock, which a live
    /// holder cannot lose. False when the row is no longer this holder's (`lock release --force`).
    func renew(store: StateStore, token: String, lease: Double, clock: () -> Date) -> Bool {
        let rows = try? store.unfencedWrite { db in
            try db.rows(
                sql: "UPDATE runLock SET expiresAt = ? WHERE token = ? RETURNING token",
                arguments: [Timestamp.string(clock().addingTimeInterval(lease)), token])
        }
        return rows.map { $0.count == 1 } ?? true
    }

    func isHeld(_ db: any SQLConnection) throws -> Bool { fd >= 0 }

    func now(_ db: any SQLConnection) throws -> Date? { nil }

    func release() { unlock() }
}
