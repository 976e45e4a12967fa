import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Node maintenance.",
        subcommands: [TrustCommand.self])

    struct TrustCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trust",
            abstract: "Accept a node's new host key after a planned re-key.",
            discussion: """
                Reads the key the node presents now (without logging in) and records it only
                if it is the one you expect: give its fingerprint with --expect (read it on
                the node: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), or, on a
                terminal, compare the old and new fingerprints shown and answer y.

                Examples:
                  edgectl node trust gw-berlin-01 --expect SHA256:3mQ4…
                  edgectl node trust gw-berlin-01          (asks on a terminal)
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The node whose host key to trust.", completion: .custom(NameCompletion.complete))
        var name: String

        @Option(help: ArgumentHelp("The new key's SHA256 fingerprint; nothing is recorded unless the node presents it.", valueName: "SHA256:…"))
        var expect: String?

        func validate() throws {
            if let expect, !expect.hasPrefix("SHA256:") { throw ValidationError("--expect takes a SHA256:… fingerprint, got \"\(expect)\"") }
            if expect == nil && (isatty(0) != 1 || isatty(2) != 1) {
                throw ValidationError("give the new key's fingerprint with --expect SHA256:… (there is no terminal to confirm on)")
            }
        }

        func run() throws {
            try Output.run(global) {
                let engine = try global.openEngine()
                let lock = try global.lock(engine, command: Output.commandLine)
                defer { lock.release() }
                let settings = ConnectionSettings(parallel: 1, connectTimeout: global.connectTimeout)
                let show = { (change: FleetService.TrustChange) in
                    Output.print("node/\(change.node) host key")
                    Output.print("  old: \(change.old.map { "\($0.fingerprint) (\($0.keyType))" } ?? "<none recorded>")")
                    Output.print("  new: \(change.new.fingerprint) (\(change.new.type))")
                }
                let change = try engine.nodes(settings: settings).trust(node: name, expect: expect) { change in
                    show(change)
                    Output.err("Trust the new key? [y/N] ")
                    return (readLine() ?? "").lowercased().hasPrefix("y")
                }
                if expect != nil { show(change) }
                Output.print("trusted")
            }
        }
    }
}
