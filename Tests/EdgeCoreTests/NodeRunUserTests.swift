import EdgeCore
import Foundation
import TestSupport
import Testing

/// `run.user` is a promise that the service's user never becomes root: nothing root reads,
/// sources or runs on the node is writable by that user, and the service's own arguments
/// reach it word for word (never as options of the tool that drops privileges). Real shells,
/// real files and the real `nobody` user of this machine (the tests run as root); the
/// busybox-only shell has neither setpriv nor su, so it is not among them (a node like it
/// refuses `run.user`, tested on the fleet).
@Suite("run.user on the node: nothing root runs is the service user's")
struct NodeRunUserTests {
    static let shells = NodeLibraryTests.shells.filter { !$0.busyboxOnly }
    static let canRun = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    /// Runs `script` with sh as nobody (what a compromised service could do).
    func asNobody(_ script: String, _ args: [String] = []) throws -> TestSupport.Shell.Result {
        try TestSupport.Shell.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c", script, "sh"] + args)
    }

    /// A node whose test directories nobody can pass through (as a node's /var/lib is), a
    /// directory nobody can write (the service's output), and service "web" running as nobody.
    func started(_ shell: NodeLibraryTests.Shell) throws -> (NodeLibraryTests.Node, NodeShell, String, ServiceUnit) {
        let node = try NodeLibraryTests.Node(shell)
        chmod(node.dir.path, 0o711)
        let out = node.dir.mkdir("out")
        chmod(out, 0o777)
        let session = try node.session()
        try node.release(
            "d1",
            script:
                "#!/bin/sh\nprintf '%s|' \"$@\" > \"$OUT/args.tmp\"; id -un >> \"$OUT/args.tmp\"; mv \"$OUT/args.tmp\" \"$OUT/args\"\nexec sleep 300\n"
        )
        chmod(node.root + "/releases/d1", 0o755)
        chmod(node.root + "/releases", 0o711)
        var spec = ServiceSpec(bundle: BundleSpec(path: "/unused"), run: RunSpec(command: ["./run", "hello", "-n", "-c", "world", "--", "-s"]))
        spec.run.user = "nobody"
        spec.run.env = ["OUT": .text(out)]
        let unit = try ServiceUnit(service: "web", spec: spec, release: "d1", node: "n")
        let reply = try session.call("edge_switch", ["web", "d1", unit.digest, "2"], input: .bytes(unit.file))
        #expect(reply.status == 0, "\(reply.stderrText)")
        return (node, session, out, unit)
    }

    @Test(.enabled(if: canRun), arguments: shells) func theServiceRunsAsItsUserWithItsArgumentsWordForWord(shell: NodeLibraryTests.Shell) throws {
        let (node, session, out, _) = try started(shell)
        #expect(poll(10) { FileManager.default.fileExists(atPath: out + "/args") })
        // util-linux su, given these words after the user, took `-n`, `-c` and `-s` as its own.
        #expect(try String(contentsOfFile: out + "/args", encoding: .utf8) == "hello|-n|-c|world|--|-s|nobody\n")
        #expect(try session.call("edge_stop", ["web", "2"]).status == 0)
        _ = node
    }

    @Test(.enabled(if: canRun), arguments: shells) func suIsGivenTheUserAfterDoubleDash(shell: NodeLibraryTests.Shell) throws {
        // A node without setpriv falls back to su: only su and id on PATH.
        let node = try NodeLibraryTests.Node(shell)
        _ = try node.session()
        let bin = node.dir.mkdir("su-only")
        for tool in ["su", "id"] {
            let path = ["/usr/bin/", "/bin/"].map { $0 + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
            try FileManager.default.createSymbolicLink(atPath: bin + "/" + tool, withDestinationPath: try #require(path))
        }
        let library = node.root + "/lib/node-\(NodeLibrary.digest).sh"
        let run = try TestSupport.Shell.run(
            shell.command[0], Array(shell.command.dropFirst()) + ["-c", ". \"$0\" && edge_as nobody /bin/echo hello -n -c world -s", library],
            environment: ["PATH": bin])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "hello -n -c world -s\n", "\(run.stderr)")
    }

    @Test(.enabled(if: canRun), arguments: shells) func theServiceUserCanWriteNothingRootReadsOrRuns(shell: NodeLibraryTests.Shell) throws {
        let (node, session, out, unit) = try started(shell)
        #expect(poll(10) { FileManager.default.fileExists(atPath: out + "/args") })
        let service = node.root + "/services/web"
        let unitAttributes = try FileManager.default.attributesOfItem(atPath: service + "/unit")
        #expect((unitAttributes[.ownerAccountID] as? Int) == 0, "the unit is root's")
        #expect((unitAttributes[.posixPermissions] as? Int) == 0o600)
        // Every file and directory of the service (but its own config directory) and of the
        // library, the boot script and the root: nobody can write, append to or create in none.
        let probe = """
            for f in "$@"; do
                if [ -d "$f" ]; then
                    if ( : > "$f/planted" ) 2>/dev/null; then echo "created in $f"; fi
                elif ( : >> "$f" ) 2>/dev/null; then echo "wrote $f"; fi
            done
            """
        var paths = [node.root, node.root + "/lib", service]
        for base in [service, node.root + "/lib"] {
            let walk = FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []
            paths += walk.filter { !$0.hasPrefix("config/") }.map { base + "/" + $0 }
        }
        if FileManager.default.fileExists(atPath: node.root + "/boot") { paths.append(node.root + "/boot") }
        #expect(paths.contains(service + "/unit") && paths.contains(service + "/.next") && paths.contains(service + "/config"))
        let written = try asNobody(probe, paths)
        #expect(written.stdout == "", "the service's user could write: \(written.stdout)")

        // What older versions left: the unit chowned to the service's user, who appends to it
        // and kills its process. The supervisor must not source it as root.
        let pwned = out + "/uid"
        chown(service + "/unit", 65534, 65534)
        let appended = try asNobody("echo \"id -u > '\(pwned)'\" >> \"$1\"", [service + "/unit"])
        #expect(appended.status == 0, "\(appended.stderr)")
        let observed = try session.call("edge_observe", ["10485760"])
        let fields = observed.stdoutText.split(separator: "\n").first { $0.hasPrefix("service\tweb\t") }?.split(
            separator: "\t", omittingEmptySubsequences: false)
        #expect(fields.map { $0[8] } == "", "a unit not ours has no digest, so the plan replaces it: \(observed.stdoutText)")
        let child = try String(contentsOfFile: service + "/child", encoding: .utf8).split(separator: " ")[0]
        _ = try TestSupport.Shell.run("/bin/kill", ["-KILL", String(child)])
        #expect(poll(10) { ((try? String(contentsOfFile: service + "/log", encoding: .utf8)) ?? "").contains("not one this edgectl wrote") })
        #expect(!FileManager.default.fileExists(atPath: pwned), "root sourced the user's unit")
        let restart = try session.call("edge_start", ["web"])
        #expect(restart.status == 3 && restart.stderrText.contains("not one this edgectl wrote"), "\(restart.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: pwned))

        // The same unit sent again replaces it, root's again, and the service runs.
        let again = try session.call("edge_switch", ["web", "d1", unit.digest, "2"], input: .bytes(unit.file))
        #expect(again.status == 0, "\(again.stderrText)")
        #expect((try FileManager.default.attributesOfItem(atPath: service + "/unit")[.ownerAccountID] as? Int) == 0)
        #expect(try session.call("edge_stop", ["web", "2"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: pwned))
    }

    @Test(.enabled(if: canRun), arguments: shells) func aUsersConfigDirectoryIsPrunedWithThatUsersRightsOnly(shell: NodeLibraryTests.Shell) throws {
        let (node, session, _, _) = try started(shell)
        #expect(try session.call("edge_stop", ["web", "2"]).status == 0)
        // An old unit's config directory, the service user's: what it holds goes, but a file
        // the user could not delete stays (root's rm would have taken it: a race could point
        // root's rm anywhere).
        let old = node.root + "/services/web/config/old-unit"
        try FileManager.default.createDirectory(atPath: old + "/rootsdir", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: old + "/rootsdir/keep", contents: Data())
        _ = FileManager.default.createFile(atPath: old + "/users-file", contents: Data())
        chown(old, 65534, 65534)
        chown(old + "/users-file", 65534, 65534)
        #expect(try session.call("edge_config_prune", [node.root + "/services/web"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: old + "/users-file"))
        #expect(FileManager.default.fileExists(atPath: old + "/rootsdir/keep"), "removed with root's rights")
        // One of ours goes whole.
        let mine = node.root + "/services/web/config/old-mine"
        try FileManager.default.createDirectory(atPath: mine + "/sub", withIntermediateDirectories: true)
        #expect(try session.call("edge_config_prune", [node.root + "/services/web"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: mine))
    }
}
