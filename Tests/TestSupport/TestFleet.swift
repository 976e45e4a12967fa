import Foundation
import XCTest

/// A real fleet of sshd nodes in network namespaces, driven through `scripts/testfleet`.
///
/// Each fleet has its own name (namespaces `NAME-1…`), subnet and directory, so
/// suites can run side by side; `down()` removes every namespace and process.
public final class TestFleet: @unchecked Sendable {
    public let name: String
    public let subnet: String
    public let directory: String
    public let count: Int

    public static var canRun: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") }

    /// What a node's login shell costs to start: `lean` (nothing) or `heavy` (~0.1 s, like an
    /// ordinary node's rc file), from `EDGECTL_TEST_PROFILE`. scripts/test runs the end-to-end
    /// suites on both, so a cost the lean fleet hides still shows.
    public static var profile: String { ProcessInfo.processInfo.environment["EDGECTL_TEST_PROFILE"] ?? "lean" }

    /// Nodes whose PID 1 is systemd (booted with systemd-nspawn).
    public let systemd: [Int]

    public init(name: String, subnet: String, count: Int, busybox: Int? = nil, systemd: [Int] = []) throws {
        self.name = name
        self.subnet = subnet
        self.count = count
        self.systemd = systemd
        directory = NSTemporaryDirectory() + "edgectl-fleet-\(name)-\(getpid())"
        _ = try? script(["down"])
        var args = ["up", String(count)]
        if let busybox { args += ["--busybox", String(busybox)] }
        if !systemd.isEmpty { args += ["--systemd", systemd.map(String.init).joined(separator: ",")] }
        let result = try script(args)
        guard result.status == 0 else {
            throw FleetError(message: "testfleet up failed: \(result.stderr) \(result.stdout)")
        }
    }

    public struct FleetError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Takes the fleet down (namespaces, processes, mounts), then its directory (keys, manifests).
    public func down() {
        _ = try? script(["down"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    public func nodeName(_ i: Int) -> String { "\(name)-\(i)" }
    public func address(_ i: Int) -> String { "\(subnet).\(10 + i)" }
    public var manifestPath: String { directory + "/nodes.yaml" }
    public var identityFile: String { directory + "/id_ed25519" }
    /// The host directory behind node `i`'s `/var/lib/edgectl`.
    public func root(_ i: Int) -> String { directory + "/node-\(i)/root" }
    /// What node `i` has written to its own `/etc` (the overlay's upper layer; a systemd
    /// node's whole `/etc`).
    public func etc(_ i: Int) -> String {
        FileManager.default.fileExists(atPath: directory + "/node-\(i)/kind")
            ? directory + "/node-\(i)/merged/etc" : directory + "/node-\(i)/etc-upper"
    }

    public func partition(_ i: Int) throws { try check(script(["partition", String(i)])) }
    public func heal(_ i: Int) throws { try check(script(["heal", String(i)])) }
    public func rekey(_ i: Int, type: String = "ed25519") throws { try check(script(["rekey", String(i), type])) }
    /// Gives plain node `i` a `<root>` on a tmpfs of `size` (e.g. "4m"), or resizes it.
    public func smallRoot(_ i: Int, size: String) throws { try check(script(["small-root", String(i), size])) }
    /// Ends every connection node `i`'s sshd serves (an idle session dropped by sshd or a NAT).
    public func dropSessions(_ i: Int) throws { try check(script(["drop-sessions", String(i)])) }
    /// Adds `line` to plain node `i`'s sshd_config (it takes precedence) and restarts its sshd.
    public func sshdOption(_ i: Int, _ line: String) throws { try check(script(["sshd-option", String(i), line])) }
    public func throttle(_ i: Int, rate: String) throws { try check(script(["throttle", String(i), rate])) }
    public func unthrottle(_ i: Int) throws { try check(script(["unthrottle", String(i)])) }
    /// Reboots node `i` and waits for its sshd: a systemd node runs `systemctl reboot`; another
    /// has every process killed, then its sshd and its boot hooks (`/etc/rc.local`…) run again.
    public func reboot(_ i: Int) throws { try check(script(["reboot", String(i)])) }

    /// Runs a command inside node `i`'s network namespace (not through SSH), for assertions.
    public func inNode(_ i: Int, _ command: String) throws -> (status: Int32, output: String) {
        let r = try Shell.run("/usr/sbin/ip", ["netns", "exec", nodeName(i), "sh", "-c", command])
        return (r.status, r.stdout + r.stderr)
    }

    /// Runs a command in node `i`'s network and mount namespaces (its own `/etc` and
    /// `/var/lib/edgectl`), not through SSH; for a node without systemd. Files in the node's
    /// `/etc` overlay must change this way, never in its layers behind the mount's back.
    public func inNodeMounts(_ i: Int, _ command: String) throws -> (status: Int32, output: String) {
        let pid = try String(contentsOfFile: directory + "/node-\(i)/sshd.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try Shell.run("/usr/bin/nsenter", ["-t", pid, "-m", "-n", "sh", "-c", command])
        return (r.status, r.stdout + r.stderr)
    }

    /// Kills everything on the plain nodes but their sshd listeners: every supervisor, service
    /// and watchdog edgectl started there (they outlive a test otherwise).
    public func stopServices() {
        _ = try? script(["stop-services"])
    }

    /// The pid of service `service`'s process on node `i` (nil: none recorded).
    public func servicePid(_ i: Int, _ service: String) -> Int32? {
        guard let text = try? String(contentsOfFile: root(i) + "/services/\(service)/child", encoding: .utf8) else { return nil }
        return Int32(text.split(separator: " ").first ?? "")
    }

    /// How many times node `i`'s login shell has started (every SSH command starts one).
    public func shellStarts(_ i: Int) throws -> Int {
        Int(try script(["starts", String(i)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// The host key fingerprint of node `i`, as `ssh-keygen -l` prints it.
    public func fingerprint(_ i: Int) throws -> String {
        let r = try Shell.run("/usr/bin/ssh-keygen", ["-lf", directory + "/node-\(i)/ssh_host_key.pub"])
        return String(r.stdout.split(separator: " ")[1])
    }

    private func check(_ r: Shell.Result) throws {
        if r.status != 0 { throw FleetError(message: "testfleet: \(r.stderr)") }
    }

    private func script(_ args: [String]) throws -> Shell.Result {
        try Shell.run(
            Edgectl.packageRoot + "/scripts/testfleet", args,
            environment: ["FLEET_NAME": name, "FLEET_SUBNET": subnet, "FLEET_DIR": directory, "FLEET_PROFILE": TestFleet.profile])
    }
}

/// Runs a program and captures its output.
public enum Shell {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> Result {
        let child = try Spawned([path] + args, environment: environment, stdinNull: true)
        let errBox = DataBox()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            errBox.data = Spawned.readAll(child.errors)
            done.signal()
        }
        let out = Spawned.readAll(child.output)
        done.wait()
        close(child.output)
        close(child.errors)
        let status = child.wait()
        return Result(status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// Reads both pipes to the end at once (so a chatty process cannot fill one and block), then waits.
    public static func collect(_ process: Process, _ out: Pipe, _ err: Pipe) -> (String, String) {
        let errBox = DataBox()
        let done = DispatchSemaphore(value: 0)
        let errHandle = err.fileHandleForReading
        Thread.detachNewThread {
            errBox.data = errHandle.readDataToEndOfFile()
            done.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return (String(decoding: outData, as: UTF8.self), String(decoding: errBox.data, as: UTF8.self))
    }
}

/// A test case class that shares one fleet among its tests: built before the first,
/// torn down (every namespace and process) after the last.
open class FleetTestCase: XCTestCase {
    /// Name, subnet, size and busybox node of the subclass's fleet.
    open class var fleetSpec: (name: String, subnet: String, count: Int, busybox: Int?) { fatalError("override fleetSpec") }
    /// Nodes of the fleet whose PID 1 is systemd.
    open class var systemdNodes: [Int] { [] }

    nonisolated(unsafe) private static var fleets: [String: TestFleet] = [:]
    nonisolated(unsafe) private static var errors: [String: String] = [:]

    override open class func setUp() {
        super.setUp()
        guard TestFleet.canRun else { return }
        let spec = fleetSpec
        do {
            fleets[spec.name] = try TestFleet(
                name: spec.name, subnet: spec.subnet, count: spec.count, busybox: spec.busybox, systemd: systemdNodes)
        } catch {
            errors[spec.name] = "\(error)"
        }
    }

    override open class func tearDown() {
        fleets.removeValue(forKey: fleetSpec.name)?.down()
        super.tearDown()
    }

    /// The fleet, or a skip when this machine cannot build one (not root, no sshd).
    public func requireFleet() throws -> TestFleet {
        let name = Self.fleetSpec.name
        if let error = Self.errors[name] { XCTFail(error) }
        guard let fleet = Self.fleets[name] else { throw XCTSkip("needs root and sshd to build a test fleet") }
        return fleet
    }
}
