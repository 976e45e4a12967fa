import Foundation

/// A fresh directory under the system temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "edgectl-test") {
        let base = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    /// Writes a file (creating parent directories) and returns its path.
    @discardableResult
    public func write(_ relative: String, _ contents: String, mode: Int? = nil) -> String {
        let full = path + "/" + relative
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! contents.write(toFile: full, atomically: false, encoding: .utf8)
        if let mode { try! FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full) }
        return full
    }

    @discardableResult
    public func mkdir(_ relative: String) -> String {
        let full = path + "/" + relative
        try! FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }

    /// Also runs, once, what `onRemove` registered (a test database to drop).
    public func remove() {
        for cleanup in Cleanups.take(path) { cleanup() }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Something to undo when this directory is removed.
    public func onRemove(_ cleanup: @escaping @Sendable () -> Void) { Cleanups.add(path, cleanup) }
}

private enum Cleanups {
    nonisolated(unsafe) static var byPath: [String: [@Sendable () -> Void]] = [:]
    static let lock = NSLock()

    static func add(_ path: String, _ cleanup: @escaping @Sendable () -> Void) {
        lock.lock()
        byPath[path, default: []].append(cleanup)
        lock.unlock()
    }

    static func take(_ path: String) -> [@Sendable () -> Void] {
        lock.lock()
        defer { lock.unlock() }
        return byPath.removeValue(forKey: path) ?? []
    }
}
