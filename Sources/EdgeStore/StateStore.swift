import EdgeCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The state file: desired state, revisions, releases, events, node facts, host keys and the run lock.
///
/// One SQLite file in WAL mode, so readers (`get`, `status --no-refresh`)
/// never wait for a writer. Every database error is turned into an
/// `EdgeError` here: a busy database becomes "try again" (exit 75), never a
/// raw `SQLITE_BUSY`.
public final class StateStore: Sendable {
    public let path: String
    let queue: DatabaseQueue

    /// `${EDGECTL_STATE}`, else `${XDG_STATE_HOME:-~/.local/state}/edgectl/state.db`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["EDGECTL_STATE"], !explicit.isEmpty { return explicit }
        let base =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/state")
        return base + "/edgectl/state.db"
    }

    /// Opens (creating if needed, 0600 in a 0700 directory) and migrates the state file.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        let fm = FileManager.default
        if !directory.isEmpty && !fm.fileExists(atPath: directory) {
            do {
                try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw EdgeError.runtime("cannot create the state directory \(directory): \(error.localizedDescription)")
            }
        }
        if !fm.fileExists(atPath: path) {
            let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw EdgeError.runtime("cannot create the state file \(path): \(String(cString: strerror(errno)))")
            }
            close(fd)
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            let migrator = Migrations.migrator
            if try queue.read({ try !migrator.hasCompletedMigrations($0) }) {
                try migrator.migrate(queue)
            }
        } catch {
            throw StateStore.translate(error, path: path)
        }
    }

    /// Runs `body` in an immediate write transaction (so two writers queue
    /// on SQLite's busy handler instead of failing on a lock upgrade).
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw StateStore.translate(error, path: path)
        }
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch {
            throw StateStore.translate(error, path: path)
        }
    }

    static func translate(_ error: Error, path: String) -> Error {
        if error is EdgeError { return error }
        guard let dbError = error as? DatabaseError else { return error }
        switch dbError.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return EdgeError.temporary("the state file \(path) is busy (another edgectl is writing it); try again")
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return EdgeError.runtime("the state file \(path) is not a valid edgectl state database (\(dbError.message ?? "corrupt"))")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY:
            return EdgeError.runtime("cannot open the state file \(path) for writing: \(dbError.message ?? "permission denied")")
        default:
            return EdgeError.runtime("state file \(path): \(dbError.message ?? String(describing: dbError.resultCode))")
        }
    }

    /// Integrity check, for tests and `kill -9` recovery checks.
    public func integrityCheck() throws -> String {
        try read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
    }
}
