import EdgeEngine
import Foundation
import Testing

@Suite("Presentation")
struct PresentationTests {
    @Test func tablePadsColumnsAndTrimsTrailingSpace() {
        let table = Table(headers: ["NAME", "PHASE"], rows: [["web", "Running"], ["api-gateway", ""]])
        #expect(table.render() == "NAME          PHASE\nweb           Running\napi-gateway")
    }

    @Test func tableFitsWidthByCuttingTheLastColumn() {
        let table = Table(headers: ["A", "MESSAGE"], rows: [["x", String(repeating: "m", count: 50)]])
        let lines = table.render(maxWidth: 20).split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 20 })
        #expect(lines[1].hasSuffix("…"))
    }

    @Test(arguments: [(30.0, "30s"), (300.0, "5m"), (7200.0, "2h"), (3 * 86400.0, "3d"), (800 * 86400.0, "2y")])
    func agesReadLikeKubectl(_ seconds: Double, _ expected: String) {
        let now = Date(timeIntervalSince1970: 1_000_000_000)
        #expect(Formatting.age(since: now.addingTimeInterval(-seconds), now: now) == expected)
    }

    @Test func jsonEscapesAndKeepsKeyOrder() {
        let value = JSONValue.object([("b", .string("quote \" and \n")), ("a", .null), ("n", .int(3))])
        #expect(value.compact() == #"{"b":"quote \" and \n","a":null,"n":3}"#)
        #expect(value.yaml().contains("b: \"quote"))
    }

    @Test func colourOnlyWhenEnabled() {
        #expect(Style(enabled: false).red("x") == "x")
        #expect(Style(enabled: true).red("x") == "\u{1B}[31mx\u{1B}[0m")
        #expect(Style.detect(fileDescriptor: 1, noColorFlag: false, environment: ["NO_COLOR": "1"]).enabled == false)
    }
}
