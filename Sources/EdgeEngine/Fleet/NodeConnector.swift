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

    /// Open sessions a run keeps at most: the open-file limit (raised to its hard limit first)
    /// less a margin for the state, logs and child processes. Below it every node's session
    /// stays open for the whole run; past it (thousands of nodes on a machine with a low
    /// limit) the rest are opened when used and closed after each step (`SessionBox.park`).
    /// `EDGECTL_MAX_SESSIONS` lowers it (a machine shared with other work).
    public static let sessionCap: Int = {
        let asked = ProcessInfo.processInfo.environment["EDGECTL_MAX_SESSIONS"].flatMap(Int.init).map { max(1, $0) } ?? Int.max
        return min(asked, fileLimitCap)
    }()

    private static let fileLimitCap: Int = {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 512 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return max(16, Int(min(limit.rlim_cur, 1 << 20)) - 256)
    }()

    /// Connects to every node in parallel (bounded), runs `first` on each while connected, and
    /// keeps the links for the run (see `SessionBox`). Records facts.
    public func connect<First: Sendable>(
        _ nodes: [DesiredNode], first: @escaping @Sendable (NodeLink) -> First
    ) throws -> [String: Result<(SessionBox, First), SSHError>] {
        let held = Set(nodes.prefix(NodeConnector.sessionCap).map(\.name))
        let outcomes = try withSessions(nodes) { link in
            let value = first(link)
            return (SessionBox(link, node: nodes.first { $0.name == link.node }!, connector: self, transient: !held.contains(link.node)), value)
        }
        var result: [String: Result<(SessionBox, First), SSHError>] = [:]
        for outcome in outcomes {
            if case .success(let (box, _)) = outcome.result { box.park() }
            result[outcome.node] = outcome.result
        }
        return result
    }

    /// A new connection and session shell to `node` (a `SessionBox` whose link was lost or parked).
    func reopen(_ node: DesiredNode) throws -> NodeLink {
        let session = try freshSession(node)
        do {
            return try NodeLink(session: session, root: node.spec.root)
        } catch let error as SSHError {
            throw error
        } catch {
            throw SSHError(node: node.name, step: .exec, message: "\(error)")
        }
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

/// A node's link for a whole run, carried between the fan-out threads of its phases (one
/// thread uses it at a time).
///
/// A session that died since it was last used (an sshd or NAT that dropped it while idle between
/// batches, keepalive finding the node silent) is replaced by one new connection, once per
/// run, before the next step, so a dropped idle session is not a failed node and a rollback
/// does not run over a dead one; a node that cannot be reached again is unreachable, not
/// failed. Past `NodeConnector.sessionCap` a box is *transient*: it holds its link only while
/// a step uses it.
public final class SessionBox: @unchecked Sendable {
    public let node: DesiredNode
    let transient: Bool
    private let connector: NodeConnector
    private let lock = NSLock()
    private var held: NodeLink?
    private var reconnected = false

    /// How the node runs services, from its first contact.
    public let runtime: NodeRuntime?

    init(_ link: NodeLink, node: DesiredNode, connector: NodeConnector, transient: Bool) {
        held = link
        runtime = link.runtime
        self.node = node
        self.connector = connector
        self.transient = transient
    }

    /// The link to use for the next step.
    public func link() throws -> NodeLink {
        lock.lock()
        defer { lock.unlock() }
        if let held {
            if held.isAlive { return held }
            guard !reconnected else {
                throw SSHError(node: node.name, step: .connect, message: "the connection was lost again after reconnecting", unreachable: true)
            }
            reconnected = true
        }
        held = nil
        let fresh = try connector.reopen(node)
        held = fresh
        return fresh
    }

    /// Lets a transient box's link go once its step is over (it closes when no step holds it).
    public func park() {
        guard transient else { return }
        lock.lock()
        held = nil
        lock.unlock()
    }
}
