import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script.",
        discussion: """
            The same scripts are committed under completions/. Names of nodes, groups and
            services complete from the state file.

            Examples:
              source <(edgectl completion bash)
              edgectl completion zsh > "${fpath[1]}/_edgectl"
              edgectl completion fish > ~/.config/fish/completions/edgectl.fish
            """)

    @Argument(help: "bash, zsh or fish.", completion: .list(["bash", "zsh", "fish"]))
    var shell: String

    func validate() throws {
        guard CompletionShell(rawValue: shell) != nil, ["bash", "zsh", "fish"].contains(shell) else {
            throw ValidationError("unsupported shell \"\(shell)\": expected bash, zsh or fish")
        }
    }

    func run() throws {
        Output.print(Edgectl.completionScript(for: CompletionShell(rawValue: shell)!), terminator: "")
    }
}

/// Completes resource names from the state file (read-only; never creates it).
enum NameCompletion {
    @Sendable static func complete(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        let kind = arguments.lazy.compactMap { ResourceKind(argument: $0.split(separator: "/").first.map(String.init) ?? $0) }.first
        return names(kind, arguments, prefix)
    }

    @Sendable static func nodes(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] { names(.node, arguments, prefix) }
    @Sendable static func groups(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] { names(.nodeGroup, arguments, prefix) }

    /// `service/NAME` arguments.
    @Sendable static func services(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        names(.service, arguments, prefix.hasPrefix("service/") ? String(prefix.dropFirst(8)) : prefix).map { "service/" + $0 }
    }

    private static func names(_ kind: ResourceKind?, _ arguments: [String], _ prefix: String) -> [String] {
        var statePath = Engine.defaultStatePath()
        if let i = arguments.firstIndex(of: "--state"), i + 1 < arguments.count { statePath = arguments[i + 1] }
        guard FileManager.default.fileExists(atPath: statePath), let engine = try? Engine(statePath: statePath) else { return [] }
        let resources = (try? engine.resources(kind: kind)) ?? []
        return resources.map(\.name).filter { $0.hasPrefix(prefix) }
    }
}
