/// The rules for field values that reach a node, in one place: the manifest parser applies
/// them with a position, and `StoredValues` applies them again to what is read back from
/// the state (which someone else may have written) before it reaches a node.
public enum FieldRules {
    public static let ports = 1...65535

    /// A SHA-256 in lowercase hex: release and file digests, which become paths on nodes.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// What useradd accepts (and systemd's `User=`): no spaces, quotes or shell syntax.
    public static func isUserName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32 && name.first != "-"
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }

    /// Whether `name` is an environment variable's name (letters, digits, `_`, not first a digit).
    public static func isEnvName(_ name: String) -> Bool {
        !name.isEmpty && !name.first!.isNumber && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// Why `key` cannot be an environment variable of a service, or nil.
    public static func envKeyProblem(_ key: String) -> String? {
        if !isEnvName(key) {
            return "\"\(key)\" is not a valid environment variable name"
        }
        if key.hasPrefix("EDGE_") { return "\"\(key)\" is reserved (edgectl sets EDGE_NODE, EDGE_SERVICE, EDGE_RELEASE)" }
        return nil
    }

    /// An HTTP health path: it goes into a request line as it is.
    public static func isHTTPPath(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.unicodeScalars.contains { $0 == " " || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// Whether a name holds a control character (a newline would split a line-based reply,
    /// an escape sequence would act on a terminal).
    public static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    /// A relative path that stays where it is put: no `..`, `.` or empty parts, no control
    /// characters, at most `maxBytes` (99: a ustar name, no long-name records).
    public static func isRelativePath(_ path: String, maxBytes: Int = 4096) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !path.isEmpty && path.utf8.count <= maxBytes && !path.hasPrefix("/") && !parts.contains("..")
            && !parts.contains("") && !parts.contains(".") && !hasControlCharacter(path)
    }

    /// A config file's mode: permission bits only, readable by its owner.
    public static func isConfigMode(_ mode: Int) -> Bool { mode & ~0o777 == 0 && mode & 0o400 != 0 }

    /// `spec.root` normalised (`//`, `/./x/..`), or nil when it is not absolute, is `/` once
    /// normalised, or holds a control character: the check is on the directory edgectl will
    /// really own and clean up, not on how it was spelled.
    public static func normalisedRoot(_ root: String) -> String? {
        let parts = root.split(separator: "/", omittingEmptySubsequences: true).reduce(into: [Substring]()) { kept, part in
            if part == ".." { _ = kept.popLast() } else if part != "." { kept.append(part) }
        }
        guard root.hasPrefix("/"), !parts.isEmpty, !hasControlCharacter(root) else { return nil }
        return "/" + parts.joined(separator: "/")
    }
}
