import EdgeCore
import EdgeSSH
import EdgeStore
import Foundation

public struct LogsRequest: Sendable {
    public var service: String
    public var targets = NodeTargets()
    /// Lines per node from the end of the log (nil: the whole log).
    public var tail: Int?
    public var follow = false
    /// The last failed attempt's output (kept on the node), instead of the log.
    public var previous = false

    public init(service: String) { self.service = service }
}

/// How reading one node's log ended.
public struct NodeLogOutcome: Sendable {
    public var node: String
    /// nil when the log was read; otherwise why not (unreachable, not installed there…).
    public var problem: String?
    public var unreachable = false
}

/// `logs`: a service's output from its nodes, read in parallel over SSH.
public struct FleetLogs: Sendable {
    let store: StateStore
    let settings: ConnectionSettings

    public init(store: StateStore, settings: ConnectionSettings) {
        self.store = store
        self.settings = settings
    }

    /// The nodes a request reads from: the service's targets, narrowed by `--node`, groups and `-l`.
    public func nodes(for request: LogsRequest) throws -> [DesiredNode] {
        let fleet = Fleet(try store.checkedResources())
        guard fleet.services[request.service] != nil else {
            throw EdgeError.runtime("service/\(request.service) not found in the desired state")
        }
        let scope = fleet.targets(ofService: request.service)
        let names = try request.targets.resolve(in: fleet, within: scope)
        if let stranger = names.first(where: { !scope.contains($0) }) {
            throw EdgeError.runtime("service/\(request.service) does not run on node/\(stranger) (its nodes: \(scope.joined(separator: ", ")))")
        }
        return names.compactMap { fleet.nodes[$0] }
    }

    /// Reads the logs on `nodes` (from `nodes(for:)`). Without `follow`, lines are handed to `sink` node by node in name
    /// order once every node has answered; with it, as they arrive, until the process is
    /// interrupted or every node's stream ends.
    public func run(_ request: LogsRequest, on nodes: [DesiredNode], sink: @escaping @Sendable (NodeLine) -> Void) throws -> [NodeLogOutcome] {
        let delivery = LineDelivery(order: request.follow ? nil : nodes.map(\.name), sink: sink)
        var settings = self.settings
        // Every followed node needs its own stream open at once.
        if request.follow {
            guard nodes.count <= NodeConnector.sessionCap else {
                throw EdgeError.runtime(
                    "following \(nodes.count) nodes needs a session each at once, more than this machine's open-file limit allows (\(NodeConnector.sessionCap)); narrow it with --node, --group or -l"
                )
            }
            settings.parallel = max(settings.parallel, nodes.count)
        }
        SecretResolver.learn(store: store, nodes: nodes.map(\.name))
        let connector = NodeConnector(store: store, settings: settings)
        let outcomes = try connector.withSessions(nodes) { link -> Int32 in
            let node = link.node
            var splitter = LineSplitter()
            defer { delivery.finish(&splitter, node: node) }
            if request.previous {
                return try NodeInspection.stream(link, "edge_previous", [request.service]) { channel, data in
                    delivery.feed(&splitter, node: node, channel: channel, data: data)
                }
            }
            let arguments = [request.service, request.tail.map { String(max(0, $0)) } ?? "all", request.follow ? "follow" : "once"]
            return try NodeInspection.stream(link, "edge_logs", arguments) { channel, data in
                delivery.feed(&splitter, node: node, channel: channel, data: data)
            }
        }
        delivery.flush()
        return outcomes.map { outcome in
            switch outcome.result {
            case .success(NodeInspection.notOnNode) where request.previous:
                return NodeLogOutcome(node: outcome.node, problem: "no failed attempt of \(request.service) is kept on this node")
            case .success(NodeInspection.notOnNode):
                return NodeLogOutcome(node: outcome.node, problem: "\(request.service) is not installed on this node yet")
            case .success(0), .success(-1):
                return NodeLogOutcome(node: outcome.node)
            case .success(let status):
                return NodeLogOutcome(node: outcome.node, problem: "reading the log failed (exit \(status))")
            case .failure(let error):
                return NodeLogOutcome(node: outcome.node, problem: error.description, unreachable: error.isUnreachable)
            }
        }
    }
}
