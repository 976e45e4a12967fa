import ArgumentParser
import EdgeCore
import EdgeEngine

struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show one node, node group or service in full, with its recent events.",
        discussion: """
            Reads the state only, as last observed: a service's per-node table (release,
            phase, health, since when, and why it is not Running), a node's services, a
            group's members, revisions, and the recent events. `edgectl status` refreshes
            the observations first.

            Examples:
              edgectl describe node gw-berlin-01
              edgectl describe nodegroup berlin
              edgectl describe service web
              edgectl describe service/web
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(
        help: ArgumentHelp("node, nodegroup or service (or KIND/NAME).", valueName: "kind"),
        completion: .list(["node", "nodegroup", "service"]))
    var kind: String

    @Argument(help: ArgumentHelp("The object's name.", valueName: "name"), completion: .custom(NameCompletion.complete))
    var name: String?

    func validate() throws {
        let (k, n) = target
        guard ResourceKind(argument: k) != nil else {
            throw ValidationError("unknown kind \"\(k)\": expected node, nodegroup or service")
        }
        if n == nil { throw ValidationError("give the name of the \(k) to describe") }
    }

    /// Accepts `KIND NAME` and `KIND/NAME`.
    var target: (String, String?) {
        if name == nil, let slash = kind.firstIndex(of: "/") {
            return (String(kind[..<slash]), String(kind[kind.index(after: slash)...]))
        }
        return (kind, name)
    }

    func run() throws {
        try Output.run(global) {
            let (k, n) = target
            let id = ResourceID(ResourceKind(argument: k)!, n!)
            let engine = try global.openEngine()
            let inventory = try engine.inventory()
            guard let item = inventory.resources.first(where: { $0.resource.id == id }) else {
                throw EdgeError.runtime("\(id) not found")
            }
            let revisions = id.kind == .service ? try engine.revisions(service: id.name) : []
            let events = try engine.events(kind: id.kind.rawValue, name: id.name, limit: 20)
            Output.print(DescribePresenter(inventory: inventory).describe(item, revisions: revisions, events: events, width: Output.terminalWidth))
        }
    }
}
