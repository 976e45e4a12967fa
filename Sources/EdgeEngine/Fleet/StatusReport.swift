import EdgeCore
import EdgeStore
import Foundation

/// The fleet at a glance, as `status` prints it (table or SPEC JSON).
public struct StatusReport: Sendable {
    public struct NodeRow: Sendable {
        public var name: String
        public var address: String
        public var reachable: Bool?
        public var lastSeen: Date?
        public var os: String?
        public var arch: String?
        public var lastError: String?
        public var services: [String]
        public var runtime: NodeRuntime?
    }

    public var nodes: [NodeRow]
    public var services: [ServiceHealth]
    public var refreshed: Bool

    /// Builds the report from the state (after a refresh, if one was done).
    public init(inventory: Inventory, refreshed: Bool) {
        self.refreshed = refreshed
        nodes = inventory.stored(.node).map { item in
            let f = inventory.facts[item.resource.name]
            return NodeRow(
                name: item.resource.name, address: item.resource.nodeSpec?.address ?? "", reachable: f?.reachable, lastSeen: f?.lastSeen,
                os: f?.os, arch: f?.arch, lastError: f?.lastError, services: inventory.fleet.services(onNode: item.resource.name),
                runtime: f?.runtime.flatMap(NodeRuntime.init(fact:)))
        }
        services = FleetHealth(inventory: inventory).services
    }

    /// Keeps only these nodes (for `status -l`): their rows, and their rows in each service.
    public mutating func restrict(to names: Set<String>) {
        nodes = nodes.filter { names.contains($0.name) }
        services = services.map { s in
            var s = s
            s.nodes = s.nodes.filter { names.contains($0.node) }
            return s
        }.filter { !$0.nodes.isEmpty }
    }

    /// Above this many nodes, the table shows only those with something to report.
    public static let maxListedNodes = 30

    /// Nodes with something to report: not reachable (or never contacted), refusing us,
    /// or with a service that is not Running.
    var noisyNodes: Set<String> {
        var set = Set(nodes.filter { $0.reachable != true || $0.lastError != nil }.map(\.name))
        for s in services { for n in s.nodes where n.phase != .running { set.insert(n.node) } }
        return set
    }

    var driftedNodes: Int { Set(services.flatMap { $0.nodes.filter { $0.phase == .drifted }.map(\.node) }).count }

    /// `18/20 nodes reachable · 3 services: 2 converged, 1 degraded · 1 node drifted`
    public var headline: String {
        let reachable = nodes.filter { $0.reachable == true }.count
        var parts = ["\(reachable)/\(nodes.count) nodes reachable"]
        let never = nodes.filter { $0.reachable == nil }.count
        if never > 0 { parts[0] += " (\(never) never contacted)" }
        let counts = Dictionary(grouping: services, by: \.phase).mapValues(\.count)
        let phases = ServiceHealth.Phase.allCases.compactMap { phase in counts[phase].map { "\($0) \(ServiceHealth.words(phase))" } }
        parts.append("\(services.count) service\(services.count == 1 ? "" : "s")" + (phases.isEmpty ? "" : ": " + phases.joined(separator: ", ")))
        let drifted = driftedNodes
        if drifted > 0 { parts.append("\(drifted) node\(drifted == 1 ? "" : "s") drifted") }
        let refused = nodes.filter { $0.reachable == true && $0.lastError != nil }.count
        if refused > 0 { parts.append("\(refused) node\(refused == 1 ? "" : "s") refused the connection") }
        return parts.joined(separator: " · ")
    }

    /// What needs a person's attention: nodes that did not answer or refused us, then every
    /// service on a node that is not Running (except on those nodes), with the reason.
    public struct Problem: Sendable {
        public var object: String
        public var phase: String
        public var since: Date?
        public var reason: String
    }

    public var problems: [Problem] {
        var out: [Problem] = []
        var skip = Set<String>()
        for n in nodes where n.reachable == false || n.lastError != nil {
            skip.insert(n.name)
            out.append(
                Problem(
                    object: "node/\(n.name)",
                    phase: n.lastError?.contains("host key") == true ? "HostKeyRefused" : n.reachable == false ? "Unreachable" : "Refused",
                    since: n.lastSeen,
                    reason: n.lastError ?? "did not answer"))
        }
        for s in services {
            for n in s.nodes where n.phase != .running && !skip.contains(n.node) {
                out.append(Problem(object: "\(s.name) on \(n.node)", phase: n.phase.rawValue, since: n.since, reason: n.reason ?? ""))
            }
        }
        for n in nodes where !skip.contains(n.name) && !n.services.isEmpty && n.runtime == .supervisor(boot: nil) {
            out.append(
                Problem(
                    object: "node/\(n.name)", phase: "NoBootHook", since: nil,
                    reason: "not connected as root, so nothing starts its services at boot; after a reboot they run again at the next reconcile"))
        }
        return out
    }

    /// The headline on as many lines as the terminal needs, broken only between its parts.
    static func wrap(_ text: String, width: Int?) -> [String] {
        guard let width, text.count > width else { return [text] }
        var lines: [String] = []
        for part in text.components(separatedBy: " · ") {
            if let last = lines.last, last.count + 3 + part.count <= width {
                lines[lines.count - 1] = last + " · " + part
            } else {
                lines.append(part)
            }
        }
        return lines
    }

    public func json() -> JSONValue {
        let counts = Dictionary(grouping: services, by: \.phase).mapValues(\.count)
        return .object([
            (
                "summary",
                .object([
                    ("nodes", .int(nodes.count)), ("reachable", .int(nodes.filter { $0.reachable == true }.count)),
                    ("driftedNodes", .int(driftedNodes)),
                    ("services", .object(ServiceHealth.Phase.allCases.map { ($0.rawValue, .int(counts[$0] ?? 0)) })),
                    ("refreshed", .bool(refreshed)),
                ])
            ),
            (
                "nodes",
                .array(
                    nodes.map { n in
                        .object([
                            ("name", .string(n.name)), ("address", .string(n.address)), ("reachable", n.reachable.map(JSONValue.bool) ?? .null),
                            ("lastSeen", .date(n.lastSeen)), ("os", .str(n.os)), ("arch", .str(n.arch)), ("lastError", .str(n.lastError)),
                            ("runtime", .str(n.runtime?.fact)),
                            ("services", .array(n.services.map(JSONValue.string))),
                        ])
                    })
            ),
            ("services", .array(services.map(StatusReport.json))),
        ])
    }

    /// A service with its per-node phases (SPEC `status -o json` shape; also `get services` status).
    static func json(_ s: ServiceHealth) -> JSONValue {
        .object([
            ("name", .string(s.name)), ("revision", .int(s.revision)), ("version", .str(s.version)), ("phase", .string(s.phase.rawValue)),
            ("ready", .int(s.ready)), ("desired", .int(s.nodes.count)), ("desiredRelease", .str(s.desiredRelease)),
            (
                "lastRollout",
                s.lastRollout.map { r in
                    .object([
                        ("state", .string(r.state.rawValue)), ("revision", .int(r.revision)), ("release", .string(r.release)),
                        ("startedAt", .date(r.startedAt)), ("finishedAt", .date(r.finishedAt)), ("message", .str(r.message)),
                    ])
                } ?? .null
            ),
            ("nodes", .array(s.nodes.map(\.json))),
        ])
    }

    public func render(style: Style, now: Date = Date(), width: Int? = nil) -> String {
        let phaseColour: (String) -> String = { text in
            let word = text.trimmingCharacters(in: .whitespaces)
            switch word {
            case "Converged", "Running", "yes": return style.green(text)
            case "Progressing", "Pending", "Paused", "unknown": return style.yellow(text)
            default: return style.red(text)
            }
        }
        var out = StatusReport.wrap(headline, width: width).map(style.bold)
        if !refreshed { out.append(style.dim("(from the state: last observations, no node contacted)")) }
        // A glance at a large fleet lists the nodes worth a look, not every node.
        let worthALook = nodes.count <= StatusReport.maxListedNodes ? nil : noisyNodes
        let listed = worthALook.map { set in nodes.filter { set.contains($0.name) } } ?? nodes
        if !listed.isEmpty {
            let table = Table(
                headers: ["NODE", "ADDRESS", "REACHABLE", "LAST SEEN", "ARCH", "SERVICES"],
                rows: listed.map { n in
                    [
                        n.name, n.address, n.reachable.map { $0 ? "yes" : "no" } ?? "unknown",
                        n.lastSeen.map { Formatting.age(since: $0, now: now) + " ago" } ?? "<never>", n.arch ?? "-",
                        n.services.joined(separator: ",").nonEmpty ?? "<none>",
                    ]
                })
            out.append("")
            out.append(table.render(maxWidth: width) { _, column, text in column == 2 ? phaseColour(text) : text })
        }
        if listed.count < nodes.count {
            let more = nodes.count - listed.count
            let text =
                listed.isEmpty
                ? "\n(all \(more) nodes reachable and running what they should; `edgectl get nodes` lists them)"
                : "(\(more) more node\(more == 1 ? "" : "s"), reachable and running what they should; `edgectl get nodes` lists all)"
            out.append(style.dim(text))
        }
        if !services.isEmpty {
            let table = Table(
                headers: ["SERVICE", "REVISION", "VERSION", "PHASE", "READY", "LAST ROLLOUT", "NODES"],
                rows: services.map { s in
                    [
                        s.name, s.revision.map(String.init) ?? "-", s.version ?? "-", s.phase.rawValue, "\(s.ready)/\(s.nodes.count)",
                        s.lastRollout.map { "\($0.state.rawValue) \(Formatting.age(since: $0.finishedAt ?? $0.startedAt, now: now))" } ?? "<none>",
                        s.nodeSummary,
                    ]
                })
            out.append("")
            out.append(table.render(maxWidth: width) { _, column, text in column == 3 ? phaseColour(text) : text })
        }
        let problems = problems
        if !problems.isEmpty {
            let table = Table(
                headers: ["NEEDS ATTENTION", "PHASE", "SINCE", "WHY"],
                rows: problems.map { p in
                    [p.object, p.phase, p.since.map { Formatting.age(since: $0, now: now) } ?? "-", p.reason]
                })
            out.append("")
            out.append(table.render(maxWidth: width) { _, column, text in column == 1 ? phaseColour(text) : text })
        }
        return out.joined(separator: "\n")
    }
}
