import EdgeCore
import Foundation
import TestSupport

@testable import EdgeEngine
@testable import EdgeStore

/// A small fleet frozen at one instant, for golden output: four nodes (two healthy, one
/// unreachable, one never contacted), two groups, two services (one degraded by drift, one
/// whose rollout failed on a node), three releases, revisions and events.
enum FleetFixture {
    static let now = Timestamp.date("2026-11-27T12:00:00Z")!
    static func ago(_ seconds: Double) -> Date { now.addingTimeInterval(-seconds) }

    static let webV1 = String(repeating: "a1", count: 32)
    static let webV2 = String(repeating: "b2", count: 32)
    static let relayV1 = String(repeating: "c3", count: 32)

    static let manifests = """
        apiVersion: edgectl/v1
        kind: Node
        metadata: {name: gw-1, labels: {site: berlin}}
        spec: {address: 10.0.0.11, user: edge}
        ---
        apiVersion: edgectl/v1
        kind: Node
        metadata: {name: gw-2, labels: {site: berlin}}
        spec: {address: 10.0.0.12, user: edge}
        ---
        apiVersion: edgectl/v1
        kind: Node
        metadata: {name: gw-3, labels: {site: munich}}
        spec: {address: 10.0.0.13, port: 2222}
        ---
        apiVersion: edgectl/v1
        kind: Node
        metadata: {name: gw-4, labels: {site: munich}}
        spec: {address: 10.0.0.14}
        ---
        apiVersion: edgectl/v1
        kind: NodeGroup
        metadata: {name: berlin}
        spec: {selector: {matchLabels: {site: berlin}}}
        ---
        apiVersion: edgectl/v1
        kind: NodeGroup
        metadata: {name: munich}
        spec: {nodes: [gw-3, gw-4]}
        ---
        apiVersion: edgectl/v1
        kind: Service
        metadata: {name: web, labels: {team: platform}}
        spec:
          bundle: {path: ./bundles/web, version: "1.4.2"}
          nodeGroups: [berlin, munich]
          run:
            command: [./bin/web, --port, "8080"]
            env: {SITE: "${node.labels.site}", DB_PASSWORD: {secret: db-password}}
          healthCheck: {http: {port: 8080, path: /healthz}}
          rollout: {maxUnavailable: 50%, canary: 1}
        ---
        apiVersion: edgectl/v1
        kind: Secret
        metadata: {name: db-password}
        spec: {from: {env: WEB_DB_PASSWORD}}
        ---
        apiVersion: edgectl/v1
        kind: Service
        metadata: {name: relay}
        spec:
          bundle: {path: ./bundles/relay, version: "0.9"}
          nodeGroups: [berlin]
          run: {command: [./bin/relay]}
          healthCheck: {tcp: {port: 9000}}

        """

    static func inventory() throws -> Inventory {
        // Bundle directories must exist when manifests are read; the paths shown are then made
        // the same on every machine.
        let base = TemporaryDirectory("edgectl-golden")
        defer { base.remove() }
        base.mkdir("bundles/web")
        base.mkdir("bundles/relay")
        let loaded = try ManifestLoader.load([ManifestInput(displayPath: "fleet.yaml", text: manifests, baseDirectory: base.path)])
        let resources = loaded.map { r -> Resource in
            guard case .service(var spec) = r.spec else { return r }
            spec.bundle.path = spec.bundle.path.replacingOccurrences(of: base.path, with: "/srv/fleet")
            var copy = r
            copy.spec = .service(spec)
            return copy
        }
        let stored = resources.map { r in
            StoredResource(
                resource: r, generation: r.kind == .service && r.name == "web" ? 2 : 1, appliedGeneration: 2, sourceFile: "/srv/fleet/fleet.yaml",
                createdAt: ago(3 * 86400), updatedAt: ago(3600),
                releaseDigest: r.kind == .service ? (r.name == "web" ? webV2 : relayV1) : nil)
        }
        let facts: [String: NodeFacts] = [
            "gw-1": NodeFacts(
                node: "gw-1", reachable: true, lastSeen: ago(30), lastContact: ago(30), os: "Debian GNU/Linux 12 (bookworm)", arch: "x86_64",
                hostKeyFingerprint: "SHA256:n1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            "gw-2": NodeFacts(
                node: "gw-2", reachable: true, lastSeen: ago(30), lastContact: ago(30), os: "Debian GNU/Linux 12 (bookworm)", arch: "aarch64",
                hostKeyFingerprint: "SHA256:n2BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"),
            "gw-3": NodeFacts(
                node: "gw-3", reachable: false, lastSeen: ago(2 * 3600), lastContact: ago(30), os: "Alpine Linux v3.20", arch: "aarch64",
                hostKeyFingerprint: "SHA256:n3CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
                lastError: "node gw-3: connect failed: Timeout connecting to 10.0.0.13"),
        ]
        func seen(
            _ node: String, _ service: String, _ current: String?, _ process: NodeServiceState.Process, since: Double, drift: String? = nil,
            error: String? = nil
        ) -> StoredNodeService {
            StoredNodeService(
                node: node, service: service, state: NodeServiceState(current: current, process: process, drifted: drift != nil, driftCause: drift),
                observedAt: ago(30), lastError: error, since: ago(since))
        }
        let nodeServices = [
            seen("gw-1", "web", webV2, .running, since: 3600),
            seen("gw-2", "web", webV2, .running, since: 600, drift: "1 file changed or added in the release on the node after activation"),
            seen("gw-3", "web", webV1, .running, since: 2 * 86400),
            seen("gw-1", "relay", relayV1, .running, since: 3600),
            seen("gw-2", "relay", relayV1, .dead, since: 1800, error: "health check failed: tcp :9000 refused the connection"),
        ]
        let releases = [
            ReleaseRecord(digest: webV1, service: "web", version: "1.4.1", fileCount: 12, size: 48_213, createdAt: ago(3 * 86400)),
            ReleaseRecord(digest: relayV1, service: "relay", version: "0.9", fileCount: 3, size: 10_485_760, createdAt: ago(3 * 86400)),
            ReleaseRecord(digest: webV2, service: "web", version: "1.4.2", fileCount: 12, size: 48_977, createdAt: ago(3600)),
        ]
        return Inventory(
            resources: stored, latestRevisions: ["web": 2, "relay": 1], releases: releases, facts: facts, nodeServices: nodeServices,
            rollouts: [
                "web": RolloutRecord(
                    id: 4, service: "web", revision: 2, release: webV2, state: .incomplete, startedAt: ago(3570), finishedAt: ago(3540),
                    command: "edgectl apply -f fleet/", message: "2 node(s) updated, 1 pending (unreachable)"),
                "relay": RolloutRecord(
                    id: 3, service: "relay", revision: 1, release: relayV1, state: .failed, startedAt: ago(1810), finishedAt: ago(1800),
                    command: "edgectl reconcile", message: "1 node(s) failed, more than maxFailures 0: halted"),
            ])
    }

    /// 40 nodes running one service; node 7 unreachable, node 23 drifted.
    static func large() throws -> Inventory {
        var text = ""
        for i in 1...40 {
            text += "apiVersion: edgectl/v1\nkind: Node\nmetadata: {name: n\(i), labels: {fleet: big}}\nspec: {address: 10.1.0.\(i)}\n---\n"
        }
        text += "apiVersion: edgectl/v1\nkind: NodeGroup\nmetadata: {name: all}\nspec: {selector: {matchLabels: {fleet: big}}}\n---\n"
        text +=
            "apiVersion: edgectl/v1\nkind: Service\nmetadata: {name: web}\nspec:\n  bundle: {path: ./web}\n  nodeGroups: [all]\n  run: {command: [./run]}\n"
        let base = TemporaryDirectory("edgectl-golden")
        defer { base.remove() }
        base.mkdir("web")
        let resources = try ManifestLoader.load([ManifestInput(displayPath: "big.yaml", text: text, baseDirectory: base.path)])
        let stored = resources.map { r in
            StoredResource(
                resource: r, generation: 1, appliedGeneration: 1, sourceFile: "big.yaml", createdAt: ago(86400), updatedAt: ago(86400),
                releaseDigest: r.kind == .service ? webV2 : nil)
        }
        var facts: [String: NodeFacts] = [:]
        var observed: [StoredNodeService] = []
        for i in 1...40 {
            let name = "n\(i)"
            facts[name] =
                i == 7
                ? NodeFacts(
                    node: name, reachable: false, lastSeen: ago(900), lastContact: ago(20), lastError: "node n7: connect failed: No route to host")
                : NodeFacts(node: name, reachable: true, lastSeen: ago(20), lastContact: ago(20), arch: "aarch64")
            let drift = i == 23 ? "2 entries removed from the release directory on the node" : nil
            observed.append(
                StoredNodeService(
                    node: name, service: "web", state: NodeServiceState(current: webV2, process: .running, drifted: drift != nil, driftCause: drift),
                    observedAt: ago(20), lastError: nil, since: ago(i == 23 ? 300 : 3600)))
        }
        return Inventory(resources: stored, latestRevisions: ["web": 1], releases: [], facts: facts, nodeServices: observed)
    }

    static let revisions = [
        RevisionRecord(
            service: "web", revision: 1, specJSON: "{}", release: webV1, version: "1.4.1", generation: 1, createdAt: ago(3 * 86400),
            command: "edgectl apply -f fleet/", user: "ada", reason: "apply", outcome: .complete),
        RevisionRecord(
            service: "web", revision: 2, specJSON: "{}", release: webV2, version: "1.4.2", generation: 2, createdAt: ago(3600),
            command: "edgectl apply -f fleet/", user: "ada", reason: "apply", outcome: .incomplete),
    ]

    static let events = [
        EventRecord(
            id: 1, time: ago(3 * 86400), type: .normal, objectKind: "Service", objectName: "web", reason: "Created",
            message: "added to the desired state (revision 1)", generation: 1),
        EventRecord(
            id: 7, time: ago(3600), type: .normal, objectKind: "Service", objectName: "web", reason: "Configured",
            message: "changed: spec.bundle.release, spec.bundle.version (revision 2)", generation: 2),
        EventRecord(
            id: 9, time: ago(3590), type: .warning, objectKind: "Node", objectName: "gw-3", reason: "Unreachable",
            message: "node gw-3: connect failed: Timeout connecting to 10.0.0.13", generation: nil),
        EventRecord(
            id: 12, time: ago(3540), type: .normal, objectKind: "Service", objectName: "web", reason: "RolloutIncomplete",
            message: "release b2b2b2b2b2b2 on 2 node(s), 1 pending", generation: nil),
        EventRecord(
            id: 14, time: ago(300), type: .warning, objectKind: "Node", objectName: "gw-2", reason: "Exec",
            message: "ada ran `systemctl restart chrony`: exited 1", generation: nil),
    ]
}
