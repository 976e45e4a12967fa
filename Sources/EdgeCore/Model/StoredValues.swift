/// Checks what is read back from the state before it reaches a node.
///
/// The manifest parser checked these values when they were applied, but the state may have
/// been written since by something else (another tool, a hand edit, a damaged row, someone
/// with write access to a shared database). Arguments reach nodes single-quoted, so the risk
/// is not injection into a command line but meaning: a release digest of `../..` is a path
/// the node library would clean up, a service name of `..` a directory it would remove, an
/// environment key with a newline a line of the unit file the node sources. So every value
/// that becomes a path, a name, a line or a port on a node is checked again here.
///
/// Not a trust boundary against whoever writes the state: they choose `run.command` already.
public enum StoredValues {
    /// `resources` when every one may reach a node; otherwise an error naming each that may not
    /// and what is wrong, thrown before any node is contacted.
    public static func checked(_ resources: [Resource], stateName: String) throws -> [Resource] {
        var bad: [String] = []
        for resource in resources {
            let found = problems(resource)
            if !found.isEmpty { bad.append(TerminalText.escape("\(resource.id): \(found.joined(separator: "; "))")) }
        }
        if !bad.isEmpty {
            throw EdgeError.runtime(
                "the state \(stateName) holds values edgectl would not have written, so no node was contacted:\n  "
                    + bad.joined(separator: "\n  ") + "\napply its manifest again (or delete it) to replace it")
        }
        return resources
    }

    /// What is wrong with a resource read from the state; empty when it may be used.
    public static func problems(_ resource: Resource) -> [String] {
        var problems: [String] = []
        if let problem = Names.dnsLabelProblem(resource.name) { problems.append(problem) }
        switch resource.spec {
        case .node(let spec):
            if !FieldRules.ports.contains(spec.port) { problems.append("spec.port \(spec.port) is out of range") }
            if FieldRules.normalisedRoot(spec.root) != spec.root {
                problems.append("spec.root \"\(spec.root)\" is not a normalised absolute path other than /")
            }
            if let user = spec.user, !FieldRules.isUserName(user) { problems.append("spec.user \"\(user)\" is not a valid user name") }
        case .service(let spec):
            if let digest = resource.release?.digest, !FieldRules.isDigest(digest) {
                problems.append("its release \"\(digest)\" is not a SHA-256 digest")
            }
            problems += runProblems(spec.run)
            problems += healthProblems(spec.healthCheck)
            for file in spec.config?.files ?? [] {
                if !FieldRules.isRelativePath(file.path, maxBytes: 99) {
                    problems.append("config file path \"\(file.path)\" is not a relative path inside its directory")
                }
                if !FieldRules.isConfigMode(file.mode) { problems.append("config file \(file.path) has mode \(String(file.mode, radix: 8))") }
            }
        case .nodeGroup, .secret:
            break
        }
        return problems
    }

    private static func runProblems(_ run: RunSpec) -> [String] {
        var problems: [String] = []
        if run.command.isEmpty || run.command[0].isEmpty { problems.append("run.command is empty") }
        if run.command.contains(where: { $0.utf8.contains(0) }) { problems.append("run.command holds a NUL byte") }
        for key in run.env.keys.sorted() { if let problem = FieldRules.envKeyProblem(key) { problems.append("run.env: \(problem)") } }
        if let user = run.user, !FieldRules.isUserName(user) { problems.append("run.user \"\(user)\" is not a valid user name") }
        if let seconds = run.stopTimeoutSeconds, !(1...3600).contains(seconds) {
            problems.append("run.stopTimeoutSeconds \(seconds) is out of range")
        }
        return problems
    }

    private static func healthProblems(_ check: HealthCheckSpec?) -> [String] {
        guard let check else { return [] }
        var problems: [String] = []
        switch check.probe {
        case .http(let port, let path):
            if !FieldRules.ports.contains(port) { problems.append("healthCheck.http.port \(port) is out of range") }
            if !FieldRules.isHTTPPath(path) { problems.append("healthCheck.http.path is not a path") }
        case .tcp(let port):
            if !FieldRules.ports.contains(port) { problems.append("healthCheck.tcp.port \(port) is out of range") }
        case .exec(let argv):
            if argv.isEmpty || argv[0].isEmpty || argv.contains(where: { $0.utf8.contains(0) }) {
                problems.append("healthCheck.exec is not a command")
            }
        case nil:
            break
        }
        for (name, value, range) in [
            ("timeoutSeconds", check.timeoutSeconds, 1...3600), ("periodSeconds", check.periodSeconds, 1...3600),
            ("healthyDeadlineSeconds", check.healthyDeadlineSeconds, 1...86400),
        ] where !range.contains(value) {
            problems.append("healthCheck.\(name) \(value) is out of range")
        }
        return problems
    }

    /// What is wrong with a release's file list read back from the state: each entry must be
    /// one the scanner could have made, and together they must hash to `digest`, so the list
    /// is the release it names (a changed row cannot send other files, or files elsewhere).
    public static func problems(entries: [BundleEntry], digest: String) -> [String] {
        var problems: [String] = []
        let links = Dictionary(entries.compactMap { $0.type == .symlink ? ($0.path, $0.target ?? "") : nil }) { a, _ in a }
        for entry in entries {
            if !FieldRules.isRelativePath(entry.path) {
                problems.append("entry \"\(TerminalText.escape(entry.path))\" is not a relative path"); continue
            }
            switch entry.type {
            case .file:
                if entry.mode & ~0o755 != 0 { problems.append("entry \(entry.path) has mode \(String(entry.mode, radix: 8))") }
                if !(entry.digest.map(FieldRules.isDigest) ?? false) || entry.size < 0 {
                    problems.append("entry \(entry.path) has no valid digest or size")
                }
            case .directory:
                if entry.mode & ~0o755 != 0 { problems.append("entry \(entry.path) has mode \(String(entry.mode, radix: 8))") }
            case .symlink:
                if !BundleScanner.resolvesInside(link: entry.path, links: links) { problems.append("link \(entry.path) leads outside the release") }
            }
        }
        if problems.isEmpty && BundleScanner.digest(of: entries) != digest { problems.append("its files do not hash to its digest") }
        return problems
    }
}
