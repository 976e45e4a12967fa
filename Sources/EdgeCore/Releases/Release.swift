/// One entry of a bundle, as it will be materialised on a node.
public struct BundleEntry: Sendable, Hashable, Codable {
    public enum EntryType: String, Sendable, Hashable, Codable {
        case file, directory, symlink
    }
    /// Relative to the bundle root, `/`-separated, never starting with `/` or containing `..`.
    public var path: String
    public var type: EntryType
    /// Permission bits (`0o7777` mask); 0 for symlinks.
    public var mode: UInt32
    public var size: Int64
    /// SHA-256 of the contents (hex) for files; nil otherwise.
    public var digest: String?
    /// The link text for symlinks.
    public var target: String?

    public init(path: String, type: EntryType, mode: UInt32, size: Int64 = 0, digest: String? = nil, target: String? = nil) {
        self.path = path
        self.type = type
        self.mode = mode
        self.size = size
        self.digest = digest
        self.target = target
    }
}

/// A release: a bundle's content identified by one digest.
///
/// The digest covers relative paths, modes, file contents and symlink
/// targets, and nothing else (no mtimes, owners or walk order), so the same
/// bundle checked out anywhere is the same release, and any meaningful change
/// is a new one.
public struct Release: Sendable, Hashable, Codable {
    public var digest: String
    public var entries: [BundleEntry]

    public init(digest: String, entries: [BundleEntry]) {
        self.digest = digest
        self.entries = entries
    }

    public var shortDigest: String { String(digest.prefix(12)) }
    public var fileCount: Int { entries.filter { $0.type == .file }.count }
    public var totalSize: Int64 { entries.reduce(0) { $0 + $1.size } }
}
