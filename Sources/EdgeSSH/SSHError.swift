import EdgeCore

/// The step of talking to a node that failed, so an error says where it went wrong.
public enum SSHStep: String, Sendable {
    case resolve = "resolve"
    case connect = "connect"
    case keyExchange = "key exchange"
    case hostKey = "host key"
    case auth = "authentication"
    case exec = "exec"
    case transfer = "transfer"
    case forward = "port forward"
}

/// A failure talking to one node: which node, which step, and libssh's (or our) explanation.
public struct SSHError: Error, Sendable, CustomStringConvertible, TransportFailure {
    public var node: String
    public var step: SSHStep
    public var message: String
    /// The node could not be reached, or the connection to it was lost (as opposed to the node
    /// refusing us or a step failing): it stays pending, it is not a failure. Decided where the
    /// error happens from libssh's state (no SSH banner, a socket that closed, a channel the
    /// node would not open), never from the words of a message.
    public var isUnreachable: Bool

    public init(node: String, step: SSHStep, message: String, unreachable: Bool? = nil) {
        self.node = node
        self.step = step
        // It may quote a node's stderr (a failed call's), which goes on into lastError and events.
        self.message = BoundedText.cut(message, to: NodeLimits.storedMessage)
        isUnreachable = unreachable ?? (step == .resolve || step == .connect)
    }

    public var description: String { "node \(node): \(step.rawValue) failed: \(message)" }

    public var connectionLost: Bool { isUnreachable }
}

extension NodeShellError {
    /// As an `SSHError` of `step`, keeping whether the connection was lost.
    public func ssh(_ step: SSHStep, _ message: String? = nil) -> SSHError {
        SSHError(node: node, step: step, message: message ?? self.message, unreachable: connectionLost)
    }
}
