import Foundation

/// Writes a POSIX ustar stream of regular files, as GNU tar and busybox tar extract it.
///
/// Only what the push needs: flat names (store file names are digests), a
/// mode, a size and the bytes. Headers are built here so files stream from
/// disk straight into the SSH channel without a temporary archive.
public enum TarWriter {
    public static let blockSize = 512

    public enum EntryType: UInt8, Sendable {
        case file = 48  // "0"
        case hardLink = 49  // "1"
        case symlink = 50  // "2"
        case directory = 53  // "5"
    }

    /// Whether a member fits ustar's fields: name ≤ 100 bytes, prefix ≤ 155, link target ≤ 100.
    public static func fits(name: String, prefix: String = "", linkName: String = "") -> Bool {
        name.utf8.count <= 100 && prefix.utf8.count <= 155 && linkName.utf8.count <= 100
    }

    /// The 512-byte header of a member; the path is `prefix/name` when a prefix is given.
    public static func header(
        name: String, prefix: String = "", type: EntryType = .file, linkName: String = "", mode: UInt32, size: Int64,
        mtime: Int64 = 0
    ) -> [UInt8] {
        precondition(fits(name: name, prefix: prefix, linkName: linkName), "tar fields overflow")
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, byte) in text.utf8.prefix(width).enumerated() { block[offset + i] = byte }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            // Past what width-1 octal digits hold (a size of 8 GiB in 12 bytes), the field is
            // base-256 (GNU, star, busybox and libarchive read it): a leading 0x80, then the
            // value big-endian. Octal would overflow into the next field, and the node's tar
            // would read the rest of the file as headers.
            if value >= Int64(1) << (3 * (width - 1)) {
                block[offset] = 0x80
                for i in 0..<(width - 1) { block[offset + width - 1 - i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
                return
            }
            let text = String(value, radix: 8)
            let padded = String(repeating: "0", count: max(0, width - 1 - text.count)) + text
            put(padded, at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(Int64(mode & 0o7777), at: 100, width: 8)
        octal(0, at: 108, width: 8)  // uid
        octal(0, at: 116, width: 8)  // gid
        octal(size, at: 124, width: 12)
        octal(mtime, at: 136, width: 12)
        put("        ", at: 148, width: 8)  // checksum placeholder: spaces
        block[156] = type.rawValue
        put(linkName, at: 157, width: 100)
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        put(prefix, at: 345, width: 155)
        let checksum = block.reduce(0) { $0 + Int64($1) }
        let text = String(checksum, radix: 8)
        put(String(repeating: "0", count: 6 - text.count) + text, at: 148, width: 6)
        block[154] = 0
        block[155] = UInt8(ascii: " ")
        return block
    }

    /// Zero bytes that pad a file's data to a whole block.
    public static func padding(forSize size: Int64) -> [UInt8] {
        let remainder = Int(size % Int64(blockSize))
        return remainder == 0 ? [] : [UInt8](repeating: 0, count: blockSize - remainder)
    }

    /// The two zero blocks that end an archive.
    public static var trailer: [UInt8] { [UInt8](repeating: 0, count: blockSize * 2) }
}
