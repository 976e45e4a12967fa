import Crypto
import EdgeCore
import EdgeStore
import Foundation

/// Reads secrets' values on this machine when a run needs them (from the environment, a file,
/// or a command's standard output), once per run and source, and fingerprints each with a key
/// the state's readers do not have (`FingerprintKey`), so the state can tell a rotation without holding
/// anything from which the value could be guessed. Every value read is registered with the
/// `Redactor` before it goes anywhere.
public final class SecretResolver: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var secret: String
        public var reason: String
        public var description: String { "secret/\(secret): \(reason)" }
    }

    private let fleet: Fleet
    private let key: SymmetricKey
    private let lock = NSLock()
    private var cache: [String: Result<String, Failure>] = [:]

    /// The fingerprint key comes with the state (`FingerprintKey`): a file beside a SQLite
    /// state, the operator's own key for a shared PostgreSQL one, never the database.
    public init(fleet: Fleet, store: StateStore) throws {
        self.fleet = fleet
        key = FingerprintKey.symmetricKey(try FingerprintKey.hex(for: store) { OperatorNotice.note($0) })
    }

    /// Reads (best effort) every secret the services on `nodes` use, so the `Redactor` masks
    /// their values in what those nodes send back (`logs`, `exec`); a secret that cannot be
    /// read is skipped: it cannot be in the output of a unit that was never made with it.
    public static func learn(store: StateStore, nodes: [String]) {
        guard let resources = try? store.resources().map(\.resource) else { return }
        let fleet = Fleet(resources)
        guard !fleet.secrets.isEmpty, let resolver = try? SecretResolver(fleet: fleet, store: store) else { return }
        for node in nodes {
            for service in fleet.services(onNode: node) {
                guard let spec = fleet.services[service]?.spec else { continue }
                let names = Set(spec.run.env.values.flatMap(\.secretNames) + (spec.config?.secretNames ?? []))
                for name in names.sorted() { _ = try? resolver.value(name, node: node) }
            }
        }
    }

    public func fingerprint(_ value: String) -> String {
        "hmac-sha256:" + HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    /// The value of secret `name` for `node`, with its fingerprint.
    public func value(_ name: String, node: String) throws -> ServiceUnit.SecretValue {
        guard let spec = fleet.secrets[name]?.spec else { throw Failure(secret: name, reason: "no such Secret in the desired state") }
        let cacheKey: String
        let read: () -> Result<String, Failure>
        switch spec.from {
        case .env(let variable):
            cacheKey = "env:" + variable
            read = {
                guard let value = ProcessInfo.processInfo.environment[variable] else {
                    return .failure(Failure(secret: name, reason: "environment variable \(variable) is not set"))
                }
                return .success(value)
            }
        case .file(let template):
            let resource = fleet.nodes[node]
            let context = TemplateContext(
                nodeName: node, nodeAddress: resource?.spec.address ?? "", labels: resource?.labels ?? [:], vars: [:])
            guard let path = try? template.render(context) else {
                throw Failure(secret: name, reason: "its file path \(template.source) names something node \(node) lacks")
            }
            cacheKey = "file:" + path
            read = {
                guard let data = FileManager.default.contents(atPath: path) else {
                    return .failure(Failure(secret: name, reason: "cannot read \(path) (for node \(node))"))
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    return .failure(Failure(secret: name, reason: "\(path) is not UTF-8 text"))
                }
                return .success(text)
            }
        case .command(let argv):
            cacheKey = "command:" + argv.joined(separator: "\u{0}")
            read = { SecretResolver.run(argv, secret: name) }
        }
        lock.lock()
        let cached = cache[cacheKey]
        lock.unlock()
        let result = cached ?? read()
        if cached == nil {
            lock.lock()
            cache[cacheKey] = result
            lock.unlock()
        }
        let value = try result.get()
        Redactor.shared.register(value, name: name)
        return ServiceUnit.SecretValue(value: value, fingerprint: fingerprint(value))
    }

    /// Runs argv (no shell), its stdout the value (one trailing newline removed); its stderr is
    /// not shown, since a failing secret tool may print the value or part of it.
    static func run(_ argv: [String], secret: String) -> Result<String, Failure> {
        let process = Process()
        let executable = argv[0].contains("/") ? argv[0] : SecretResolver.which(argv[0])
        guard let executable else { return .failure(Failure(secret: secret, reason: "command \(argv[0]) not found on PATH")) }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure(Failure(secret: secret, reason: "cannot run \(argv[0]): \(error.localizedDescription)"))
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return .failure(Failure(secret: secret, reason: "command \(argv[0]) failed (exit \(process.terminationStatus))"))
        }
        guard var text = String(data: data, encoding: .utf8) else {
            return .failure(Failure(secret: secret, reason: "command \(argv[0]) printed something that is not UTF-8 text"))
        }
        if text.hasSuffix("\n") { text.removeLast() }
        return .success(text)
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
