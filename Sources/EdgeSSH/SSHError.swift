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
public struct SSHError: Error, Sendable, CustomStringConvertible {
    public var node: String
    public var step: SSHStep
    public var message: String

    public init(node: String, step: SSHStep, message: String) {
        self.node = node
        self.step = step
        self.message = message
    }

    public var description: String { "node \(node): \(step.rawValue) failed: \(message)" }

    /// The node could not be reached at all (as opposed to refusing us): it stays pending, it is not a failure.
    public var isUnreachable: Bool {
        switch step {
        case .resolve, .connect: return true
        case .keyExchange: return message.lowercased().contains("timeout") || message.lowercased().contains("timed out")
        default: return false
        }
    }
}
