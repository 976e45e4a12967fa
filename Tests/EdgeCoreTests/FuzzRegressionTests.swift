import EdgeFuzzTargets
import Foundation
import TestSupport
import Testing

/// Every input `scripts/fuzz` ever crashed on (kept in FuzzRegressions/, named by what it
/// broke) runs through the same parsers again, and a few hand-made hostile ones with them.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let directory = Edgectl.packageRoot + "/Tests/EdgeCoreTests/FuzzRegressions"

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test(arguments: inputs) func aRecordedInputNoLongerCrashes(_ name: String) throws {
        let data = try #require(FileManager.default.contents(atPath: Self.directory + "/" + name))
        FuzzTargets.run(Array(data))
    }

    @Test func everyParserEndsOnHostileInput() {
        let hostile: [[UInt8]] = [
            [], [0], [4], [4] + Array("E 0 999999999999999999999 0\n".utf8), [4] + Array("E 0 -5 0\n".utf8),
            [4] + Array("need\nF 1\nLinux\nE x\n".utf8), [4] + Array("F 99999999999999999999\n".utf8), [4] + Array("F 3\nLinux\n".utf8),
            [4] + Array(repeating: 0x45, count: 10000),
            [2] + Array("service\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n".utf8),
            [2] + Array("service\tw\t\t\t\t99999999999999999999\t-1\t-1\t\t\t\t\t\t\t1e999\t\n".utf8),
            [0] + Array("kind: [\n".utf8), [0] + Array("a: &a [*a, *a]\n".utf8), [1] + Array("${${${".utf8), [3] + Array("Failed: \u{0}".utf8),
        ]
        for input in hostile { FuzzTargets.run(input) }
    }
}
