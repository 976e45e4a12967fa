/// How much edgectl takes from a node, and how much of what a node says it keeps. A node is
/// not trusted to be brief: a broken or hostile one could otherwise fill this machine's memory
/// (one reply per call, many nodes at once) or the state every operator shares. The one place
/// these numbers live; docs/security.md lists them.
public enum NodeLimits {
    /// A line of the protocol's framing: "need", the facts' "F <count>" and each fact, a reply's
    /// end line. The longest the library writes is an OS name; a line longer than this is refused
    /// as soon as that much has arrived without its newline.
    public static let frameLine = 4 << 10
    /// Standard output of an ordinary call: a word, a digest, a few lines.
    public static let callStdout = 1 << 20
    /// Standard output of a call that answers a line per file or per service (the store check,
    /// verify, observe, cleanup): a release of a few hundred thousand files.
    public static let listingStdout = 64 << 20
    /// Standard error of a call. It is only ever quoted in an error (and cut to `storedMessage`
    /// there), so a node announcing more is refused before a byte of it is read.
    public static let callStderr = 1 << 20
    /// Standard error of a streamed call (`exec`, `logs`): the user's command's own, relayed in
    /// pieces as it arrives and never held whole.
    public static let streamStderr = 1 << 30
    /// What an error, a node's `lastError` and an event's message keep of a node's words.
    public static let storedMessage = 4 << 10
    /// A fact about a node (its OS name, architecture, runtime) as kept in the state.
    public static let storedFact = 256
}

/// Text a node controls, cut to a size before it is kept or quoted.
public enum BoundedText {
    /// `text` if it has at most `limit` UTF-8 bytes, else its first `limit` bytes (on a character
    /// boundary) and "… (N bytes cut)". Secrets are masked first: a cut through a secret's value
    /// would leave a piece of it that no mask matches any more.
    public static func cut(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        let masked = Redactor.shared.redact(text)
        let utf8 = masked.utf8
        guard utf8.count > limit else { return masked }
        var end = utf8.index(utf8.startIndex, offsetBy: limit)
        while String.Index(end, within: masked.unicodeScalars) == nil { end = utf8.index(before: end) }
        let kept = String(masked.unicodeScalars[..<end])
        return kept + "… (\(utf8.count - kept.utf8.count) bytes cut)"
    }
}
