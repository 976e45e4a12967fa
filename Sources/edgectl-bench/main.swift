// A small driver for scripts/bench-*: times EdgeSSH and node primitives against
// real nodes, so benchmarks measure the code paths edgectl uses, outside the CLI.
//
//   edgectl-bench stream ADDRESS IDENTITY FILE [REMOTE-COMMAND]
//       stream a file into a remote command; prints seconds and MB/s
//   edgectl-bench push IDENTITY BUNDLE ADDRESS...
//       push a bundle's release to every node in parallel (missing files only) and activate it;
//       prints wall time, files and payload bytes sent in total
//   edgectl-bench seed STATE DIR NODES SERVICES
//       writes manifests for NODES nodes and SERVICES services into DIR and records them in STATE
//       as applied and observed (every node reachable and converged), without contacting anything,
//       so `edgectl diff --no-refresh` can be measured at fleet sizes no test fleet reaches
import EdgeCore
import EdgeEngine
import EdgeSSH
import EdgeStore
import Foundation

struct AcceptAny: HostKeyVerifying {
    func verify(node: String, key: HostKey) throws {}
}

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(code)
}

func session(_ address: String, _ identity: String) throws -> SSHSession {
    try SSHSession(
        target: SSHTarget(node: address, address: address, user: "root", identityFile: identity),
        options: SSHOptions(connectTimeout: 10, operationTimeout: 120), verifier: AcceptAny())
}

let args = CommandLine.arguments
switch args.count > 1 ? args[1] : "" {
case "stream" where args.count >= 5:
    let remote = args.count > 5 ? args[5] : "cat >/dev/null"
    do {
        let s = try session(args[2], args[3])
        let start = Date()
        let result = try s.stream(file: args[4], into: remote)
        let seconds = Date().timeIntervalSince(start)
        guard result.status == 0 else { fail("remote exit \(result.status): \(result.stderrText)") }
        print(String(format: "%.3f s  %.1f MB/s  (%d bytes)", seconds, Double(s.bytesSent) / 1_000_000 / seconds, s.bytesSent))
    } catch {
        fail("\(error)")
    }
case "push" where args.count >= 5:
    let identity = args[2], bundle = args[3]
    let addresses = Array(args[4...])
    let start = Date()
    let release: Release
    do { release = try BundleScanner.scan(bundle) } catch { fail("\(error.messages)") }
    let results = FanOut.run(addresses, parallel: 32) { address -> Result<PushReport, Error> in
        Result {
            let ops = try NodeOperations(session: try session(address, identity), root: "/var/lib/edgectl")
            let report = try ops.push(release, from: bundle)
            try ops.activate(service: "bench", digest: release.digest)
            return report
        }
    }
    let seconds = Date().timeIntervalSince(start)
    var files = 0
    var bytes: Int64 = 0
    for (address, result) in zip(addresses, results) {
        switch result {
        case .success(let r):
            files += r.filesSent
            bytes += r.bytesSent
        case .failure(let e): fail("\(address): \(e)")
        }
    }
    print(String(format: "%.2f s  %d nodes  %d files  %.2f MB sent", seconds, addresses.count, files, Double(bytes) / 1_000_000))
case "seed" where args.count >= 6:
    let state = args[2], dir = args[3]
    guard let nodeCount = Int(args[4]), let serviceCount = Int(args[5]) else { fail("NODES and SERVICES are numbers", code: 64) }
    do {
        try FileManager.default.createDirectory(atPath: dir + "/bundle", withIntermediateDirectories: true)
        try "#!/bin/sh\nexec sleep 100000\n".write(toFile: dir + "/bundle/run", atomically: true, encoding: .utf8)
        var nodes = ""
        for i in 0..<nodeCount {
            nodes +=
                "apiVersion: edgectl/v1\nkind: Node\nmetadata: {name: n\(i), labels: {shard: s\(i % serviceCount)}}\nspec: {address: 10.\(i / 65536).\(i / 256 % 256).\(i % 256)}\n---\n"
        }
        try nodes.write(toFile: dir + "/nodes.yaml", atomically: true, encoding: .utf8)
        var rest = ""
        for s in 0..<serviceCount {
            rest += "apiVersion: edgectl/v1\nkind: NodeGroup\nmetadata: {name: g\(s)}\nspec: {selector: {matchLabels: {shard: s\(s)}}}\n---\n"
            rest +=
                "apiVersion: edgectl/v1\nkind: Service\nmetadata: {name: svc\(s)}\nspec:\n  bundle: {path: ./bundle}\n  nodeGroups: [g\(s)]\n  run: {command: [./run]}\n---\n"
        }
        try rest.write(toFile: dir + "/services.yaml", atomically: true, encoding: .utf8)
        let store = try StateStore(path: state)
        let inputs = try ManifestInput.collect(paths: [dir], recursive: false) { "" }
        let resources = try ManifestLoader.load(inputs)
        _ = try store.record(DesiredStateDiff.compute(current: [], incoming: resources), by: Actor.current(command: "edgectl-bench seed"))
        let fleet = Fleet(resources)
        var observed: [String: [String: NodeServiceState]] = [:]
        for node in fleet.nodes.keys { observed[node] = [:] }
        for (name, svc) in fleet.services {
            for node in fleet.targets(ofService: name) {
                observed[node]?[name] = NodeServiceState(current: svc.release?.digest, process: .running)
            }
        }
        try store.recordObservations(observed)
        try store.recordContacts(fleet.nodes.keys.map { NodeFacts(node: $0, reachable: true, lastSeen: Date(), lastContact: Date()) })
        print("seeded \(nodeCount) nodes, \(serviceCount) services")
    } catch {
        fail("\(error)")
    }
default:
    fail(
        "usage: edgectl-bench stream ADDRESS IDENTITY FILE [REMOTE-COMMAND] | push IDENTITY BUNDLE ADDRESS... | seed STATE DIR NODES SERVICES",
        code: 64)
}
