import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Starts a program with `posix_spawn`, an empty signal mask and default signal actions,
/// as a login would. Foundation's `Process` passes this test process's blocked signals
/// on (a shell then never runs a TERM trap, busybox ash's `wait` stalls), and its exit
/// notification was seen to go missing once a fleet script had started systemd-nspawn.
public struct Spawned: Sendable {
    public let pid: pid_t
    /// Our ends: the child's standard input (write), output and error (read).
    public let input: Int32
    public let output: Int32
    public let errors: Int32

    public init(_ arguments: [String], environment: [String: String] = [:], stdinNull: Bool = false) throws {
        signal(SIGPIPE, SIG_IGN)  // a child that exits early must fail a write, not end the tests
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0], errChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0, pipe(&errChild) == 0 else { throw POSIXError(.EMFILE) }
        for fd in toChild + fromChild + errChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdinNull {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        }
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errChild[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        close(toChild[0])
        close(fromChild[1])
        close(errChild[1])
        guard rc == 0 else {
            close(toChild[1])
            close(fromChild[0])
            close(errChild[0])
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO)
        }
        pid = child
        input = toChild[1]
        output = fromChild[0]
        errors = errChild[0]
        if stdinNull { close(input) }
    }

    /// Reads a descriptor to its end.
    public static func readAll(_ fd: Int32) -> Data {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return data
    }

    /// Waits for the child; its exit status (128 + signal when killed).
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }
}
