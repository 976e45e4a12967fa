import EdgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An OS lock (`flock`) on `<state>.lock`, held with the run lock of a SQLite state.
///
/// The run lock's row judges a holder on this host by its host name and pid, which two
/// containers with the same host name (each with its own pid 1) both pass: each would take
/// the other's live lock for a dead one. The kernel knows better: while the holder's process
/// lives, its `flock` is held, whatever its pid looks like from here. So a row is only taken
/// over when this lock could be had. The file is made like the state (0600, never through a
/// link) and held open until the run lock is released or the process ends.
final class HostLock: @unchecked Sendable {
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
}
