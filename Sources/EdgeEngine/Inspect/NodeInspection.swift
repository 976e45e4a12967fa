import EdgeCore
import EdgeSSH
import Foundation

/// The streamed calls behind `logs` and `exec`, on a node's session shell.
enum NodeInspection {
    /// Status of `edge_logs` when the service has never been on the node.
    static let notOnNode: Int32 = 3

    /// Streams a call's output to `output` until it ends (its status), `deadline` passes (an
    /// error) or edgectl is interrupted (the connection drops; the node stops the command).
    static func stream(
        _ link: NodeLink, _ function: String, _ arguments: [String], deadline: Date? = nil,
        output: (OutputChannel, Data) -> Void
    ) throws -> Int32 {
        do {
            return try link.shell.stream(function, arguments, deadline: deadline) { stream, data in
                output(stream == .stdout ? .stdout : .stderr, data)
            }
        } catch let error as NodeShellError {
            throw error.ssh(.exec)
        }
    }
}
