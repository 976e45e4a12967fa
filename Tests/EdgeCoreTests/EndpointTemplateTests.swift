import EdgeCore
import Foundation
import Testing

/// `${for e in endpoints.SERVICE.PORT}…${end}`: a gateway's config over another service's ready endpoints.
@Suite("Templates over endpoints")
struct EndpointTemplateTests {
    static let api = [
        TemplateContext.EndpointValue(node: "n1", address: "10.0.0.1", port: 8080, labels: ["site": "berlin"]),
        TemplateContext.EndpointValue(node: "n3", address: "10.0.0.3", port: 8080, labels: ["site": "munich"]),
    ]

    static func context(_ lists: [String: [TemplateContext.EndpointValue]]) -> TemplateContext {
        var context = TemplateContext(nodeName: "gw", nodeAddress: "10.0.9.1", labels: [:], vars: ["name": "api"])
        context.endpoints = { service, port in lists["\(service).\(port)"] }
        return context
    }

    @Test func aLoopRepeatsItsBodyForEachEndpointInOrder() throws {
        let template = try Template(
            parsing:
                "upstream ${vars.name} {\n${for e in endpoints.api.http}    server ${e.address}:${e.port};  # ${e.node} ${e.labels.site}\n${end}}\n")
        let text = try template.render(Self.context(["api.http": Self.api]))
        #expect(text == "upstream api {\n    server 10.0.0.1:8080;  # n1 berlin\n    server 10.0.0.3:8080;  # n3 munich\n}\n")
        #expect(try template.render(Self.context(["api.http": []])) == "upstream api {\n}\n", "no endpoints, no lines")
        #expect(template.endpointLists.map { "\($0.service).\($0.port)" } == ["api.http"])
        // Stored as its source, read back the same.
        #expect(try Template(parsing: template.source) == template)
    }

    @Test func loopsNestAndSeeTheirOwnVariables() throws {
        let template = try Template(
            parsing: "${for a in endpoints.api.http}${for m in endpoints.metrics.prom}${a.node}->${m.node} ${end}${end}")
        let metrics = [TemplateContext.EndpointValue(node: "m1", address: "10.0.1.1", port: 9100, labels: [:])]
        #expect(try template.render(Self.context(["api.http": Self.api, "metrics.prom": metrics])) == "n1->m1 n3->m1 ")
    }

    @Test(arguments: [
        ("${for e in endpoints.api.http}x", 1, 1, "is never ended"), ("x${end}", 1, 2, "without a ${for"),
        ("${for e in api.http}${end}", 1, 1, "a loop is written"), ("${for node in endpoints.api.http}${end}", 1, 1, "a loop is written"),
        ("${for e in endpoints.api.http}${e.weight}${end}", 1, 31, "unknown template name \"${e.weight}\""),
        ("${e.node}", 1, 1, "unknown template name"),
        ("${for e in endpoints.a.b}${for e in endpoints.c.d}${end}${end}", 1, 26, "inside a loop over e already"),
    ])
    func mistakesAreReportedWhereTheyAre(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        do {
            _ = try Template(parsing: text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.line == line && error.column == column, "\(text): \(error)")
            #expect(error.message.contains(message), "\(text): \(error.message)")
        }
    }

    @Test func aListThatDoesNotExistIsMissingAtTheLoop() {
        let template = try! Template(parsing: "a\n  ${for e in endpoints.nope.http}${e.node}${end}")
        do {
            _ = try template.render(Self.context([:]))
            Issue.record("rendered")
        } catch {
            #expect(error.reference == .endpoints(service: "nope", port: "http"))
            #expect(error.line == 2 && error.column == 3)
        }
    }

    /// A gateway with fewer ready backends than its file asks for is not rendered at all.
    @Test func aFileNeedsItsMinimumOfReadyEndpoints() throws {
        var spec = ServiceSpec(bundle: BundleSpec(path: "/b"), run: RunSpec(command: ["./run"]))
        var file = ConfigSpec.File(
            path: "up.conf", templatePath: "up.tmpl", template: try Template(parsing: "${for e in endpoints.api.http}${e.address}\n${end}"))
        file.minEndpoints = 2
        var config = ConfigSpec()
        config.files = [file]
        spec.config = config
        let one: @Sendable (String, String) -> [TemplateContext.EndpointValue]? = { _, _ in [Self.api[0]] }
        #expect(throws: ServiceUnit.RenderError.self) { try ServiceUnit(service: "gw", spec: spec, release: "r", node: "gw", endpoints: one) }
        let two: @Sendable (String, String) -> [TemplateContext.EndpointValue]? = { _, _ in Self.api }
        let unit = try ServiceUnit(service: "gw", spec: spec, release: "r", node: "gw", endpoints: two)
        #expect(String(decoding: unit.files[0].content, as: UTF8.self) == "10.0.0.1\n10.0.0.3\n")
        // Another set of ready endpoints is another unit: the gateway is rolled out again.
        let other = try ServiceUnit(service: "gw", spec: spec, release: "r", node: "gw", endpoints: { _, _ in Self.api.reversed() })
        #expect(other.digest != unit.digest)
    }
}
