import EdgeCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where the state lives: a SQLite file (the embedded default) or a PostgreSQL database (a
/// team's shared state). Both run the same SQL through `SQLConnection`; every database error
/// is turned into an `EdgeError` by the backend (a busy or unreachable state is "try again",
/// exit 75), never shown raw.
protocol StateBackend: AnyObject, Sendable {
    var dialect: SQLDialect { get }
    /// How the state is named in messages (a file path, or a URL without its password).
    var displayName: String { get }
    /// One write transaction, serialised with every other writer.
    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// One consistent read.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T
}

/// The state: desired state, revisions, releases, events, node facts, host keys, rollouts and
/// the run lock, on whichever backend `path` names.
public final class StateStore: Sendable {
    /// The file, or the `postgres://` URL as given.
    public let path: String
    let backend: any StateBackend
    /// The run lock this process holds on the state, if any: every write is fenced by it.
    let fence = LockFence()

    /// `${EDGECTL_STATE}`, else `${XDG_STATE_HOME:-~/.local/state}/edgectl/state.db`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["EDGECTL_STATE"], !explicit.isEmpty { return explicit }
        let base =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/state")
        return base + "/edgectl/state.db"
    }

    /// Whether `path` names a PostgreSQL database rather than a file.
    public static func isPostgres(_ path: String) -> Bool {
        path.hasPrefix("postgres://") || path.hasPrefix("postgresql://")
    }

    /// Opens (creating and migrating if needed) the state `path` names.
    public init(path: String) throws {
        self.path = path
        backend = StateStore.isPostgres(path) ? try PostgresBackend(url: path) : try SQLiteBackend(path: path)
    }

    public var isPostgres: Bool { backend.dialect == .postgres }

    /// The state as messages name it (never with a password).
    public var displayName: String { backend.displayName }

    /// One write transaction. While this store holds the run lock, the transaction first checks
    /// that it still does (the fencing token and the anchor), so a holder that lost the lock
    /// writes nothing more.
    public func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        guard let lock = fence.current else { return try backend.write(body) }
        return try backend.write { db in
            try lock.checkFence(db)
            return try body(db)
        }
    }

    /// A write outside the fence: the lock's own bookkeeping (taking, renewing, releasing).
    func unfencedWrite<T>(_ body: (any SQLConnection) throws -> T) throws -> T { try backend.write(body) }

    public func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T { try backend.read(body) }

    /// Integrity check, for tests and `kill -9` recovery checks.
    public func integrityCheck() throws -> String {
        guard backend.dialect == .sqlite else { return "ok" }
        return try read { try $0.value(sql: "PRAGMA integrity_check") ?? "" }
    }
}
