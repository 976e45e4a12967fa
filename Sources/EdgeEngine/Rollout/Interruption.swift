import Foundation

/// A stop asked for by a signal (SIGINT, SIGTERM), shared between the thread that catches it
/// and the run that honours it at its next batch boundary: no new batch starts, the batch in
/// flight finishes its gates (or is rolled back by the policy), and the rollout is recorded
/// as `Interrupted`.
public final class Interruption: @unchecked Sendable {
    private let lock = NSLock()
    private var caught: Int32?

    public init() {}

    /// Records the signal; true the first time (a second one means "stop at once").
    @discardableResult
    public func request(_ signal: Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard caught == nil else { return false }
        caught = signal
        return true
    }

    /// The signal that asked for the stop, if one did.
    public var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return caught
    }

    public var isRequested: Bool { signal != nil }

    /// The signal's name as people know it.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }
}
