import EdgeStore
import Foundation
import TestSupport
import Testing

/// The built binary, as scripts see it: exit codes, JSON shapes, state left alone on bad input.
@Suite("CLI")
final class CLITests {
    /// The example fleet, with every node pointed at a closed local port: apply records the
    /// desired state, finds every node unreachable (exit 75), and never touches a real fleet.
    /// A copy per test (each test has its own instance), removed when it ends.
    let fleet = unreachableFleet()
    var manifests: String { fleet.manifests }
    deinit { fleet.dir.remove() }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func applyGetAndDiffExitCodes() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        let diff1 = try Edgectl.run(["diff", "-f", manifests, "--no-refresh"], state: state)
        #expect(diff1.status == 1, "differences found → 1")
        #expect(diff1.stdout.contains("+ service/hello"))
        let dry = try Edgectl.run(["apply", "-f", manifests, "--dry-run"], state: state)
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("11 to create"))
        let apply = try Edgectl.run(["apply", "-f", manifests], state: state)
        #expect(apply.status == 75, "unreachable nodes stay pending: \(apply.stderr)")
        #expect(apply.stdout.contains("service/hello created (revision 1"))
        #expect(apply.stderr.contains("pending"))
        let diff2 = try Edgectl.run(["diff", "-f", manifests, "--no-refresh"], state: state)
        #expect(diff2.status == 0, "no differences → 0")
        let again = try Edgectl.run(["apply", "-f", manifests], state: state)
        #expect(again.stdout.contains("service/hello unchanged"))
    }

    /// A state row changed behind edgectl's back (a release digest that is a path, a service
    /// name that climbs out, an environment key with a newline, a file list that is not its
    /// release) never reaches a node: the command fails before contacting any, naming the
    /// resource and what is wrong; `get` still shows it and `apply` replaces it.
    @Test func valuesChangedInTheStateAreCheckedBeforeTheyReachANode() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        try Edgectl.run(["apply", "-f", manifests], state: state)
        let store = try StateStore(path: state)
        let contacted = { try store.nodeFacts().values.compactMap(\.lastContact).max() }
        let spec: String = try #require(try store.read { try $0.value(sql: "SELECT spec FROM resource WHERE name = 'hello'", arguments: []) })
        var object = try #require(try JSONSerialization.jsonObject(with: Data(spec.utf8)) as? [String: Any])
        var run = try #require(object["run"] as? [String: Any])
        run["env"] = ["X\nrm -rf /": "1"]
        object["run"] = run
        let hostile = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let cases: [(sql: String, expect: String, restore: String?)] = [
            (
                "UPDATE resource SET release = '../../etc' WHERE name = 'hello'", "service/hello: its release \"../../etc\" is not a SHA-256 digest",
                nil
            ),
            (
                "UPDATE resource SET name = '..' WHERE name = 'hello'", "service/..: name \"..\" is not a DNS label",
                "UPDATE resource SET name = 'hello' WHERE name = '..'"
            ),
            (
                "UPDATE resource SET spec = '\(hostile.replacingOccurrences(of: "'", with: "''"))' WHERE name = 'hello'",
                "run.env: \"X^Jrm -rf /\" is not a valid environment variable name", nil
            ),
        ]
        for (sql, expect, restore) in cases {
            let before = try contacted()
            try store.write { try $0.execute(sql: sql, arguments: []) }
            for command in [["reconcile"], ["logs", "hello", "--tail", "1"]] where !(command[0] == "logs" && sql.contains("name = '..'")) {
                let result = try Edgectl.run(command, state: state)
                #expect(result.status == 1, "\(command): \(result.stderr)")
                #expect(result.stderr.contains(expect), "\(command): \(result.stderr)")
                #expect(result.stderr.contains("no node was contacted"), "\(result.stderr)")
            }
            #expect(try contacted() == before, "no node was contacted")
            #expect(try Edgectl.run(["get", "services"], state: state).status == 0, "get still shows the state")
            if let restore {
                try store.write { try $0.execute(sql: restore, arguments: []) }
            } else {
                let replaced = try Edgectl.run(["apply", "-f", manifests], state: state)
                #expect(replaced.stdout.contains("service/hello configured"), "apply replaces it: \(replaced.stdout)")
            }
            #expect(try Edgectl.run(["diff", "-f", manifests, "--no-refresh"], state: state).status == 0)
        }
        // The file list of a release must be that release.
        let digest: String = try #require(try store.read { try $0.value(sql: "SELECT release FROM resource WHERE name = 'hello'", arguments: []) })
        try store.write {
            try $0.execute(
                sql: "UPDATE release SET entries = replace(entries, '\"path\":\"', '\"path\":\"..\\/') WHERE digest = ?", arguments: [digest])
        }
        let refused = #expect(throws: (any Error).self) { try store.releaseEntries(digest: digest) }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("is not that release"), "\(String(describing: refused))")
    }

    @Test func getJSONShapes() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        try Edgectl.run(["apply", "-f", manifests], state: state)
        for kind in ["nodes", "nodegroups", "services", "releases", "events"] {
            let result = try Edgectl.run(["get", kind, "-o", "json"], state: state)
            #expect(result.status == 0)
            let items = try #require(try json(result.stdout)["items"] as? [[String: Any]])
            #expect(!items.isEmpty, "\(kind)")
            for item in items {
                #expect(item["apiVersion"] as? String == "edgectl/v1")
                #expect(item["kind"] is String)
                #expect((item["metadata"] as? [String: Any])?["name"] is String)
                #expect(item["spec"] is [String: Any])
                #expect(item["status"] is [String: Any])
            }
        }
        let nodes = try json(try Edgectl.run(["get", "nodes", "-l", "site=munich", "-o", "json"], state: state).stdout)
        let names = (nodes["items"] as? [[String: Any]])?.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        #expect(names == ["edge-4", "edge-5", "edge-6"])
        let node = try #require((nodes["items"] as? [[String: Any]])?.first)
        #expect((node["spec"] as? [String: Any])?["port"] as? Int == 1)
        let status = try #require(node["status"] as? [String: Any])
        #expect(status["reachable"] as? Bool == false)
        #expect(status["lastSeen"] is NSNull)
        let service = try json(try Edgectl.run(["get", "services", "hello", "-o", "json"], state: state).stdout)
        let svc = try #require((service["items"] as? [[String: Any]])?.first)
        #expect((svc["status"] as? [String: Any])?["revision"] as? Int == 1)
        #expect(((svc["status"] as? [String: Any])?["release"] as? String)?.count == 64)
        let yaml = try Edgectl.run(["get", "services", "hello", "-o", "yaml"], state: state)
        #expect(yaml.stdout.contains("kind: Service"))
        let name = try Edgectl.run(["get", "nodegroups", "-o", "name"], state: state)
        #expect(name.stdout == "nodegroup/berlin\nnodegroup/canary\nnodegroup/munich\n")
    }

    @Test func invalidManifestsExit65AndLeaveTheStateAsItWas() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        try Edgectl.run(["apply", "-f", manifests], state: state)
        // Every row of every table: the state's content whether or not SQLite has moved its
        // write-ahead log into the main file yet (which a reader's close may do).
        func content() throws -> [String] {
            let store = try StateStore(path: state)
            return try store.read { db in
                let tables = try db.rows(sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", arguments: [])
                return try tables.flatMap { table -> [String] in
                    let name: String = table["name"]
                    return try db.rows(sql: "SELECT * FROM \"\(name)\" ORDER BY rowid", arguments: []).map { "\(name): \($0.values)" }
                }
            }
        }
        let before = try content()
        #expect(before.count > 10)
        let bad = dir.write("bad.yaml", "apiVersion: edgectl/v1\nkind: Node\nmetadata: {name: edge-1}\nspec: {address: x, port: many}\n")
        let result = try Edgectl.run(["apply", "-f", bad], state: state)
        #expect(result.status == 65)
        #expect(result.stderr.contains("bad.yaml:4:26: error: spec.port must be an integer"))
        #expect(result.stderr.contains("nothing was changed"))
        #expect(try content() == before)
        let mixed = try Edgectl.run(["apply", "-f", manifests, "-f", bad], state: state)
        #expect(mixed.status == 65)
        #expect(try content() == before)
    }

    @Test func badCommandLineExits64() throws {
        #expect(try Edgectl.run(["get", "widgets"], state: "/nonexistent/x.db").status == 64)
        #expect(try Edgectl.run(["apply"], state: "/nonexistent/x.db").status == 64)
        #expect(try Edgectl.run(["apply", "-f", "x", "--frobnicate"], state: "/nonexistent/x.db").status == 64)
        #expect(try Edgectl.run(["get", "nodes", "-o", "xml"], state: "/nonexistent/x.db").status == 64)
        #expect(try Edgectl.run(["get", "nodes", "-l", "bad key"], state: "/tmp/edgectl-x-\(getpid()).db").status == 64)
        // exec must be told where and what; logs takes a service and a sane --tail.
        let noTarget = try Edgectl.run(["exec", "--", "uptime"], state: "/nonexistent/x.db")
        #expect(noTarget.status == 64 && noTarget.stderr.contains("--node N, --group G, -l SELECTOR, or --all"), "\(noTarget.stderr)")
        #expect(try Edgectl.run(["exec", "--all"], state: "/nonexistent/x.db").status == 64)
        #expect(try Edgectl.run(["exec", "--all", "--node", "a", "--", "true"], state: "/nonexistent/x.db").status == 64)
        #expect(try Edgectl.run(["exec", "--all", "--timeout", "0", "--", "true"], state: "/nonexistent/x.db").status == 64)
        #expect(try Edgectl.run(["logs", "node/x"], state: "/nonexistent/x.db").status == 64)
        #expect(try Edgectl.run(["logs", "web", "--tail", "-3"], state: "/nonexistent/x.db").status == 64)
        #expect(try Edgectl.run(["status", "--watch", "--interval", "0"], state: "/nonexistent/x.db").status == 64)
        try? FileManager.default.removeItem(atPath: "/tmp/edgectl-x-\(getpid()).db")
    }

    @Test func deleteAndReferences() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        try Edgectl.run(["apply", "-f", manifests], state: state)
        let refused = try Edgectl.run(["delete", "node", "edge-1"], state: state)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("nodegroup/canary still lists node/edge-1"))
        let deleted = try Edgectl.run(["delete", "service", "clock"], state: state)
        #expect(deleted.status == 0)
        #expect(deleted.stdout.contains("service/clock deleted"))
        #expect(try Edgectl.run(["get", "services", "clock"], state: state).status == 1)
        let events = try Edgectl.run(["get", "events", "--for", "service/clock"], state: state)
        #expect(events.stdout.contains("Deleted"))
        let byFile = try Edgectl.run(["delete", "-f", manifests + "/services.yaml"], state: state)
        #expect(byFile.stdout.contains("service/hello deleted"))
    }

    @Test func pruneDeletesWhatTheFilesNoLongerHold() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        let two =
            "apiVersion: edgectl/v1\nkind: Node\nmetadata: {name: a}\nspec: {address: x}\n---\napiVersion: edgectl/v1\nkind: Node\nmetadata: {name: b}\nspec: {address: y}\n"
        let file = dir.write("n.yaml", two)
        try Edgectl.run(["apply", "-f", file], state: state)
        dir.write("n.yaml", String(two.prefix(while: { $0 != "-" })))
        let noPrune = try Edgectl.run(["apply", "-f", file], state: state)
        #expect(!noPrune.stdout.contains("deleted"))
        let prune = try Edgectl.run(["apply", "-f", file, "--prune"], state: state)
        #expect(prune.stdout.contains("node/b deleted"))
    }

    @Test func helpHasExamplesAndVersionPrints() throws {
        for command in ["apply", "diff", "get", "describe", "delete", "completion", "status", "logs", "exec", "reconcile", "rollout"] {
            let help = try Edgectl.run([command, "--help"], state: nil)
            #expect(help.status == 0)
            #expect(help.stdout.contains("Examples:"), "\(command) --help has examples")
        }
        #expect(try Edgectl.run(["--version"], state: nil).stdout.hasPrefix("edgectl "))
    }

    @Test func logsAndExecNameWhatIsUnknownOrUnreachable() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        _ = try Edgectl.run(["apply", "-f", manifests], state: state)
        let unknown = try Edgectl.run(["logs", "service/nosuch"], state: state)
        #expect(unknown.status == 1 && unknown.stderr.contains("service/nosuch not found"), "\(unknown.stderr)")
        // clock runs on the munich group only.
        let stranger = try Edgectl.run(["logs", "clock", "--node", "edge-1"], state: state)
        #expect(stranger.status == 1 && stranger.stderr.contains("does not run on node/edge-1"), "\(stranger.stderr)")
        let noGroup = try Edgectl.run(["exec", "--group", "paris", "--", "true"], state: state)
        #expect(noGroup.status == 1 && noGroup.stderr.contains("nodegroup/paris not found"), "\(noGroup.stderr)")
        let none = try Edgectl.run(["exec", "-l", "site=paris", "--", "true"], state: state)
        #expect(none.status == 1 && none.stderr.contains("no node matches -l site=paris"), "\(none.stderr)")

        // Every node is a closed port: nothing ran, each is named, and the run is "try again" (75).
        let unreachable = try Edgectl.run(["exec", "--group", "berlin", "-o", "json", "--connect-timeout", "2", "--", "true"], state: state)
        #expect(unreachable.status == 75, "\(unreachable.stderr)")
        let doc = try json(unreachable.stdout)
        let nodes = try #require(doc["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["node"] as? String } == ["edge-1", "edge-2", "edge-3"])
        #expect(
            nodes.allSatisfy {
                $0["exitCode"] is NSNull && $0["reachable"] as? Bool == false && ($0["error"] as? String)?.contains("connect") == true
            })
        let logs = try Edgectl.run(["logs", "hello", "--connect-timeout", "2"], state: state)
        #expect(logs.status == 75 && logs.stdout.isEmpty, "\(logs.stderr)")
        #expect(logs.stderr.contains("node edge-1"), "\(logs.stderr)")
    }

    @Test func aTerminalGetsALiveLineAndAPipeDoesNot() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        let piped = try Edgectl.run(["apply", "-f", manifests, "--connect-timeout", "1"], state: state)
        #expect(!piped.stderr.contains("\u{1B}"), "no escapes into a pipe")
        // util-linux `script` gives edgectl a pseudo-terminal.
        let command = [Edgectl.binaryPath, "reconcile", "--state", state, "--connect-timeout", "1"].map { "'\($0)'" }.joined(separator: " ")
        let tty = try Shell.run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: ["TERM": "xterm"])
        #expect(tty.status == 75, "\(tty.stdout)")
        #expect(tty.stdout.contains("observing the nodes"), "the live line: \(tty.stdout)")
        #expect(tty.stdout.contains("\r\u{1B}[2K"), "redrawn in place")
        #expect(tty.stdout.contains("incomplete: 6 node(s) unreachable"), "then the summary")
    }

    /// `svc/NAME` was accepted by rollout's validation and then looked up as a service named
    /// "svc/NAME": every command now reads its service the same way.
    @Test func everyServiceCommandTakesEveryAlias() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        _ = try Edgectl.run(["apply", "-f", manifests, "--connect-timeout", "1"], state: state)
        let reference = try Edgectl.run(["rollout", "status", "service/hello", "-o", "json"], state: state)
        for alias in ["svc/hello", "services/hello", "hello"] {
            let run = try Edgectl.run(["rollout", "status", alias, "-o", "json"], state: state)
            #expect(run.status == reference.status && run.stdout == reference.stdout, "\(alias): \(run.stderr)")
            #expect(try Edgectl.run(["rollout", "history", alias], state: state).status == 0, "\(alias)")
            #expect(try Edgectl.run(["get", "endpoints", alias], state: state).status == 0, "\(alias)")
        }
        let wrong = try Edgectl.run(["rollout", "status", "node/edge-1"], state: state)
        #expect(wrong.status == 64 && wrong.stderr.contains("expected service/NAME or NAME"), "\(wrong.stderr)")
        #expect(try Edgectl.run(["logs", "pod/hello"], state: state).stderr.contains("unknown kind \"pod\""))
    }

    @Test func describeShowsObjectAndEvents() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        try Edgectl.run(["apply", "-f", manifests], state: state)
        let out = try Edgectl.run(["describe", "service", "hello"], state: state)
        #expect(out.status == 0)
        #expect(out.stdout.contains("Rollout order:"))
        #expect(out.stdout.contains("1. canary: edge-1"))
        #expect(out.stdout.contains("2. berlin: edge-2, edge-3"))
        #expect(out.stdout.contains("Created"))
        #expect(try Edgectl.run(["describe", "node/edge-4"], state: state).stdout.contains("Services:"))
    }

    @Test(arguments: [("bash", "edgectl.bash"), ("zsh", "_edgectl"), ("fish", "edgectl.fish")])
    func committedCompletionsMatchTheBinary(_ shell: String, _ file: String) throws {
        let generated = try Edgectl.run(["completion", shell], state: nil)
        #expect(generated.status == 0)
        let committed = try String(contentsOfFile: Edgectl.packageRoot + "/completions/" + file, encoding: .utf8)
        #expect(generated.stdout == committed, "completions/\(file) is stale: run scripts/gen-completions")
    }
}

@Suite("CLI: bundles")
struct BundleLocationTests {
    @Test func movingTheBundleIsNoChangeButNewContentIsANewRevision() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        let fleet = unreachableFleet()
        defer { fleet.dir.remove() }
        let manifests = fleet.manifests
        try Edgectl.run(["apply", "-f", manifests], state: state)
        // The same manifests and bundles from another checkout: nothing changes.
        let copy = dir.path + "/checkout"
        try FileManager.default.copyItem(atPath: manifests, toPath: copy)
        let diff = try Edgectl.run(["diff", "-f", copy, "--no-refresh"], state: state)
        #expect(diff.status == 0, "\(diff.stdout)")
        #expect(try Edgectl.run(["apply", "-f", copy], state: state).stdout.contains("service/hello unchanged"))
        // One byte more in the bundle: a new release, a new revision.
        dir.write("checkout/bundles/hello/README", "Hello bundle v2\n")
        let changed = try Edgectl.run(["apply", "-f", copy], state: state)
        #expect(changed.stdout.contains("service/hello configured (revision 2"), "\(changed.stdout)")
        let describe = try Edgectl.run(["describe", "service", "hello"], state: state)
        #expect(describe.stdout.contains(copy + "/bundles/hello"))
    }
}

/// A copy of manifests/ whose nodes all point at 127.0.0.1:1, where nothing listens, in a
/// directory the caller removes.
func unreachableFleet() -> (dir: TemporaryDirectory, manifests: String) {
    let dir = TemporaryDirectory("edgectl-manifests")
    let target = dir.path + "/manifests"
    try! FileManager.default.copyItem(atPath: Edgectl.packageRoot + "/manifests", toPath: target)
    let nodes = target + "/nodes.yaml"
    var text = try! String(contentsOfFile: nodes, encoding: .utf8)
    for i in 11...16 { text = text.replacingOccurrences(of: "address: 10.77.0.\(i)", with: "address: 127.0.0.1\n  port: 1") }
    try! text.write(toFile: nodes, atomically: true, encoding: .utf8)
    return (dir, target)
}
