/// How a failure maps onto the exit codes of the SPEC, so every layer can say
/// what kind of failure it is without knowing about processes.
public enum FailureKind: Sendable {
    /// Exit 1: a runtime error, a failed rollout, or `diff` found differences.
    case runtime
    /// Exit 64: the command line itself is wrong.
    case usage
    /// Exit 65: invalid manifests or other invalid input data.
    case invalidInput
    /// Exit 75: try again later (state locked, nodes unreachable).
    case temporary
    /// Exit 130 / 143: stopped by SIGINT / SIGTERM (128 + the signal's number).
    case interrupted(signal: Int32)

    public var exitCode: Int32 {
        switch self {
        case .runtime: return 1
        case .usage: return 64
        case .invalidInput: return 65
        case .temporary: return 75
        case .interrupted(let signal): return 128 + signal
        }
    }
}

/// An error a person can act on: a message that names the object and the cause.
public struct EdgeError: Error, Sendable, CustomStringConvertible {
    public var kind: FailureKind
    public var message: String

    public init(_ kind: FailureKind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func runtime(_ message: String) -> EdgeError { EdgeError(.runtime, message) }
    public static func usage(_ message: String) -> EdgeError { EdgeError(.usage, message) }
    public static func invalid(_ message: String) -> EdgeError { EdgeError(.invalidInput, message) }
    public static func temporary(_ message: String) -> EdgeError { EdgeError(.temporary, message) }
}
