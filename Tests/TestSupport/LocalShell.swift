import EdgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A node library session run by a shell on this machine (dash, `bash --posix`, busybox
/// ash…), for testing the library and its protocol without a fleet. The same bytes flow
/// as over SSH; only the transport differs (pipes instead of a channel).
public final class LocalShell: ShellTransport {
    public let pid: pid_t
    private let input: Int32
    private let output: Int32
    private let errors: Int32
    private var finished = false
    private var errorText = Data()

    /// Starts `shell` (e.g. `["/bin/dash"]`) on the library's boot script for `root`.
    ///
    /// Spawned with an empty signal mask and default signal actions, as sshd starts a
    /// session's shell: this test process blocks and ignores signals a shell inherits
    /// (a blocked SIGCHLD stalls busybox ash's `wait`; a blocked TERM its traps).
    public init(shell: [String], root: String, environment: [String: String] = [:]) throws {
        signal(SIGPIPE, SIG_IGN)  // a shell that exits early must fail a write, not end the tests
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0], errChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0, pipe(&errChild) == 0 else { throw POSIXError(.EMFILE) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errChild[1], 2)
        for fd in toChild + fromChild + errChild { posix_spawn_file_actions_addclose(&actions, fd) }
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
        let arguments = shell + ["-c", NodeLibrary.boot, "edgectl", root, NodeLibrary.digest]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, shell[0], &actions, &attributes, argv, envp)
        close(toChild[0])
        close(fromChild[1])
        close(errChild[1])
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        pid = child
        input = toChild[1]
        output = fromChild[0]
        errors = errChild[0]
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK)
        _ = fcntl(errors, F_SETFL, fcntl(errors, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        finish()
        close(output)
        close(errors)
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    public var diagnostics: String {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = Glibc.read(errors, &chunk, chunk.count)
            guard n > 0 else { break }
            errorText.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: errorText, as: UTF8.self)
    }

    public func writeSome(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        guard !finished else { throw POSIXError(.EPIPE) }
        let n = write(input, bytes.baseAddress, bytes.count)
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return 0 }
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        return n
    }

    public func read(into buffer: inout [UInt8], wait: Double) throws -> Bool {
        var fd = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
        guard poll(&fd, 1, Int32(wait * 1000)) > 0 else { return true }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let n = Glibc.read(output, &chunk, chunk.count)
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        return n < 0 && (errno == EAGAIN || errno == EINTR)
    }

    public func finish() {
        guard !finished else { return }
        finished = true
        close(input)
    }
}
