import EdgeCore
import Foundation
import TestSupport
import Testing

@Suite("Manifest defaults and parsing")
struct ManifestDefaultsTests {
    func load(_ text: String, files: [String: String] = [:]) throws -> [Resource] {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("bundle/run", "#!/bin/sh\n", mode: 0o755)
        return try ManifestLoader.load([ManifestInput(displayPath: "a.yaml", text: text, baseDirectory: dir.path)])
    }

    @Test func nodeDefaults() throws {
        let spec = try #require(try load(node).first?.nodeSpec)
        #expect(spec.port == 22)
        #expect(spec.root == "/var/lib/edgectl")
        #expect(spec.user == nil)
        #expect(spec.identityFile == nil)
        #expect(spec.hostKey == nil)
    }

    /// `spec.root` is checked as the directory it names, not as spelled: `//`, `/./` and
    /// `/srv/..` are `/`, which edgectl must never own.
    @Test(arguments: [
        ("/srv/edge/", "/srv/edge"), ("//srv//edge", "/srv/edge"), ("/srv/./edge/x/..", "/srv/edge"), ("//", nil), ("/./", nil),
        ("/srv/..", nil), ("relative/dir", nil),
    ])
    func nodeRootIsNormalisedAndNeverSlash(_ written: String, _ expected: String?) throws {
        let text = node.replacingOccurrences(of: "{address: 10.0.0.1}", with: "{address: 10.0.0.1, root: \"\(written)\"}")
        if let expected {
            #expect(try load(text).first?.nodeSpec?.root == expected)
        } else {
            #expect(throws: ManifestError.self) { try load(text) }
        }
    }

    @Test func serviceDefaults() throws {
        let resources = try load(node + "\n---\n" + group + "\n---\n" + service(goodService))
        let svc = try #require(resources.first { $0.kind == .service }?.serviceSpec)
        #expect(svc.rollout.maxUnavailable == .percent(25))
        #expect(svc.rollout.maxFailures == .count(0))
        #expect(svc.rollout.canary == 0)
        #expect(svc.rollout.autoRollback == true)
        #expect(svc.healthCheck == nil)
        #expect(svc.run.env.isEmpty)
        #expect(svc.bundle.version == nil)
        #expect(svc.bundle.path.hasSuffix("/bundle"))
        #expect(svc.bundle.path.hasPrefix("/"))
    }

    @Test func runUserAndResourcesReachTheUnit() throws {
        let resources = try load(
            node + "\n---\n" + group + "\n---\n"
                + service(goodService.replacingOccurrences(of: "[./run]}", with: "[./run], user: relay, resources: {memory: 256Mi, cpu: 150%}}")))
        let spec = try #require(resources.first { $0.kind == .service }?.serviceSpec)
        #expect(spec.run.user == "relay")
        #expect(spec.run.resources == ResourceLimits(memoryBytes: 256 << 20, cpuPercent: 150))
        let unit = try ServiceUnit(service: "web", spec: spec, release: "r1", node: "n1")
        #expect(unit.fields["run.user"] == "relay")
        #expect(unit.fields["run.resources.memory"] == String(256 << 20))
        #expect(unit.fields["run.resources.cpu"] == "150%")
        let file = String(decoding: unit.file, as: UTF8.self)
        #expect(file.contains("EDGE_USER='relay'\n"))
        #expect(file.contains("EDGE_MEMORY_MAX='268435456'\n"))
        #expect(file.contains("EDGE_CPU_QUOTA='150'\n"))
        var without = spec
        without.run.user = nil
        #expect(try ServiceUnit(service: "web", spec: without, release: "r1", node: "n1").digest != unit.digest)
    }

    @Test(
        arguments: [
            ("256Mi", 268_435_456), ("1Gi", 1 << 30), ("512Ki", 524_288), ("64M", 64_000_000), ("1000", 1000), ("0Mi", nil), ("12x", nil),
            ("-1Mi", nil), ("Mi", nil),
        ] as [(String, Int?)])
    func memorySizes(text: String, bytes: Int?) {
        #expect(ResourceLimits.bytes(text) == bytes)
    }

    @Test func nodeRuntimeFacts() {
        #expect(NodeRuntime(fact: "systemd memory cpu") == .systemd(limits: ["memory", "cpu"]))
        #expect(NodeRuntime(fact: "systemd") == .systemd(limits: []))
        #expect(NodeRuntime(fact: "supervisor rc.local") == .supervisor(boot: "rc.local"))
        #expect(NodeRuntime(fact: "supervisor none") == .supervisor(boot: nil))
        #expect(NodeRuntime(fact: "launchd") == nil)
        let limits = ResourceLimits(memoryBytes: 1 << 30, cpuPercent: 50)
        #expect(NodeRuntime.systemd(limits: ["memory"]).unenforced(limits) == ["cpu"])
        #expect(NodeRuntime.supervisor(boot: "rc.local").unenforced(limits) == ["memory", "cpu"])
        #expect(NodeRuntime.systemd(limits: ["memory", "cpu"]).unenforced(limits).isEmpty)
    }

    @Test func healthCheckDefaults() throws {
        let resources = try load(node + "\n---\n" + group + "\n---\n" + service(goodService + "\n  healthCheck: {http: {port: 9000}}"))
        let health = try #require(resources.first { $0.kind == .service }?.serviceSpec?.healthCheck)
        #expect(health.probe == .http(port: 9000, path: "/"))
        #expect(health.timeoutSeconds == 2)
        #expect(health.periodSeconds == 1)
        #expect(health.healthyDeadlineSeconds == 30)
    }

    @Test func multiDocumentWithEmptyDocuments() throws {
        let resources = try load("---\n" + node + "\n---\n---\n" + group + "\n---\n")
        #expect(resources.map(\.id.description) == ["node/n1", "nodegroup/g1"])
    }

    @Test func referencesMayPointIntoRecordedState() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let existing = Resource(name: "n1", spec: .node(NodeSpec(address: "x")))
        let resources = try ManifestLoader.load([ManifestInput(displayPath: "g.yaml", text: group, baseDirectory: dir.path)], existing: [existing])
        #expect(resources.count == 1)
    }

    @Test func collectsFilesFromDirectoriesSortedAndRecursive() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("m/b.yaml", group)
        dir.write("m/a.yml", node)
        dir.write("m/notes.txt", "ignored")
        dir.write("m/sub/c.yaml", node.replacingOccurrences(of: "n1", with: "n3"))
        let flat = try ManifestInput.collect(paths: [dir.path + "/m"], recursive: false) { "" }
        #expect(flat.map { ($0.displayPath as NSString).lastPathComponent } == ["a.yml", "b.yaml"])
        let deep = try ManifestInput.collect(paths: [dir.path + "/m"], recursive: true) { "" }
        #expect(deep.map { ($0.displayPath as NSString).lastPathComponent } == ["a.yml", "b.yaml", "c.yaml"])
        let stdin = try ManifestInput.collect(paths: ["-"], recursive: false) { node }
        #expect(stdin.first?.displayPath == "<stdin>")
        #expect(throws: EdgeError.self) { try ManifestInput.collect(paths: [dir.path + "/missing"], recursive: false) { "" } }
    }

    @Test func selectorsParseAndMatch() throws {
        let selector = try LabelSelector(parsing: "site=berlin,tier!=db,gpu,!legacy,env in (a,b)")
        #expect(selector.matches(["site": "berlin", "gpu": "", "env": "a"]))
        #expect(!selector.matches(["site": "berlin", "gpu": "", "env": "c"]))
        #expect(!selector.matches(["site": "berlin", "gpu": "", "env": "a", "legacy": "1"]))
        #expect(!selector.matches(["site": "munich", "gpu": "", "env": "a"]))
        #expect(throws: EdgeError.self) { try LabelSelector(parsing: "bad key=x") }
    }

    @Test func fleetStagesCountANodeWithItsFirstGroup() throws {
        let nodes = (1...4).map { Resource(name: "n\($0)", labels: ["site": $0 <= 2 ? "a" : "b"], spec: .node(NodeSpec(address: "x"))) }
        var canary = NodeGroupSpec()
        canary.nodes = ["n1"]
        var siteA = NodeGroupSpec()
        siteA.selector = SelectorSpec(matchLabels: ["site": "a"])
        var siteB = NodeGroupSpec()
        siteB.selector = SelectorSpec(matchLabels: ["site": "b"])
        var svc = ServiceSpec(bundle: BundleSpec(path: "/x"), run: RunSpec(command: ["x"]))
        svc.nodeGroups = ["canary", "a", "b"]
        let fleet = Fleet(
            nodes + [
                Resource(name: "canary", spec: .nodeGroup(canary)), Resource(name: "a", spec: .nodeGroup(siteA)),
                Resource(name: "b", spec: .nodeGroup(siteB)), Resource(name: "web", spec: .service(svc)),
            ])
        let stages = fleet.stages(ofService: "web")
        #expect(stages.map(\.nodes) == [["n1"], ["n2"], ["n3", "n4"]])
    }
}
