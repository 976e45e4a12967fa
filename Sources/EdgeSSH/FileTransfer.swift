import EdgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension SSHSession {
    /// Streams a local file into `remoteCommand`'s standard input.
    ///
    /// One exec channel carries the bytes with the node's full SSH window in
    /// flight, instead of SFTP in libssh 0.10, which waits for each write's
    /// acknowledgement.
    public func stream(file localPath: String, into remoteCommand: String, timeout: Double? = nil) throws -> ExecResult {
        let fd = open(localPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SSHError(node: target.node, step: .transfer, message: "cannot read \(localPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        return try exec(bytes: Array(remoteCommand.utf8), timeout: timeout, step: .transfer) { buffer in
            while true {
                let n = read(fd, buffer.baseAddress, buffer.count)
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else {
                    throw SSHError(node: target.node, step: .transfer, message: "reading \(localPath): \(String(cString: strerror(errno)))")
                }
                return n
            }
        }
    }

    /// Copies a local file to `remotePath` atomically: written beside it under a temporary
    /// name, then renamed, so a reader never sees half a file.
    public func upload(file localPath: String, to remotePath: String, mode: Int = 0o644) throws {
        let directory = (remotePath as NSString).deletingLastPathComponent
        let temporary = remotePath + ".part"
        let command =
            "mkdir -p -- \(ShellQuote.quote(directory.isEmpty ? "." : directory)) && cat > \(ShellQuote.quote(temporary))"
            + " && chmod \(String(mode, radix: 8)) -- \(ShellQuote.quote(temporary))"
            + " && mv -f -- \(ShellQuote.quote(temporary)) \(ShellQuote.quote(remotePath))"
        let result = try stream(file: localPath, into: command)
        guard result.status == 0 else {
            throw SSHError(
                node: target.node, step: .transfer,
                message: "writing \(remotePath) failed (exit \(result.status)): \(result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
