import ArgumentParser
import EdgeCore
import EdgeEngine
import EdgeStore

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
                Reads the key the node presents now (without logging in), shows the old and
                new SHA256 fingerprints, and records the new one. Compare the new fingerprint
                with the node's own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the
                node) first.

                Examples:
                  edgectl node trust gw-berlin-01
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The node whose host key to trust.", completion: .custom(NameCompletion.complete))
        var name: String

        func run() throws {
            try Output.run(global) {
                let store = try global.openStore()
                let lock = try global.lock(store, command: Output.commandLine)
                defer { lock.release() }
                let settings = ConnectionSettings(parallel: 1, connectTimeout: global.connectTimeout)
                let change = try FleetService(store: store, settings: settings).trust(node: name)
                Output.print("node/\(change.node) host key")
                Output.print("  old: \(change.old.map { "\($0.fingerprint) (\($0.keyType))" } ?? "<none recorded>")")
                Output.print("  new: \(change.new.fingerprint) (\(change.new.type))")
                Output.print("trusted")
            }
        }
    }
}
