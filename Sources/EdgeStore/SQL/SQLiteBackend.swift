import EdgeCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded backend: one SQLite file in WAL mode (0600 in a 0700 directory), so readers
/// (`get`, `status --no-refresh`) never wait for a writer. Writers use immediate transactions,
/// so two of them queue on SQLite's busy handler instead of failing on a lock upgrade.
final class SQLiteBackend: StateBackend {
    let path: String
    let queue: DatabaseQueue
    var dialect: SQLDialect { .sqlite }
    var displayName: String { path }

    init(path: String) throws {
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
        try SQLiteBackend.checkPlace(path)
        if !fm.fileExists(atPath: path) {
            // O_EXCL|O_NOFOLLOW: never through a link or into a file someone else just made.
            let fd = open(path, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 {
                close(fd)
            } else if errno == EEXIST {
                // Another edgectl made it a moment ago: checked like any existing state.
                try SQLiteBackend.checkPlace(path)
            } else {
                throw EdgeError.runtime("cannot create the state file \(path): \(String(cString: strerror(errno)))")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        }
        do {
            // Opening sets WAL mode, which needs the file to itself for a moment: two first
            // commands on a new file may find it busy even past the busy timeout; opened again
            // until the other is done, as migrate waits.
            let deadline = Date().addingTimeInterval(20)
            while true {
                do {
                    queue = try DatabaseQueue(path: path, configuration: config)
                    break
                } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
            try SQLiteBackend.migrate(queue)
        } catch {
            throw SQLiteBackend.translate(error, path: path)
        }
    }

    /// Brings the file's schema up to date. Two first commands on a new file may both try: the
    /// one that loses (a table already there, a busy file) waits for the other to finish.
    static func migrate(_ queue: DatabaseQueue) throws {
        let migrator = Migrations.migrator
        let deadline = Date().addingTimeInterval(20)
        while true {
            do {
                if try queue.read({ try migrator.hasCompletedMigrations($0) }) { return }
                try migrator.migrate(queue)
                return
            } catch {
                guard Date() < deadline else { throw error }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// A state in a shared directory must be the user's own: the file, its `-wal` and `-shm`
    /// and the fingerprint key may not be links, nor another user's, nor writable by others,
    /// and the directory must be the user's (or root's), writable by others only when sticky
    /// (like /tmp, where others can add files but not replace the user's). Otherwise another
    /// user could plant a state (or a WAL) that edgectl would trust and act on.
    static func checkPlace(_ path: String) throws {
        let me = geteuid()
        let directory = (path as NSString).deletingLastPathComponent
        var info = stat()
        if lstat(directory.isEmpty ? "." : directory, &info) == 0 {
            if info.st_uid != me && info.st_uid != 0 {
                throw EdgeError.runtime("the state directory \(directory) belongs to uid \(info.st_uid), not you; refusing to use a state there")
            }
            if info.st_mode & 0o022 != 0 && info.st_mode & UInt32(S_ISVTX) == 0 {
                throw EdgeError.runtime(
                    "the state directory \(directory) is writable by other users (mode \(String(info.st_mode & 0o7777, radix: 8))); chmod go-w it or move the state"
                )
            }
        }
        for file in [path, path + "-wal", path + "-shm", path + ".fingerprint-key"] where lstat(file, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFLNK {
                throw EdgeError.runtime("\(file) is a symbolic link; a state file must be a plain file of your own")
            }
            if info.st_uid != me {
                throw EdgeError.runtime("\(file) belongs to uid \(info.st_uid), not you; refusing to trust a state someone else made")
            }
            if info.st_mode & 0o022 != 0 {
                throw EdgeError.runtime(
                    "\(file) is writable by other users (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it after checking its contents")
            }
        }
    }

    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(SQLiteConnection(db: db))
                    return .commit
                }
                return result!
            }
        } catch {
            throw SQLiteBackend.translate(error, path: path)
        }
    }

    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try queue.read { try body(SQLiteConnection(db: $0)) }
        } catch {
            throw SQLiteBackend.translate(error, path: path)
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
}

/// GRDB's connection seen through the shared SQL interface.
struct SQLiteConnection: SQLConnection {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    func execute(sql: String, arguments: [any SQLBindable]) throws {
        try db.execute(sql: sql, arguments: SQLiteConnection.arguments(arguments))
    }

    func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow] {
        try Row.fetchAll(db, sql: sql, arguments: SQLiteConnection.arguments(arguments)).map { row in
            SQLRow(
                columns: Array(row.columnNames),
                values: row.databaseValues.map { value in
                    switch value.storage {
                    case .null: return .null
                    case .int64(let i): return .integer(i)
                    case .double(let d): return .real(d)
                    case .string(let s): return .text(s)
                    case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
                    }
                })
        }
    }

    static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
        StatementArguments(
            values.map { value -> DatabaseValue in
                switch value.sqlValue {
                case .null: return .null
                case .integer(let i): return i.databaseValue
                case .real(let d): return d.databaseValue
                case .text(let s): return s.databaseValue
                }
            })
    }
}
