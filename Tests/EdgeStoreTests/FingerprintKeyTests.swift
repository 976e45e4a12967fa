import EdgeCore
import Foundation
import TestSupport
import Testing

@testable import EdgeStore

/// A shared state's fingerprint key is the operators', never the database's: a reader of the
/// database or of a backup must not be able to test guesses of a weak secret offline.
@Suite("Fingerprint key of a shared state", .enabled(if: TestStates.postgresURL != nil))
struct FingerprintKeyTests {
    func environment(_ dir: TemporaryDirectory, _ who: String) -> [String: String] {
        ["EDGECTL_FINGERPRINT_KEY_FILE": dir.path + "/\(who)/fingerprint.key"]
    }

    func expectError(_ words: String, sourceLocation: Testing.SourceLocation = #_sourceLocation, _ body: () throws -> String) {
        let error = #expect(throws: (any Error).self, sourceLocation: sourceLocation) { _ = try body() }
        #expect(error.map { "\($0)".contains(words) } == true, "\(error.map { "\($0)" } ?? "no error")", sourceLocation: sourceLocation)
    }

    func settings(_ url: String) throws -> String {
        try TestStates.psql(url, "SELECT string_agg(name || '=' || value, ' ') FROM setting")
    }

    @Test func theFirstOperatorsKeyIsTheTeamsAndTheDatabaseKeepsOnlyACheck() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let url = try TestStates.make("postgres", in: dir)
        let store = try StateStore(path: url)
        let ada = environment(dir, "ada")
        let key = try FingerprintKey.hex(for: store, environment: ada)
        let file = try #require(ada["EDGECTL_FINGERPRINT_KEY_FILE"])
        #expect(try String(contentsOfFile: file, encoding: .utf8) == key + "\n")
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600)
        #expect(!(try settings(url)).contains(key), "the key is not in the database")
        #expect(try settings(url).contains(FingerprintKey.checkSetting))
        #expect(try FingerprintKey.hex(for: store, environment: ada) == key, "the same key every run")

        // Bob has none: told where to put the team's; with a different one: told it differs.
        let bob = environment(dir, "bob")
        expectError("this machine has none") { try FingerprintKey.hex(for: store, environment: bob) }
        #expect(!FileManager.default.fileExists(atPath: bob["EDGECTL_FINGERPRINT_KEY_FILE"]!), "no key of his own was made")
        let wrong = ["EDGECTL_FINGERPRINT_KEY": String(repeating: "ab", count: 32)]
        expectError("is not the one") { try FingerprintKey.hex(for: store, environment: wrong) }
        // Given the team's key in the environment, he fingerprints as Ada does.
        #expect(try FingerprintKey.hex(for: store, environment: ["EDGECTL_FINGERPRINT_KEY": key.uppercased()]) == key)
        expectError("64 hex") { try FingerprintKey.hex(for: store, environment: ["EDGECTL_FINGERPRINT_KEY": "short"]) }
    }

    /// A state set up by an edgectl that kept the key in the database: the first run moves it
    /// out (the operator's file gets it, the row goes, a check stays) and says so.
    @Test func aKeyInTheDatabaseIsMovedOutOnFirstUse() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let url = try TestStates.make("postgres", in: dir)
        let store = try StateStore(path: url)
        let legacy = String(repeating: "5e", count: 32)
        _ = try store.setting(FingerprintKey.legacySetting) { legacy }
        var notes: [String] = []
        let ada = environment(dir, "ada")
        #expect(try FingerprintKey.hex(for: store, environment: ada) { notes.append($0) } == legacy)
        #expect(notes.count == 1 && notes[0].contains("moved the secrets' fingerprint key"), "\(notes)")
        #expect(try String(contentsOfFile: ada["EDGECTL_FINGERPRINT_KEY_FILE"]!, encoding: .utf8) == legacy + "\n")
        #expect(!(try settings(url)).contains(legacy))
        #expect(try FingerprintKey.hex(for: store, environment: ada) == legacy, "unit digests stay what they were")
    }
}
