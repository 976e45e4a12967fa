import EdgeCore
import Foundation
import TestSupport
import Testing

/// One bad manifest and the diagnostics it must produce: file, line, column and a part of the message.
struct DiagnosticCase: CustomTestStringConvertible, Sendable {
    var name: String
    var files: [String: String]
    var expected: [(file: String, line: Int, column: Int, message: String)]
    var testDescription: String { name }
}

let node = """
    apiVersion: edgectl/v1
    kind: Node
    metadata: {name: n1}
    spec: {address: 10.0.0.1}
    """

let group = """
    apiVersion: edgectl/v1
    kind: NodeGroup
    metadata: {name: g1}
    spec: {nodes: [n1]}
    """

func service(_ spec: String, name: String = "web") -> String {
    """
    apiVersion: edgectl/v1
    kind: Service
    metadata: {name: \(name)}
    spec:
    \(spec)
    """
}

let goodService = """
      bundle: {path: ./bundle}
      nodeGroups: [g1]
      run: {command: [./run]}
    """

let diagnosticCases: [DiagnosticCase] = [
    DiagnosticCase(
        name: "YAML syntax error", files: ["a.yaml": "apiVersion: edgectl/v1\nkind: Node\nmetadata: {name: n1\nspec: {}\n"],
        expected: [("a.yaml", 4, 5, "invalid YAML")]),
    DiagnosticCase(
        name: "duplicate key", files: ["a.yaml": "apiVersion: edgectl/v1\nkind: Node\nkind: Node\nmetadata: {name: n1}\nspec: {address: x}\n"],
        expected: [("a.yaml", 2, 1, "duplicate key \"kind\"")]),
    DiagnosticCase(
        name: "unknown apiVersion", files: ["a.yaml": node.replacingOccurrences(of: "edgectl/v1", with: "edgectl/v9")],
        expected: [("a.yaml", 1, 13, "unknown apiVersion \"edgectl/v9\"")]),
    DiagnosticCase(
        name: "unknown kind with suggestion", files: ["a.yaml": node.replacingOccurrences(of: "kind: Node", with: "kind: Nod")],
        expected: [("a.yaml", 2, 7, "unknown kind \"Nod\"; expected one of Node, NodeGroup, Service, Secret (did you mean \"Node\"?)")]),
    DiagnosticCase(
        name: "unknown field with suggestion",
        files: ["a.yaml": node.replacingOccurrences(of: "{address: 10.0.0.1}", with: "{address: x, prot: 22}")],
        expected: [("a.yaml", 4, 20, "unknown field \"prot\" in Node spec; did you mean \"port\"?")]),
    DiagnosticCase(
        name: "unknown top-level field", files: ["a.yaml": node + "\nstatus: {}"],
        expected: [("a.yaml", 5, 1, "unknown field \"status\" in the document")]),
    DiagnosticCase(
        name: "wrong type: integer", files: ["a.yaml": node.replacingOccurrences(of: "{address: 10.0.0.1}", with: "{address: x, port: abc}")],
        expected: [("a.yaml", 4, 26, "spec.port must be an integer, got \"abc\"")]),
    DiagnosticCase(
        name: "wrong type: quoted integer",
        files: ["a.yaml": node.replacingOccurrences(of: "{address: 10.0.0.1}", with: "{address: x, port: \"22\"}")],
        expected: [("a.yaml", 4, 26, "spec.port must be an integer, got the string \"22\"")]),
    DiagnosticCase(
        name: "wrong type: list expected", files: ["a.yaml": node + "\n---\n" + group.replacingOccurrences(of: "[n1]", with: "n1")],
        expected: [("a.yaml", 9, 15, "spec.nodes must be a list, got \"n1\"")]),
    DiagnosticCase(
        name: "wrong type: boolean",
        files: ["a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService + "\n  rollout: {autoRollback: maybe}")],
        expected: [("a.yaml", 18, 27, "spec.rollout.autoRollback must be true or false, got \"maybe\"")]),
    DiagnosticCase(
        name: "wrong type: mapping expected", files: ["a.yaml": node.replacingOccurrences(of: "metadata: {name: n1}", with: "metadata: [n1]")],
        expected: [("a.yaml", 3, 11, "metadata must be a mapping, got a list")]),
    DiagnosticCase(
        name: "missing required field", files: ["a.yaml": node.replacingOccurrences(of: "{address: 10.0.0.1}", with: "{port: 22}")],
        expected: [("a.yaml", 4, 7, "missing required field \"address\" in Node spec")]),
    DiagnosticCase(
        name: "missing spec", files: ["a.yaml": "apiVersion: edgectl/v1\nkind: Node\nmetadata: {name: n1}\n"],
        expected: [("a.yaml", 1, 1, "missing required field \"spec\" in the document")]),
    DiagnosticCase(
        name: "name not a DNS label", files: ["a.yaml": node.replacingOccurrences(of: "name: n1", with: "name: Gw_1")],
        expected: [("a.yaml", 3, 18, "name \"Gw_1\" is not a DNS label")]),
    DiagnosticCase(
        name: "name too long", files: ["a.yaml": node.replacingOccurrences(of: "name: n1", with: "name: " + String(repeating: "a", count: 64))],
        expected: [("a.yaml", 3, 18, "is longer than 63 characters")]),
    DiagnosticCase(
        name: "bad label key", files: ["a.yaml": node.replacingOccurrences(of: "{name: n1}", with: "{name: n1, labels: {\"a b\": x}}")],
        expected: [("a.yaml", 3, 31, "label key \"a b\" is invalid")]),
    DiagnosticCase(
        name: "bad label value", files: ["a.yaml": node.replacingOccurrences(of: "{name: n1}", with: "{name: n1, labels: {site: -x-}}")],
        expected: [("a.yaml", 3, 37, "label value \"-x-\" is invalid")]),
    DiagnosticCase(
        name: "duplicate names across files", files: ["a.yaml": node, "b.yaml": node],
        expected: [("b.yaml", 3, 18, "duplicate Node \"n1\": already defined at a.yaml:3:18")]),
    DiagnosticCase(
        name: "group names a missing node", files: ["a.yaml": node + "\n---\n" + group.replacingOccurrences(of: "[n1]", with: "[n1, n2]")],
        expected: [("a.yaml", 9, 20, "spec.nodes[1] names Node \"n2\", which does not exist; did you mean \"n1\"?")]),
    DiagnosticCase(
        name: "service names a missing group",
        files: ["a.yaml": node + "\n---\n" + service(goodService.replacingOccurrences(of: "[g1]", with: "[g2]"))],
        expected: [("a.yaml", 11, 16, "spec.nodeGroups[0] names NodeGroup \"g2\", which does not exist")]),
    DiagnosticCase(
        name: "percentage out of range",
        files: ["a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService + "\n  rollout: {maxUnavailable: 101%}")],
        expected: [("a.yaml", 18, 29, "spec.rollout.maxUnavailable must be a percentage between 0% and 100%, got 101%")]),
    DiagnosticCase(
        name: "malformed percentage",
        files: ["a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService + "\n  rollout: {maxFailures: 5%%}")],
        expected: [("a.yaml", 18, 26, "spec.rollout.maxFailures must be a count (e.g. 2) or a percentage (e.g. 25%), got \"5%%\"")]),
    DiagnosticCase(
        name: "zero maxUnavailable",
        files: ["a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService + "\n  rollout: {maxUnavailable: 0}")],
        expected: [("a.yaml", 18, 29, "spec.rollout.maxUnavailable must be at least 1")]),
    DiagnosticCase(
        name: "empty run.command",
        files: ["a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService.replacingOccurrences(of: "[./run]", with: "[]"))],
        expected: [("a.yaml", 17, 18, "spec.run.command must not be empty")]),
    DiagnosticCase(
        name: "bundle missing",
        files: ["a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService.replacingOccurrences(of: "./bundle", with: "./nope"))],
        expected: [("a.yaml", 15, 18, "bundle path")]),
    DiagnosticCase(
        name: "bundle not a directory",
        files: ["a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService.replacingOccurrences(of: "./bundle", with: "./bundle/run"))],
        expected: [("a.yaml", 15, 18, "is not a directory")]),
    DiagnosticCase(
        name: "two health probes",
        files: ["a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService + "\n  healthCheck: {tcp: {port: 1}, http: {port: 2}}")],
        expected: [("a.yaml", 18, 17, "spec.healthCheck takes one of http, tcp or exec, not http and tcp")]),
    DiagnosticCase(
        name: "run.user with a space",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(goodService.replacingOccurrences(of: "[./run]}", with: "[./run], user: \"a b\"}"))
        ],
        expected: [("a.yaml", 17, 33, "spec.run.user: \"a b\" is not a valid user name")]),
    DiagnosticCase(
        name: "run.resources sizes",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(goodService.replacingOccurrences(of: "[./run]}", with: "[./run], resources: {memory: 12x, cpu: 5}}"))
        ],
        expected: [
            ("a.yaml", 17, 47, "spec.run.resources.memory must be a size of at least 1Mi such as 256Mi or 1Gi, not \"12x\""),
            ("a.yaml", 17, 57, "spec.run.resources.cpu must be a percentage of one CPU such as 50% or 200%, not \"5\""),
        ]),
    DiagnosticCase(
        name: "env template names a label the node lacks",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(goodService.replacingOccurrences(of: "[./run]}", with: "[./run], env: {SITE: \"${node.labels.site}\"}}"))
        ],
        expected: [("a.yaml", 17, 40, "run.env.SITE: ${node.labels.site} is not defined for node n1")]),
    DiagnosticCase(
        name: "env names a Secret that does not exist",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(goodService.replacingOccurrences(of: "[./run]}", with: "[./run], env: {DB: {secret: nope}}}"))
        ],
        expected: [("a.yaml", 17, 46, "spec.run.env.DB.secret names Secret \"nope\", which does not exist")]),
    DiagnosticCase(
        name: "run.command expands a variable that holds a secret",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + "apiVersion: edgectl/v1\nkind: Secret\nmetadata: {name: db}\nspec: {from: {env: DB_PASSWORD}}\n---\n"
                + service(goodService.replacingOccurrences(of: "[./run]}", with: "[./run, \"--token=$(DB)\"], env: {DB: {secret: db}}}"))
        ],
        expected: [("a.yaml", 22, 26, "spec.run.command[1]: $(DB) holds a secret, which would be on the node's command line")]),
    DiagnosticCase(
        name: "config template names a var no node has",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(goodService + "\n  config:\n    files:\n      - {path: a.conf, template: ./t.tmpl}"),
            "t.tmpl": "line1\nup=${vars.upstream}\n",
        ],
        expected: [("t.tmpl", 2, 4, "config.files[0] (a.conf): ${vars.upstream} is not defined for node n1")]),
    DiagnosticCase(
        name: "config template syntax and a secret in a world-readable file",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(
                    goodService
                        + "\n  config:\n    files:\n      - {path: a.conf, template: ./t.tmpl}\n      - {path: b.conf, template: ./s.tmpl, mode: \"0644\"}"
                ) + "\n---\napiVersion: edgectl/v1\nkind: Secret\nmetadata: {name: pw}\nspec: {from: {env: PW}}\n",
            "t.tmpl": "ok\n  ${vars.x\n",
            "s.tmpl": "pw=${secrets.pw}\n",
        ],
        expected: [
            ("t.tmpl", 2, 3, "unterminated \"${\""),
            ("a.yaml", 21, 50, "spec.config.files[1].mode: a file that uses a secret is at most 0640"),
        ]),
    DiagnosticCase(
        name: "ports: a name that is no DNS label, a port out of range, a protocol, a name used twice",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(
                    goodService
                        + "\n  ports:\n    - {name: Http, port: 80}\n    - {name: a, port: 70000}\n    - {name: b, port: 81, protocol: sctp}"
                        + "\n    - {name: c, port: 82}\n    - {name: c, port: 83}\n    - {name: d, port: 82}")
        ],
        expected: [
            ("a.yaml", 19, 14, "spec.ports[0].name: port name \"Http\" is not a DNS label"),
            ("a.yaml", 20, 23, "spec.ports[1].port must be between 1 and 65535"),
            ("a.yaml", 21, 37, "spec.ports[2].protocol must be tcp or udp"),
            ("a.yaml", 23, 14, "spec.ports[4].name: port \"c\" is named twice"),
            ("a.yaml", 24, 17, "spec.ports[5].port: 82/tcp is already port \"c\""),
        ]),
    DiagnosticCase(
        name: "a health check naming a port that is not declared",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(goodService + "\n  ports: [{name: http, port: 8080}]\n  healthCheck: {http: {port: htp, path: /}}")
        ],
        expected: [
            ("a.yaml", 19, 30, "spec.healthCheck.http.port names port \"htp\", which spec.ports does not declare (as tcp); did you mean \"http\"?")
        ]),
    DiagnosticCase(
        name: "two services claiming one port on one node",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService + "\n  ports: [{name: http, port: 8080}]") + "\n---\n"
                + service(goodService + "\n  ports: [{name: web, port: 8080}, {name: dns, port: 8080, protocol: udp}]", name: "api")
        ],
        expected: [("a.yaml", 27, 11, "spec.ports[0]: service/api and service/web both claim port 8080/tcp on node n1")]),
    DiagnosticCase(
        name: "a loop over endpoints of a service or port that does not exist",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n" + service(goodService + "\n  ports: [{name: http, port: 8080}]", name: "api")
                + "\n---\n" + service(goodService + "\n  config:\n    files: [{path: up.conf, template: ./up.tmpl}]", name: "gw"),
            "up.tmpl": "upstream {\n${for e in endpoints.api.grpc}  ${e.address}\n${end}${for b in endpoints.apl.http}${end}}\n",
        ],
        expected: [
            ("up.tmpl", 2, 1, "endpoints.api.grpc names port \"grpc\", which service/api does not declare in spec.ports")
        ]),
    DiagnosticCase(
        name: "a loop over endpoints of a service that does not exist",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(goodService + "\n  config:\n    files: [{path: up.conf, template: ./up.tmpl}]", name: "gw"),
            "up.tmpl": "upstream {\n  ${for b in endpoints.apl.http}${end}}\n",
        ],
        expected: [("up.tmpl", 2, 3, "endpoints.apl.http names service \"apl\", which does not exist")]),
    DiagnosticCase(
        name: "two services iterating each other's endpoints",
        files: [
            "a.yaml": node + "\n---\n" + group + "\n---\n"
                + service(
                    goodService + "\n  ports: [{name: http, port: 8080}]\n  config:\n    files: [{path: a.conf, template: ./b.tmpl}]", name: "aa")
                + "\n---\n"
                + service(
                    goodService + "\n  ports: [{name: http, port: 8081}]\n  config:\n    files: [{path: b.conf, template: ./a.tmpl}]", name: "bb"),
            "a.tmpl": "${for e in endpoints.aa.http}${e.node}${end}\n", "b.tmpl": "${for e in endpoints.bb.http}${e.node}${end}\n",
        ],
        expected: [("a.yaml", 13, 18, "service/aa: its config iterates endpoints in a cycle (aa → bb → aa)")]),
]

@Suite("Manifest diagnostics")
struct ManifestDiagnosticsTests {
    @Test(arguments: diagnosticCases)
    func reportsPosition(_ testCase: DiagnosticCase) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("bundle/run", "#!/bin/sh\n", mode: 0o755)
        // Files that are not manifests (config templates) are written beside them.
        for (name, text) in testCase.files where !name.hasSuffix(".yaml") { dir.write(name, text) }
        let inputs = testCase.files.keys.filter { $0.hasSuffix(".yaml") }.sorted().map { name in
            ManifestInput(displayPath: name, text: testCase.files[name]!, baseDirectory: dir.path)
        }
        do {
            _ = try ManifestLoader.load(inputs)
            Issue.record("expected diagnostics, got none")
        } catch let error as ManifestError {
            let got = error.diagnostics
            #expect(got.count == testCase.expected.count, "got: \(got.map(\.description))")
            for (diagnostic, expected) in zip(got, testCase.expected) {
                #expect(diagnostic.file == expected.file)
                #expect(diagnostic.line == expected.line, "\(diagnostic)")
                #expect(diagnostic.column == expected.column, "\(diagnostic)")
                #expect(diagnostic.message.contains(expected.message), "\(diagnostic)")
            }
        }
    }

    @Test func collectsEveryProblemInOneRun() throws {
        let text = """
            apiVersion: edgectl/v1
            kind: Node
            metadata: {name: BAD}
            spec: {address: x, port: 0, colour: red}
            """
        let input = ManifestInput(displayPath: "x.yaml", text: text, baseDirectory: "/")
        #expect(throws: ManifestError.self) { try ManifestLoader.load([input]) }
        do { _ = try ManifestLoader.load([input]) } catch let error as ManifestError { #expect(error.diagnostics.count == 3) }
    }

    /// Parsing reads no bundle: a Service whose bundle directory is gone still parses (so
    /// `delete -f` works); only the digest step, which apply and diff run, reports it.
    @Test func parsingReadsNoBundleTheDigestStepDoes() throws {
        let text = node + "\n---\n" + group + "\n---\n" + service(goodService.replacingOccurrences(of: "./bundle", with: "./gone"))
        let input = ManifestInput(displayPath: "a.yaml", text: text, baseDirectory: "/nonexistent")
        let parsed = ManifestParser.parse(input)
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.resources.map(\.id.description) == ["node/n1", "nodegroup/g1", "service/web"])
        let loaded = try ManifestLoader.load([input], digests: false)
        #expect(loaded.first { $0.kind == .service }?.release == nil)
        do {
            _ = try ManifestLoader.load([input])
            Issue.record("the digest step must report the missing bundle")
        } catch let error as ManifestError {
            #expect(error.diagnostics.map { "\($0.file):\($0.line):\($0.column)" } == ["a.yaml:15:18"])
        }
    }

    /// A bundle file swapped for a FIFO (or a link) after the scan is refused at once, never
    /// waited on: `open` of a FIFO without O_NONBLOCK blocks until a writer comes.
    @Test func aFileSwappedForAFIFOOrALinkIsRefusedNotWaitedOn() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        #expect(mkfifo(dir.path + "/fifo", 0o644) == 0)
        #expect(symlink("/etc/passwd", dir.path + "/link") == 0)
        let started = Date()
        #expect(throws: BundleFile.Changed.self) { try BundleFile.openRegular(dir.path + "/fifo") }
        #expect(throws: BundleFile.Changed.self) { try BundleScanner.hashFile(dir.path + "/fifo") }
        do {
            _ = try BundleFile.openRegular(dir.path + "/link")
            Issue.record("a link must be refused")
        } catch let error as BundleFile.Changed {
            #expect(error.description.contains("symbolic link"))
        }
        #expect(Date().timeIntervalSince(started) < 2)
        let fd = try BundleFile.openRegular(dir.write("plain", "x"))
        close(fd)
    }

    @Test func diagnosticShowsLineAndCaret() {
        let d = Diagnostic(file: "f.yaml", line: 2, column: 5, message: "bad", sourceLine: "  a: b")
        #expect(d.description == "f.yaml:2:5: error: bad\n      a: b\n        ^")
    }

    @Test func bundleWithSpecialFilesOrEscapingLinks() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("bundle/run", "x")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bundle/escape", withDestinationPath: "../../etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bundle/abs", withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bundle/ok", withDestinationPath: "run")
        #expect(mkfifo(dir.path + "/bundle/fifo", 0o644) == 0)
        // Each passes a lexical check on its own; followed through each other, `t` leads to /etc/passwd.
        try FileManager.default.createDirectory(atPath: dir.path + "/bundle/a/b", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bundle/a/b/s", withDestinationPath: "../..")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bundle/a/b/t", withDestinationPath: "s/../../../etc/passwd")
        // Through a link that stays inside, and a loop.
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bundle/a/b/u", withDestinationPath: "s/run")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bundle/loop1", withDestinationPath: "loop2")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bundle/loop2", withDestinationPath: "loop1")
        dir.write("bundle/x\netc", "a name with a newline")
        let text = node + "\n---\n" + group + "\n---\n" + service(goodService)
        do {
            _ = try ManifestLoader.load([ManifestInput(displayPath: "a.yaml", text: text, baseDirectory: dir.path)])
            Issue.record("expected diagnostics")
        } catch let error as ManifestError {
            let messages = error.diagnostics.map(\.message).sorted()
            #expect(messages.count == 7, "\(messages)")
            #expect(messages.contains { $0.contains("\"x^Jetc\" has a control character in its name") }, "\(messages)")
            #expect(!messages.contains { $0.contains("\n") }, "the name is shown escaped")
            #expect(error.diagnostics.allSatisfy { $0.line == 15 && $0.column == 18 })
            #expect(messages.contains { $0.contains("\"a/b/t\" points outside the bundle through its links") })
            #expect(!messages.contains { $0.contains("\"a/b/u\"") }, "a link through a link that stays inside is fine")
            #expect(messages.contains { $0.contains("\"loop1\" points outside") } && messages.contains { $0.contains("\"loop2\" points outside") })
            #expect(messages.contains { $0.contains("\"abs\" points outside the bundle") })
            #expect(messages.contains { $0.contains("\"escape\" points outside the bundle") })
            #expect(messages.contains { $0.contains("\"fifo\" is not a regular file, directory or symlink") })
        }
    }
}
