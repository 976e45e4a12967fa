import Crypto
import EdgeCore
import Foundation

/// The key secrets' fingerprints are made with (HMAC-SHA256), and where it is kept.
///
/// A fingerprint lets the state tell a rotated secret without holding its value; with the key
/// beside the fingerprints, a reader of the database or of a backup could test guesses of a
/// weak secret offline. So the key is never in a shared (PostgreSQL) state: each operator
/// holds it, the way they hold the database password, in `EDGECTL_FINGERPRINT_KEY` (64 hex
/// digits) or in a file (`EDGECTL_FINGERPRINT_KEY_FILE`, by default
/// `${XDG_CONFIG_HOME:-~/.config}/edgectl/fingerprint.key`, mode 0600). The database keeps
/// only a check value (an HMAC of a constant under the key), so an operator with a missing or
/// different key gets an error instead of digests that differ from the team's.
/// A SQLite state keeps its key in a file beside it (`STATE.fingerprint-key`, 0600), as before.
public enum FingerprintKey {
    /// Where edgectl before this kept the key of a shared state; moved out on first use.
    static let legacySetting = "secretFingerprintKey"
    static let checkSetting = "secretFingerprintKeyCheck"

    /// The operator's key file for shared states.
    public static func operatorPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["EDGECTL_FINGERPRINT_KEY_FILE"], !path.isEmpty { return path }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return config + "/edgectl/fingerprint.key"
    }

    /// The key of `store` as 64 hex digits, made (and for a shared state, checked in) on first
    /// use. `note` receives what an operator should know (the key was moved out of the database).
    public static func hex(
        for store: StateStore, environment: [String: String] = ProcessInfo.processInfo.environment, note: (String) -> Void = { _ in }
    ) throws -> String {
        guard store.isPostgres else { return try besideState(store.path) }
        let legacy = try store.setting(legacySetting)
        let check = try store.setting(checkSetting)
        var own = try operatorKey(environment: environment)
        let path = operatorPath(environment: environment)
        if let legacy {
            if let own, own.hex != legacy {
                throw EdgeError.runtime(
                    "the secrets' fingerprint key of \(store.displayName) is still in the database and differs from yours (\(own.from)); "
                        + "remove yours to adopt the state's, or ask who set the state up which one the team uses")
            }
            if own == nil {
                try writeOperatorKey(legacy, at: path)
                own = (legacy, path)
            }
            try store.write { db in
                try db.execute(
                    sql: "INSERT INTO setting (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                    arguments: [checkSetting, checkValue(legacy)])
                try db.execute(sql: "DELETE FROM setting WHERE name = ?", arguments: [legacySetting])
            }
            note(
                "moved the secrets' fingerprint key of \(store.displayName) out of the database into \(path); "
                    + "everyone who runs edgectl on this state needs the same key there or in EDGECTL_FINGERPRINT_KEY")
            return legacy
        }
        if let check {
            guard let own else {
                throw EdgeError.runtime(
                    "\(store.displayName) fingerprints secrets with a key kept outside the database, and this machine has none: "
                        + "get it from whoever set the state up, into \(path) (mode 0600) or EDGECTL_FINGERPRINT_KEY")
            }
            guard checkValue(own.hex) == check else {
                throw EdgeError.runtime(
                    "the secrets' fingerprint key in \(own.from) is not the one \(store.displayName) was set up with; "
                        + "get the team's key from whoever set the state up")
            }
            return own.hex
        }
        // A new shared state: this operator's key (made now if they have none) becomes the team's.
        let key = try own?.hex ?? makeOperatorKey(at: path)
        let stored = try store.setting(checkSetting) { checkValue(key) }
        guard stored == checkValue(key) else {
            throw EdgeError.runtime("another operator set up \(store.displayName) with a different fingerprint key a moment ago; run again")
        }
        return key
    }

    /// Makes `hex` the key of shared state `store` (`state copy` into PostgreSQL): the
    /// operator's key must be absent or the same.
    static func adopt(_ hex: String, for store: StateStore, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let path = operatorPath(environment: environment)
        if let own = try operatorKey(environment: environment) {
            guard own.hex == hex else {
                throw EdgeError.runtime(
                    "state copy: the source's secrets' fingerprint key differs from yours (\(own.from)); "
                        + "the copy needs the source's: set EDGECTL_FINGERPRINT_KEY_FILE to another file for this copy")
            }
        } else {
            try writeOperatorKey(hex, at: path)
        }
        _ = try store.setting(checkSetting) { checkValue(hex) }
    }

    static func checkValue(_ hex: String) -> String {
        let key = SymmetricKey(data: bytes(hex))
        return "hmac-sha256:" + HMAC<SHA256>.authenticationCode(for: Data("edgectl fingerprint key check".utf8), using: key).hex
    }

    static func operatorKey(environment: [String: String]) throws -> (hex: String, from: String)? {
        if let value = environment["EDGECTL_FINGERPRINT_KEY"], !value.isEmpty {
            guard let hex = parse(value) else { throw EdgeError.runtime("EDGECTL_FINGERPRINT_KEY is not 64 hex digits") }
            return (hex, "EDGECTL_FINGERPRINT_KEY")
        }
        let path = operatorPath(environment: environment)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let hex = String(data: data, encoding: .utf8).flatMap(parse) else {
            throw EdgeError.runtime("the secrets' fingerprint key file \(path) does not hold 64 hex digits")
        }
        return (hex, path)
    }

    static func parse(_ text: String) -> String? {
        let hex = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return hex.count == 64 && hex.allSatisfy(\.isHexDigit) ? hex : nil
    }

    static func makeOperatorKey(at path: String) throws -> String {
        let hex = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.hex
        return try writeOperatorKey(hex, at: path)
    }

    /// Written as text (one line of hex, easy to hand over), 0600, never over another key:
    /// two runs racing keep the first.
    @discardableResult
    static func writeOperatorKey(_ hex: String, at path: String) throws -> String {
        try writeOnce(Data((hex + "\n").utf8), at: path) { data in String(data: data, encoding: .utf8).flatMap(parse) }
    }

    /// A SQLite state's key: 32 bytes in a file beside it (`hex`: that key, for `state copy`;
    /// else a new one), never written over one already there.
    static func besideState(_ statePath: String, hex: String? = nil) throws -> String {
        let path = statePath + ".fingerprint-key"
        if let data = FileManager.default.contents(atPath: path), data.count == 32 { return data.hex }
        let fresh = hex.map { Data(bytes($0)) } ?? SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return try writeOnce(fresh, at: path) { $0.count == 32 ? $0.hex : nil }
    }

    static func writeOnce(_ data: Data, at path: String, read: (Data) -> String?) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw EdgeError.runtime("cannot write the secrets' fingerprint key \(path)")
        }
        defer { unlink(temporary) }
        if link(temporary, path) != 0 && errno != EEXIST { throw EdgeError.runtime("cannot write the secrets' fingerprint key \(path)") }
        guard let written = FileManager.default.contents(atPath: path).flatMap(read) else {
            throw EdgeError.runtime("the secrets' fingerprint key file \(path) is not a key")
        }
        return written
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    /// The key to make fingerprints with.
    public static func symmetricKey(_ hex: String) -> SymmetricKey { SymmetricKey(data: bytes(hex)) }
}

extension Sequence where Element == UInt8 {
    fileprivate var hex: String { map { String(format: "%02x", $0) }.joined() }
}
