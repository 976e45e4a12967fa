import EdgeCore
import EdgeStore
import Foundation

/// `describe KIND NAME`: one object in full, then its recent events.
public struct DescribePresenter: Sendable {
    public let inventory: Inventory
    public let health: FleetHealth
    public let now: Date

    public init(inventory: Inventory, now: Date = Date()) {
        self.inventory = inventory
        self.health = FleetHealth(inventory: inventory)
        self.now = now
    }

    /// With `width`, each table's last column is cut to fit the terminal (tables are indented by 2).
    public func describe(_ item: StoredResource, revisions: [RevisionRecord], events: [EventRecord], width: Int? = nil) -> String {
        let fit = width.map { $0 - 2 }
        let r = item.resource
        var out: [(String, String)] = [
            ("Name", r.name), ("Kind", r.kind.rawValue), ("Labels", Formatting.labels(r.labels)),
            ("Generation", String(item.generation)), ("Source", item.sourceFile.map { f in r.source.map { "\(f):\($0.line)" } ?? f } ?? "<none>"),
            ("Created", Timestamp.string(item.createdAt) + " (\(Formatting.age(since: item.createdAt, now: now)) ago)"),
        ]
        var sections: [String] = []
        switch r.spec {
        case .node(let spec):
            let f = inventory.facts[r.name]
            out += [
                ("Address", "\(spec.address):\(spec.port)"), ("User", spec.user ?? "<from ~/.ssh/config or local user>"),
                ("Identity", spec.identityFile ?? "<ssh-agent or default keys>"), ("Root", spec.root),
                ("Host key pin", spec.hostKey ?? "<trust on first use>"),
                ("Reachable", f?.reachable.map { $0 ? "yes" : "no" } ?? "never contacted"),
                ("Last seen", f?.lastSeen.map { Timestamp.string($0) } ?? "<never>"),
                ("OS / arch", "\(f?.os ?? "?") / \(f?.arch ?? "?")"),
                ("Runtime", f?.runtime.flatMap(NodeRuntime.init(fact:))?.description ?? "<not known yet>"),
                ("Host key", f?.hostKeyFingerprint ?? "<not recorded>"),
            ]
            if let error = f?.lastError { out.append(("Last error", error)) }
            out.append(("Groups", inventory.fleet.groups(ofNode: r.name).joined(separator: ", ").nonEmpty ?? "<none>"))
            let services = health.services(onNode: r.name)
            if services.isEmpty {
                out.append(("Services", "<none>"))
            } else {
                let table = Table(
                    headers: ["SERVICE", "RELEASE", "PHASE", "HEALTH", "SINCE", "WHY"],
                    rows: services.map { n in
                        [n.service, Formatting.short(n.release), n.phase.rawValue, n.health, since(n.since), n.reason ?? ""]
                    })
                sections.append("Services:\n" + indent(table.render(maxWidth: fit)))
            }
        case .secret(let spec):
            let presenter = ResourcePresenter(inventory: inventory, now: now)
            out += [
                ("From", ResourcePresenter.source(spec)), ("Value", "<never shown or stored; read when a run needs it>"),
                ("Used by", presenter.usedBy(secret: r.name).joined(separator: ", ").nonEmpty ?? "<none>"),
            ]
        case .nodeGroup(let spec):
            out += [
                ("Selector", spec.selector.map { Formatting.labels($0.matchLabels) } ?? "<none>"),
                ("Listed nodes", spec.nodes.joined(separator: ", ").nonEmpty ?? "<none>"),
            ]
            let members = inventory.fleet.members(ofGroup: r.name)
            let rolledHere = inventory.stored(.service).map(\.resource).filter { $0.serviceSpec?.nodeGroups.contains(r.name) ?? false }.map(\.name)
            out.append(("Services", rolledHere.joined(separator: ", ").nonEmpty ?? "<none>"))
            if members.isEmpty {
                out.append(("Members", "<none>"))
            } else {
                let table = Table(
                    headers: ["NODE", "ADDRESS", "REACHABLE", "LAST SEEN", "SERVICES"],
                    rows: members.map { node in
                        let f = inventory.facts[node]
                        let services = health.services(onNode: node).map { $0.phase == .running ? $0.service : "\($0.service)(\($0.phase.rawValue))" }
                        return [
                            node, inventory.fleet.nodes[node]?.spec.address ?? "-", f?.reachable.map { $0 ? "yes" : "no" } ?? "unknown",
                            f?.lastSeen.map { Formatting.age(since: $0, now: now) + " ago" } ?? "<never>",
                            services.joined(separator: ",").nonEmpty ?? "<none>",
                        ]
                    })
                sections.append("Members:\n" + indent(table.render(maxWidth: fit)))
            }
        case .service(let spec):
            out += [
                ("Bundle", spec.bundle.path), ("Version", spec.bundle.version ?? "<none>"), ("Release", item.releaseDigest ?? "<none>"),
                ("Command", spec.run.command.joined(separator: " ")),
                ("Env", spec.run.env.isEmpty ? "<none>" : Formatting.labels(spec.run.env.mapValues(\.display))),
                (
                    "Config files",
                    spec.config.map { $0.files.map { "\($0.path) (\($0.templatePath), \(String($0.mode, radix: 8)))" } }?.joined(separator: ", ")
                        .nonEmpty ?? "<none>"
                ),
                ("Ports", spec.portList.map { "\($0.name) \($0.port)/\($0.transport.rawValue)" }.joined(separator: ", ").nonEmpty ?? "<none>"),
                ("Health check", health(spec.healthCheck)),
                (
                    "Rollout",
                    "maxUnavailable \(spec.rollout.maxUnavailable), maxFailures \(spec.rollout.maxFailures), canary \(spec.rollout.canary), autoRollback \(spec.rollout.autoRollback)"
                ),
            ]
            let stages = inventory.fleet.stages(ofService: r.name)
            var stageLines = ["Rollout order:"]
            for (index, stage) in stages.enumerated() {
                stageLines.append("  \(index + 1). \(stage.group ?? "selector"): \(stage.nodes.joined(separator: ", ").nonEmpty ?? "<no nodes>")")
            }
            sections.append(stageLines.joined(separator: "\n"))
            if let h = health[service: r.name] {
                out.append(("Phase", "\(h.phase.rawValue) (\(h.ready)/\(h.nodes.count) ready)"))
                if !h.nodes.isEmpty {
                    let table = Table(
                        headers: ["NODE", "RELEASE", "PHASE", "HEALTH", "SINCE", "WHY"],
                        rows: h.nodes.map { n in
                            [n.node, Formatting.short(n.release), n.phase.rawValue, n.health, since(n.since), n.reason ?? ""]
                        })
                    sections.append("Nodes:\n" + indent(table.render(maxWidth: fit)))
                }
            }
            let endpoints = Endpoints.list(inventory, health: health, service: r.name)
            if !endpoints.isEmpty {
                sections.append("Endpoints:\n" + indent(EndpointPresenter.table(endpoints, wide: false).render(maxWidth: fit)))
            }
            let failures = inventory.failures.filter { $0.service == r.name }
            if !failures.isEmpty {
                sections.append(
                    (["Last failure (per node; `edgectl logs service/\(r.name) --previous` for its output):"]
                        + failures.flatMap { FailurePresenter.text($0, indent: "  ", lines: 5) }).joined(separator: "\n"))
            }
            if !revisions.isEmpty {
                let table = Table(
                    headers: ["REVISION", "RELEASE", "VERSION", "CREATED", "BY", "REASON"],
                    rows: revisions.map {
                        [
                            String($0.revision), Formatting.short($0.release), $0.version ?? "-",
                            Formatting.age(since: $0.createdAt, now: now) + " ago", $0.user, $0.reason,
                        ]
                    })
                sections.append("Revisions:\n" + indent(table.render(maxWidth: fit)))
            }
        }
        // Values include what nodes reported (OS, arch, last error): escaped like table cells.
        let width = out.map { $0.0.count }.max() ?? 0
        var text = out.map { ($0.0 + ":").padding(toLength: width + 2, withPad: " ", startingAt: 0) + TerminalText.escape($0.1) }.joined(
            separator: "\n")
        for section in sections { text += "\n\n" + section }
        if events.isEmpty {
            text += "\n\nEvents: <none>"
        } else {
            let table = Table(
                headers: ["AGE", "TYPE", "REASON", "MESSAGE"],
                rows: events.map {
                    [Formatting.age(since: $0.time, now: now), $0.type.rawValue, $0.reason, $0.message]
                })
            text += "\n\nEvents:\n" + indent(table.render(maxWidth: fit))
        }
        return text
    }

    private func since(_ date: Date?) -> String {
        date.map { Formatting.age(since: $0, now: now) } ?? "-"
    }

    private func health(_ spec: HealthCheckSpec?) -> String {
        guard let spec, let probe = spec.probe else { return "<none> (healthy = still running after 2s)" }
        let what: String
        switch probe {
        case .http(let port, let path): what = "http :\(port)\(path)"
        case .tcp(let port): what = "tcp :\(port)"
        case .exec(let command): what = "exec \(command.joined(separator: " "))"
        }
        return "\(what) (timeout \(spec.timeoutSeconds)s, period \(spec.periodSeconds)s, deadline \(spec.healthyDeadlineSeconds)s)"
    }

    private func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
