import ArgumentParser
import EdgeCore
import EdgeEngine
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
            let engine = try global.openEngine()
            var ids: [ResourceID] = []
            if !filename.isEmpty {
                ids = try engine.desiredState.ids(
                    in: try ManifestInput.collect(paths: filename, recursive: recursive) {
                        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                    })
            } else if let kind, let resourceKind = ResourceKind(argument: kind) {
                ids = names.map { ResourceID(resourceKind, $0) }
            }
            let lock = try global.lock(engine, command: Output.commandLine)
            defer { lock.release() }
            let deleted = try engine.desiredState.delete(
                ids, onlyExisting: !filename.isEmpty, actor: Actor.current(command: Output.commandLine), lock: lock)
            if deleted.isEmpty { Output.note("nothing to delete: none of these objects is in the desired state") }
            for id in deleted { Output.print("\(id) deleted") }
        }
    }
}
