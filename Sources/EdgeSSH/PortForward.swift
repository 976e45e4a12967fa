internal import CLibSSH
import Foundation

/// Health probes through the SSH connection to the node's own loopback
/// (direct-tcpip), so nodes need no HTTP client and the port need not be
/// reachable from the control machine.
extension SSHSession {
    /// Whether something accepts TCP connections on `127.0.0.1:port` on the node.
    public func tcpProbe(port: Int) -> Bool {
        guard let channel = openForward(port: port) else { return false }
        ssh_channel_close(channel)
        ssh_channel_free(channel)
        return true
    }

    /// GETs `path` from `127.0.0.1:port` on the node; returns the HTTP status code, or nil
    /// when nothing answered within `timeout` seconds.
    public func httpProbe(port: Int, path: String, timeout: Double) -> Int? {
        guard let channel = openForward(port: port) else { return nil }
        defer {
            ssh_channel_close(channel)
            ssh_channel_free(channel)
        }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: edgectl\r\nConnection: close\r\n\r\n".utf8)
        guard ssh_channel_write(channel, request, UInt32(request.count)) == request.count else { return nil }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !response.contains(UInt8(ascii: "\n")) {
            let n = ssh_channel_read_timeout(channel, &buffer, UInt32(buffer.count), 0, 100)
            if n < 0 { return nil }
            if n > 0 { response += buffer[0..<Int(n)] } else if ssh_channel_is_eof(channel) != 0 { break }
        }
        // "HTTP/1.x NNN reason"
        let line = String(decoding: response.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else { return nil }
        return code
    }

    private func openForward(port: Int) -> ssh_channel? {
        guard let channel = ssh_channel_new(session) else { return nil }
        guard ssh_channel_open_forward(channel, "127.0.0.1", Int32(port), "127.0.0.1", 0) == SSH_OK else {
            ssh_channel_free(channel)
            return nil
        }
        return channel
    }
}
