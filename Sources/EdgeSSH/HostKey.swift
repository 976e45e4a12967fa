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
}
