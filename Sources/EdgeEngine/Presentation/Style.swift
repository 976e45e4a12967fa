import Foundation

/// ANSI colour, on only when writing to a terminal and not disabled by `NO_COLOR` or `--no-color`.
public struct Style: Sendable {
    public var enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    /// Colour for a stream: a TTY, no `NO_COLOR`, no `--no-color`, and not a dumb terminal.
    public static func detect(fileDescriptor: Int32, noColorFlag: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Style
    {
        if noColorFlag || environment["NO_COLOR"].map({ !$0.isEmpty }) == true || environment["TERM"] == "dumb" {
            return Style(enabled: false)
        }
        return Style(enabled: isatty(fileDescriptor) == 1)
    }

    public func green(_ s: String) -> String { wrap(s, "32") }
    public func yellow(_ s: String) -> String { wrap(s, "33") }
    public func red(_ s: String) -> String { wrap(s, "31") }
    public func bold(_ s: String) -> String { wrap(s, "1") }
    public func dim(_ s: String) -> String { wrap(s, "2") }
    public func cyan(_ s: String) -> String { wrap(s, "36") }
    public func magenta(_ s: String) -> String { wrap(s, "35") }
    public func blue(_ s: String) -> String { wrap(s, "34") }

    private func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
}
