internal import CLibSSH
import EdgeCore
import Foundation

/// One exec channel carrying a node's session shell (`NodeShell`'s transport).
///
/// Writes never exceed the node's open window, so they do not block (but for a wait of at most
/// 5 ms for the node's next packet when input is held back, see `inFlightLimit`); the shell
/// reads (which also takes in the node's window adjustments) while the window is shut.
/// Owns and frees its channel; belongs to its session's thread, like the session.
public final class ShellChannel: ShellTransport {
    private let ssh: SSHSession
    private var channel: ssh_channel?
    private var stderr = Data()
    private var finished = false
    /// The node's window as it opened (the largest seen): what it has not acknowledged yet is
    /// this less the window now.
    private var widest = 0
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    public init(session: SSHSession, command: String) throws {
        ssh = session
        let channel = try session.openSession(.exec)
        self.channel = channel
        guard session.requestExec(channel, Array(command.utf8)) == SSH_OK else { throw session.fail(.exec) }
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
        var window = Int(ssh_channel_window_size(channel))
        widest = max(widest, window)
        let limit = inFlightLimit()
        if window > 0, limit - (widest - window) <= 0 {
            // Held back, not shut: take in what has arrived, else wait for the node's next
            // packet (its window adjustment comes a round trip after it takes the input).
            _ = ssh_channel_poll(channel, 0)
            window = Int(ssh_channel_window_size(channel))
            if limit - (widest - window) <= 0 {
                var ready = pollfd(fd: ssh_get_fd(ssh.session), events: Int16(POLLIN), revents: 0)
                _ = poll(&ready, 1, 5)
                _ = ssh_channel_poll(channel, 0)
                window = Int(ssh_channel_window_size(channel))
            }
        }
        let room = limit - (widest - window)
        guard window > 0, room > 0, bytes.count > 0 else { return 0 }
        let chunk = min(bytes.count, window, room, 256 * 1024)
        let written = ssh_channel_write(channel, bytes.baseAddress!, UInt32(chunk))
        guard written >= 0 else { throw ssh.fail(.transfer) }
        ssh.bytesSent += Int(written)
        return Int(written)
    }

    /// How much input may be on its way to the node, not yet taken by its shell: what the link
    /// carries in one round trip at 64 MiB/s, and at least 256 KiB. The node's sshd holds
    /// whatever its shell has not read yet, and the more it holds the more CPU it spends per
    /// byte (a first rollout to 20 nodes sharing two cores, eight runs taking turns: 4.99 s
    /// and 9.7 s of CPU on average with the whole window of 2 MiB in flight, 4.13 s and 8.0 s
    /// held to 256 KiB; one node takes 100 MB as fast either way). On a link with a real round trip (50 ms:
    /// 3.2 MiB) this is more than the window, so nothing is held back there, nor where the
    /// round trip is unknown (through a ProxyJump).
    func inFlightLimit() -> Int {
        let micros = edgectl_tcp_rtt_us(ssh_get_fd(ssh.session))
        guard micros >= 0 else { return Int.max }
        return max(256 * 1024, Int(Double(micros) / 1_000_000 * 64 * 1024 * 1024))
    }

    public func read(into inbox: inout [UInt8], wait: Double) throws -> Bool {
        guard let channel else { return false }
        let n = ssh_channel_read_timeout(channel, buffer, 64 * 1024, 0, Int32(max(0, wait * 1000)))
        if n == SSH_ERROR { throw ssh.fail(.exec) }
        if n > 0 { inbox.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: Int(n))) }
        let m = ssh_channel_read_nonblocking(channel, buffer, 64 * 1024, 1)
        if m > 0 && stderr.count < 1 << 16 { stderr.append(buffer.assumingMemoryBound(to: UInt8.self), count: Int(m)) }
        if n > 0 || m > 0 {
            // A reply in two packets: the second leaves the node only once this is acknowledged.
            ssh.acknowledgeNow()
            return true
        }
        return ssh_channel_is_eof(channel) == 0
    }

    public func finish() {
        guard !finished, let channel else { return }
        finished = true
        if ssh_channel_is_open(channel) != 0 { ssh_channel_send_eof(channel) }
    }
}
