import Foundation
import Testing

@testable import EdgeCore
@testable import EdgeEngine
@testable import EdgeStore

/// What a node reported reaches people's terminals escaped, and a secret's value never reaches
/// them inside a JSON or YAML document, whatever characters it holds.
@Suite("Presentation: a node's words and secrets' values")
struct NodeWordsOutputTests {
    /// Retitles the terminal, writes the clipboard (OSC 52) and clears the screen.
    static let hostile = "x\u{1B}]0;owned\u{07}\u{1B}]52;c;aGk=\u{07}\u{1B}[2J\u{9B}1A"

    static func expectTame(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let obeyed = text.unicodeScalars.filter { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{9B}" }
        #expect(obeyed.isEmpty, "a control character printed raw: \(text.debugDescription)", sourceLocation: sourceLocation)
    }

    @Test func describeNodeEscapesWhatTheNodeReported() throws {
        var inventory = try FleetFixture.inventory()
        var facts = try #require(inventory.facts["gw-3"])
        facts.os = Self.hostile
        facts.arch = Self.hostile
        facts.lastError = "node gw-3: " + Self.hostile
        inventory.facts["gw-3"] = facts
        let item = try #require(inventory.stored(.node).first { $0.resource.name == "gw-3" })
        let text = DescribePresenter(inventory: inventory, now: FleetFixture.now).describe(item, revisions: [], events: [])
        Self.expectTame(text)
        #expect(text.contains("OS / arch:"))
        #expect(text.contains("x^[]0;owned^G^[]52;c;aGk=^G^[[2J\\u{9b}1A / x^[]0;owned"), "shown, not obeyed: \(text)")
        #expect(text.contains("Last error:") && text.contains("node gw-3: x^[]0;owned^G"))
    }

    @Test func thePlanEscapesServiceNamesAndReleasesFoundOnNodes() {
        let plan = Plan(
            services: [
                ServicePlan(
                    service: "web", release: String(repeating: "b2", count: 32), version: nil,
                    batches: [.init(group: "berlin", canary: false, steps: [NodeStep(node: "gw-1", action: .update(from: "\u{1B}]0;t\u{07}abcdef"))])]
                )
            ],
            removals: [Removal(node: "gw-2", service: "old\u{1B}[2Jname")],
            warnings: ["node gw-2 said \u{1B}]52;c;aGk=\u{07}"])
        let text = NodePlanRenderer.render(plan, style: Style(enabled: false), refreshed: true)
        Self.expectTame(text)
        #expect(text.contains("update ^[]0;t^Gabcdef → b2b2b2b2b2b2"), "\(text)")
        #expect(text.contains("- gw-2  remove service/old^[[2Jname"), "\(text)")
        #expect(text.contains("warning: node gw-2 said ^[]52;c;aGk=^G"), "\(text)")
    }

    /// Masking the rendered document missed these: `"` and `\` are escaped in it, so the value
    /// printed no longer matched the value registered.
    @Test(arguments: [
        "{\"private_key\": \"-----BEGIN KEY-----\\nMIIE\\u0041\"}", "pass\"word\\with-both", "line one of a key file\nline two of it\t!",
    ])
    func jsonAndYAMLMaskSecretsHoldingQuotesAndBackslashes(_ secret: String) {
        Redactor.shared.register(secret, name: "json-key")
        let value = JSONValue.object([("stdout", .string("read: " + secret + "\n")), ("items", .array([.string(secret)]))])
        for text in [value.render(), value.compact(), value.yaml()] {
            #expect(text.contains("<secret json-key>"), "\(text)")
            #expect(!text.contains("pass"), "\(text)")
            #expect(!text.contains("MIIE") && !text.contains("line two"), "\(text)")
        }
        // The document stays one a parser reads.
        let parsed = try? JSONSerialization.jsonObject(with: Data(value.render().utf8)) as? [String: Any]
        #expect(parsed?["stdout"] as? String == "read: <secret json-key>\n")
    }
}
