import EdgeCore
import EdgeSSH
import EdgeStore
import Foundation

/// Re-pinning a node's host key (`node trust`); observing the fleet is the reconciler's job.
public struct FleetService: Sendable {
    public let store: StateStore
    public let connector: NodeConnector

    public init(store: StateStore, settings: ConnectionSettings) {
        self.store = store
        self.connector = NodeConnector(store: store, settings: settings)
    }

    public struct TrustChange: Sendable {
        public var node: String
        public var old: TrustedHostKey?
        public var new: HostKey
    }

    /// Re-pins a node's host key after a planned re-key: reads the key the node presents now
    /// and records it only when it is the one expected: `expect` (a `SHA256:` fingerprint), or
    /// else what `confirm` says after seeing both fingerprints (a person at a terminal).
    public func trust(node name: String, expect: String?, confirm: (TrustChange) -> Bool) throws -> TrustChange {
        guard let resource = try store.resource(ResourceID(.node, name))?.resource, case .node(let spec) = resource.spec else {
            throw EdgeError.runtime("node/\(name) not found in the desired state")
        }
        let node = DesiredNode(resource: resource, spec: spec)
        if spec.hostKey != nil {
            throw EdgeError.runtime("node/\(name) pins its host key in the manifest (spec.hostKey); change the pin there and apply")
        }
        let old = try store.trustedHostKeys()[name]
        let key = try connector.probeHostKey(node)
        let change = TrustChange(node: name, old: old, new: key)
        if let expect {
            guard expect == key.fingerprint else {
                throw EdgeError.runtime(
                    "node/\(name) presents \(key.fingerprint) (\(key.type)), not the expected \(expect); nothing was recorded")
            }
        } else if !confirm(change) {
            throw EdgeError.runtime("node/\(name): the new host key \(key.fingerprint) was not accepted; nothing was recorded")
        }
        try store.trustHostKey(TrustedHostKey(node: name, keyType: key.type, publicKey: key.base64, fingerprint: key.fingerprint, trustedAt: Date()))
        try store.appendEvent(
            kind: "Node", name: name, reason: "HostKeyTrusted",
            message: "re-pinned by \(Actor.userName): \(old?.fingerprint ?? "<none>") → \(key.fingerprint) (\(key.type))")
        return TrustChange(node: name, old: old, new: key)
    }
}
