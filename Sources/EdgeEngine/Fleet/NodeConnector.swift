import EdgeCore
import EdgeSSH
import EdgeStore
import Foundation

/// How runs reach nodes: timeouts, parallelism, and the host-key policy.
public struct ConnectionSettings: Sendable {
    public var parallel: Int
    public var connectTimeout: Double
    public var operationTimeout: Double
    public var insecureAcceptHostKeys: Bool

    public init(parallel: Int = 32, connectTimeout: Double = 10, operationTimeout: Double = 60, insecureAcceptHostKeys: Bool = false) {
        self.parallel = parallel
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.insecureAcceptHostKeys = insecureAcceptHostKeys
    }
}

/// What happened on one node.
public struct NodeOutcome<Value: Sendable>: Sendable {
    public var node: String
    public var result: Result<Value, SSHError>
    public var facts: NodeFacts
}

/// Opens one session per node, runs a body on it on that node's thread, and
/// records what was learnt (reachability, OS, architecture, host key) in the state.
public struct NodeConnector: Sendable {
    public let store: StateStore
    public let settings: ConnectionSettings

    public init(store: StateStore, settings: ConnectionSettings) {
        self.store = store
        self.settings = settings
    }

    public static func target(for node: DesiredNode) -> SSHTarget {
        let spec = node.spec
        return SSHTarget(
            node: node.name, address: spec.address, port: spec.port == 22 ? nil : spec.port, user: spec.user,
            identityFile: spec.identityFile)
    }

    /// A new connection to one node, with its own session shell (for confirming an attempt:
    /// it must prove that the node still lets edgectl in after the switch). Host keys are
    /// checked as on every connection; no facts are recorded.
    public func freshSession(_ node: DesiredNode) throws -> SSHSession {
        let trust = try HostKeyTrust(store: store, nodes: [node], insecureAcceptAny: false)
        let options = SSHOptions(connectTimeout: settings.connectTimeout, operationTimeout: settings.operationTimeout)
        return try SSHSession(target: NodeConnector.target(for: node), options: options, verifier: trust)
    }

    /// Contacts every node in parallel (bounded), starts its session shell, runs `body` with
    /// it, and records facts. The node's login shell starts once here, whatever `body` does.
    public func withSessions<Value: Sendable>(
        _ nodes: [DesiredNode], _ body: @escaping @Sendable (NodeLink) throws -> Value
    ) throws -> [NodeOutcome<Value>] {
        let trust = try HostKeyTrust(store: store, nodes: nodes, insecureAcceptAny: settings.insecureAcceptHostKeys)
        let options = SSHOptions(connectTimeout: settings.connectTimeout, operationTimeout: settings.operationTimeout)
        let outcomes = FanOut.run(nodes, parallel: settings.parallel) { node -> NodeOutcome<Value> in
            let now = Date()
            let link: NodeLink
            do {
                let session = try SSHSession(target: NodeConnector.target(for: node), options: options, verifier: trust)
                do {
                    link = try NodeLink(session: session, root: node.spec.root)
                } catch {
                    // The node let us in but its shell would not serve us (no space, a read-only root…).
                    let failure = error as? SSHError ?? SSHError(node: node.name, step: .exec, message: "\(error)")
                    let facts = NodeFacts(
                        node: node.name, reachable: true, lastSeen: now, lastContact: now, hostKeyFingerprint: session.hostKey?.fingerprint,
                        lastError: failure.description)
                    return NodeOutcome(node: node.name, result: .failure(failure), facts: facts)
                }
            } catch {
                let sshError = error as? SSHError ?? SSHError(node: node.name, step: .connect, message: "\(error)")
                // A node that does not answer is unreachable, and so is one whose host key is refused
                // (SPEC): scripts reading `reachable` must not take it for fine. One that refuses
                // us (authentication) did answer.
                let refusedKey = sshError.step == .hostKey
                let facts = NodeFacts(
                    node: node.name, reachable: !(sshError.isUnreachable || refusedKey), lastSeen: sshError.isUnreachable ? nil : now,
                    lastContact: now, lastError: sshError.description)
                return NodeOutcome(node: node.name, result: .failure(sshError), facts: facts)
            }
            let lines = link.shell.facts
            let facts = NodeFacts(
                node: node.name, reachable: true, lastSeen: now, lastContact: now,
                os: lines.count > 2 && !lines[2].isEmpty ? lines[2] : lines.first, arch: lines.count > 1 ? lines[1] : nil,
                hostKeyFingerprint: link.ssh.hostKey?.fingerprint, lastError: nil, runtime: link.runtime?.fact)
            // What the body fails at (a command, a time limit) is that work's outcome, not the
            // node's: the node answered and let us in, so its facts carry no error.
            do {
                return NodeOutcome(node: node.name, result: .success(try body(link)), facts: facts)
            } catch {
                let failure = error as? SSHError ?? SSHError(node: node.name, step: .exec, message: "\(error)")
                return NodeOutcome(node: node.name, result: .failure(failure), facts: facts)
            }
        }
        try record(outcomes.map(\.facts))
        return outcomes
    }

    /// Connects to every node in parallel and keeps the links open, one per node, for the
    /// whole run (each is then used by one thread at a time). Records facts.
    public func connect(_ nodes: [DesiredNode]) throws -> [String: Result<SessionBox, SSHError>] {
        let outcomes = try withSessions(nodes) { link in SessionBox(link) }
        return Dictionary(uniqueKeysWithValues: outcomes.map { ($0.node, $0.result) })
    }

    /// Stores facts and logs reachability changes as events.
    func record(_ facts: [NodeFacts]) throws {
        let previous = try store.nodeFacts()
        try store.recordContacts(facts)
        for f in facts {
            let before = previous[f.node]?.reachable
            if f.reachable == false && before != false {
                try store.appendEvent(type: .warning, kind: "Node", name: f.node, reason: "Unreachable", message: f.lastError ?? "no answer")
            } else if f.reachable == true && before == false {
                try store.appendEvent(kind: "Node", name: f.node, reason: "Reachable", message: "answering again")
            }
            if f.reachable == true, let error = f.lastError, previous[f.node]?.lastError != error {
                try store.appendEvent(type: .warning, kind: "Node", name: f.node, reason: "Refused", message: error)
            }
        }
    }

    /// Reads a node's current host key without authenticating.
    public func probeHostKey(_ node: DesiredNode) throws -> HostKey {
        let probe = HostKeyProbe()
        do {
            _ = try SSHSession(
                target: NodeConnector.target(for: node), options: SSHOptions(connectTimeout: settings.connectTimeout), verifier: probe)
        } catch {
            if let key = probe.key { return key }
            throw error
        }
        throw EdgeError.runtime("node \(node.name): could not read its host key")
    }
}

/// Carries a node's link between the fan-out threads of successive phases of one run.
/// Only one thread uses it at a time (phases run one after another).
public final class SessionBox: @unchecked Sendable {
    public let link: NodeLink
    public var session: SSHSession { link.ssh }
    init(_ link: NodeLink) { self.link = link }
}
