import Foundation

/// Fresh, empty states on either backend for tests. PostgreSQL cases run when
/// `EDGECTL_TEST_PG_URL` names a server where the role may create databases (and
/// `PGPASSWORD` its password): `scripts/test` starts a throwaway one (`scripts/pg-server`)
/// and sets both, so CI always runs them; a bare `swift test` runs the SQLite cases only.
public enum TestStates {
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["EDGECTL_TEST_PG_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The backends this run can test: always `sqlite`, and `postgres` when a server is given.
    public static var backends: [String] { ["sqlite"] + (postgresURL == nil ? [] : ["postgres"]) }

    nonisolated(unsafe) private static var counter = 0
    private static let lock = NSLock()

    /// A new empty state on `backend`: a file in `dir`, or a new database on the test server
    /// (dropped by `drop`).
    public static func make(_ backend: String, in dir: TemporaryDirectory) throws -> String {
        guard backend == "postgres" else { return dir.path + "/state-\(UUID().uuidString.prefix(8)).db" }
        guard let base = postgresURL else { throw TestStateError(message: "no PostgreSQL server: set EDGECTL_TEST_PG_URL") }
        lock.lock()
        counter += 1
        let name = "edgectl_t_\(getpid())_\(counter)_\(UInt32.random(in: 0...UInt32.max))"
        lock.unlock()
        try psql(base, "CREATE DATABASE \(name)")
        let url = String(base[..<(base.lastIndex(of: "/") ?? base.endIndex)]) + "/" + name
        dir.onRemove { _ = try? psql(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        return url
    }

    /// Runs one SQL command on the test server's maintenance database with `psql`.
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        let result = try Shell.run("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", sql])
        guard result.status == 0 else { throw TestStateError(message: "psql \(sql): \(result.stderr)") }
        return result.stdout
    }
}

public struct TestStateError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
