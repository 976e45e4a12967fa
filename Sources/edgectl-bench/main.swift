// A small driver for scripts/bench-*: times EdgeSSH primitives against a node,
// so benchmarks measure the same code paths edgectl uses, outside the CLI.
//
//   edgectl-bench stream ADDRESS IDENTITY FILE [REMOTE-COMMAND]   prints seconds and MB/s
import EdgeSSH
import Foundation

struct AcceptAny: HostKeyVerifying {
    func verify(node: String, key: HostKey) throws {}
}

let args = CommandLine.arguments
guard args.count >= 5, args[1] == "stream" else {
    FileHandle.standardError.write(Data("usage: edgectl-bench stream ADDRESS IDENTITY FILE [REMOTE-COMMAND]\n".utf8))
    exit(64)
}
let remote = args.count > 5 ? args[5] : "cat >/dev/null"
do {
    let session = try SSHSession(
        target: SSHTarget(node: args[2], address: args[2], user: "root", identityFile: args[3]),
        options: SSHOptions(connectTimeout: 10), verifier: AcceptAny())
    let start = Date()
    let result = try session.stream(file: args[4], into: remote)
    let seconds = Date().timeIntervalSince(start)
    guard result.status == 0 else {
        FileHandle.standardError.write(Data("remote exit \(result.status): \(result.stderrText)\n".utf8))
        exit(1)
    }
    let mb = Double(session.bytesSent) / 1_000_000
    print(String(format: "%.3f s  %.1f MB/s  (%d bytes)", seconds, mb / seconds, session.bytesSent))
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
