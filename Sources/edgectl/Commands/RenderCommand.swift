import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Show what a node would get for a service: its environment and config files.",
        discussion: """
            Renders the service's templates for that node on this machine (vars, then the
            overrides that match it, in order), from the recorded desired state or, with -f,
            from manifests read over it. Secrets are never read: each shows as
            <secret NAME>. Contacts no node.

            Examples:
              edgectl render service/relay --node gw-berlin-01
              edgectl render service/relay --node gw-berlin-01 -o yaml
              edgectl render service/relay --node gw-berlin-01 -f manifests/
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The service, as service/NAME or NAME.", valueName: "service"))
    var service: String

    @Option(help: ArgumentHelp("The node to render for.", valueName: "name"), completion: .custom(NameCompletion.complete))
    var node: String

    @Option(
        name: [.short, .customLong("filename")],
        help: ArgumentHelp("Render from these manifests (over the recorded state) instead. Repeatable.", valueName: "path"),
        completion: .file(extensions: ["yaml", "yml"]))
    var filename: [String] = []

    @Option(name: .shortAndLong, help: "Output format: text, yaml or json.")
    var output: OutputFormat = .text

    var serviceName: String { (try? ObjectReference.parse(service, kind: .service).get())?.name ?? service }

    func validate() throws {
        try output.check([.text, .yaml, .json], command: "render")
        if case .failure(let problem) = ObjectReference.parse(service, kind: .service) {
            throw ValidationError("render takes a service: \(problem)")
        }
    }

    func run() throws {
        try Output.run(global) {
            let engine = try global.openEngine()
            var resources: [Resource]?
            if !filename.isEmpty {
                let inputs = try ManifestInput.collect(paths: filename, recursive: false) {
                    String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                }
                resources = try engine.desiredState.plan(inputs: inputs, prune: false).resulting(from: try engine.resources())
            }
            let preview = try engine.preview(resources: resources, service: serviceName, node: node)
            Output.emit(output, text: { preview.text(style: global.stdoutStyle) }, data: { preview.json })
        }
    }
}
