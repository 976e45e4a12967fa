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

    /// Starts `shell` (e.g. `["/bin/dash"]`) on the library's boot script for `root`, with a
    /// clean signal mask, as sshd starts a session's shell (see `Spawned`).
    public init(shell: [String], root: String, environment: [String: String] = [:]) throws {
        let child = try Spawned(shell + ["-c", NodeLibrary.boot, "edgectl"] + NodeLibrary.bootArguments(root: root), environment: environment)
        pid = child.pid
        input = child.input
        output = child.output
        errors = child.errors
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
