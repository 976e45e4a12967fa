import EdgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A node library session run by a shell on this machine (dash, `bash --posix`, busybox
/// ash…), for testing the library and its protocol without a fleet. The same bytes flow
/// as over SSH; only the transport differs (pipes instead of a channel).
public final class LocalShell: ShellTransport {
    public let process: Process
    private let input: Int32
    private let output: Int32
    private let errors: Pipe
    private var finished = false

    /// Starts `shell` (e.g. `["/bin/dash"]`) on the library's boot script for `root`.
    public init(shell: [String], root: String, environment: [String: String] = [:]) throws {
        signal(SIGPIPE, SIG_IGN)  // a shell that exits early must fail a write, not end the tests
        let stdin = Pipe(), stdout = Pipe()
        errors = Pipe()
        process = Process()
        process.executableURL = URL(fileURLWithPath: shell[0])
        process.arguments = Array(shell.dropFirst()) + ["-c", NodeLibrary.boot, "edgectl", root, NodeLibrary.digest]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = errors
        try process.run()
        input = dup(stdin.fileHandleForWriting.fileDescriptor)
        output = dup(stdout.fileHandleForReading.fileDescriptor)
        try? stdin.fileHandleForWriting.close()
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        finish()
        close(output)
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    public var diagnostics: String {
        String(decoding: (try? errors.fileHandleForReading.readToEnd()) ?? Data(), as: UTF8.self)
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
