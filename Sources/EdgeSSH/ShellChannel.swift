internal import CLibSSH
import EdgeCore
import Foundation

/// One exec channel carrying a node's session shell (`NodeShell`'s transport).
///
/// Writes never exceed the node's open window, so they do not block; the shell reads
/// (which also takes in the node's window adjustments) while the window is shut.
/// Owns and frees its channel; belongs to its session's thread, like the session.
public final class ShellChannel: ShellTransport {
    private let ssh: SSHSession
    private var channel: ssh_channel?
    private var stderr = Data()
    private var finished = false
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    public init(session: SSHSession, command: String) throws {
        ssh = session
        let channel = try session.openSession(.exec)
        self.channel = channel
        let rc = (Array(command.utf8) + [0]).withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { ssh_channel_request_exec(channel, $0) }
        }
        guard rc == SSH_OK else { throw session.fail(.exec) }
    }

    deinit {
        if let channel {
            ssh_channel_close(channel)
            ssh_channel_free(channel)
        }
        buffer.deallocate()
    }

    public var diagnostics: String { String(decoding: stderr, as: UTF8.self) }

    public func writeSome(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        guard let channel else { throw ssh.fail(.exec, "the session was closed") }
        let window = Int(ssh_channel_window_size(channel))
        guard window > 0, bytes.count > 0 else { return 0 }
        let chunk = min(bytes.count, window, 256 * 1024)
        let written = ssh_channel_write(channel, bytes.baseAddress!, UInt32(chunk))
        guard written >= 0 else { throw ssh.fail(.transfer) }
        ssh.bytesSent += Int(written)
        return Int(written)
    }

    public func read(into inbox: inout [UInt8], wait: Double) throws -> Bool {
        guard let channel else { return false }
        let n = ssh_channel_read_timeout(channel, buffer, 64 * 1024, 0, Int32(max(0, wait * 1000)))
        if n == SSH_ERROR { throw ssh.fail(.exec) }
        if n > 0 { inbox.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: Int(n))) }
        let m = ssh_channel_read_nonblocking(channel, buffer, 64 * 1024, 1)
        if m > 0 && stderr.count < 1 << 16 { stderr.append(buffer.assumingMemoryBound(to: UInt8.self), count: Int(m)) }
        if n > 0 || m > 0 { return true }
        return ssh_channel_is_eof(channel) == 0
    }

    public func finish() {
        guard !finished, let channel else { return }
        finished = true
        if ssh_channel_is_open(channel) != 0 { ssh_channel_send_eof(channel) }
    }
}
