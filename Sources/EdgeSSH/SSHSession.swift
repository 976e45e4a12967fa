internal import CLibSSH
import EdgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where and as whom to connect; values left nil come from `~/.ssh/config` and libssh's defaults.
public struct SSHTarget: Sendable {
    public var node: String
    public var address: String
    public var port: Int?
    public var user: String?
    public var identityFile: String?

    public init(node: String, address: String, port: Int? = nil, user: String? = nil, identityFile: String? = nil) {
        self.node = node
        self.address = address
        self.port = port
        self.user = user
        self.identityFile = identityFile
    }
}

public struct SSHOptions: Sendable {
    /// TCP connect and key exchange; a dead or partitioned node costs at most this long.
    public var connectTimeout: Double = 10
    /// Any single remote operation without progress; libssh would otherwise wait forever.
    public var operationTimeout: Double = 60
    /// Captured output beyond this many bytes per stream is dropped (the tail is kept).
    public var outputLimit: Int = 4 << 20
    /// Seconds of silence on the connection before the kernel probes the node (TCP keepalive,
    /// three probes a third of this apart): a node that partitions after connecting is found
    /// dead within about twice this, whatever the command waits for (`logs --follow` included),
    /// and a NAT between runs' batches sees traffic. It follows the connect timeout: both say
    /// how long a node may be silent before it counts as gone.
    public var keepAlive: Double

    public init(connectTimeout: Double = 10, operationTimeout: Double = 60) {
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        keepAlive = max(2, connectTimeout)
    }
}

/// The result of a remote command.
/// Which of a remote command's outputs some bytes came from.
public enum OutputChannel: Sendable { case stdout, stderr }

public struct ExecResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// One authenticated SSH connection to one node, owning its libssh session.
///
/// Not thread-safe by design: a session is used by one thread at a time (the
/// fan-out gives each node its own thread). Every libssh object is freed on
/// every path, and every failure becomes an `SSHError` naming the node and step.
public final class SSHSession {
    public let target: SSHTarget
    public let options: SSHOptions
    public private(set) var hostKey: HostKey?
    /// Payload bytes written to remote stdin over this session (for "sent nothing" checks and benchmarks).
    public internal(set) var bytesSent: Int = 0
    private(set) var session: ssh_session

    private static let initialized: Bool = { ssh_init() == 0 }()

    /// Connects, checks the host key with `verifier`, then authenticates.
    public init(target: SSHTarget, options: SSHOptions, verifier: HostKeyVerifying) throws {
        _ = SSHSession.initialized
        self.target = target
        self.options = options
        guard let created = ssh_new() else {
            throw SSHError(node: target.node, step: .connect, message: "cannot allocate an SSH session")
        }
        session = created
        // Every stored property is set, so if a step throws, `deinit` runs and frees the session.
        try configure()
        let expected = verifier.expectedKeyType(node: target.node)
        if let type = expected {
            guard ssh_options_set(session, SSH_OPTIONS_HOSTKEYS, HostKey.algorithms(forKeyType: type)) == SSH_OK else {
                throw fail(.hostKey, "cannot ask for a \(type) host key: \(lastError)")
            }
        }
        do {
            try connect()
        } catch let error as SSHError where expected != nil && error.step == .keyExchange {
            // The node has no key of the known type any more (re-keyed to another type):
            // connect again without asking for one, so the verifier sees the key it has now
            // and refuses it naming both. Nothing is sent either way.
            ssh_disconnect(session)
            ssh_free(session)
            guard let again = ssh_new() else { throw fail(.connect, "cannot allocate an SSH session") }
            session = again
            try configure()
            try connect()
        }
        try checkHostKey(verifier)
        try authenticate()
        afterConnect()
    }

    deinit {
        ssh_disconnect(session)
        ssh_free(session)
    }

    var lastError: String {
        if answerTimedOut { return "no answer from the node within \(Int(options.operationTimeout))s" }
        let text = String(cString: ssh_get_error(UnsafeMutableRawPointer(session)))
        return text.isEmpty ? "unknown error" : text
    }

    /// Whether the last request `answered` waited for got no answer in time (read, and reset,
    /// by what reports its failure).
    var answerTimedOut = false

    /// Whether the connection is still up, as far as libssh has seen (it learns of a close
    /// only when it next reads or writes).
    public var isConnected: Bool { ssh_is_connected(session) != 0 }

    /// An error of `step`; unreachable when the step is reaching the node or the connection is
    /// gone (libssh marks a session dead when its socket fails).
    func fail(_ step: SSHStep, _ message: String? = nil, unreachable: Bool? = nil) -> SSHError {
        defer { answerTimedOut = false }
        return SSHError(
            node: target.node, step: step, message: message ?? lastError,
            unreachable: unreachable ?? (step == .resolve || step == .connect || ssh_is_connected(session) == 0))
    }

    private func configure() throws {
        func set(_ option: ssh_options_e, _ value: String) throws {
            guard ssh_options_set(session, option, value) == SSH_OK else { throw fail(.connect, "invalid option: \(lastError)") }
        }
        try set(SSH_OPTIONS_HOST, target.address)
        var verbosity: Int32 = 0
        ssh_options_set(session, SSH_OPTIONS_LOG_VERBOSITY, &verbosity)
        // ~/.ssh/config: Host aliases, HostName, User, Port, IdentityFile, ProxyJump.
        _ = ssh_options_parse_config(session, nil)
        if let port = target.port {
            var value = UInt32(port)
            ssh_options_set(session, SSH_OPTIONS_PORT, &value)
        }
        if let user = target.user { try set(SSH_OPTIONS_USER, user) }
        var seconds = Int(options.connectTimeout.rounded(.down))
        var micros = Int((options.connectTimeout - Double(seconds)) * 1_000_000)
        if seconds == 0 && micros == 0 { micros = 1 }
        ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &seconds)
        ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &micros)
        // AES-GCM first: OpenSSL runs it on AES-NI, several times faster than libssh's own
        // chacha20-poly1305, which matters when one machine pushes to many nodes.
        let ciphers = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr,chacha20-poly1305@openssh.com"
        try set(SSH_OPTIONS_CIPHERS_C_S, ciphers)
        try set(SSH_OPTIONS_CIPHERS_S_C, ciphers)
        var nodelay: Int32 = 1
        ssh_options_set(session, SSH_OPTIONS_NODELAY, &nodelay)
    }

    /// Once connected, libssh's own blocking waits (opening a channel, a request) get the
    /// operation timeout: the connect timeout is for reaching the node, and a node whose disk
    /// stalls for longer than that mid-push is slow, not gone. Then TCP keepalive (`keepAlive`),
    /// with TCP_USER_TIMEOUT so unacknowledged data also ends the connection in that time.
    /// Through a ProxyJump the descriptor is a pipe and the options do not apply; the jump
    /// host's own connection carries the keepalive then.
    private func afterConnect() {
        var seconds = Int(options.operationTimeout.rounded(.up))
        var micros = 0
        ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &seconds)
        ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &micros)
        let fd = ssh_get_fd(session)
        guard fd >= 0 else { return }
        let idle = Int32(options.keepAlive.rounded(.up))
        let interval = max(1, idle / 3)
        let probes: Int32 = 3
        func set(_ level: Int32, _ name: Int32, _ value: Int32) {
            var value = value
            _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
        set(SOL_SOCKET, SO_KEEPALIVE, 1)
        set(Int32(IPPROTO_TCP), TCP_KEEPIDLE, idle)
        set(Int32(IPPROTO_TCP), TCP_KEEPINTVL, interval)
        set(Int32(IPPROTO_TCP), TCP_KEEPCNT, probes)
        set(Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, (idle + interval * probes) * 1000)
    }

    /// Acknowledges at once what has arrived. A node's sshd sends a small packet only once
    /// everything it sent before is acknowledged (Nagle: it turns that off for terminals
    /// only), and a kernel holds back the acknowledgement of a lone packet for up to 40 ms
    /// hoping to carry it on an answer: an answer in two packets, or one that follows a
    /// packet the node sent unasked, waited that long. Linux forgets the setting after a
    /// while, so it is set again after each read.
    func acknowledgeNow() {
        let fd = ssh_get_fd(session)
        guard fd >= 0 else { return }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), Int32(TCP_QUICKACK), &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Runs a libssh request that waits for the node's answer without blocking, acknowledging
    /// whatever arrives meanwhile (`acknowledgeNow`). Right after authentication sshd sends
    /// its host keys unasked; the answer to the request that follows (opening a channel, a
    /// remote forward) waited ~40 ms behind their acknowledgement, on every connection.
    func answered(_ request: () -> Int32) -> Int32 {
        let blocking = ssh_is_blocking(session)
        ssh_set_blocking(session, 0)
        defer { ssh_set_blocking(session, blocking) }
        answerTimedOut = false
        let deadline = Date().addingTimeInterval(options.operationTimeout)
        var rc = request()
        while rc == SSH_AGAIN && Date() < deadline {
            // Before waiting: what the request read meanwhile may be what the answer waits behind.
            acknowledgeNow()
            var ready = pollfd(fd: ssh_get_fd(session), events: Int16(POLLIN), revents: 0)
            _ = poll(&ready, 1, 50)
            rc = request()
        }
        answerTimedOut = rc == SSH_AGAIN
        return answerTimedOut ? SSH_ERROR : rc
    }

    /// Asks the node to run `command` on `channel` (see `answered`).
    func requestExec(_ channel: ssh_channel, _ command: [UInt8]) -> Int32 {
        (command + [0]).withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { command in
                answered { ssh_channel_request_exec(channel, command) }
            }
        }
    }

    private func connect() throws {
        let started = Date()
        guard ssh_connect(session) == SSH_OK else {
            let message = lastError
            // Whether the node's SSH server answered decides, not the message: without its
            // banner the node was not reached (no route, refused, reset, timed out); with it,
            // the handshake failed, which is the node refusing us (no common algorithm) unless
            // the connection broke or timed out meanwhile.
            guard ssh_get_serverbanner(session) != nil else {
                let lower = message.lowercased()
                let unresolved = lower.contains("resolve") || lower.contains("getaddrinfo") || lower.contains("name or service")
                throw fail(unresolved ? .resolve : .connect, message, unreachable: true)
            }
            let broke = ssh_get_status(session) & SSH_CLOSED_ERROR != 0
            let timedOut = Date().timeIntervalSince(started) >= options.connectTimeout
            throw fail(.keyExchange, message, unreachable: timedOut || broke)
        }
    }

    private func checkHostKey(_ verifier: HostKeyVerifying) throws {
        var key: ssh_key?
        guard ssh_get_server_publickey(session, &key) == SSH_OK, let key else { throw fail(.hostKey) }
        defer { ssh_key_free(key) }
        var hash: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == 0, let hash else {
            throw fail(.hostKey, "cannot hash the host key")
        }
        defer { var h: UnsafeMutablePointer<UInt8>? = hash; ssh_clean_pubkey_hash(&h) }
        guard let fingerprintC = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length) else {
            throw fail(.hostKey, "cannot format the host key fingerprint")
        }
        let fingerprint = String(cString: fingerprintC)
        ssh_string_free_char(fingerprintC)
        var base64C: UnsafeMutablePointer<CChar>?
        guard ssh_pki_export_pubkey_base64(key, &base64C) == SSH_OK, let base64C else { throw fail(.hostKey, "cannot export the host key") }
        let base64 = String(cString: base64C)
        ssh_string_free_char(base64C)
        let type = String(cString: ssh_key_type_to_char(ssh_key_type(key)))
        let hostKey = HostKey(type: type, base64: base64, fingerprint: fingerprint)
        do {
            try verifier.verify(node: target.node, key: hostKey)
        } catch let error as SSHError {
            throw error
        } catch {
            throw fail(.hostKey, "\(error)")
        }
        self.hostKey = hostKey
    }

    private func authenticate() throws {
        if let identity = target.identityFile {
            let path = (identity as NSString).expandingTildeInPath
            var key: ssh_key?
            guard ssh_pki_import_privkey_file(path, nil, nil, nil, &key) == SSH_OK, let key else {
                throw fail(.auth, "cannot read the identity file \(path) (missing, unreadable or passphrase-protected)")
            }
            defer { ssh_key_free(key) }
            let rc = ssh_userauth_publickey(session, nil, key)
            guard rc == SSH_AUTH_SUCCESS.rawValue else {
                throw fail(.auth, rc == SSH_AUTH_DENIED.rawValue ? "the node refused the key \(path)" : lastError)
            }
            return
        }
        // ssh-agent first, then the default keys and IdentityFile entries of ~/.ssh/config.
        let rc = ssh_userauth_publickey_auto(session, nil, nil)
        guard rc == SSH_AUTH_SUCCESS.rawValue else {
            throw fail(.auth, rc == SSH_AUTH_DENIED.rawValue ? "no key was accepted (tried ssh-agent and the default keys)" : lastError)
        }
    }

    // MARK: Remote commands

    /// Runs `command` through the node's shell with `stdin` as its input, and returns its status
    /// and output. `timeout` bounds the whole command (a node that trickles output is not
    /// "making progress" forever); input is written only as far as the node's window is open,
    /// output read meanwhile, so a command that answers before it has read all its input never
    /// deadlocks against us.
    public func exec(_ command: String, stdin: Data? = nil, timeout: Double? = nil) throws -> ExecResult {
        try exec(bytes: Array(command.utf8), stdin: stdin, timeout: timeout)
    }

    /// `exec` with the command as bytes (for non-UTF-8 arguments).
    public func exec(bytes command: [UInt8], stdin: Data? = nil, timeout: Double? = nil, step: SSHStep = .exec) throws -> ExecResult {
        let input = stdin ?? Data()
        var offset = 0
        return try exec(bytes: command, timeout: timeout, step: step) { buffer in
            let n = min(buffer.count, input.count - offset)
            input.copyBytes(to: buffer.bindMemory(to: UInt8.self), from: offset..<offset + n)
            offset += n
            return n
        }
    }

    /// `exec` whose input comes from `read`, which fills the buffer it is given and returns how
    /// much it put there (0 at the end). It is asked for more only as the node's window opens.
    public func exec(
        bytes command: [UInt8], timeout: Double? = nil, step: SSHStep = .exec, read: (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> ExecResult {
        guard !command.contains(0) else { throw fail(step, "a command cannot contain a NUL byte") }
        let channel = try openSession(step)
        defer {
            ssh_channel_close(channel)
            ssh_channel_free(channel)
        }
        guard requestExec(channel, command) == SSH_OK else { throw fail(step) }
        let limit = timeout ?? options.operationTimeout
        let deadline = Date().addingTimeInterval(limit)
        var inputEnded = false
        var stdout = Data(), stderr = Data()
        let capacity = 256 * 1024
        let pending = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { pending.deallocate() }
        var pendingStart = 0, pendingEnd = 0
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            if !inputEnded {
                if pendingStart == pendingEnd {
                    pendingStart = 0
                    pendingEnd = try read(pending)
                    if pendingEnd == 0 {
                        ssh_channel_send_eof(channel)
                        inputEnded = true
                    }
                }
                let window = Int(ssh_channel_window_size(channel))
                if pendingEnd > pendingStart && window > 0 {
                    let chunk = min(pendingEnd - pendingStart, window)
                    let written = ssh_channel_write(channel, pending.baseAddress! + pendingStart, UInt32(chunk))
                    guard written >= 0 else { throw fail(.transfer) }
                    pendingStart += Int(written)
                    bytesSent += Int(written)
                }
            }
            let n = ssh_channel_read_timeout(channel, buffer, 64 * 1024, 0, inputEnded ? 10 : 1)
            if n == SSH_ERROR { throw fail(step) }
            if n > 0 { append(&stdout, buffer, Int(n)) }
            let m = ssh_channel_read_nonblocking(channel, buffer, 64 * 1024, 1)
            if m == SSH_ERROR { throw fail(step) }
            if m > 0 { append(&stderr, buffer, Int(m)) }
            if n <= 0 && m <= 0 && inputEnded && ssh_channel_is_eof(channel) != 0 { break }
            if Date() > deadline { throw fail(step, "not finished after \(Int(limit))s") }
        }
        return ExecResult(status: ssh_channel_get_exit_status(channel), stdout: stdout, stderr: stderr)
    }

    /// A new session channel. A node that will not open one (MaxSessions, a dying sshd) is
    /// treated like one that cannot be reached: pending, not failed.
    func openSession(_ step: SSHStep) throws -> ssh_channel {
        guard let channel = ssh_channel_new(session) else { throw fail(step, unreachable: true) }
        guard answered({ ssh_channel_open_session(channel) }) == SSH_OK else {
            ssh_channel_free(channel)
            throw fail(step, unreachable: true)
        }
        return channel
    }

    private func append(_ data: inout Data, _ buffer: UnsafeMutableRawPointer, _ count: Int) {
        data.append(buffer.assumingMemoryBound(to: UInt8.self), count: count)
        if data.count > options.outputLimit { data.removeFirst(data.count - options.outputLimit) }
    }
}
