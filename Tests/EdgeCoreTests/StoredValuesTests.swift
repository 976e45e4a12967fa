import EdgeCore
import Testing

/// Values read back from the state are checked again before they reach a node: each case is a
/// value the parser refuses, written into the state by something else, and must be refused
/// again with the field named.
@Suite("Stored values")
struct StoredValuesTests {
    static let digest = String(repeating: "ab", count: 32)

    static func service(_ change: (inout ServiceSpec) -> Void) -> Resource {
        var spec = ServiceSpec(bundle: BundleSpec(path: "b"), run: RunSpec(command: ["./serve"]))
        change(&spec)
        return Resource(name: "web", spec: .service(spec), release: Release(digest: digest, entries: []))
    }

    static func node(_ change: (inout NodeSpec) -> Void) -> Resource {
        var spec = NodeSpec(address: "10.0.0.1")
        change(&spec)
        return Resource(name: "n1", spec: .node(spec))
    }

    static func health(_ probe: HealthCheckSpec.Probe) -> HealthCheckSpec {
        var check = HealthCheckSpec()
        check.probe = probe
        return check
    }

    static let bad: [(Resource, String)] = [
        (service { _ in }.renamed("../x"), "is not a DNS label"),
        (service { $0.run.env["A B"] = .text("1") }, "run.env: \"A B\" is not a valid environment variable name"),
        (service { $0.run.env["EDGE_NODE"] = .text("1") }, "is reserved"),
        (service { $0.run.user = "root;id" }, "run.user \"root;id\" is not a valid user name"),
        (service { $0.run.command = [] }, "run.command is empty"),
        (service { $0.run.stopTimeoutSeconds = 0 }, "run.stopTimeoutSeconds 0 is out of range"),
        (service { $0.healthCheck = health(.http(port: 70000, path: "/")) }, "healthCheck.http.port 70000 is out of range"),
        (service { $0.healthCheck = health(.http(port: 80, path: "/x HTTP/1.0\r\nHost: evil")) }, "healthCheck.http.path is not a path"),
        (
            service {
                var file = ConfigSpec.File(path: "../../etc/cron.d/x", templatePath: "t", template: .literal("x"))
                file.mode = 0o644
                $0.config = ConfigSpec()
                $0.config?.files = [file]
            }, "config file path \"../../etc/cron.d/x\" is not a relative path"
        ),
        (
            service {
                var file = ConfigSpec.File(path: "app.conf", templatePath: "t", template: .literal("x"))
                file.mode = 0o4755
                $0.config = ConfigSpec()
                $0.config?.files = [file]
            }, "config file app.conf has mode 4755"
        ),
        (node { $0.root = "/" }, "spec.root \"/\" is not a normalised absolute path other than /"),
        (node { $0.root = "/var/../" }, "is not a normalised absolute path"),
        (node { $0.port = 0 }, "spec.port 0 is out of range"),
    ]

    @Test func everyValueThatReachesANodeIsCheckedAgain() {
        for (resource, expected) in Self.bad {
            let problems = StoredValues.problems(resource)
            #expect(problems.contains { $0.contains(expected) }, "\(expected): \(problems)")
        }
        var hostileRelease = Self.service { _ in }
        hostileRelease.release = Release(digest: "../../etc", entries: [])
        #expect(StoredValues.problems(hostileRelease) == ["its release \"../../etc\" is not a SHA-256 digest"])
        #expect(StoredValues.problems(Self.service { _ in }).isEmpty)
        #expect(StoredValues.problems(Self.node { _ in }).isEmpty)
        #expect(throws: (any Error).self) { try StoredValues.checked([Self.bad[0].0], stateName: "s") }
    }

    @Test func aFileListMustBeTheReleaseItNames() {
        let file = BundleEntry(path: "bin/serve", type: .file, mode: 0o755, size: 3, digest: Self.digest)
        let entries = [BundleEntry(path: "bin", type: .directory, mode: 0o755), file]
        let digest = BundleScanner.digest(of: entries)
        #expect(StoredValues.problems(entries: entries, digest: digest).isEmpty)
        #expect(StoredValues.problems(entries: entries, digest: Self.digest) == ["its files do not hash to its digest"])
        var moved = file
        moved.path = "../bin/serve"
        #expect(StoredValues.problems(entries: [moved], digest: digest).first?.contains("is not a relative path") == true)
        var setuid = file
        setuid.mode = 0o4755
        #expect(StoredValues.problems(entries: [setuid], digest: digest).first == "entry bin/serve has mode 4755")
        let link = BundleEntry(path: "up", type: .symlink, mode: 0, target: "../..")
        #expect(StoredValues.problems(entries: [link], digest: digest) == ["link up leads outside the release"])
    }
}

extension Resource {
    fileprivate func renamed(_ name: String) -> Resource {
        var copy = self
        copy.name = name
        return copy
    }
}
