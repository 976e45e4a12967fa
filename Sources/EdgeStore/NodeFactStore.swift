import EdgeCore
import Foundation

/// What was last observed about a node on contact.
public struct NodeFacts: Sendable, Equatable {
    public var node: String
    /// nil when never contacted.
    public var reachable: Bool?
    /// Last successful contact.
    public var lastSeen: Date?
    /// Last attempt, successful or not.
    public var lastContact: Date?
    public var os: String?
    public var arch: String?
    public var hostKeyFingerprint: String?
    public var lastError: String?
    /// How the node runs services (`NodeRuntime`'s words: "systemd", "supervisor rc.local"…).
    public var runtime: String?

    public init(
        node: String, reachable: Bool? = nil, lastSeen: Date? = nil, lastContact: Date? = nil, os: String? = nil,
        arch: String? = nil, hostKeyFingerprint: String? = nil, lastError: String? = nil, runtime: String? = nil
    ) {
        self.runtime = runtime
        self.node = node
        self.reachable = reachable
        self.lastSeen = lastSeen
        self.lastContact = lastContact
        self.os = os
        self.arch = arch
        self.hostKeyFingerprint = hostKeyFingerprint
        self.lastError = lastError
    }
}

/// A pinned host key (trust on first use).
public struct TrustedHostKey: Sendable, Equatable {
    public var node: String
    public var keyType: String
    public var publicKey: String
    public var fingerprint: String
    public var trustedAt: Date

    public init(node: String, keyType: String, publicKey: String, fingerprint: String, trustedAt: Date) {
        self.node = node
        self.keyType = keyType
        self.publicKey = publicKey
        self.fingerprint = fingerprint
        self.trustedAt = trustedAt
    }
}

extension StateStore {
    public func nodeFacts() throws -> [String: NodeFacts] {
        try read { db in
            let rows = try db.rows(sql: "SELECT * FROM nodeFact")
            return Dictionary(
                uniqueKeysWithValues: rows.map { row in
                    let reachable: Int? = row["reachable"]
                    let facts = NodeFacts(
                        node: row["node"], reachable: reachable.map { $0 != 0 }, lastSeen: (row["lastSeen"] as String?).flatMap(Timestamp.date),
                        lastContact: (row["lastContact"] as String?).flatMap(Timestamp.date), os: row["os"], arch: row["arch"],
                        hostKeyFingerprint: row["hostKeyFingerprint"], lastError: row["lastError"], runtime: row["runtime"])
                    return (facts.node, facts)
                })
        }
    }

    /// Records the outcome of contacting nodes: facts of the reachable ones, the error of the others
    /// (keeping what was known before, such as OS and last-seen time).
    public func recordContacts(_ facts: [NodeFacts]) throws {
        try write { db in
            for f in facts {
                try db.execute(
                    sql: """
                        INSERT INTO nodeFact (node, reachable, lastSeen, lastContact, os, arch, hostKeyFingerprint, lastError, runtime)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (node) DO UPDATE SET
                            reachable = excluded.reachable,
                            lastSeen = COALESCE(excluded.lastSeen, nodeFact.lastSeen),
                            lastContact = excluded.lastContact,
                            os = COALESCE(excluded.os, nodeFact.os),
                            arch = COALESCE(excluded.arch, nodeFact.arch),
                            hostKeyFingerprint = COALESCE(excluded.hostKeyFingerprint, nodeFact.hostKeyFingerprint),
                            lastError = excluded.lastError,
                            runtime = COALESCE(excluded.runtime, nodeFact.runtime)
                        """,
                    arguments: [
                        f.node, f.reachable.map { $0 ? 1 : 0 }, f.lastSeen.map(Timestamp.string), f.lastContact.map(Timestamp.string),
                        // What the node said of itself, and an error quoting it, bounded (`NodeLimits`).
                        f.os.map { BoundedText.cut($0, to: NodeLimits.storedFact) }, f.arch.map { BoundedText.cut($0, to: NodeLimits.storedFact) },
                        f.hostKeyFingerprint, f.lastError.map { BoundedText.cut($0, to: NodeLimits.storedMessage) },
                        f.runtime.map { BoundedText.cut($0, to: NodeLimits.storedFact) },
                    ])
            }
        }
    }

    public func trustedHostKeys() throws -> [String: TrustedHostKey] {
        try read { db in
            let rows = try db.rows(sql: "SELECT * FROM hostKey")
            return Dictionary(
                uniqueKeysWithValues: rows.map { row in
                    (
                        row["node"] as String,
                        TrustedHostKey(
                            node: row["node"], keyType: row["keyType"], publicKey: row["publicKey"], fingerprint: row["fingerprint"],
                            trustedAt: Timestamp.date(row["trustedAt"]) ?? Date(timeIntervalSince1970: 0))
                    )
                })
        }
    }

    /// Records a node's first host key unless one is recorded already (another run may have
    /// recorded one a moment ago); returns the key now recorded and whether it is this one.
    public func recordFirstHostKey(_ key: TrustedHostKey) throws -> (recorded: TrustedHostKey, inserted: Bool) {
        try write { db in
            try db.execute(
                sql:
                    "INSERT INTO hostKey (node, keyType, publicKey, fingerprint, trustedAt) VALUES (?, ?, ?, ?, ?) ON CONFLICT (node) DO NOTHING",
                arguments: [key.node, key.keyType, key.publicKey, key.fingerprint, Timestamp.string(key.trustedAt)])
            guard let row = try db.row(sql: "SELECT * FROM hostKey WHERE node = ?", arguments: [key.node]) else {
                throw EdgeError.runtime("node \(key.node): its host key was not recorded")
            }
            let recorded = TrustedHostKey(
                node: row["node"], keyType: row["keyType"], publicKey: row["publicKey"], fingerprint: row["fingerprint"],
                trustedAt: Timestamp.date(row["trustedAt"]) ?? Date(timeIntervalSince1970: 0))
            let inserted =
                recorded.keyType == key.keyType && recorded.publicKey == key.publicKey && row["trustedAt"] == Timestamp.string(key.trustedAt)
            return (recorded, inserted)
        }
    }

    /// Pins a node's host key, replacing any earlier one (`node trust`, which asked first).
    public func trustHostKey(_ key: TrustedHostKey) throws {
        try write { db in
            try db.execute(
                sql:
                    "INSERT INTO hostKey (node, keyType, publicKey, fingerprint, trustedAt) VALUES (?, ?, ?, ?, ?) ON CONFLICT (node) DO UPDATE SET keyType = excluded.keyType, publicKey = excluded.publicKey, fingerprint = excluded.fingerprint, trustedAt = excluded.trustedAt",
                arguments: [key.node, key.keyType, key.publicKey, key.fingerprint, Timestamp.string(key.trustedAt)])
        }
    }
}

extension StateStore {
    /// A small named value kept in the state (nil: none yet).
    public func setting(_ name: String) throws -> String? {
        try read { try $0.value(sql: "SELECT value FROM setting WHERE name = ?", arguments: [name]) }
    }

    /// A small named value kept in the state, written once: the first writer's value wins and
    /// every later caller gets it (`make` runs only when there is none yet).
    public func setting(_ name: String, orMake make: () -> String) throws -> String {
        if let value: String = try read({ try $0.value(sql: "SELECT value FROM setting WHERE name = ?", arguments: [name]) }) { return value }
        let fresh = make()
        return try write { db in
            try db.execute(sql: "INSERT INTO setting (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", arguments: [name, fresh])
            return try db.value(sql: "SELECT value FROM setting WHERE name = ?", arguments: [name]) ?? fresh
        }
    }
}
