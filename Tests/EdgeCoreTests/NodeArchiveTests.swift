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

    /// A file past 8 GiB (a sparse one: nothing is written to disk) streams with its size in
    /// base-256: the node's tar reads exactly its bytes and finds the member after it. In octal
    /// the size would overflow its field and the rest of the file would be read as headers.
    @Test(arguments: [["/bin/tar"], ["/bin/busybox", "tar"]])
    func aFilePastEightGiBKeepsTheStreamInStep(_ tool: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: tool[0]) else { return }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let size: Int64 = (8 << 30) + 5
        let big = dir.path + "/big"
        let fd = open(big, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(ftruncate(fd, off_t(size)) == 0)
        #expect(pwrite(fd, "tail!", 5, off_t(size - 5)) == 5)
        let out = dir.mkdir("out")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool[0])
        process.arguments = Array(tool.dropFirst()) + ["-xf", "-", "-C", out, "after"]
        let input = Pipe()
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        let sink = input.fileHandleForWriting.fileDescriptor
        func send(_ bytes: UnsafeRawBufferPointer) {
            var offset = 0
            while offset < bytes.count {
                let n = write(sink, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                offset += n
            }
        }
        let header = TarWriter.header(name: "big", mode: 0o444, size: size)
        #expect(header[124] == 0x80, "the size field is base-256")
        header.withUnsafeBytes { send($0) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while offset < size {
            let n = pread(fd, buffer.baseAddress, min(buffer.count, Int(size - offset)), off_t(offset))
            guard n > 0 else { break }
            send(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            offset += Int64(n)
        }
        for bytes in [
            TarWriter.padding(forSize: size), TarWriter.header(name: "after", mode: 0o644, size: 3), Array("ok\n".utf8),
            TarWriter.padding(forSize: 3), TarWriter.trailer,
        ] {
            bytes.withUnsafeBytes { send($0) }
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect((try? String(contentsOfFile: out + "/after", encoding: .utf8)) == "ok\n", "the member after the big file is read in step")
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
