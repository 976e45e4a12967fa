import EdgeCore
import Foundation

/// `postgres://USER@HOST[:PORT]/DB[?sslmode=…&sslrootcert=FILE&host=/socket/dir]`, read as
/// libpq users expect (`PGSSLMODE` and `PGSSLROOTCERT` when the URL does not say).
/// The password never travels in the URL (it would be recorded with the command line in
/// generations and revisions): it comes from `PGPASSWORD` or `~/.pgpass` (`PGPASSFILE`).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode
    /// A directory holding the server's socket (`?host=/dir`), instead of TCP.
    public var socketDirectory: String?
    /// The authorities a verify-ca/verify-full server certificate must chain to: a PEM file
    /// (a private CA), `system` for the system's trust roots, nil for libpq's default
    /// (`~/.postgresql/root.crt` when it exists, else the system's).
    public var sslRootCert: String?

    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw EdgeError.usage("the state URL \(PostgresURL.redacted(text)) is not postgres://USER@HOST[:PORT]/DB")
        }
        if components.password != nil {
            throw EdgeError.usage(
                "the state URL carries a password; put it in PGPASSWORD or ~/.pgpass instead (a URL is recorded with the command line)")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, b in b })
        user = components.user ?? environment["PGUSER"] ?? Actor.userName
        socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? (socketDirectory == nil ? "localhost" : "localhost")
        port = components.port ?? query["port"].flatMap(Int.init) ?? 5432
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        let mode = query["sslmode"] ?? environment["PGSSLMODE"].flatMap { $0.isEmpty ? nil : $0 } ?? "prefer"
        guard let parsed = SSLMode(rawValue: mode) else {
            throw EdgeError.usage(
                "sslmode=\(mode) in the state URL: use disable, allow, prefer, require, verify-ca or verify-full")
        }
        sslMode = parsed
        sslRootCert = query["sslrootcert"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGSSLROOTCERT"].flatMap { $0.isEmpty ? nil : $0 }
        for key in query.keys where !["sslmode", "sslrootcert", "host", "port"].contains(key) {
            throw EdgeError.usage("the state URL has an unknown parameter \(key); edgectl reads sslmode, sslrootcert, host and port")
        }
        if let root = sslRootCert, root != "system", !FileManager.default.isReadableFile(atPath: root) {
            throw EdgeError.usage("sslrootcert \(root) in the state URL cannot be read")
        }
    }

    /// Whether the server is reached on this machine only (a socket, or a loopback address).
    public var isLoopback: Bool {
        socketDirectory != nil || host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// What to tell an operator whose state travels to another machine without the server's
    /// certificate checked (anyone on the path could read or change the state), or nil.
    public var unverifiedWarning: String? {
        guard !isLoopback, sslMode != .verifyCA, sslMode != .verifyFull else { return nil }
        return "the state server \(self) is reached without checking its certificate (sslmode=\(sslMode.rawValue)): "
            + "whoever is on the path can read and change the state; use sslmode=verify-full (with sslrootcert=FILE for a private CA)"
    }

    /// The URL as messages show it.
    public var description: String {
        "postgres://\(user)@\(socketDirectory.map { _ in "" } ?? host):\(port)/\(database)"
            + (socketDirectory.map { "?host=\($0)" } ?? "")
    }

    /// A URL with any password replaced, for messages about a URL that did not parse.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "****"
        return components.string ?? "postgres://…"
    }

    /// The password for this server: `PGPASSWORD`, else the first matching `~/.pgpass` line
    /// (`host:port:database:user:password`, `*` matching anything, `\:` and `\\` escaped); the
    /// file is ignored, as libpq does, unless only its owner can read it.
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let password = environment["PGPASSWORD"], !password.isEmpty { return password }
        let file = environment["PGPASSFILE"] ?? (NSHomeDirectory() + "/.pgpass")
        var info = stat()
        guard stat(file, &info) == 0, info.st_mode & 0o077 == 0, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            return nil
        }
        let hostName = socketDirectory == nil ? host : "localhost"
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = PostgresURL.pgpassFields(String(line))
            guard fields.count == 5 else { continue }
            let wanted = [hostName, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    static func pgpassFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
