import Foundation

/// The tar stream that builds a release directory on a node in one `tar -x`: the directory
/// `releases/.tmp-<digest>` itself (so the node makes it with no `mkdir` of its own), then
/// directories, hard links into the store and symlinks under it (renamed into place by the
/// library's `edge_materialise_tar`).
public enum ReleaseArchive {
    /// The archive, extracted at the node's root. Nil when a path is too long for ustar;
    /// `edge_materialise` (entry by entry) is the fallback. Every node of a rollout gets the
    /// same bytes: made once per release and kept for the few releases a run sends.
    public static func links(release: Release) -> [UInt8]? {
        if let made = cache.archive(release.digest) { return made }
        let made = build(release)
        cache.keep(made, for: release.digest)
        return made
    }

    private static let cache = Cache()

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var archives: [String: [UInt8]?] = [:]

        func archive(_ digest: String) -> [UInt8]?? { lock.withLock { archives[digest] } }

        func keep(_ archive: [UInt8]?, for digest: String) {
            lock.withLock {
                if archives.count >= 8 { archives.removeAll() }
                archives[digest] = archive
            }
        }
    }

    private static func build(_ release: Release) -> [UInt8]? {
        let base = "releases/.tmp-" + release.digest
        var out = TarWriter.header(name: base + "/", type: .directory, mode: 0o755, size: 0)
        for entry in release.entries {
            // Split the path so the directory part travels in the prefix field.
            let slash = entry.path.lastIndex(of: "/")
            let dir = slash.map { String(entry.path[..<$0]) }
            let name = slash.map { String(entry.path[entry.path.index(after: $0)...]) } ?? entry.path
            let prefix = dir.map { base + "/" + $0 } ?? base
            switch entry.type {
            case .directory:
                guard TarWriter.fits(name: name, prefix: prefix) else { return nil }
                out += TarWriter.header(name: name, prefix: prefix, type: .directory, mode: 0o755, size: 0)
            case .file:
                let link = "store/" + NodeLayout.storeName(entry)
                guard TarWriter.fits(name: name, prefix: prefix, linkName: link) else { return nil }
                out += TarWriter.header(
                    name: name, prefix: prefix, type: .hardLink, linkName: link, mode: NodeLayout.readOnlyMode(entry.mode), size: 0)
            case .symlink:
                let target = entry.target ?? ""
                guard TarWriter.fits(name: name, prefix: prefix, linkName: target) else { return nil }
                out += TarWriter.header(name: name, prefix: prefix, type: .symlink, linkName: target, mode: 0o777, size: 0)
            }
        }
        return out + TarWriter.trailer
    }
}
