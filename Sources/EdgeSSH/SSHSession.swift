internal import CLibSSH
import EdgeCore
import Foundation

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

    public init(connectTimeout: Double = 10, operationTimeout: Double = 60) {
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
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
    let session: ssh_session

    private static let initialized: Bool = { ssh_init() == 0 }()

    /// Connects, checks the host key with `verifier`, then authenticates.
    public init(target: SSHTarget, options: SSHOptions, verifier: HostKeyVerifying) throws {
        _ = SSHSession.initialized
        self.target = target
        self.options = options
        guard let session = ssh_new() else {
            throw SSHError(node: target.node, step: .connect, message: "cannot allocate an SSH session")
        }
        self.session = session
        // Every stored property is set, so if a step throws, `deinit` runs and frees the session.
        try configure()
        try connect()
        try checkHostKey(verifier)
        try authenticate()
    }

    deinit {
        ssh_disconnect(session)
        ssh_free(session)
    }

    var lastError: String {
        let text = String(cString: ssh_get_error(UnsafeMutableRawPointer(session)))
        return text.isEmpty ? "unknown error" : text
    }

    func fail(_ step: SSHStep, _ message: String? = nil) -> SSHError {
        SSHError(node: target.node, step: step, message: message ?? lastError)
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

    private func connect() throws {
        guard ssh_connect(session) == SSH_OK else {
            let message = lastError
            let lower = message.lowercased()
            if lower.contains("resolve") || lower.contains("name or service") || lower.contains("getaddrinfo") {
                throw fail(.resolve, message)
            }
            if lower.contains("connect") || lower.contains("refused") || lower.contains("unreachable") || lower.contains("no route")
                || lower.contains("timeout") || lower.contains("timed out")
            {
                throw fail(.connect, message)
            }
            throw fail(.keyExchange, message)
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

    /// Runs `command` through the node's shell, streaming `stdin` in, and returns its status and output.
    public func exec(_ command: String, stdin: Data? = nil, timeout: Double? = nil) throws -> ExecResult {
        try exec(bytes: Array(command.utf8), timeout: timeout) { write in
            if let stdin, !stdin.isEmpty {
                try stdin.withUnsafeBytes { try write($0) }
            }
        }
    }

    /// Runs a command given as bytes (for non-UTF-8 arguments); `produce` writes its standard input
    /// through the function it is given, which blocks while the node's window is full.
    public func exec(
        bytes command: [UInt8], timeout: Double? = nil, step: SSHStep = .exec,
        produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> ExecResult {
        guard !command.contains(0) else { throw fail(step, "a command cannot contain a NUL byte") }
        let channel = try openSession(step)
        defer {
            ssh_channel_close(channel)
            ssh_channel_free(channel)
        }
        let rc = (command + [0]).withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { ssh_channel_request_exec(channel, $0) }
        }
        guard rc == SSH_OK else { throw fail(step) }
        try produce { buffer in
            var offset = 0
            while offset < buffer.count {
                let chunk = min(buffer.count - offset, 256 * 1024)
                let written = ssh_channel_write(channel, buffer.baseAddress! + offset, UInt32(chunk))
                guard written > 0 else {
                    throw fail(.transfer, written == 0 ? "the node stopped reading its input" : lastError)
                }
                offset += Int(written)
                bytesSent += Int(written)
            }
        }
        ssh_channel_send_eof(channel)
        return try collect(channel, timeout: timeout ?? options.operationTimeout, step: step)
    }

    func openSession(_ step: SSHStep) throws -> ssh_channel {
        guard let channel = ssh_channel_new(session) else { throw fail(step) }
        guard ssh_channel_open_session(channel) == SSH_OK else {
            ssh_channel_free(channel)
            throw fail(step)
        }
        return channel
    }

    /// Reads stdout and stderr until the command ends; `timeout` bounds the time without any output.
    private func collect(_ channel: ssh_channel, timeout: Double, step: SSHStep) throws -> ExecResult {
        var stdout = Data(), stderr = Data()
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var lastProgress = Date()
        while true {
            let n = ssh_channel_read_timeout(channel, buffer, UInt32(capacity), 0, 10)
            if n == SSH_ERROR { throw fail(step) }
            if n > 0 { append(&stdout, buffer, Int(n)) }
            let m = ssh_channel_read_nonblocking(channel, buffer, UInt32(capacity), 1)
            if m == SSH_ERROR { throw fail(step) }
            if m > 0 { append(&stderr, buffer, Int(m)) }
            if n > 0 || m > 0 {
                lastProgress = Date()
                continue
            }
            if ssh_channel_is_eof(channel) != 0 { break }
            if Date().timeIntervalSince(lastProgress) > timeout {
                throw fail(step, "no answer for \(Int(timeout))s")
            }
        }
        let status = ssh_channel_get_exit_status(channel)
        return ExecResult(status: status, stdout: stdout, stderr: stderr)
    }

    private func append(_ data: inout Data, _ buffer: UnsafeMutableRawPointer, _ count: Int) {
        data.append(buffer.assumingMemoryBound(to: UInt8.self), count: count)
        if data.count > options.outputLimit { data.removeFirst(data.count - options.outputLimit) }
    }
}
