import EdgeCore
import Foundation
import Testing

/// Templates rendered per node: names, precedence of vars and overrides, escapes, masking,
/// and the position of a name a node lacks.
@Suite("Templates and per-node units")
struct TemplateTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var template: String
        var expected: String?
        /// Where the missing name is used (line, column), when rendering must fail.
        var missing: (reference: String, line: Int, column: Int)?
        var testDescription: String { name }
    }

    static let context = TemplateContext(
        nodeName: "gw-1", nodeAddress: "10.0.0.1", labels: ["site": "berlin", "tier": "edge"], vars: ["upstream": "10.1.0.1", "port": "9000"],
        secret: { $0 == "db" ? "s3cret" : nil })

    static let cases: [Case] = [
        Case(name: "plain text", template: "just text\n", expected: "just text\n"),
        Case(name: "node fields", template: "${node.name}@${node.address}", expected: "gw-1@10.0.0.1"),
        Case(name: "a label", template: "site=${node.labels.site}", expected: "site=berlin"),
        Case(name: "vars", template: "${vars.upstream}:${vars.port}", expected: "10.1.0.1:9000"),
        Case(name: "$$ is a literal $", template: "cost $$5 and $${vars.port}", expected: "cost $5 and ${vars.port}"),
        Case(name: "a lone $ stays", template: "echo $HOME 5$", expected: "echo $HOME 5$"),
        Case(name: "a secret's value", template: "pw=${secrets.db}", expected: "pw=s3cret"),
        Case(name: "a missing label", template: "a\nb ${node.labels.rack}", missing: ("node.labels.rack", 2, 3)),
        Case(name: "a missing var", template: "${vars.nope}", missing: ("vars.nope", 1, 1)),
    ]

    @Test(arguments: cases) func renders(_ c: Case) throws {
        let template = try Template(parsing: c.template)
        if let expected = c.expected {
            #expect(try template.render(Self.context) == expected)
            #expect(try Template(parsing: template.source).render(Self.context) == expected, "source round-trips")
        } else if let missing = c.missing {
            #expect {
                _ = try template.render(Self.context)
            } throws: { error in
                guard let error = error as? Template.Missing else { return false }
                return error.reference.description == missing.reference && error.line == missing.line && error.column == missing.column
            }
        }
    }

    @Test(arguments: [
        ("${node.nmae}", 1, 1, "unknown template name \"${node.nmae}\""),
        ("ok\n  ${vars.x", 2, 3, "unterminated \"${\""),
        ("${}", 1, 1, "unknown template name"),
    ])
    func syntaxErrorsHaveTheirPosition(text: String, line: Int, column: Int, message: String) {
        #expect {
            _ = try Template(parsing: text)
        } throws: { error in
            guard let error = error as? Template.SyntaxError else { return false }
            return error.line == line && error.column == column && error.message.hasPrefix(message)
        }
    }

    @Test func masksSecretsWhenAskedAndWhenUnknown() throws {
        let template = try Template(parsing: "pw=${secrets.db} key=${secrets.key}")
        #expect(try template.render(Self.context, masked: true) == "pw=<secret db> key=<secret key>")
        #expect(try template.render(Self.context) == "pw=s3cret key=<secret key>")
        #expect(template.secretNames == ["db", "key"])
    }

    @Test func overridesApplyInOrderOverVars() {
        var config = ConfigSpec()
        config.vars = ["upstream": "10.0.0.1", "level": "info"]
        var berlin = ConfigSpec.Override()
        berlin.selector = SelectorSpec(matchLabels: ["site": "berlin"])
        berlin.vars = ["upstream": "10.1.0.1"]
        var one = ConfigSpec.Override()
        one.nodes = ["gw-1"]
        one.vars = ["upstream": "10.1.0.99", "level": "debug"]
        config.overrides = [berlin, one]
        #expect(config.variables(node: "gw-1", labels: ["site": "berlin"]) == ["upstream": "10.1.0.99", "level": "debug"])
        #expect(config.variables(node: "gw-2", labels: ["site": "berlin"]) == ["upstream": "10.1.0.1", "level": "info"])
        #expect(config.variables(node: "gw-3", labels: ["site": "munich"]) == ["upstream": "10.0.0.1", "level": "info"])
        config.overrides = [one, berlin]
        #expect(config.variables(node: "gw-1", labels: ["site": "berlin"])["upstream"] == "10.1.0.1", "a later match wins")
    }

    @Test func aUnitKeepsSecretValuesOutOfItsFieldsAndSeesRotation() throws {
        var spec = ServiceSpec(bundle: BundleSpec(path: "/unused"), run: RunSpec(command: ["./run"]))
        spec.run.env = ["DB": .secret("db"), "SITE": .template(try Template(parsing: "${node.labels.site}"))]
        var config = ConfigSpec()
        config.files = [ConfigSpec.File(path: "a.conf", templatePath: "a.tmpl", template: try Template(parsing: "pw=${secrets.db}\n"))]
        spec.config = config
        let make = { (value: String, site: String) in
            try ServiceUnit(
                service: "web", spec: spec, release: "r1", node: "n1", labels: ["site": site],
                secrets: { _ in ServiceUnit.SecretValue(value: value, fingerprint: "fp-" + String(value.count)) })
        }
        let unit = try make("SENTINEL-1", "berlin")
        #expect(!unit.fields.values.contains { $0.contains("SENTINEL") })
        #expect(unit.fields["run.env.DB"] == "<secret db>")
        #expect(unit.fields["run.env.SITE"] == "berlin")
        #expect(unit.fields["secrets.db"] == "fp-10")
        #expect(String(decoding: unit.file, as: UTF8.self).contains("export DB='SENTINEL-1'\n"))
        #expect(unit.files.first?.content == Data("pw=SENTINEL-1\n".utf8))
        let rotated = try make("SENTINEL-22", "berlin")
        #expect(ServiceUnit.changes(from: unit.fields, to: rotated.fields) == ["secrets.db"])
        let moved = try make("SENTINEL-1", "munich")
        #expect(ServiceUnit.changes(from: unit.fields, to: moved.fields) == ["run.env.SITE"])
        #expect(unit.configDirectory == "/var/lib/edgectl/services/web/config/" + unit.digest)
    }

    @Test func theReadmesWorkedExampleLoadsAndRendersForEveryDemoNode() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let inputs = try ManifestInput.collect(
            paths: [repository.appendingPathComponent("manifests").path, repository.appendingPathComponent("examples/config").path],
            recursive: false
        ) { "" }
        let fleet = Fleet(try ManifestLoader.load(inputs))
        let targets = fleet.targets(ofService: "relay")
        #expect(targets.count == 6)
        for node in targets {
            let unit = try fleet.unit(ofService: "relay", node: node, release: "r1")
            let conf = String(decoding: try #require(unit.files.first).content, as: UTF8.self)
            let munich = fleet.nodes[node]?.labels["site"] == "munich"
            #expect(conf.contains("upstream = \(munich ? "10.2.0.1" : "10.0.0.1")\n"), "\(node): \(conf)")
            #expect(conf.contains("log_level = \(node == "edge-1" ? "debug" : "info")\n"), "\(node): \(conf)")
            #expect(conf.contains("db_password = <secret db-password>\n"))
        }
    }
}
