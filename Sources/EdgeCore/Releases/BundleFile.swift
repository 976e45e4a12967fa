import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Opens a bundle file for reading only if it still is a regular file: a file swapped after
/// the scan for a FIFO (whose `open` would block until a writer comes), a device or a
/// symbolic link is refused with the reason, instead of hanging a push or reading through a link.
public enum BundleFile {
    public struct Changed: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path) \(reason); re-apply the service" }
    }

    /// A descriptor to read `path` from (blocking reads); the caller closes it.
    public static func openRegular(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "is now a symbolic link" : "cannot be read (\(String(cString: strerror(errno))))"
            throw Changed(path: path, reason: reason)
        }
        var info = stat()
        guard fstat(fd, &info) == 0, UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else {
            close(fd)
            throw Changed(path: path, reason: "is no longer a regular file")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }
}
