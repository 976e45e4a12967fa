import EdgeCore
import EdgeStore
import Foundation

/// The kinds `get` lists: the resource kinds plus releases, events and endpoints.
public enum ListKind: String, Sendable, CaseIterable {
    case nodes, nodegroups, services, secrets, releases, events, endpoints

    public init?(argument: String) {
        switch argument.lowercased() {
        case "node", "nodes", "no": self = .nodes
        case "nodegroup", "nodegroups", "ng", "group", "groups": self = .nodegroups
        case "service", "services", "svc": self = .services
        case "secret", "secrets": self = .secrets
        case "release", "releases", "rel": self = .releases
        case "event", "events", "ev": self = .events
        case "endpoint", "endpoints", "ep": self = .endpoints
        default: return nil
        }
    }

    public var resourceKind: ResourceKind? {
        switch self {
        case .nodes: return .node
        case .nodegroups: return .nodeGroup
        case .services: return .service
        case .secrets: return .secret
        default: return nil
        }
    }
}

/// Builds what `get` prints for each kind: table rows and `{"items": [...]}` objects.
public struct ResourcePresenter: Sendable {
    public let inventory: Inventory
    public let health: FleetHealth
    public let now: Date

    public init(inventory: Inventory, now: Date = Date()) {
        self.inventory = inventory
        self.health = FleetHealth(inventory: inventory)
        self.now = now
    }

    // MARK: Resources (nodes, groups, services)

    public func table(_ items: [StoredResource], kind: ResourceKind, wide: Bool) -> Table {
        switch kind {
        case .node:
            var headers = ["NAME", "ADDRESS", "REACHABLE", "LAST SEEN", "ARCH", "SERVICES", "AGE"]
            if wide { headers += ["GROUPS", "PORT", "USER", "OS", "HOST KEY", "LABELS"] }
            return Table(
                headers: headers,
                rows: items.compactMap { item -> [String]? in
                    guard let spec = item.resource.nodeSpec else { return nil }
                    let facts = inventory.facts[item.resource.name]
                    let groups = inventory.fleet.groups(ofNode: item.resource.name)
                    var row = [
                        item.resource.name, spec.address, reachable(facts),
                        facts?.lastSeen.map { Formatting.age(since: $0, now: now) + " ago" } ?? "<never>", facts?.arch ?? "<unknown>",
                        services(onNode: item.resource.name), Formatting.age(since: item.createdAt, now: now),
                    ]
                    if wide {
                        row += [
                            groups.isEmpty ? "<none>" : groups.joined(separator: ","), String(spec.port), spec.user ?? "<default>",
                            facts?.os ?? "<unknown>", facts?.hostKeyFingerprint ?? "<none>", Formatting.labels(item.resource.labels),
                        ]
                    }
                    return row
                })
        case .nodeGroup:
            var headers = ["NAME", "NODES", "SELECTOR", "AGE"]
            if wide { headers += ["MEMBERS"] }
            return Table(
                headers: headers,
                rows: items.compactMap { item -> [String]? in
                    guard let spec = item.resource.groupSpec else { return nil }
                    let members = inventory.fleet.members(ofGroup: item.resource.name)
                    var row = [
                        item.resource.name, String(members.count), spec.selector.map { Formatting.labels($0.matchLabels) } ?? "<none>",
                        Formatting.age(since: item.createdAt, now: now),
                    ]
                    if wide { row.append(members.isEmpty ? "<none>" : members.joined(separator: ",")) }
                    return row
                })
        case .service:
            var headers = ["NAME", "REVISION", "VERSION", "READY", "PHASE", "AGE"]
            if wide { headers += ["RELEASE", "GROUPS", "COMMAND"] }
            return Table(
                headers: headers,
                rows: items.compactMap { item -> [String]? in
                    guard let spec = item.resource.serviceSpec else { return nil }
                    let h = health[service: item.resource.name]
                    var row = [
                        item.resource.name, inventory.latestRevisions[item.resource.name].map(String.init) ?? "-",
                        spec.bundle.version ?? "-", h.map { "\($0.ready)/\($0.nodes.count)" } ?? "-", h?.phase.rawValue ?? "-",
                        Formatting.age(since: item.createdAt, now: now),
                    ]
                    if wide {
                        row += [
                            Formatting.short(item.releaseDigest),
                            spec.nodeGroups.isEmpty
                                ? spec.selector.map { Formatting.labels($0.matchLabels) } ?? "<none>" : spec.nodeGroups.joined(separator: ","),
                            spec.run.command.joined(separator: " "),
                        ]
                    }
                    return row
                })
        case .secret:
            return Table(
                headers: ["NAME", "FROM", "USED BY", "AGE"],
                rows: items.map { item in
                    [
                        item.resource.name, item.resource.secretSpec.map(ResourcePresenter.source) ?? "-",
                        usedBy(secret: item.resource.name).joined(separator: ",").nonEmpty ?? "<none>",
                        Formatting.age(since: item.createdAt, now: now),
                    ]
                })
        }
    }

    /// Where a secret's value is read (never the value): `env DB_PASSWORD`, `file …`, `command pass show db`.
    static func source(_ spec: SecretSpec) -> String {
        switch spec.from {
        case .env(let name): return "env \(name)"
        case .file(let template): return "file \(template.source)"
        case .command(let argv): return "command \(argv.joined(separator: " "))"
        }
    }

    /// The services whose env or config files use a secret.
    func usedBy(secret: String) -> [String] {
        inventory.fleet.services.values.filter { service in
            let spec = service.spec
            return spec.run.env.values.contains { $0.secretNames.contains(secret) } || (spec.config?.secretNames.contains(secret) ?? false)
        }.map(\.name).sorted()
    }

    /// `hello,clock(Failed)`: the services a node should run, with the phase of those not Running.
    func services(onNode node: String) -> String {
        let list = health.services(onNode: node).map { $0.phase == .running ? $0.service : "\($0.service)(\($0.phase.rawValue))" }
        return list.isEmpty ? "<none>" : list.joined(separator: ",")
    }

    public func json(_ item: StoredResource) -> JSONValue {
        let r = item.resource
        var metadata: [(String, JSONValue)] = [
            ("name", .string(r.name)), ("labels", .strings(r.labels)), ("generation", .int(item.generation)),
            ("creationTimestamp", .date(item.createdAt)), ("updateTimestamp", .date(item.updatedAt)),
        ]
        if let file = item.sourceFile { metadata.append(("sourceFile", .string(file))) }
        return .object([
            ("apiVersion", .string(apiVersion)), ("kind", .string(r.kind.rawValue)), ("metadata", .object(metadata)),
            ("spec", JSONValue.from(json: (try? r.specJSON()) ?? "{}")), ("status", status(item)),
        ])
    }

    func status(_ item: StoredResource) -> JSONValue {
        let name = item.resource.name
        switch item.resource.kind {
        case .node:
            let f = inventory.facts[name]
            return .object([
                ("reachable", f?.reachable.map(JSONValue.bool) ?? .null), ("lastSeen", .date(f?.lastSeen)), ("os", .str(f?.os)),
                ("arch", .str(f?.arch)), ("hostKeyFingerprint", .str(f?.hostKeyFingerprint)), ("lastError", .str(f?.lastError)),
                ("groups", .array(inventory.fleet.groups(ofNode: name).map(JSONValue.string))),
                (
                    "services",
                    .array(
                        health.services(onNode: name).map { n in
                            .object([
                                ("name", .string(n.service)), ("phase", .string(n.phase.rawValue)), ("release", .str(n.release)),
                                ("health", .string(n.health)), ("reason", .str(n.reason)),
                            ])
                        })
                ),
            ])
        case .nodeGroup:
            return .object([("members", .array(inventory.fleet.members(ofGroup: name).map(JSONValue.string)))])
        case .service:
            guard let h = health[service: name] else { return .object([]) }
            return .object([
                ("revision", .int(inventory.latestRevisions[name])), ("release", .str(item.releaseDigest)), ("phase", .string(h.phase.rawValue)),
                ("ready", .int(h.ready)), ("desired", .int(h.nodes.count)),
                ("nodes", .array(h.nodes.map(\.json))),
                (
                    "lastFailures",
                    .array(
                        inventory.failures.filter { $0.service == name }.map { f in
                            .object([("node", .string(f.node)), ("lastFailure", FailurePresenter.json(f))])
                        })
                ),
            ])
        case .secret:
            return .object([("usedBy", .array(usedBy(secret: name).map(JSONValue.string)))])
        }
    }

    // MARK: Releases

    public func releaseTable(_ items: [ReleaseRecord], wide: Bool) -> Table {
        var headers = ["DIGEST", "SERVICE", "VERSION", "SIZE", "NODES", "AGE"]
        if wide { headers += ["FILES", "DESIRED"] }
        return Table(
            headers: headers,
            rows: items.map { rel in
                var row = [
                    wide ? rel.digest : Formatting.short(rel.digest), rel.service, rel.version ?? "-", Formatting.size(rel.size),
                    String(nodes(running: rel).count), Formatting.age(since: rel.createdAt, now: now),
                ]
                if wide { row += [String(rel.fileCount), isDesired(rel) ? "yes" : "no"] }
                return row
            })
    }

    func isDesired(_ rel: ReleaseRecord) -> Bool {
        inventory.resources.contains { $0.resource.kind == .service && $0.resource.name == rel.service && $0.releaseDigest == rel.digest }
    }

    /// The nodes where this release is the service's current one, as last observed.
    func nodes(running rel: ReleaseRecord) -> [String] {
        inventory.nodeServices.filter { $0.service == rel.service && $0.state.current == rel.digest }.map(\.node).sorted()
    }

    public func json(_ rel: ReleaseRecord) -> JSONValue {
        .object([
            ("apiVersion", .string(apiVersion)), ("kind", .string("Release")),
            ("metadata", .object([("name", .string(rel.digest)), ("creationTimestamp", .date(rel.createdAt))])),
            ("spec", .object([("service", .string(rel.service)), ("version", .str(rel.version)), ("digest", .string(rel.digest))])),
            (
                "status",
                .object([
                    ("files", .int(rel.fileCount)), ("size", .int(Int64(rel.size))), ("desired", .bool(isDesired(rel))),
                    ("nodes", .array(nodes(running: rel).map(JSONValue.string))),
                ])
            ),
        ])
    }

    // MARK: Events

    public func eventTable(_ events: [EventRecord]) -> Table {
        Table(
            headers: ["AGE", "TYPE", "REASON", "OBJECT", "MESSAGE"],
            rows: events.map { e in
                [Formatting.age(since: e.time, now: now), e.type.rawValue, e.reason, e.object.lowercased(), e.message]
            })
    }

    public func json(_ e: EventRecord) -> JSONValue {
        .object([
            ("apiVersion", .string(apiVersion)), ("kind", .string("Event")),
            ("metadata", .object([("name", .string(String(e.id))), ("creationTimestamp", .date(e.time))])),
            (
                "spec",
                .object([
                    ("type", .string(e.type.rawValue)), ("reason", .string(e.reason)),
                    ("involvedObject", .object([("kind", .string(e.objectKind)), ("name", .string(e.objectName))])),
                    ("message", .string(e.message)),
                ])
            ),
            ("status", .object([("generation", .int(e.generation))])),
        ])
    }

    private func reachable(_ facts: NodeFacts?) -> String {
        switch facts?.reachable {
        case true?: return "yes"
        case false?: return "no"
        case nil: return "unknown"
        }
    }
}
