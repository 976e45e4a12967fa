import ArgumentParser
import EdgeCore
import EdgeEngine
import EdgeStore
import Foundation

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Remove objects from the desired state.",
        discussion: """
            A deleted service is stopped and removed from its nodes by the next reconcile.
            An object still named by another (a node listed by a group, a group listed by
            a service) is not deleted; delete or change the referring object in the same
            run.

            Examples:
              edgectl delete service web
              edgectl delete node gw-berlin-01
              edgectl delete -f manifests/web.yaml        everything those files define
            """)

    @OptionGroup var global: GlobalOptions

    @Option(
        name: [.short, .customLong("filename")], help: ArgumentHelp("Delete what these manifests define.", valueName: "path"),
        completion: .file(extensions: ["yaml", "yml"]))
    var filename: [String] = []

    @Flag(name: [.customShort("R"), .long], help: "Descend into subdirectories of directories given with -f.")
    var recursive = false

    @Argument(help: ArgumentHelp("node, nodegroup or service.", valueName: "kind"), completion: .list(["node", "nodegroup", "service"]))
    var kind: String?

    @Argument(help: ArgumentHelp("The names to delete.", valueName: "name"), completion: .custom(NameCompletion.complete))
    var names: [String] = []

    func validate() throws {
        if filename.isEmpty {
            guard let kind else { throw ValidationError("give KIND NAME… or -f PATH") }
            guard ResourceKind(argument: kind) != nil else {
                throw ValidationError("unknown kind \"\(kind)\": expected node, nodegroup or service")
            }
            if names.isEmpty { throw ValidationError("give the name of the \(kind) to delete") }
        } else if kind != nil {
            throw ValidationError("give either -f PATH or KIND NAME, not both")
        }
    }

    func run() throws {
        try Output.run(global) {
            var ids: [ResourceID] = []
            if !filename.isEmpty {
                let inputs = try ManifestInput.collect(paths: filename, recursive: recursive) {
                    String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                }
                var diagnostics: [Diagnostic] = []
                for input in inputs {
                    let parsed = ManifestParser.parse(input)
                    diagnostics += parsed.diagnostics
                    ids += parsed.resources.map(\.id)
                }
                if !diagnostics.isEmpty { throw ManifestError(diagnostics) }
            } else if let kind, let resourceKind = ResourceKind(argument: kind) {
                ids = names.map { ResourceID(resourceKind, $0) }
            }
            let store = try global.openStore()
            let lock = try global.lock(store, command: Output.commandLine)
            defer { lock.release() }
            let service = DesiredStateService(store: store)
            let existing = Set(try store.resources().map(\.resource.id))
            if !filename.isEmpty { ids = ids.filter(existing.contains) }
            if ids.isEmpty {
                Output.note("nothing to delete: none of these objects is in the desired state")
                return
            }
            let plan = try service.deletionPlan(ids)
            _ = try service.record(plan, actor: Actor.current(command: Output.commandLine), lock: lock)
            for id in ids.sorted() { Output.print("\(id) deleted") }
        }
    }
}
