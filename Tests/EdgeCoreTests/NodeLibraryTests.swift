import Crypto
import EdgeCore
import Foundation
import TestSupport
import Testing

/// The node library (`node/edgectl-node.sh`) and its protocol, run by each shell a node may
/// have: dash (Debian's sh), bash in POSIX mode, and busybox ash with only busybox's tools
/// on PATH. Real shells and real files on this machine; no fleet needed.
@Suite("Node library under dash, bash --posix and busybox ash")
struct NodeLibraryTests {
    struct Shell: CustomTestStringConvertible, Sendable {
        var command: [String]
        var busyboxOnly = false
        var testDescription: String { command.joined(separator: " ") }
    }

    static let shells: [Shell] = [
        Shell(command: ["/bin/dash"]), Shell(command: ["/bin/bash", "--posix"]), Shell(command: ["/bin/busybox", "ash"], busyboxOnly: true),
    ].filter { FileManager.default.isExecutableFile(atPath: $0.command[0]) }

    /// A root whose path needs quoting everywhere, and a session shell on it.
    final class Node {
        let dir = TemporaryDirectory("edgectl-nodelib")
        let root: String
        let shell: Shell
        var sessions: [NodeShell] = []

        init(_ shell: Shell) throws {
            self.shell = shell
            root = dir.path + "/r o'ot $(touch pwned) -x"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            if shell.busyboxOnly {
                let bin = dir.mkdir("bin")
                let applets = try TestSupport.Shell.run("/bin/busybox", ["--list"]).stdout.split(separator: "\n")
                for applet in applets + ["busybox"] {
                    try? FileManager.default.createSymbolicLink(atPath: bin + "/" + applet, withDestinationPath: "/bin/busybox")
                }
            }
        }

        func session(_ extra: [String: String] = [:]) throws -> NodeShell {
            // EDGE_ETC: the boot hook goes to a directory of the test's, never the machine's /etc.
            var environment = ["EDGE_ETC": dir.mkdir("etc")].merging(extra) { $1 }
            if shell.busyboxOnly { environment["PATH"] = dir.path + "/bin" }
            let transport = try LocalShell(shell: shell.command, root: root, environment: environment)
            let session = try NodeShell(node: "local", transport: transport, timeout: 20)
            sessions.append(session)
            return session
        }

        /// Releases d1 and d2 of service "web" (sleepers), and a unit of each.
        func twoReleasesOfWeb() throws -> (ServiceUnit, ServiceUnit) {
            try release("d1", script: "#!/bin/sh\nexec sleep 300\n")
            try release("d2", script: "#!/bin/sh\nexec sleep 301\n")
            let spec = ServiceSpec(bundle: BundleSpec(path: "/unused"), run: RunSpec(command: ["./run"]))
            return (
                try ServiceUnit(service: "web", spec: spec, release: "d1", node: "n"),
                try ServiceUnit(service: "web", spec: spec, release: "d2", node: "n")
            )
        }

        /// Release d1 of `service` running `script` as its only command, switched to through
        /// `session` (grace 2 s); returns its unit.
        @discardableResult
        func start(_ service: String, script: String, in session: NodeShell) throws -> ServiceUnit {
            try release("d1", script: script)
            let unit = try ServiceUnit(
                service: service, spec: ServiceSpec(bundle: BundleSpec(path: "/unused"), run: RunSpec(command: ["./run"])), release: "d1", node: "n")
            #expect(try session.call("edge_switch", [service, "d1", unit.digest, "2"], input: .bytes(unit.file)).status == 0)
            return unit
        }

        /// A release directory made by hand (the store and tar paths are tested on the fleet).
        func release(_ digest: String, script: String) throws {
            let dir = root + "/releases/" + digest
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // Written through a close-on-exec descriptor: a process another test forks meanwhile
            // must not inherit it open for writing, or exec of this script fails (ETXTBSY, 126)
            // for as long as that process lives.
            let fd = open(dir + "/run", O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o755)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(fd) }
            let bytes = Array(script.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { throw POSIXError(.EIO) }
        }

        deinit {
            for session in sessions { session.close() }
            dir.remove()
        }
    }

    @Test(arguments: shells) func installsTheLibraryOnceAndAgainWhenItIsDamaged(shell: Shell) throws {
        let node = try Node(shell)
        let first = try node.session()
        #expect(first.installedLibrary)
        let uname = try TestSupport.Shell.run("/bin/uname", ["-m"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(first.facts.count == 4 && first.facts.first == "Linux" && first.facts[1] == uname, "\(first.facts)")
        // Kernel and machine are kept for the boot: a cache from another boot is not believed.
        let cache = node.root + "/lib/uname"
        let bootID = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try String(contentsOfFile: cache, encoding: .utf8) == "\(bootID) Linux \(uname)\n")
        try Data("another-boot Plan9 vax\n".utf8).write(to: URL(fileURLWithPath: cache))
        let second = try node.session()
        #expect(second.installedLibrary == false)
        #expect(Array(second.facts.prefix(2)) == ["Linux", uname], "\(second.facts)")
        let file = node.root + "/lib/node-\(NodeLibrary.digest).sh"
        try Data("edge_serve() { exit 9; }\n".utf8).write(to: URL(fileURLWithPath: file))
        let repaired = try node.session()
        #expect(repaired.installedLibrary)
        #expect(try repaired.call("edge_facts").status == 0)
        #expect(!FileManager.default.fileExists(atPath: node.dir.path + "/pwned"))
    }

    @Test(arguments: shells) func hostileArgumentsAndEnvironmentArriveIntact(shell: Shell) throws {
        let node = try Node(shell)
        // The session's temporary directory where the test can look into it (see the end).
        let temporary = node.dir.mkdir("tmp")
        let session = try node.session(["TMPDIR": temporary])
        let out = node.dir.path + "/out put"
        try node.release(
            "d1",
            script:
                "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done > \"$OUT.tmp\"\nprintf '%s' \"$K\" >> \"$OUT.tmp\"\nmv \"$OUT.tmp\" \"$OUT\"\n"
        )
        let hostile = ["it's", "a\nb", "$(touch pwned)", "-rf", "`id`", " spaced ", "\\", "--"]
        var spec = ServiceSpec(bundle: BundleSpec(path: "/unused"), run: RunSpec(command: ["./run"] + hostile))
        spec.run.env = ["OUT": .text(out), "K": .text("v'$(touch pwned)\n\"x\""), "TOKEN": .text("s3cret-token-5811")]
        let unit = try ServiceUnit(service: "-svc", spec: spec, release: "d1", node: "n")
        let started = try session.call("edge_switch", ["-svc", "d1", unit.digest, "2"], input: .bytes(unit.file))
        #expect(started.status == 0, "\(started.stderrText)")
        #expect(poll(10) { FileManager.default.fileExists(atPath: out) })
        let seen = try String(contentsOfFile: out, encoding: .utf8)
        #expect(seen == hostile.map { "<\($0)>\n" }.joined() + "v'$(touch pwned)\n\"x\"")
        #expect(!FileManager.default.fileExists(atPath: node.dir.path + "/pwned"))
        #expect(!FileManager.default.fileExists(atPath: node.root + "/pwned"))
        // The environment is kept in the service's own unit file, readable by its owner only,
        // and nowhere else: no copy of the unit is left in the session's temporary directory.
        let attributes = try FileManager.default.attributesOfItem(atPath: node.root + "/services/-svc/unit")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let secret = Data("s3cret-token-5811".utf8)
        let leftInTemporary = FileManager.default.enumerator(atPath: temporary)?.compactMap { $0 as? String }.filter {
            (try? Data(contentsOf: URL(fileURLWithPath: temporary + "/" + $0)))?.range(of: secret) != nil
        }
        #expect(leftInTemporary == [], "the unit's environment was copied to \(leftInTemporary ?? [])")
        #expect(try session.call("edge_stop", ["-svc", "2"]).status == 0)

        // A name that is a path never reaches rm -rf, whatever sent it.
        try FileManager.default.createDirectory(atPath: node.dir.path + "/keep", withIntermediateDirectories: true)
        for (function, arguments) in [("edge_remove", ["../../keep", "2"]), ("edge_repair", [".."]), ("edge_switch", ["web", "../x", "u", "2"])] {
            let refused = try session.call(function, arguments)
            #expect(
                refused.status == 2 && refused.stderrText.contains("is not a service name or release digest"), "\(function): \(refused.stderrText)")
        }
        #expect(FileManager.default.fileExists(atPath: node.dir.path + "/keep"))

        // Bytes that are not UTF-8 arrive as they are.
        let raw: [UInt8] = [0xFF, 0xFE, 0x41, 0x0A, 0x27]
        #expect([UInt8](try session.call("printf", bytes: [Array("%s".utf8), raw]).stdout) == raw)
    }

    @Test(arguments: shells) func servicesActivateObserveRollBackAndStop(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        let (u1, u2) = try node.twoReleasesOfWeb()
        #expect(try session.call("edge_switch", ["web", "d1", u1.digest, "2"], input: .bytes(u1.file)).status == 0)
        #expect(try session.call("edge_switch", ["web", "d2", u2.digest, "2"], input: .bytes(u2.file)).status == 0)
        #expect(poll(5) { (try? session.call("edge_running", ["web"]).stdoutText) == "running\n" })
        let observed = try session.call("edge_observe", ["1000000"]).lines
        #expect(observed == ["service\tweb\td2\td1\trunning\t\(try pid(node, "web"))\t0\t2\t\(u2.digest)\t0\t0\t-\t-\t-\t-\t"])
        // A file added to the running release since activation: one more entry, one drifted.
        // (Dated a minute ahead: busybox's find -newer compares whole seconds.)
        try Data("x".utf8).write(to: URL(fileURLWithPath: node.root + "/releases/d2/added"))
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: node.root + "/releases/d2/added")
        let drifted = try session.call("edge_observe", ["1000000"]).lines.first?.split(separator: "\t", omittingEmptySubsequences: false)
        #expect(drifted.map { Array($0[6...7]) } == ["1", "3"])
        try FileManager.default.removeItem(atPath: node.root + "/releases/d2/added")
        // The same walk measures the service's log (not an entry of the release): within the
        // cap it is left alone; past it, it keeps its newest half.
        let log = node.root + "/services/web/log"
        let logSize = { ((try? FileManager.default.attributesOfItem(atPath: log))?[.size] as? Int) ?? -1 }
        try Data(String(repeating: "old line\n", count: 600).utf8).write(to: URL(fileURLWithPath: log))
        #expect(try session.call("edge_observe", ["4000"]).lines.first?.split(separator: "\t").map(String.init)[7] == "2")
        #expect(logSize() == 2000, "a log past the cap keeps its newest half")
        _ = try session.call("edge_observe", ["4000"])
        #expect(logSize() == 2000, "a log within the cap is left alone")
        // The store answers which of the names it lacks, in the order asked.
        try FileManager.default.createDirectory(atPath: node.root + "/store", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: node.root + "/store/have-444"))
        let lacking = try session.call("edge_missing", ["-", "-"], input: .bytes(Data("b-444\nhave-444\na-555\n".utf8)))
        #expect(lacking.lines == ["b-444", "a-555"])
        #expect(try session.call("edge_rollback", ["web"]).stdoutText == "d1\n")
        #expect(try session.call("edge_switch", ["web", "-", "-", "2"]).status == 0)
        #expect(poll(5) { (try? session.call("edge_running", ["web"]).stdoutText) == "running\n" })
        #expect(try session.call("edge_observe", ["1000000"]).lines.first?.contains(u1.digest) == true, "the previous unit is back")
        #expect(try session.call("edge_stop", ["web", "2"]).status == 0)
        #expect(try session.call("edge_running", ["web"]).stdoutText == "dead\n")
        let missing = try session.call("edge_rollback", ["nosuch"])
        #expect(missing.status == 3)
        #expect(missing.stderrText.contains("no previous release"))
        // A failed call leaves the session in step.
        #expect(try session.call("edge_facts").status == 0)
        #expect(try session.call("edge_remove", ["web", "2"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: node.root + "/services/web"))
    }

    /// The store takes a file only if its content hashes to its name, with the mode its name
    /// ends in; a file that does not is deleted and named. Both ways: a few files (named to the
    /// hashing program directly) and more than 256 (through find).
    @Test(arguments: shells) func theStoreTakesOnlyFilesWhoseContentMatchesTheirName(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        for count in [2, 300] {
            var stream: [UInt8] = []
            var good: [String] = []
            for i in 0..<count {
                let content = Array("file \(i) of \(count)\n".utf8)
                let name = SHA256.hash(data: Data(content)).map { String(format: "%02x", $0) }.joined() + (i % 2 == 0 ? "-444" : "-555")
                good.append(name)
                stream += TarWriter.header(name: name, mode: 0o600, size: Int64(content.count)) + content
                stream += TarWriter.padding(forSize: Int64(content.count))
            }
            let forged = SHA256.hash(data: Data("what the name says \(count)".utf8)).map { String(format: "%02x", $0) }.joined() + "-444"
            let lie = Array("something else".utf8)
            stream += TarWriter.header(name: forged, mode: 0o444, size: Int64(lie.count)) + lie + TarWriter.padding(forSize: Int64(lie.count))
            stream += TarWriter.trailer
            let reply = try session.call("edge_receive", input: .bytes(Data(stream)))
            #expect(reply.status == 0, "\(reply.stderrText)")
            #expect(reply.lines == ["BAD \(forged)"])
            #expect(!FileManager.default.fileExists(atPath: node.root + "/store/" + forged))
            for name in good {
                let mode = (try? FileManager.default.attributesOfItem(atPath: node.root + "/store/" + name))?[.posixPermissions] as? Int
                #expect(mode == (name.hasSuffix("-444") ? 0o444 : 0o555), "\(name)")
            }
            #expect((try FileManager.default.contentsOfDirectory(atPath: node.root + "/store/.incoming")).isEmpty)
        }
    }

    /// What edgectl makes on a node is private (the environment in a unit, logs that may hold
    /// secrets) but for the way a service's own user reaches its release and config; a root
    /// another user owns, or others can write to, is refused before anything is loaded from it.
    @Test(arguments: shells) func theRootIsPrivateAndARootOthersCouldChangeIsRefused(shell: Shell) throws {
        let node = try Node(shell)
        try FileManager.default.removeItem(atPath: node.root)
        let session = try node.session()
        #expect(try session.call("edge_missing", ["-", "-"], input: .bytes(Data("x\n".utf8))).status == 0)
        let (u1, _) = try node.twoReleasesOfWeb()
        #expect(try session.call("edge_switch", ["web", "d1", u1.digest, "2"], input: .bytes(u1.file)).status == 0)
        #expect(poll(5) { FileManager.default.fileExists(atPath: node.root + "/services/web/log") })
        func mode(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: node.root + path))?[.posixPermissions] as? Int
        }
        let expected: [(String, Int)] = [
            ("", 0o755), ("/lib", 0o700), ("/lib/node-\(NodeLibrary.digest).sh", 0o600), ("/store", 0o700),
            ("/services", 0o711), ("/services/web", 0o711), ("/services/web/unit", 0o600), ("/services/web/log", 0o600),
        ]
        for (path, want) in expected {
            #expect(mode(path) == want, "\(path): \(String(mode(path) ?? -1, radix: 8))")
        }
        #expect(try session.call("edge_stop", ["web", "2"]).status == 0)
        session.close()

        #expect(chmod(node.root, 0o777) == 0)
        #expect(throws: (any Error).self) { try node.session() }
        do { _ = try node.session() } catch { #expect("\(error)".contains("others can write to it"), "\(error)") }
        #expect(chmod(node.root, 0o755) == 0)
        #expect(chown(node.root, 65534, 65534) == 0)
        do {
            _ = try node.session()
            Issue.record("a root of another user's is refused")
        } catch {
            #expect("\(error)".contains("belongs to another user"), "\(error)")
        }
        #expect(chown(node.root, 0, 0) == 0)
        #expect(try node.session().call("edge_facts").status == 0)
    }

    /// A node that keeps sending a byte now and then (a broken or hostile one: the library
    /// writes each reply at once) is cut off at the time limit, not kept forever because bytes
    /// still come; in the header and in the body alike. A fake node speaks the protocol here.
    @Test(arguments: ["while :; do printf E; sleep 0.2; done", "printf 'E 0 100 0\\n'; while :; do printf x; sleep 0.2; done"])
    func aNodeThatTricklesItsReplyIsCutOffAtTheTimeLimit(_ trickle: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fake = "printf 'F 1\\nLinux\\n'; IFS=' ' read -r tag slen rest; head -c \"$slen\" >/dev/null; " + trickle
        let transport = try LocalShell(shell: ["/bin/sh", "-c", fake, "fake-node"], root: dir.path)
        let session = try NodeShell(node: "n", transport: transport, timeout: 2)
        let started = Date()
        #expect(throws: NodeShellError.self) { try session.call("edge_facts") }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed > 1.5 && elapsed < 5, "\(elapsed)")
    }

    /// A supervisor that dies before its first start (here: a unit its shell cannot parse)
    /// leaves the service dead, not stopped: the pid file still names it.
    @Test(arguments: shells) func aSupervisorThatDiesBeforeItsFirstStartLeavesTheServiceDead(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        let (unit, _) = try node.twoReleasesOfWeb()
        let broken = unit.file + Data("\n(\n".utf8)
        #expect(try session.call("edge_switch", ["web", "d1", unit.digest, "2"], input: .bytes(broken)).status == 0)
        #expect(FileManager.default.fileExists(atPath: node.root + "/services/web/pid"))
        #expect(poll(5) { (try? session.call("edge_state", [node.root + "/services/web"]).stdoutText) == "dead\n" })
        #expect(try session.call("edge_remove", ["web", "2"]).status == 0)
    }

    @Test(arguments: shells) func theSupervisorRestartsAKilledServiceAndCountsIt(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        try node.start("web", script: "#!/bin/sh\nexec sleep 300\n", in: session)
        #expect(poll(5) { (try? pid(node, "web")) != nil })
        let first = try pid(node, "web")
        kill(pid_t(first)!, SIGKILL)
        // Back within the first backoff (1 s), as another process, counted once.
        let log = { (try? String(contentsOfFile: node.root + "/services/web/log", encoding: .utf8)) ?? "" }
        #expect(poll(5) { (try? pid(node, "web")).map { $0 != first } ?? false }, "\(log())")
        #expect(poll(5) { (try? session.call("edge_running", ["web"]).stdoutText) == "running\n" })
        let fields = try #require(try session.call("edge_observe", ["1000000"]).lines.first).split(separator: "\t", omittingEmptySubsequences: false)
        #expect(fields[9] == "1", "restarts")
        #expect(fields[11] == "137", "last exit: killed by KILL")
        let second = pid_t(try pid(node, "web"))!
        #expect(try session.call("edge_remove", ["web", "2"]).status == 0)
        #expect(poll(5) { kill(second, 0) != 0 }, "the service's process is gone with it")
        #expect(!FileManager.default.fileExists(atPath: node.root + "/services/web"))
    }

    /// A stop leaves nothing of the supervisor's behind, even for a service that takes a moment
    /// to end on TERM (so the stop's KILL timer starts): not the timer, not its sleep, not a
    /// process of the service's group. A timer left behind would KILL that group's id later.
    /// (The supervisor runs under the node's `sh`: dash here for the first two shells.)
    @Test(arguments: shells) func aStopLeavesNoProcessOfTheSupervisorOrTheServiceBehind(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        try node.start("web", script: "#!/bin/sh\ntrap 'sleep 0.3; exit 0' TERM\nsleep 300 &\nwait\n", in: session)
        #expect(poll(5) { (try? pid(node, "web")) != nil })
        let service = try #require(Int32(try pid(node, "web")))
        let supervisor = try #require(
            Int32(try String(contentsOfFile: node.root + "/services/web/pid", encoding: .utf8).split(separator: " ")[0]))
        #expect(poll(5) { processGroups().filter { $0 == service }.count == 2 }, "the service's shell and its sleep, in its group")
        #expect(try session.call("edge_stop", ["web", "5"]).status == 0)
        #expect(poll(2) { Set(processGroups()).isDisjoint(with: [supervisor, service]) })
        #expect(try session.call("edge_remove", ["web", "2"]).status == 0)
    }

    /// A service that ignores TERM is KILLed by its supervisor once its stop timeout has
    /// passed, not before, and well before edge_end's own KILL (after the stop's grace).
    @Test(arguments: shells) func aServiceThatIgnoresTermIsKilledAfterItsStopTimeout(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        try node.release("d1", script: "#!/bin/sh\ntrap 'echo ignored' TERM\necho trapped\nwhile :; do sleep 1; done\n")
        var run = RunSpec(command: ["./run"])
        run.stopTimeoutSeconds = 2
        let unit = try ServiceUnit(service: "web", spec: ServiceSpec(bundle: BundleSpec(path: "/unused"), run: run), release: "d1", node: "n")
        #expect(try session.call("edge_switch", ["web", "d1", unit.digest, "2"], input: .bytes(unit.file)).status == 0)
        #expect(poll(5) { (try? pid(node, "web")) != nil })
        let service = try #require(Int32(try pid(node, "web")))
        // Stopped once it ignores TERM: a TERM before its trap is set ends it at once.
        #expect(poll(5) { ((try? String(contentsOfFile: node.root + "/services/web/log", encoding: .utf8)) ?? "").contains("trapped") })
        let started = Date()
        #expect(try session.call("edge_stop", ["web", "15"]).status == 0)
        let took = Date().timeIntervalSince(started)
        #expect(took >= 2 && took < 8, "stopped after \(took) s")
        #expect(!processGroups().contains(service))
        #expect(try session.call("edge_remove", ["web", "2"]).status == 0)
    }

    /// A service that writes far more than the cap has its log kept under it by its supervisor,
    /// with nobody observing; what it writes afterwards still lands in the log.
    /// edgectl rolls a node back while the node's own watchdog is already taking the same
    /// attempt back (its service slow to stop): only one of them swaps, so the node ends on the
    /// previous unit, not swapped twice back onto the new one.
    @Test(arguments: shells) func aRollbackAndTheWatchdogNeverBothSwap(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        try node.release("d1", script: "#!/bin/sh\nexec sleep 300\n")
        try node.release("d2", script: "#!/bin/sh\ntrap 'sleep 2; exit 0' TERM\nsleep 300 &\nwait\n")
        let spec = ServiceSpec(bundle: BundleSpec(path: "/unused"), run: RunSpec(command: ["./run"]))
        let u1 = try ServiceUnit(service: "web", spec: spec, release: "d1", node: "n")
        let u2 = try ServiceUnit(service: "web", spec: spec, release: "d2", node: "n")
        #expect(try session.call("edge_switch", ["web", "d1", u1.digest, "2"], input: .bytes(u1.file)).status == 0)
        #expect(try session.call("edge_switch", ["web", "d2", u2.digest, "5", "nonce-r", "1"], input: .bytes(u2.file)).status == 0)
        // The watchdog has taken the attempt and is stopping the slow service.
        #expect(poll(10) { !FileManager.default.fileExists(atPath: node.root + "/services/web/attempt") })
        let rollback = try session.call("edge_rollback", ["web", u2.digest, "nonce-r"])
        #expect(rollback.status == 0 && rollback.stdoutText.hasPrefix("unchanged"), "\(rollback.stdoutText)\(rollback.stderrText)")
        let unitOf = {
            (try? String(contentsOfFile: node.root + "/services/web/unit", encoding: .utf8))?.split(separator: "\n").first {
                $0.hasPrefix("EDGE_UNIT=")
            } ?? ""
        }
        #expect(
            poll(10) { (try? String(contentsOfFile: node.root + "/services/web/attempts", encoding: .utf8))?.contains("nonce-r reverted") == true })
        #expect(unitOf() == "EDGE_UNIT='\(u1.digest)'", "on the previous unit, swapped once")
        #expect(try session.call("edge_remove", ["web", "2"]).status == 0)
    }

    @Test(arguments: shells) func aChattyServicesLogIsKeptUnderTheCapWithoutAnyoneLooking(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session(["EDGE_LOG_CAP": "100000", "EDGE_LOG_CHECK": "0.2"])
        try node.start(
            "chatty", script: "#!/bin/sh\nhead -c 3000000 /dev/zero | tr '\\0' x\necho\nsleep 1\necho after-trim\nexec sleep 300\n", in: session)
        let log = node.root + "/services/chatty/log"
        let size = { ((try? FileManager.default.attributesOfItem(atPath: log))?[.size] as? Int) ?? -1 }
        let text = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        #expect(poll(10) { text().contains("after-trim") && size() <= 100_000 }, "log at \(size()) bytes")
        #expect(try session.call("edge_remove", ["chatty", "2"]).status == 0)
    }

    @Test(arguments: shells) func theBootHookStartsWhatIsDownAndLeavesWithTheLastService(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        let etc = node.dir.path + "/etc"
        // An rc.local the node already had: edgectl's line goes before its `exit 0`, and only it leaves.
        try Data("#!/bin/sh\necho theirs\nexit 0\n".utf8).write(to: URL(fileURLWithPath: etc + "/rc.local"))
        try node.start("web", script: "#!/bin/sh\nexec sleep 300\n", in: session)
        let hook = try String(contentsOfFile: etc + "/rc.local", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(hook.count == 4 && hook[1] == "echo theirs" && hook[3] == "exit 0", "\(hook)")
        #expect(hook[2].hasSuffix("/boot & # edgectl " + String(hook[2].suffix(12))), "\(hook)")
        // "Reboot": the service and its supervisor die; the hook's line (run as rc.local runs
        // it) starts it again, and leaves running services alone.
        let before = try pid(node, "web")
        #expect(try session.call("edge_stop", ["web", "2"]).status == 0)
        #expect(try session.call("edge_running", ["web"]).stdoutText == "dead\n")
        var environment = ["EDGE_ETC": etc]
        if shell.busyboxOnly { environment["PATH"] = node.dir.path + "/bin" }
        let boot = try TestSupport.Shell.run(
            shell.command[0], Array(shell.command.dropFirst()) + ["-c", hook[2].replacingOccurrences(of: " & #", with: " #")],
            environment: environment)
        #expect(boot.status == 0, "\(boot.stderr)")
        #expect(poll(5) { (try? session.call("edge_running", ["web"]).stdoutText) == "running\n" })
        #expect(try pid(node, "web") != before)
        #expect(!FileManager.default.fileExists(atPath: node.dir.path + "/pwned"))
        #expect(try session.call("edge_remove", ["web", "2"]).status == 0)
        #expect(try String(contentsOfFile: etc + "/rc.local", encoding: .utf8) == "#!/bin/sh\necho theirs\nexit 0\n")
        #expect(!FileManager.default.fileExists(atPath: node.root + "/boot"))
    }

    @Test(arguments: shells) func anAttemptCommitsOnlyWithItsOwnNonceAndRevertsByItselfOtherwise(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        let (u1, u2) = try node.twoReleasesOfWeb()
        let before = Int(Date().timeIntervalSince1970)
        #expect(try session.call("edge_switch", ["web", "d1", u1.digest, "2", "nonce-a", "60"], input: .bytes(u1.file)).status == 0)
        // Confirming with a marker needs the marker of this very attempt, left by a new connection.
        let markers = node.root + "/services/web/confirm-"
        #expect(try session.call("edge_confirm", ["web", "nonce-a", "marker"]).status == 4, "no marker yet")
        _ = FileManager.default.createFile(atPath: markers + "nonce-old", contents: Data())
        #expect(try session.call("edge_confirm", ["web", "nonce-a", "marker"]).status == 4, "another attempt's marker")
        _ = FileManager.default.createFile(atPath: markers + "nonce-a", contents: Data())
        #expect(try session.call("edge_confirm", ["web", "nonce-a", "marker"]).stdoutText == "committed\n")
        #expect(!FileManager.default.fileExists(atPath: markers + "nonce-old"), "markers are cleared")
        // The committed attempt's watchdog is stopped, not left to wake for nothing.
        let watchdog = try String(contentsOfFile: node.root + "/services/web/watchdog", encoding: .utf8)
            .split(whereSeparator: \.isWhitespace)
        #expect(watchdog.count == 3 && watchdog.last == "nonce-a", "\(watchdog)")
        let watchdogPID = String(watchdog.first ?? "")
        // Gone, or a zombie where nothing reaps orphans.
        let ended = {
            guard let stat = try? String(contentsOfFile: "/proc/\(watchdogPID)/stat", encoding: .utf8) else { return true }
            return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
        }
        #expect(poll(5) { ended() }, "watchdog \(watchdogPID) still runs (it sleeps 60 s)")
        // The attempts log dates by the node's clock.
        let now = Int(Date().timeIntervalSince1970)
        let times = try String(contentsOfFile: node.root + "/services/web/attempts", encoding: .utf8).split(separator: "\n")
            .compactMap { line -> Int? in
                let f = line.split(separator: " "); return f.count >= 3 ? Int(f[2]) : nil
            }
        #expect(times.count == 2 && times.allSatisfy { $0 >= before - 2 && $0 <= now + 2 }, "\(times) within \(before)…\(now)")
        // A new attempt: the earlier nonce (a stale confirmation) never commits it. Its watchdog
        // loads the library when it wakes: one that a newer edgectl put in place meanwhile.
        #expect(try session.call("edge_switch", ["web", "d2", u2.digest, "2", "nonce-b", "2"], input: .bytes(u2.file)).status == 0)
        let library = node.root + "/lib/node-\(NodeLibrary.digest).sh"
        try FileManager.default.moveItem(atPath: library, toPath: node.root + "/lib/node-newer.sh")
        let stale = try session.call("edge_confirm", ["web", "nonce-a"])
        #expect(stale.status == 4)
        #expect(stale.stderrText.contains("attempt nonce-a is not pending"))
        // Unconfirmed: at its deadline the node goes back to d1's unit whole and says why.
        let unitOf = {
            (try? String(contentsOfFile: node.root + "/services/web/unit", encoding: .utf8))?.split(separator: "\n").first {
                $0.hasPrefix("EDGE_UNIT=")
            } ?? ""
        }
        #expect(poll(10) { unitOf() == "EDGE_UNIT='\(u1.digest)'" }, "back on the first unit")
        #expect(poll(5) { (try? session.call("edge_running", ["web"]).stdoutText) == "running\n" })
        // The service it brought back stops on TERM: it does not inherit an ignored TERM from
        // the watchdog (bit 15 of SigIgn; a stop would wait out its grace), unless this test
        // itself runs with TERM ignored.
        let ignoredBy = { (process: String) -> UInt64? in
            (try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("SigIgn:") }
                .flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
        }
        let term: UInt64 = 1 << 14
        let service = ignoredBy(try pid(node, "web")), ours = ignoredBy("self") ?? 0
        #expect(service.map { $0 & term == 0 || ours & term != 0 } == true, "SigIgn \(String(service ?? 0, radix: 16))")
        #expect(poll(5) { FileManager.default.fileExists(atPath: node.root + "/services/web/reverted") })
        let reverted = try String(contentsOfFile: node.root + "/services/web/reverted", encoding: .utf8)
        #expect(reverted.hasSuffix(" reverted: not confirmed within 2s\n"), "\(reverted)")
        let line = try #require(try session.call("edge_observe", ["1000000"]).lines.first)
        #expect(line.hasSuffix("\treverted: not confirmed within 2s"), "\(line)")
        try FileManager.default.moveItem(atPath: node.root + "/lib/node-newer.sh", toPath: library)
        // Confirming after the revert is refused too; a pending attempt at boot goes back.
        #expect(try session.call("edge_confirm", ["web", "nonce-b"]).status == 4)
        #expect(try session.call("edge_switch", ["web", "d2", u2.digest, "2", "nonce-c", "60"], input: .bytes(u2.file)).status == 0)
        #expect(try session.call("edge_boot", [node.root]).status == 0)
        #expect(unitOf() == "EDGE_UNIT='\(u1.digest)'", "a node that restarts before the deadline goes back at boot")
        let attempts = try String(contentsOfFile: node.root + "/services/web/attempts", encoding: .utf8)
        #expect(attempts.contains("nonce-c reverted") && attempts.contains("the node restarted before the attempt was confirmed"), "\(attempts)")
        #expect(try session.call("edge_remove", ["web", "2"]).status == 0)
    }

    /// The cheapest proof of a new connection: a socket listening on the node's loopback (in a
    /// fleet, the remote forward the confirming connection's sshd holds). Here the test holds
    /// one; a port nothing listens on, or one that is not a number, commits nothing (5: edgectl
    /// tries another proof), nor does a proof edgectl does not know, and an attempt whose commit
    /// cannot be recorded stays pending for its watchdog.
    @Test(arguments: shells) func anAttemptCommitsOnASocketListeningOnTheNamedLoopbackPort(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        let (u1, _) = try node.twoReleasesOfWeb()
        #expect(try session.call("edge_switch", ["web", "d1", u1.digest, "2", "nonce-a", "60"], input: .bytes(u1.file)).status == 0)
        let listener = try LoopbackListener()
        let closed = try LoopbackListener()
        let closedPort = closed.port
        closed.close()
        let none = try session.call("edge_confirm", ["web", "nonce-a", "port", String(closedPort)])
        #expect(none.status == 5 && none.stderrText.contains("seen listening on port \(closedPort)"), "\(none.stderrText)")
        #expect(try session.call("edge_confirm", ["web", "nonce-a", "port", "$(touch pwned)"]).status == 5)
        #expect(try session.call("edge_confirm", ["web", "nonce-a", "hunch"]).status == 4, "not a proof")
        #expect(try session.call("edge_confirm", ["web", "nonce-b", "port", String(listener.port)]).status == 4, "another attempt's nonce")
        // A node that cannot see its listeners says so too.
        let blind = try node.session(["EDGE_PROC": node.dir.path + "/no-proc"])
        #expect(try blind.call("edge_confirm", ["web", "nonce-a", "port", String(listener.port)]).status == 5)
        // The commit's record cannot be written (here: the log is a directory; on a node, a
        // full disk): not committed, the attempt is pending again.
        let log = node.root + "/services/web/attempts"
        try FileManager.default.moveItem(atPath: log, toPath: log + ".kept")
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: false)
        let unrecorded = try session.call("edge_confirm", ["web", "nonce-a", "port", String(listener.port)])
        #expect(unrecorded.status == 4 && unrecorded.stderrText.contains("stays pending"), "\(unrecorded.stderrText)")
        #expect(FileManager.default.fileExists(atPath: node.root + "/services/web/attempt"), "pending again")
        try FileManager.default.removeItem(atPath: log)
        try FileManager.default.moveItem(atPath: log + ".kept", toPath: log)
        #expect(try session.call("edge_confirm", ["web", "nonce-a", "port", String(listener.port)]).stdoutText == "committed\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: node.root + "/services/web").filter { $0.hasPrefix("attempt.") }
        #expect(left == [], "\(left)")
        let attempts = try String(contentsOfFile: node.root + "/services/web/attempts", encoding: .utf8)
        #expect(attempts.split(separator: "\n").last?.hasPrefix("nonce-a committed ") == true && attempts.hasSuffix(" by port\n"), "\(attempts)")
        #expect(!FileManager.default.fileExists(atPath: node.dir.path + "/pwned"))
        #expect(try session.call("edge_remove", ["web", "2"]).status == 0)
    }

    /// The listener check reads /proc/net/tcp's lines itself (bash whole; dash and busybox
    /// until the line it looks for, or the first connection, which the kernel lists after
    /// every listener): a listener on the loopback in either byte order or on every address
    /// counts, a connection that merely uses the port does not, nor does a port that is not
    /// one (a leading zero included: shell arithmetic would read it as octal).
    @Test(arguments: shells) func aListenerIsFoundInTheLinesTheKernelWrites(shell: Shell) throws {
        let node = try Node(shell)
        let proc = node.dir.mkdir("proc")
        try FileManager.default.createDirectory(atPath: proc + "/net", withIntermediateDirectories: true)
        let tail = " 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0"
        let listeners = [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 7F000001:1F90 00000000:0000 0A" + tail,
            "   1: 00000000:0016 00000000:0000 0A" + tail,
            "   2: 0100007F:000A 00000000:0000 0A" + tail,
            "   3: 0100007F:FFFF 00000000:0000 0A" + tail,
            "   4: 0A000002:0050 00000000:0000 0A" + tail,
        ]
        let connections = ["   5: 0100007F:B985 0100007F:1F91 01" + tail, "   6: 0100007F:0008 0100007F:1F92 06" + tail]
        try ((listeners + connections).joined(separator: "\n") + "\n").write(toFile: proc + "/net/tcp", atomically: true, encoding: .utf8)
        let session = try node.session(["EDGE_PROC": proc])
        for port in ["8080", "22", "10", "65535"] {
            #expect(try session.call("edge_listening", [port]).status == 0, "port \(port)")
        }
        for port in ["47493", "8", "8081", "80", "65536", "123456", "0x1F90", "1F90", "", "-1", "8080 ", "0022", "010", "08"] {
            #expect(try session.call("edge_listening", [port]).status == 1, "port '\(port)'")
        }
        // dash and busybox stop reading at the first connection: here the file is a pipe whose
        // writer stays open, so reading it to its end would wait out the writer. (bash reads
        // it whole.)
        guard !shell.command[0].hasSuffix("bash") else { return }
        let piped = node.dir.mkdir("piped")
        try FileManager.default.createDirectory(atPath: piped + "/net", withIntermediateDirectories: true)
        #expect(mkfifo(piped + "/net/tcp", 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "exec >\"$2\" && cat \"$1\" && exec sleep 30", "sh", proc + "/net/tcp", piped + "/net/tcp"]
        try writer.run()
        defer { writer.terminate() }
        let started = Date()
        let blocked = try node.session(["EDGE_PROC": piped])
        #expect(try blocked.call("edge_listening", ["9"]).status == 1)
        #expect(Date().timeIntervalSince(started) < 20, "it read on past the first connection")
    }

    @Test(arguments: shells) func aLargeRequestAndALargeReplyInOneSession(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        var big = Data(count: 8 << 20)
        for i in stride(from: 0, to: big.count, by: 4093) { big[i] = UInt8(i % 251) }
        // As long a reply as a listing call (`NodeLimits.listingStdout`) may give.
        let echoed = try session.call("cat", input: .bytes(big), output: .listing)
        #expect(echoed.stdout == big)
        var lines: [String] = []
        let status = try session.stream("seq", ["1", "50000"]) { stream, data in
            if stream == .stdout { lines.append(String(decoding: data, as: UTF8.self)) }
        }
        #expect(status == 0)
        #expect(lines.joined().split(separator: "\n").count == 50000)
        #expect(try session.call("edge_facts").status == 0)
        // A call that reads none of a large payload (as a push refused for want of space
        // does): the rest is drained at full speed, and the next call is in step. The
        // shell's own `read` would take a byte per system call, minutes for this much.
        let started = Date()
        #expect(try session.call("true", input: .bytes(Data(count: 96 << 20))).status == 0)
        #expect(try session.call("echo", ["next"]).stdoutText == "next\n")
        #expect(Date().timeIntervalSince(started) < 15)
    }

    @Test(arguments: shells) func repairRemovesANewlineNameWithoutTouchingWhatItSeemsToName(shell: Shell) throws {
        let node = try Node(shell)
        let session = try node.session()
        let release = node.root + "/releases/d1"
        try node.release("d1", script: "#!/bin/sh\n")
        // What a hostile service could leave in its release: a directory "x\n" holding "etc",
        // which a line-based comparison would read as "./x" and "etc".
        let victim = node.dir.mkdir("victim")
        _ = FileManager.default.createFile(atPath: victim + "/keep", contents: Data("precious".utf8))
        try FileManager.default.createDirectory(atPath: release + "/x\n/etc", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: release + "/escape", withDestinationPath: victim)
        let entries = "f\tnot-in-store-0755\trun\n"
        try FileManager.default.createDirectory(atPath: node.root + "/store", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: node.root + "/store/not-in-store-0755", contents: Data("#!/bin/sh\n".utf8))
        let reply = try session.call("edge_repair", ["d1"], input: .bytes(Data(entries.utf8)))
        #expect(reply.status == 0, "\(reply.stderrText)")
        let left = try FileManager.default.contentsOfDirectory(atPath: release).sorted()
        #expect(left == ["run"])
        #expect(FileManager.default.fileExists(atPath: victim + "/keep"))
    }

    /// The process group of every process on this machine but the zombies (a process whose
    /// parent ended first is reaped by PID 1 when PID 1 gets to it: here a second or two).
    private func processGroups() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard Int32(entry) != nil, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let end = stat.lastIndex(of: ")")
            else { return nil }
            // After the command's name: state, ppid, pgrp.
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            return fields.count > 2 && fields[0] != "Z" ? Int32(fields[2]) : nil
        }
    }

    private func pid(_ node: Node, _ service: String) throws -> String {
        let text = try String(contentsOfFile: node.root + "/services/\(service)/child", encoding: .utf8)
        return String(text.split(separator: " ")[0])
    }

}
