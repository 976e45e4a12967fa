import Foundation

/// Who is doing something, for the generation, revision and event records.
public struct Actor: Sendable {
    public var command: String
    public var user: String
    public var host: String
    public var now: Date

    public init(command: String, user: String, host: String, now: Date = Date()) {
        self.command = command
        self.user = user
        self.host = host
        self.now = now
    }

    public static func current(command: String) -> Actor {
        Actor(command: command, user: userName, host: ProcessInfo.processInfo.hostName)
    }

    /// The operator's login name: `$USER`, `$LOGNAME`, else the password database.
    public static var userName: String {
        let env = ProcessInfo.processInfo.environment
        if let user = env["USER"] ?? env["LOGNAME"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }
}
