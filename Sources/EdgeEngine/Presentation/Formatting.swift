import Foundation

/// How people read times and sizes in tables.
public enum Formatting {
    /// `45s`, `3m`, `5h`, `2d`, `1y` — the age of something created at `date`.
    public static func age(since date: Date?, now: Date) -> String {
        guard let date else { return "<never>" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<(120 * 60): return "\(seconds / 60)m"
        case ..<(48 * 3600): return "\(seconds / 3600)h"
        case ..<(730 * 86400): return "\(seconds / 86400)d"
        default: return "\(seconds / (365 * 86400))y"
        }
    }

    /// `5s`, `2.5s`.
    public static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : String(format: "%.1fs", value)
    }

    /// `512B`, `12KiB`, `3.4MiB`.
    public static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes)B" }
        return value < 10 ? String(format: "%.1f%@", value, units[unit]) : "\(Int(value))\(units[unit])"
    }

    public static func labels(_ labels: [String: String]) -> String {
        labels.isEmpty ? "<none>" : labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    public static func short(_ digest: String?) -> String {
        digest.map { String($0.prefix(12)) } ?? "<none>"
    }
}
