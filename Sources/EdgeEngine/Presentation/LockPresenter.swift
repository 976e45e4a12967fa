import EdgeCore
import EdgeStore
import Foundation

/// `lock status` as text and JSON.
public enum LockPresenter {
    public static func text(_ holder: LockHolder?, now: Date = Date()) -> String {
        guard let holder else { return "the state is not locked" }
        var lines = ["locked by \(holder.user ?? "?") on \(holder.host), pid \(holder.pid)"]
        lines.append("  command: \(holder.command)")
        lines.append("  since:   \(Timestamp.string(holder.since)) (\(Formatting.age(since: holder.since, now: now)) ago)")
        if let expires = holder.expiresAt {
            lines.append(
                expires < now
                    ? "  lease:   ran out at \(Timestamp.string(expires)); the next writer takes it over"
                    : "  lease:   until \(Timestamp.string(expires)) (renewed while the holder runs)")
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ holder: LockHolder?) -> JSONValue {
        guard let holder else { return .object([("locked", .bool(false))]) }
        return .object([
            ("locked", .bool(true)), ("user", .str(holder.user)), ("host", .string(holder.host)), ("pid", .int(Int(holder.pid))),
            ("command", .string(holder.command)), ("since", .date(holder.since)), ("expiresAt", .date(holder.expiresAt)),
        ])
    }
}
