import EdgeCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The shared backend: a PostgreSQL database that a team's operators and CI runners use at
/// once. One connection per process, one transaction at a time on it. Writes run SERIALIZABLE
/// and are retried whole when the server reports a conflict, so two writers never lose one
/// another's update; a connection lost mid-transaction leaves nothing of it (the server rolls
/// it back), and the command says so and exits 75.
final class PostgresBackend: StateBackend, @unchecked Sendable {
    let url: PostgresURL
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let logger = Logger(label: "edgectl.state") { _ in SwiftLogNoOpLogHandler() }
    /// Recursive: a store call made while a transaction is open on this thread joins it.
    private let mutex = NSRecursiveLock()
    private var connection: PostgresConnection?
    private var open: PostgresSQLConnection?

    var dialect: SQLDialect { .postgres }
    var displayName: String { url.description }

    init(url text: String) throws {
        url = try PostgresURL(text)
        do {
            try migrate()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    deinit {
        if let connection { try? connection.close().wait() }
        try? group.syncShutdownGracefully()
    }

    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", body)
    }

    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T>(_ begin: String, _ body: (any SQLConnection) throws -> T) throws -> T {
        mutex.lock()
        defer { mutex.unlock() }
        if let open { return try body(open) }
        var attempt = 0
        while true {
            attempt += 1
            do {
                // The transaction keeps the connection it began on: were that one lost, a statement
                // on a new one would commit on its own, outside the transaction.
                let connection = PostgresSQLConnection(backend: self, connection: try connect())
                _ = try connection.run(begin, [])
                open = connection
                defer { open = nil }
                let result = try body(connection)
                _ = try connection.run("COMMIT", [])
                return result
            } catch {
                let lost = error is ConnectionLost || (error as? PSQLError).map(PostgresBackend.isConnectionLoss) == true
                if lost {
                    self.connection = nil
                    let why = (error as? PSQLError).map(PostgresBackend.describe) ?? "the connection closed"
                    throw EdgeError.temporary("the state server \(url) went away (\(why)); nothing of this step was written; try again")
                }
                if let connection = self.connection { _ = try? PostgresSQLConnection(backend: self, connection: connection).run("ROLLBACK", []) }
                if let psql = error as? PSQLError, PostgresBackend.isConflict(psql), attempt < 20 {
                    // Another writer committed first: do it again on what it left.
                    Thread.sleep(forTimeInterval: Double.random(in: 0.005...0.05) * Double(attempt))
                    continue
                }
                throw translate(error)
            }
        }
    }

    /// One statement on `connection`.
    static func run(_ sql: String, _ arguments: [any SQLBindable], on connection: PostgresConnection, logger: Logger) throws -> [SQLRow] {
        var binds = PostgresBindings()
        for argument in arguments {
            switch argument.sqlValue {
            case .null: binds.appendNull()
            case .integer(let i): binds.append(i)
            case .real(let d): binds.append(d)
            case .text(let s): binds.append(s)
            }
        }
        let query = PostgresQuery(unsafeSQL: PostgresBackend.numbered(sql), binds: binds)
        // The future is completed on the connection's own event loop thread, so this thread may
        // block on it whatever it is (a test's task included): no Swift task is awaited here.
        let result = try connection.query(query, logger: logger).wait()
        return result.rows.map { row in SQLRow(columns: row.map(\.columnName), values: row.map(PostgresBackend.value)) }
    }

    private func connect() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        let made = try newConnection()
        connection = made
        return made
    }

    /// A connection of its own to the server (the store's, or the run lock's session).
    func newConnection() throws -> PostgresConnection {
        var configuration: PostgresConnection.Configuration
        let password = url.password()
        if let directory = url.socketDirectory {
            configuration = .init(
                unixSocketPath: directory + "/.s.PGSQL.\(url.port)", username: url.user, password: password, database: url.database)
        } else {
            configuration = .init(
                host: url.host, port: url.port, username: url.user, password: password, database: url.database, tls: try tls())
        }
        configuration.options.connectTimeout = .seconds(10)
        do {
            return try PostgresConnection.connect(on: group.next(), configuration: configuration, id: 1, logger: logger).wait()
        } catch {
            throw connectError(error, password: password != nil)
        }
    }

    /// `sslmode` as libpq reads it: prefer (the default) and allow use TLS when the server has
    /// it; require insists on it without checking the certificate; verify-ca checks the chain,
    /// verify-full the host name too, against `sslrootcert` (libpq's default
    /// `~/.postgresql/root.crt` when it exists, else the system's trust roots).
    private func tls() throws -> PostgresConnection.Configuration.TLS {
        if let warning = url.unverifiedWarning { OperatorNotice.warning(warning) }
        func context(_ verification: CertificateVerification) throws -> NIOSSLContext {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = verification
            if verification != .none {
                let fallback = NSHomeDirectory() + "/.postgresql/root.crt"
                let root = url.sslRootCert ?? (FileManager.default.isReadableFile(atPath: fallback) ? fallback : "system")
                if root != "system" { configuration.trustRoots = .file(root) }
            }
            do {
                return try NIOSSLContext(configuration: configuration)
            } catch {
                throw EdgeError.usage("sslrootcert \(url.sslRootCert ?? "~/.postgresql/root.crt") holds no certificate edgectl can read: \(error)")
            }
        }
        switch url.sslMode {
        case .disable: return .disable
        case .allow, .prefer: return .prefer(try context(.none))
        case .require: return .require(try context(.none))
        case .verifyCA: return .require(try context(.noHostnameVerification))
        case .verifyFull: return .require(try context(.fullVerification))
        }
    }

    /// The connection closed under an open transaction (a server restart, a dropped link).
    struct ConnectionLost: Error {}

    // MARK: Migrations

    /// Applies the migrations this server has not run, in order, under an advisory lock (two
    /// operators' first runs may meet here).
    private func migrate() throws {
        // READ COMMITTED, not SERIALIZABLE: a snapshot taken before the advisory lock was
        // granted would not see the tables the other migrator has just made.
        try transaction("BEGIN ISOLATION LEVEL READ COMMITTED") { db in
            try db.execute(sql: "SELECT pg_advisory_xact_lock(7271001)")
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, appliedAt TEXT NOT NULL)")
            let done = Set(try db.column(sql: "SELECT name FROM schema_migration") as [String])
            for (name, statements) in PostgresMigrations.all where !done.contains(name) {
                for statement in statements { try db.execute(sql: statement) }
                try db.execute(sql: "INSERT INTO schema_migration (name, appliedAt) VALUES (?, ?)", arguments: [name, Timestamp.string(Date())])
            }
        }
    }

    // MARK: Values and errors

    /// `?` placeholders (the state's one SQL) as PostgreSQL's `$1, $2, …`, outside quotes.
    static func numbered(_ sql: String) -> String {
        var out = ""
        var index = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                index += 1
                out += "$\(index)"
            } else {
                out.append(character)
            }
        }
        return out
    }

    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        default:
            return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }

    static func sqlState(_ error: PSQLError) -> String? { error.serverInfo?[.sqlState] }

    static func isConflict(_ error: PSQLError) -> Bool {
        ["40001", "40P01", "23505"].contains(sqlState(error) ?? "")
    }

    static func isConnectionLoss(_ error: PSQLError) -> Bool {
        if let state = sqlState(error), state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03" { return true }
        return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(error.code)
    }

    static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            return message + (sqlState(error).map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    private func translate(_ error: Error) -> Error {
        if error is EdgeError { return error }
        guard let psql = error as? PSQLError else { return EdgeError.runtime("state \(url): \(error)") }
        if PostgresBackend.isConflict(psql) {
            return EdgeError.temporary(
                "the state \(url) was changed by another writer at the same moment (\(PostgresBackend.describe(psql))); try again")
        }
        return EdgeError.runtime("state \(url): \(PostgresBackend.describe(psql))")
    }

    private func connectError(_ error: Error, password: Bool) -> Error {
        guard let psql = error as? PSQLError else {
            return EdgeError.temporary("cannot reach the state server \(url): \(error); try again")
        }
        switch PostgresBackend.sqlState(psql) {
        case "28P01", "28000":
            return EdgeError.runtime(
                "the state server \(url) refused user \(url.user): \(PostgresBackend.describe(psql))"
                    + (password ? "" : "; set PGPASSWORD or add a line to ~/.pgpass"))
        case "3D000":
            return EdgeError.runtime("the state server \(url) has no database \(url.database); create it (createdb) first")
        default:
            break
        }
        if psql.code == .authMechanismRequiresPassword {
            return EdgeError.runtime("the state server \(url) asks for a password: set PGPASSWORD or add a line to ~/.pgpass")
        }
        // The chain (BoringSSL's CERTIFICATE_VERIFY_FAILED) or the name (NIOSSL's own check):
        // retrying will not change either.
        if let underlying = psql.underlying,
            ["CERTIFICATE_VERIFY_FAILED", "failedToValidateHostname"].contains(where: { "\(underlying)".contains($0) })
        {
            return EdgeError.runtime(
                "the state server \(url) presented a certificate that sslmode=\(url.sslMode.rawValue) does not accept (not signed by a trusted authority, or not for this host)"
            )
        }
        if psql.code == .sslUnsupported {
            return EdgeError.runtime("the state server \(url) does not offer TLS, and sslmode=\(url.sslMode.rawValue) requires it")
        }
        return EdgeError.temporary("cannot reach the state server \(url): \(PostgresBackend.describe(psql)); try again")
    }
}

/// A transaction on the PostgreSQL backend, seen through the shared SQL interface.
struct PostgresSQLConnection: SQLConnection {
    let backend: PostgresBackend
    let connection: PostgresConnection
    var dialect: SQLDialect { .postgres }

    func run(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
        if connection.isClosed { throw PostgresBackend.ConnectionLost() }
        return try PostgresBackend.run(sql, arguments, on: connection, logger: backend.logger)
    }

    func execute(sql: String, arguments: [any SQLBindable]) throws { _ = try run(sql, arguments) }

    func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow] { try run(sql, arguments) }
}
