/// The naming rules of the SPEC: DNS labels for names, Kubernetes syntax for labels.
/// Each check returns a sentence saying what is wrong, or nil.
public enum Names {
    /// `metadata.name`: lowercase letters, digits and `-`, starting and ending alphanumeric, at most 63.
    public static func dnsLabelProblem(_ name: String) -> String? {
        if name.isEmpty { return "name must not be empty" }
        if name.utf8.count > 63 { return "name \"\(name)\" is longer than 63 characters" }
        let bytes = Array(name.utf8)
        let ok = bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
        if !ok || !isLowerAlnum(bytes.first!) || !isLowerAlnum(bytes.last!) {
            return "name \"\(name)\" is not a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit)"
        }
        return nil
    }

    /// A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters.
    public static func labelKeyProblem(_ key: String) -> String? {
        var name = Substring(key)
        if let slash = key.lastIndex(of: "/") {
            let prefix = key[..<slash]
            name = key[key.index(after: slash)...]
            if prefix.isEmpty || prefix.utf8.count > 253
                || !prefix.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ dnsLabelProblem(String($0)) == nil })
            {
                return "label key \"\(key)\" has an invalid prefix (a DNS subdomain of at most 253 characters)"
            }
        }
        if name.isEmpty || name.utf8.count > 63 || !isLabelValue(name) {
            return "label key \"\(key)\" is invalid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)"
        }
        return nil
    }

    /// A label value: empty, or at most 63 of letters, digits, `-`, `_`, `.`, alphanumeric at both ends.
    public static func labelValueProblem(_ value: String) -> String? {
        if value.isEmpty { return nil }
        if value.utf8.count > 63 || !isLabelValue(Substring(value)) {
            return "label value \"\(value)\" is invalid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)"
        }
        return nil
    }

    private static func isLabelValue(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        return isAlnum(first) && isAlnum(last)
            && bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    private static func isLowerAlnum(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        isLowerAlnum(b) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }
}
