/// How a node runs services, as its node library reports it (the last line of its facts).
/// Decides what a unit can promise there: systemd starts services at boot and enforces
/// `run.resources` as far as its cgroups have the controllers; edgectl's own supervisor
/// restarts them and comes back at boot through the node's boot hook, when it has one.
public enum NodeRuntime: Sendable, Equatable {
    /// `limits`: the cgroup controllers systemd can use for `run.resources` (`memory`, `cpu`).
    case systemd(limits: [String])
    /// Supervised by edgectl's sh supervisor; `boot` names the hook (`rc.local`, `local.d`),
    /// nil when there is none (not connected as root).
    case supervisor(boot: String?)

    public init?(fact: String) {
        let words = fact.split(separator: " ").map(String.init)
        switch words.first {
        case "systemd": self = .systemd(limits: Array(words.dropFirst()))
        case "supervisor": self = .supervisor(boot: words.count > 1 && words[1] != "none" ? words[1] : nil)
        default: return nil
        }
    }

    public var fact: String {
        switch self {
        case .systemd(let limits): return (["systemd"] + limits).joined(separator: " ")
        case .supervisor(let boot): return "supervisor " + (boot ?? "none")
        }
    }

    public var isSupervisor: Bool {
        if case .supervisor = self { return true }
        return false
    }

    /// The parts of `limits` this node cannot enforce (`memory`, `cpu`), in words for a warning.
    public func unenforced(_ limits: ResourceLimits) -> [String] {
        let wanted = (limits.memoryBytes != nil ? ["memory"] : []) + (limits.cpuPercent != nil ? ["cpu"] : [])
        switch self {
        case .systemd(let have): return wanted.filter { !have.contains($0) }
        case .supervisor: return wanted
        }
    }

    /// For people: `systemd units`, `edgectl supervisor (boot: /etc/rc.local)`.
    public var description: String {
        switch self {
        case .systemd(let limits):
            return "systemd units"
                + (limits.isEmpty ? " (no cgroup controllers: run.resources not enforced)" : " (limits: \(limits.joined(separator: ", ")))")
        case .supervisor(let boot?): return "edgectl supervisor (boot: \(boot == "rc.local" ? "/etc/rc.local" : "/etc/local.d"))"
        case .supervisor(nil): return "edgectl supervisor (no boot hook: back at the next reconcile)"
        }
    }
}
