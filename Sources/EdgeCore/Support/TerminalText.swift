/// Text a node controls (its OS name, a command's stderr, a service's log lines) made safe to
/// print: control characters are shown as `^X` / `\u{…}` instead of being obeyed, so a node
/// cannot move the cursor, retitle the terminal, write to the clipboard (OSC 52) or hide lines.
public enum TerminalText {
    /// - Parameters:
    ///   - keepNewlines: leave `\n` (multi-line messages).
    ///   - keepColour: leave SGR colour sequences (`ESC [ … m`), which only colour text
    ///     (a service's coloured log lines on a terminal).
    public static func escape(_ text: String, keepNewlines: Bool = false, keepColour: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "\n" && keepNewlines || s == "\t" {
                out.unicodeScalars.append(s)
            } else if s == "\u{1B}" && keepColour, let end = sgrEnd(scalars, from: i) {
                out.unicodeScalars.append(contentsOf: scalars[i...end])
                i = end
            } else if isControl(s) {
                out += s.value < 0x20 ? "^" + String(UnicodeScalar(s.value + 0x40)!) : (s.value == 0x7F ? "^?" : "\\u{\(String(s.value, radix: 16))}")
            } else {
                out.unicodeScalars.append(s)
            }
            i += 1
        }
        return out
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 && s != "\t" || s.value == 0x7F || (0x80...0x9F).contains(s.value)
    }

    /// The index of the `m` ending an SGR sequence `ESC [ digits;… m` starting at `start`.
    static func sgrEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard start + 1 < scalars.count, scalars[start + 1] == "[" else { return nil }
        var j = start + 2
        while j < scalars.count, j - start < 32 {
            let c = scalars[j]
            if c == "m" { return j }
            guard ("0"..."9").contains(c) || c == ";" else { return nil }
            j += 1
        }
        return nil
    }
}
