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
    }

    public struct ServiceNode: Sendable {
        public var node: String
        public var phase: String
        public var release: String?
        public var desiredRelease: String?
    }

    public struct ServiceRow: Sendable {
        public var name: String
        public var revision: Int?
        public var phase: String
        public var nodes: [ServiceNode]
    }

    public var nodes: [NodeRow]
    public var services: [ServiceRow]
    public var refreshed: Bool

    /// Builds the report from the state (after a refresh, if one was done).
    public init(inventory: Inventory, refreshed: Bool) {
        self.refreshed = refreshed
        nodes = inventory.stored(.node).map { item in
            let f = inventory.facts[item.resource.name]
            return NodeRow(
                name: item.resource.name, address: item.resource.nodeSpec!.address, reachable: f?.reachable, lastSeen: f?.lastSeen,
                os: f?.os, arch: f?.arch, lastError: f?.lastError)
        }
        let reachability = Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, $0.reachable) })
        var observed: [String: StoredNodeService] = [:]
        for item in inventory.nodeServices { observed["\(item.service)/\(item.node)"] = item }
        services = inventory.stored(.service).map { item in
            let name = item.resource.name
            let desired = item.releaseDigest
            let rows = inventory.fleet.targets(ofService: name).map { node -> ServiceNode in
                let seen = observed["\(name)/\(node)"]
                let phase: String
                if reachability[node].flatMap({ $0 }) == false {
                    phase = "Unreachable"
                } else if let seen {
                    if seen.lastError != nil {
                        phase = "Failed"
                    } else if seen.state.drifted {
                        phase = "Drifted"
                    } else if seen.state.current == desired && seen.state.process == .running {
                        phase = "Running"
                    } else {
                        phase = "Pending"
                    }
                } else {
                    phase = "Pending"
                }
                return ServiceNode(node: node, phase: phase, release: seen?.state.current, desiredRelease: desired)
            }
            let phases = Set(rows.map(\.phase))
            let phase: String
            if inventory.paused.contains(name) {
                phase = "Paused"
            } else if inventory.lastRollout[name] == "RolledBack" {
                phase = "RolledBack"
            } else if inventory.lastRollout[name] == "Failed" || phases.contains("Failed") {
                phase = "Failed"
            } else if phases.isEmpty || phases == ["Running"] {
                phase = "Converged"
            } else if phases.contains("Unreachable") || phases.contains("Drifted") {
                phase = "Degraded"
            } else {
                phase = "Progressing"
            }
            return ServiceRow(name: name, revision: inventory.latestRevisions[name], phase: phase, nodes: rows)
        }
    }

    public var headline: String {
        let reachable = nodes.filter { $0.reachable == true }.count
        var parts = ["\(reachable)/\(nodes.count) nodes reachable"]
        let refused = nodes.filter { $0.reachable == true && $0.lastError != nil }.count
        if refused > 0 { parts.append("\(refused) refused (see ERROR)") }
        let drifted = Set(services.flatMap { $0.nodes.filter { $0.phase == "Drifted" }.map(\.node) }).count
        if drifted > 0 { parts.append("\(drifted) node\(drifted == 1 ? "" : "s") drifted") }
        let counts = Dictionary(grouping: services, by: \.phase).mapValues(\.count)
        let phases = ["Converged", "Progressing", "Degraded", "Failed", "RolledBack", "Paused"].compactMap { phase in
            counts[phase].map { "\($0) \(phase.lowercased())" }
        }
        parts.append("\(services.count) service\(services.count == 1 ? "" : "s")" + (phases.isEmpty ? "" : ": " + phases.joined(separator: ", ")))
        return parts.joined(separator: " · ")
    }

    public func json() -> JSONValue {
        .object([
            ("nodes", .array(nodes.map { n in
                .object([
                    ("name", .string(n.name)), ("address", .string(n.address)), ("reachable", n.reachable.map(JSONValue.bool) ?? .null),
                    ("lastSeen", .date(n.lastSeen)), ("os", .str(n.os)), ("arch", .str(n.arch)), ("lastError", .str(n.lastError)),
                ])
            })),
            ("services", .array(services.map { s in
                .object([
                    ("name", .string(s.name)), ("revision", .int(s.revision)), ("phase", .string(s.phase)),
                    ("nodes", .array(s.nodes.map { n in
                        .object([
                            ("node", .string(n.node)), ("phase", .string(n.phase)), ("release", .str(n.release)),
                            ("desiredRelease", .str(n.desiredRelease)),
                        ])
                    })),
                ])
            })),
        ])
    }

    public func render(style: Style, now: Date = Date(), width: Int? = nil) -> String {
        var out = [style.bold(headline)]
        if !refreshed { out.append(style.dim("(from the state; last observations, no node contacted)")) }
        if !nodes.isEmpty {
            let table = Table(headers: ["NODE", "ADDRESS", "REACHABLE", "LAST SEEN", "OS", "ARCH", "ERROR"], rows: nodes.map { n in
                [
                    n.name, n.address, n.reachable.map { $0 ? "yes" : "no" } ?? "unknown",
                    n.lastSeen.map { Formatting.age(since: $0, now: now) + " ago" } ?? "<never>", n.os ?? "-", n.arch ?? "-",
                    n.lastError ?? "",
                ]
            })
            out.append("")
            out.append(table.render(maxWidth: width) { _, column, text in
                column == 2 ? (text.hasPrefix("yes") ? style.green(text) : text.hasPrefix("no") ? style.red(text) : text) : text
            })
        }
        if !services.isEmpty {
            let table = Table(headers: ["SERVICE", "REVISION", "PHASE", "NODES"], rows: services.map { s in
                let counts = Dictionary(grouping: s.nodes, by: \.phase).mapValues(\.count).sorted { $0.key < $1.key }
                return [s.name, s.revision.map(String.init) ?? "-", s.phase, counts.map { "\($0.value) \($0.key)" }.joined(separator: ", ").nonEmpty ?? "<no nodes>"]
            })
            out.append("")
            out.append(table.render(maxWidth: width))
        }
        return out.joined(separator: "\n")
    }
}
