import Foundation
import Testing

@testable import EdgeCore

@Suite("A failed attempt's evidence")
struct AttemptFailureTests {
    func parse(_ reply: String, reason: String = "the process exited (nothing listens on port 9100)") -> AttemptFailure {
        AttemptFailure.parse(reply, node: "n1", service: "web", release: "r1", reason: reason)
    }

    @Test(arguments: [
        ("ended exit 3\n", AttemptFailure.Ending.exited(3), "exited with status 3"),
        ("ended signal 9\n", .signalled(9), "killed by SIGKILL (9)"), ("ended signal 64\n", .signalled(64), "killed by signal 64"),
        ("ended running\n", .running, "still running"),
    ])
    func theEndingIsReadAndSaid(_ reply: String, _ ending: AttemptFailure.Ending, _ text: String) {
        let failure = parse(reply)
        #expect(failure.ending == ending)
        #expect(failure.endingText == text)
    }

    @Test func anUnknownOrMissingEndingLeavesTheReasonAlone() {
        for reply in ["", "ended unknown\n", "ended exit x\n", "garbage\n"] {
            let failure = parse(reply)
            #expect(failure.ending == .unknown, "\(reply)")
            #expect(failure.headline == "the process exited (nothing listens on port 9100)")
        }
    }

    /// The service's own last line, not its supervisor's or systemd's words about it.
    @Test func theHeadlineIsTheServicesOwnLastLine() {
        let failure = parse(
            "ended exit 1\nstarting\nerror: unknown long flag '--bogus-flag'\nedgectl: the service exited with status 1; restarting in 1s\n"
                + "edgectl-web.service: Main process exited, code=exited, status=1/FAILURE\n")
        #expect(failure.output.count == 4)
        #expect(failure.lastServiceLine == "error: unknown long flag '--bogus-flag'")
        #expect(failure.headline == "exited with status 1: error: unknown long flag '--bogus-flag'")
        #expect(failure.summary.hasSuffix("; last output: error: unknown long flag '--bogus-flag'"))
    }

    @Test func theOutputIsBoundedToTwentyLinesAndFourKilobytes() {
        let many = (1...100).map { "line \($0)" }.joined(separator: "\n")
        let failure = parse("ended exit 1\n" + many + "\n")
        #expect(failure.output.count == AttemptFailure.maxLines)
        #expect(failure.output.last == "line 100")
        let wide = (1...20).map { _ in String(repeating: "w", count: 3000) }.joined(separator: "\n")
        let cut = parse("ended exit 1\n" + wide)
        #expect(cut.output.joined(separator: "\n").utf8.count <= AttemptFailure.maxBytes)
        #expect(!cut.output.isEmpty)
    }

    @Test func aSecretInTheOutputIsMaskedEvenAcrossLines() {
        Redactor.shared.register("first-half-of-it\nsecond-half-of-it", name: "pem")
        let failure = parse("ended exit 1\nkey: first-half-of-it\nsecond-half-of-it\n")
        #expect(!failure.output.joined(separator: "\n").contains("half-of-it"), "\(failure.output)")
    }
}
