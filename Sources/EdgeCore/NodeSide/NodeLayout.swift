/// Where edgectl keeps things under a node's `root`.
///
/// ```
/// store/<sha256>-<mode>          received files, content-addressed, read-only
/// store/.incoming/               a transfer in progress (verified before promotion)
/// releases/<digest>/             a release: hard links into store/, directories, symlinks
/// services/<name>/current        -> ../../releases/<digest> (SPEC; switched atomically)
/// services/<name>/previous       -> the release before, for rollback without transfer
/// services/<name>/history        activated digests, newest last (what to keep)
/// services/<name>/pid            "<pid> <start time>" of the running process
/// services/<name>/log            its output, capped
/// services/<name>/activated      touched at activation: drift is a release file newer than this
/// ```
public struct NodeLayout: Sendable {
    public var root: String

    public init(root: String) { self.root = root }

    public var store: String { root + "/store" }
    public var incoming: String { root + "/store/.incoming" }
    public var releases: String { root + "/releases" }
    public func release(_ digest: String) -> String { releases + "/" + digest }
    public func service(_ name: String) -> String { root + "/services/" + name }

    /// The store name of a file: its content digest and its mode (hard links share a mode,
    /// so the same bytes with another mode are another stored file). Write bits are dropped:
    /// stored and released files are read-only.
    public static func storeName(_ entry: BundleEntry) -> String {
        "\(entry.digest ?? "")-\(String(readOnlyMode(entry.mode), radix: 8))"
    }

    /// Stored files are read-only (a hand edit on the node shows as drift), never setuid/setgid.
    public static func readOnlyMode(_ mode: UInt32) -> UInt32 { mode & 0o555 }

    /// The link text of `current`/`previous` for a release.
    public static func linkTarget(_ digest: String) -> String { "../../releases/" + digest }
}
