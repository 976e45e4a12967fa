import EdgeCore
import EdgeSSH
import EdgeStore
import Foundation

public struct ExecRequest: Sendable {
    /// The command as given after `--`.
    public var arguments: [String]
    public var targets = NodeTargets()
    /// Seconds the command may run on each node (nil: no limit).
    public var timeout: Double?

    public init(arguments: [String]) { self.arguments = arguments }

    /// What the node's shell runs. One argument is a command line (pipes, globs and `&&`
    /// work, as with `ssh node 'cmd | cmd'`); several are words, each passed through as is.
    public var commandLine: String {
        arguments.count == 1 ? arguments[0] : arguments.map(ExecRequest.word).joined(separator: " ")
    }

    /// A word as the shell reads it back: bare when nothing in it is special, quoted otherwise.
    static func word(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy { c in
                (c.isASCII && (CharacterSet.alphanumerics.contains(c))) || "_@%+=:,./-".unicodeScalars.contains(c)
            }
        return plain ? text : ShellQuote.quote(text)
    }
}

/// How the command ended on one node.
public struct NodeExecOutcome: Sendable {
    public var node: String
    /// The command's exit status; nil when it could not be run (see `problem`).
    public var exitCode: Int32?
    public var problem: String?
    public var unreachable = false
    public var stdout = ""
    public var stderr = ""

    public var succeeded: Bool { exitCode == 0 }
}

public struct ExecSummary: Sendable {
    public var outcomes: [NodeExecOutcome]

    public var succeeded: Int { outcomes.filter(\.succeeded).count }
    public var failed: [NodeExecOutcome] { outcomes.filter { !$0.succeeded && !$0.unreachable } }
    public var unreachable: [NodeExecOutcome] { outcomes.filter(\.unreachable) }

    /// Exit 0 only if every node succeeded; 75 if the only trouble was nodes that did not answer.
    public var failure: FailureKind? {
        if !failed.isEmpty { return .runtime }
        if !unreachable.isEmpty { return .temporary }
        return nil
    }

    public var line: String {
        var parts = ["\(outcomes.count) node\(outcomes.count == 1 ? "" : "s"): \(succeeded) succeeded"]
        if !failed.isEmpty {
            parts.append(
                "\(failed.count) failed (" + failed.map { "\($0.node): " + ($0.exitCode.map { "exit \($0)" } ?? "error") }.joined(separator: ", ")
                    + ")")
        }
        if !unreachable.isEmpty { parts.append("\(unreachable.count) unreachable (\(unreachable.map(\.node).joined(separator: ", ")))") }
        return parts.joined(separator: ", ")
    }
}

/// `exec`: one ad-hoc command on many nodes at once, each run recorded in the event log.
public struct FleetExec: Sendable {
    let store: StateStore
    let settings: ConnectionSettings
    let actor: Actor

    public init(store: StateStore, settings: ConnectionSettings, actor: Actor) {
        self.store = store
        self.settings = settings
        self.actor = actor
    }

    public func nodes(for request: ExecRequest) throws -> [DesiredNode] {
        let fleet = Fleet(try store.checkedResources())
        let names = try request.targets.resolve(in: fleet)
        if names.isEmpty { throw EdgeError.runtime("no node matches \(describe(request.targets))") }
        return names.compactMap { fleet.nodes[$0] }
    }

    /// Runs the command on `nodes` (from `nodes(for:)`); `sink` gets each line as it arrives,
    /// and the summary keeps each node's output.
    public func run(_ request: ExecRequest, on nodes: [DesiredNode], sink: @escaping @Sendable (NodeLine) -> Void) throws -> ExecSummary {
        let delivery = LineDelivery(order: nil, sink: sink)
        let capture = OutputCapture()
        SecretResolver.learn(store: store, nodes: nodes.map(\.name))
        let connector = NodeConnector(store: store, settings: settings)
        // Run by `sh` on the node's session shell: the login shell need not be POSIX.
        let outcomes = try connector.withSessions(nodes) { link -> Int32 in
            let node = link.node
            var splitter = LineSplitter()
            let deadline = request.timeout.map { Date().addingTimeInterval($0) }
            defer { delivery.finish(&splitter, node: node) }
            return try NodeInspection.stream(link, "edge_exec", [request.commandLine], deadline: deadline) { channel, data in
                capture.append(node: node, channel: channel, data: data)
                delivery.feed(&splitter, node: node, channel: channel, data: data)
            }
        }
        delivery.flush()
        let summary = ExecSummary(
            outcomes: outcomes.map { outcome in
                var result = NodeExecOutcome(node: outcome.node)
                switch outcome.result {
                case .success(let status): result.exitCode = status
                case .failure(let error):
                    result.problem = error.description
                    result.unreachable = error.isUnreachable
                }
                result.stdout = capture.text(node: outcome.node, channel: .stdout)
                result.stderr = capture.text(node: outcome.node, channel: .stderr)
                return result
            }.sorted { $0.node < $1.node })
        for outcome in summary.outcomes {
            let how = outcome.exitCode.map { "exited \($0)" } ?? "could not run: \(outcome.problem ?? "error")"
            try store.appendEvent(
                type: outcome.succeeded ? .normal : .warning, kind: "Node", name: outcome.node, reason: "Exec",
                message: "\(actor.user) ran `\(request.commandLine)`: \(how)")
        }
        return summary
    }

    private func describe(_ targets: NodeTargets) -> String {
        var parts: [String] = []
        if !targets.nodes.isEmpty { parts.append("--node " + targets.nodes.joined(separator: ",")) }
        if !targets.groups.isEmpty { parts.append("--group " + targets.groups.joined(separator: ",")) }
        if let selector = targets.selector { parts.append("-l \(selector)") }
        return parts.isEmpty ? "the fleet" : parts.joined(separator: " ")
    }
}

/// Each node's whole output, kept for `-o json` (bounded, like any captured output).
final class OutputCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var data: [String: Data] = [:]
    private let limit = 1 << 20

    func append(node: String, channel: OutputChannel, data chunk: Data) {
        lock.lock()
        defer { lock.unlock() }
        let key = node + (channel == .stdout ? "/1" : "/2")
        var buffer = data[key, default: Data()]
        if buffer.count < limit { buffer.append(chunk.prefix(limit - buffer.count)) }
        data[key] = buffer
    }

    func text(node: String, channel: OutputChannel) -> String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data[node + (channel == .stdout ? "/1" : "/2")] ?? Data(), as: UTF8.self)
    }
}
