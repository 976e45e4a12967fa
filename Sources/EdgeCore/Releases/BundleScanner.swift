import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Walks a bundle directory, checks that it holds only what can be shipped
/// safely, and computes its release digest.
public enum BundleScanner {
    /// The mode a bundle entry gets on a node, whatever the checkout had: directories 0755,
    /// files 0755 or 0644 by the owner's execute bit. No setuid/setgid/sticky bits, and nothing
    /// writable by group or others (a checkout under umask 002 or 000 would otherwise let any
    /// user on the node change a service's files).
    public static func normalized(_ mode: UInt32, directory: Bool) -> UInt32 {
        directory || mode & 0o100 != 0 ? 0o755 : 0o644
    }

    /// Problems that make a directory unusable as a bundle, one sentence each.
    public struct Problems: Error, Sendable {
        public var messages: [String]
    }

    /// Scans `root` and returns the release, or every problem found.
    ///
    /// Files are hashed in 1 MiB chunks, so memory stays flat whatever the
    /// bundle's size and hashing runs at disk/CPU speed.
    public static func scan(_ root: String) throws(Problems) -> Release {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw Problems(messages: ["bundle path \"\(root)\" does not exist"])
        }
        guard isDirectory.boolValue else {
            throw Problems(messages: ["bundle path \"\(root)\" is not a directory"])
        }
        var entries: [BundleEntry] = []
        var problems: [String] = []
        walk(root: root, relative: "", into: &entries, problems: &problems)
        let links = Dictionary(entries.compactMap { $0.type == .symlink ? ($0.path, $0.target ?? "") : nil }) { a, _ in a }
        for (link, target) in links.sorted(by: { $0.key < $1.key }) where !resolvesInside(link: link, links: links) {
            problems.append("bundle symlink \"\(link)\" points outside the bundle through its links (-> \(target))")
        }
        if !problems.isEmpty { throw Problems(messages: problems) }
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return Release(digest: digest(of: entries), entries: entries)
    }

    /// The release digest of already-described entries (sorted by path bytes).
    public static func digest(of entries: [BundleEntry]) -> String {
        var hasher = SHA256()
        for entry in entries {
            let fields: [String]
            switch entry.type {
            case .file: fields = ["F", String(entry.mode, radix: 8), entry.digest ?? "", entry.path]
            case .directory: fields = ["D", String(entry.mode, radix: 8), entry.path]
            case .symlink: fields = ["L", entry.target ?? "", entry.path]
            }
            for field in fields {
                hasher.update(data: Data(field.utf8))
                hasher.update(data: Data([0]))
            }
        }
        return hex(hasher.finalize())
    }

    private static func walk(root: String, relative: String, into entries: inout [BundleEntry], problems: inout [String]) {
        let directory = relative.isEmpty ? root : root + "/" + relative
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            problems.append("cannot read \"\(directory)\": \(error.localizedDescription)")
            return
        }
        for name in names {
            let rel = relative.isEmpty ? name : relative + "/" + name
            let full = root + "/" + rel
            // A newline would split every line-based listing of the release, an escape act on a terminal.
            if FieldRules.hasControlCharacter(name) {
                problems.append("bundle entry \"\(TerminalText.escape(rel))\" has a control character in its name")
                continue
            }
            var info = stat()
            guard lstat(full, &info) == 0 else {
                problems.append("cannot stat \"\(rel)\" in bundle: \(String(cString: strerror(errno)))")
                continue
            }
            let mode = BundleScanner.normalized(UInt32(info.st_mode) & 0o7777, directory: UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFDIR))
            switch UInt32(info.st_mode) & UInt32(S_IFMT) {
            case UInt32(S_IFREG):
                do {
                    let digest = try hashFile(full)
                    entries.append(BundleEntry(path: rel, type: .file, mode: mode, size: Int64(info.st_size), digest: digest))
                } catch {
                    problems.append("cannot read \"\(rel)\" in bundle: \(error)")
                }
            case UInt32(S_IFDIR):
                entries.append(BundleEntry(path: rel, type: .directory, mode: mode))
                walk(root: root, relative: rel, into: &entries, problems: &problems)
            case UInt32(S_IFLNK):
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? ""
                if staysInside(link: rel, target: target) {
                    entries.append(BundleEntry(path: rel, type: .symlink, mode: 0, target: target))
                } else {
                    problems.append("bundle symlink \"\(rel)\" points outside the bundle (-> \(target))")
                }
            default:
                problems.append("bundle entry \"\(rel)\" is not a regular file, directory or symlink")
            }
        }
    }

    /// Whether a link's target, resolved lexically from the link's directory, stays within the bundle.
    static func staysInside(link: String, target: String) -> Bool {
        if target.isEmpty || target.hasPrefix("/") { return false }
        var depth = link.split(separator: "/").count - 1
        for component in target.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": depth -= 1
            default: depth += 1
            }
            if depth < 0 { return false }
        }
        return true
    }

    /// Whether `link`, followed as the node's kernel will follow it (through the bundle's own
    /// links, a `..` after a link applying to where the link leads), stays within the bundle.
    /// Each link passes `staysInside` on its own, yet `a/b/s -> ../..` with `a/b/t ->
    /// s/../../../etc/passwd` leads out; so the whole path is resolved, link by link.
    /// A path that leaves the bundle's entries (a name the bundle lacks) stays inside: what the
    /// service creates there later is inside the release too. Too many links (a loop) is outside.
    static func resolvesInside(link: String, links: [String: String]) -> Bool {
        var resolved: [Substring] = []
        var pending: [Substring] = Array(link.split(separator: "/"))
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            switch component {
            case ".": continue
            case "..":
                if resolved.isEmpty { return false }
                resolved.removeLast()
            default:
                resolved.append(component)
                guard let target = links[resolved.joined(separator: "/")] else { continue }
                hops += 1
                if hops > 40 || target.isEmpty || target.hasPrefix("/") { return false }
                resolved.removeLast()
                pending = target.split(separator: "/") + pending
            }
        }
        return true
    }

    /// SHA-256 of a file, streamed in 1 MiB chunks.
    public static func hashFile(_ path: String) throws -> String {
        let fd = try BundleFile.openRegular(path)
        defer { close(fd) }
        var hasher = SHA256()
        let size = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return hex(hasher.finalize())
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let table: [Character] = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(64)
        for byte in digest {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0xf)])
        }
        return out
    }
}
