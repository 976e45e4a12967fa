import EdgeCore
import EdgeSSH
import EdgeStore
import Foundation

/// The SPEC's host-key policy: a manifest pin must match; otherwise the first
/// key seen is recorded (trust on first use) and any later change is refused
/// with both fingerprints, before authentication, so nothing is sent.
public final class HostKeyTrust: HostKeyVerifying, @unchecked Sendable {
    let store: StateStore
    let pins: [String: String]
    let insecure: Bool
    private let lock = NSLock()
    private var recorded: [String: TrustedHostKey]

    public init(store: StateStore, nodes: [DesiredNode], insecureAcceptAny: Bool = false) throws {
        self.store = store
        self.insecure = insecureAcceptAny
        var pins: [String: String] = [:]
        for node in nodes { if let pin = node.spec.hostKey { pins[node.name] = pin } }
        self.pins = pins
        self.recorded = try store.trustedHostKeys()
    }

    public func expectedKeyType(node: String) -> String? {
        if let pin = pins[node] {
            // A fingerprint pin does not say its type; a full key does.
            let parts = pin.split(separator: " ")
            return parts.count >= 2 ? String(parts[0]) : nil
        }
        lock.lock()
        defer { lock.unlock() }
        return recorded[node]?.keyType
    }

    /// `insecureAcceptAny` (status' `--insecure-accept-host-keys`) never overrides a pin or a
    /// recorded key: it only lets a node never seen before answer without recording its key.
    public func verify(node: String, key: HostKey) throws {
        if let pin = pins[node] {
            guard key.matches(pin: pin) else {
                throw SSHError(
                    node: node, step: .hostKey,
                    message:
                        "the host key does not match the pin in the manifest (spec.hostKey \(pin.prefix(60))): the node presented \(key.fingerprint) (\(key.type)); nothing was sent"
                )
            }
            return
        }
        lock.lock()
        let known = recorded[node]
        lock.unlock()
        if let known { return try compare(node: node, key: key, with: known) }
        if insecure { return }
        let first = TrustedHostKey(node: node, keyType: key.type, publicKey: key.base64, fingerprint: key.fingerprint, trustedAt: Date())
        // Insert if absent, then compare: a run that recorded another key a moment ago wins,
        // and this one is refused like any changed key.
        let (trusted, inserted) = try store.recordFirstHostKey(first)
        lock.lock()
        recorded[node] = trusted
        lock.unlock()
        guard inserted else { return try compare(node: node, key: key, with: trusted) }
        try? store.appendEvent(kind: "Node", name: node, reason: "HostKeyTrusted", message: "first contact: trusted \(key.fingerprint) (\(key.type))")
    }

    private func compare(node: String, key: HostKey, with known: TrustedHostKey) throws {
        guard known.keyType == key.type && known.publicKey == key.base64 else {
            throw SSHError(
                node: node, step: .hostKey,
                message: """
                    HOST KEY CHANGED: recorded \(known.fingerprint) (\(known.keyType), trusted \(Timestamp.string(known.trustedAt))), \
                    now \(key.fingerprint) (\(key.type)); nothing was sent. If the node was re-keyed on purpose, \
                    check the new fingerprint on the node, then run: edgectl node trust \(node) --expect \(key.fingerprint)
                    """)
        }
    }
}

/// Captures a node's host key and stops the connection before authentication (for `node trust`).
final class HostKeyProbe: HostKeyVerifying, @unchecked Sendable {
    struct Captured: Error {}
    private let lock = NSLock()
    private var _key: HostKey?
    var key: HostKey? {
        lock.lock()
        defer { lock.unlock() }
        return _key
    }

    func verify(node: String, key: HostKey) throws {
        lock.lock()
        _key = key
        lock.unlock()
        throw Captured()
    }
}
