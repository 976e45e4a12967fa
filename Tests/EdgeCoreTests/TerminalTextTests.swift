import EdgeCore
import Testing

/// What a node sends is shown, never obeyed by the terminal.
struct TerminalTextTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        ("title\u{1B}]0;owned\u{07}", "title^[]0;owned^G"),
        ("clip\u{1B}]52;c;ZXZpbA==\u{07}", "clip^[]52;c;ZXZpbA==^G"),
        ("up\u{1B}[2Ahidden", "up^[[2Ahidden"),
        ("cr\rover", "cr^Mover"),
        ("a\tb", "a\tb"),
        ("c1\u{9B}31m", "c1\\u{9b}31m"),
        ("del\u{7F}", "del^?"),
    ])
    func controlCharactersAreShownNotObeyed(_ input: String, _ expected: String) {
        #expect(TerminalText.escape(input) == expected)
    }

    @Test func coloursAndNewlinesStayWhenAsked() {
        #expect(TerminalText.escape("\u{1B}[31mred\u{1B}[0m", keepColour: true) == "\u{1B}[31mred\u{1B}[0m")
        #expect(TerminalText.escape("\u{1B}[31mred\u{1B}[2J", keepColour: true) == "\u{1B}[31mred^[[2J")
        #expect(TerminalText.escape("one\ntwo\u{1B}]0;x\u{07}", keepNewlines: true) == "one\ntwo^[]0;x^G")
        #expect(TerminalText.escape("one\ntwo") == "one^Jtwo")
    }
}
