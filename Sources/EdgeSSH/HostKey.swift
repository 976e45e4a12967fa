import Foundation

/// A server's public host key as seen during key exchange.
public struct HostKey: Sendable, Equatable {
    /// e.g. `ssh-ed25519`.
    public var type: String
    /// The key blob, base64, as in `authorized_keys` and `known_hosts`.
    public var base64: String
    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    public var fingerprint: String

    public init(type: String, base64: String, fingerprint: String) {
        self.type = type
        self.base64 = base64
        self.fingerprint = fingerprint
    }

    /// Whether a manifest pin (`"ssh-ed25519 AAAA…"` or `"SHA256:…"`) names this key.
    public func matches(pin: String) -> Bool {
        let trimmed = pin.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("SHA256:") { return trimmed == fingerprint }
        let parts = trimmed.split(separator: " ")
        guard parts.count >= 2 else { return false }
        return parts[0] == type && parts[1] == base64
    }
}

/// Decides whether a node's host key is acceptable; throwing refuses the connection before anything is sent.
public protocol HostKeyVerifying: Sendable {
    func verify(node: String, key: HostKey) throws
    /// The key type the node's key is known to be (pinned or recorded), or nil: only that type
    /// is then negotiated, so a node that also has keys of other types, or a libssh whose
    /// preference changes, still presents the known key instead of looking re-keyed.
    func expectedKeyType(node: String) -> String?
}

extension HostKeyVerifying {
    public func expectedKeyType(node: String) -> String? { nil }
}

extension HostKey {
    /// The host-key algorithms that present a key of `type` (an RSA key signs with SHA-2 today).
    public static func algorithms(forKeyType type: String) -> String {
        type == "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256,ssh-rsa" : type
    }
}
