import EdgeCore
import Foundation
import TestSupport
import Testing

/// The tar streams edgectl sends to nodes, extracted here by the same tools a node has.
@Suite("Node archives")
struct NodeArchiveTests {
    func extract(_ bytes: [UInt8], in dir: String, tool: [String]) throws -> Int32 {
        let archive = dir + "/../a.tar"
        try Data(bytes).write(to: URL(fileURLWithPath: archive))
        let r = try Shell.run(tool[0], Array(tool.dropFirst()) + ["-xf", archive, "-C", dir])
        return r.status
    }

    @Test(arguments: [["/bin/tar"], ["/bin/busybox", "tar"]])
    func releaseArchiveBuildsHardLinksDirectoriesAndSymlinks(_ tool: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: tool[0]) else { return }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("bundle/bin/run", "#!/bin/sh\n", mode: 0o755)
        dir.write("bundle/etc/conf", "a=1\n", mode: 0o644)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bundle/run", withDestinationPath: "bin/run")
        let release = try BundleScanner.scan(dir.path + "/bundle")
        let root = dir.mkdir("node/root")
        _ = dir.mkdir("node/root/store")
        for entry in release.entries where entry.type == .file {
            let stored = root + "/store/" + NodeLayout.storeName(entry)
            try FileManager.default.copyItem(atPath: dir.path + "/bundle/" + entry.path, toPath: stored)
        }
        let archive = try #require(ReleaseArchive.links(release: release))
        #expect(try extract(archive, in: root, tool: tool) == 0)
        let built = root + "/releases/.tmp-" + release.digest
        #expect(try String(contentsOfFile: built + "/etc/conf", encoding: .utf8) == "a=1\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: built + "/run") == "bin/run")
        let linked = try FileManager.default.attributesOfItem(atPath: built + "/bin/run")
        #expect((linked[.referenceCount] as? Int) == 2, "a hard link to the stored file, not a copy")
    }

    @Test func fileHeadersHaveValidChecksumsAndPadding() throws {
        let header = TarWriter.header(name: "abc-444", mode: 0o444, size: 5)
        #expect(header.count == 512)
        var copy = header
        for i in 148..<156 { copy[i] = UInt8(ascii: " ") }
        let sum = copy.reduce(0) { $0 + Int($1) }
        let recorded = Int(String(decoding: header[148..<154], as: UTF8.self), radix: 8)
        #expect(recorded == sum)
        #expect(TarWriter.padding(forSize: 5).count == 507)
        #expect(TarWriter.padding(forSize: 1024).isEmpty)
    }

    @Test func tooLongPathsFallBackToTheScript() {
        let long = String(repeating: "d", count: 120)
        let release = Release(
            digest: String(repeating: "a", count: 64),
            entries: [
                BundleEntry(path: long, type: .file, mode: 0o644, size: 1, digest: String(repeating: "b", count: 64))
            ])
        #expect(ReleaseArchive.links(release: release) == nil)
    }
}
