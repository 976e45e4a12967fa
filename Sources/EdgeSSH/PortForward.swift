internal import CLibSSH
import Foundation

/// How a connection to a port on the node's loopback through SSH went.
public enum ForwardOutcome: Error, Sendable, Equatable {
    /// Something on the node accepted the connection.
    case connected
    /// The node's sshd tried, and nothing accepts connections on that port.
    case nothingListening
    /// The node's sshd refuses to forward at all (`AllowTcpForwarding no`, `PermitOpen`):
    /// no probe through it can ever pass, whatever runs on the port.
    case forwardingRefused
    /// The channel could not be opened for another reason (the connection is gone…).
    case failed(String)
}

/// Health probes through the SSH connection to the node's own loopback
/// (direct-tcpip), so nodes need no HTTP client and the port need not be
/// reachable from the control machine.
extension SSHSession {
    /// Whether something accepts TCP connections on `127.0.0.1:port` on the node.
    public func tcpProbe(port: Int) -> ForwardOutcome {
        switch openForward(port: port) {
        case .success(let channel):
            ssh_channel_close(channel)
            ssh_channel_free(channel)
            return .connected
        case .failure(let outcome):
            return outcome
        }
    }

    /// GETs `path` from `127.0.0.1:port` on the node: the HTTP status code when the connection
    /// was made and something answered within `timeout` seconds.
    public func httpProbe(port: Int, path: String, timeout: Double) -> (ForwardOutcome, Int?) {
        let channel: ssh_channel
        switch openForward(port: port) {
        case .success(let open): channel = open
        case .failure(let outcome): return (outcome, nil)
        }
        defer {
            ssh_channel_close(channel)
            ssh_channel_free(channel)
        }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: edgectl\r\nConnection: close\r\n\r\n".utf8)
        guard ssh_channel_write(channel, request, UInt32(request.count)) == request.count else { return (.connected, nil) }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !response.contains(UInt8(ascii: "\n")) && response.count < 8192 {
            let n = ssh_channel_read_timeout(channel, &buffer, UInt32(buffer.count), 0, 100)
            if n < 0 { return (.connected, nil) }
            if n > 0 {
                response += buffer[0..<Int(n)]
                acknowledgeNow()
            } else if ssh_channel_is_eof(channel) != 0 {
                break
            }
        }
        // "HTTP/1.x NNN reason"
        let line = String(decoding: response.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else { return (.connected, nil) }
        return (.connected, code)
    }

    /// Asks the node's sshd to listen on a free port of the node's loopback for this connection
    /// (a remote forward that nothing is meant to use) and returns the port. The listener lives
    /// as long as the connection, in sshd itself: a confirmation shows the node a connection
    /// that got in without starting anything there, not even the login shell that an external
    /// `sftp-server` is started through. A `.forward` error when sshd forwards nothing
    /// (`AllowTcpForwarding no`, `DisableForwarding yes`).
    public func listenOnNodeLoopback() throws -> Int {
        var bound: Int32 = 0
        guard answered({ ssh_channel_listen_forward(session, "127.0.0.1", 0, &bound) }) == SSH_OK else {
            // No answer at all is the node gone quiet, not a refusal.
            let silent = answerTimedOut
            throw fail(
                .forward, "the node's sshd would not listen on its loopback for this connection: \(lastError)", unreachable: silent ? true : nil)
        }
        guard bound > 0 else { throw fail(.forward, "the node's sshd listens for this connection but did not say on which port") }
        return Int(bound)
    }

    /// A direct-tcpip channel to the node's loopback, or why not. When the node refuses the
    /// channel, libssh reports SSH_REQUEST_DENIED with the protocol's reason number (RFC 4254
    /// 5.1: 1 administratively prohibited, 2 connect failed) in its message; the number, not
    /// the wording, says whether forwarding itself is refused.
    private func openForward(port: Int) -> Result<ssh_channel, ForwardOutcome> {
        guard let channel = ssh_channel_new(session) else { return .failure(.failed(lastError)) }
        guard answered({ ssh_channel_open_forward(channel, "127.0.0.1", Int32(port), "127.0.0.1", 0) }) == SSH_OK else {
            ssh_channel_free(channel)
            let message = lastError
            // No answer in time: not a refusal, whatever an earlier request left as libssh's error code.
            if answerTimedOut {
                answerTimedOut = false
                return .failure(.failed(message))
            }
            guard ssh_get_error_code(UnsafeMutableRawPointer(session)) == SSH_REQUEST_DENIED.rawValue else {
                return .failure(.failed(message))
            }
            return .failure(message.contains("error (1)") ? .forwardingRefused : .nothingListening)
        }
        return .success(channel)
    }
}
