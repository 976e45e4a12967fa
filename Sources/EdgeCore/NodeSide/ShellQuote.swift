/// The one place where values become parts of a remote shell command.
///
/// Everything is single-quoted, with embedded single quotes written as
/// `'\''`. Inside single quotes a POSIX shell interprets nothing: not `$`,
/// backticks, `;`, newlines or a leading `-` (the caller still puts `--`
/// before operands where a command would read them as options).
public enum ShellQuote {
    public static func quote(_ value: String) -> String {
        String(decoding: quote(bytes: Array(value.utf8)), as: UTF8.self)
    }

    /// Byte-exact quoting, for values that are not valid UTF-8 (file names can be any bytes but NUL).
    public static func quote(bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "'")]
        out.reserveCapacity(bytes.count + 2)
        for b in bytes {
            if b == UInt8(ascii: "'") {
                out += Array("'\\''".utf8)
            } else {
                out.append(b)
            }
        }
        out.append(UInt8(ascii: "'"))
        return out
    }

    /// A command line from words, each quoted.
    public static func command(_ words: [String]) -> String {
        words.map(quote).joined(separator: " ")
    }
}
