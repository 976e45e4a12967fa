import ArgumentParser
import EdgeCore
import EdgeEngine
import EdgeStore
import Foundation

/// The options every command takes (SPEC "Global options").
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The state file (env EDGECTL_STATE).", valueName: "path"), completion: .file(extensions: ["db"]))
    var state: String?

    @Option(name: .long, help: "Concurrent node connections.")
    var parallel: Int = 32

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for a node to answer.", valueName: "seconds"))
    var connectTimeout: Double = 10

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for another run's lock on the state (0: fail at once).", valueName: "seconds"))
    var lockTimeout: Double = 0

    @Flag(name: .long, help: "No colour (also: the NO_COLOR environment variable).")
    var noColor = false

    @Flag(name: .shortAndLong, help: "More detail on what is happening.")
    var verbose = false

    var statePath: String { state ?? StateStore.defaultPath() }

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
        guard lockTimeout >= 0 else { throw ValidationError("--lock-timeout must not be negative") }
    }

    func openStore() throws -> StateStore { try StateStore(path: statePath) }

    var stdoutStyle: Style { Style.detect(fileDescriptor: 1, noColorFlag: noColor) }
    var stderrStyle: Style { Style.detect(fileDescriptor: 2, noColorFlag: noColor) }

    /// Takes the run lock, warning when a dead holder's lock is taken over.
    func lock(_ store: StateStore, command: String) throws -> RunLock {
        let lock = try store.acquireLock(command: command, timeout: lockTimeout)
        if let dead = lock.tookOverFrom {
            Output.warn("took over the lock of \(dead), which is no longer running", style: stderrStyle)
        }
        return lock
    }
}

/// `-f PATH…`, `-R`: where manifests come from.
struct ManifestOptions: ParsableArguments {
    @Option(
        name: [.short, .customLong("filename")],
        help: ArgumentHelp("A manifest file, a directory of them, or - for standard input. Repeatable.", valueName: "path"),
        completion: .file(extensions: ["yaml", "yml"]))
    var filename: [String] = []

    @Flag(name: [.customShort("R"), .long], help: "Descend into subdirectories of directories given with -f.")
    var recursive = false

    func validate() throws {
        if filename.isEmpty { throw ValidationError("give at least one manifest with -f PATH") }
    }

    func inputs() throws -> [ManifestInput] {
        try ManifestInput.collect(paths: filename, recursive: recursive) {
            String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, wide, json, yaml, name
}
