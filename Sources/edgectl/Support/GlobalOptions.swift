import ArgumentParser
import EdgeCore
import EdgeEngine
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

    var statePath: String { state ?? Engine.defaultStatePath() }

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
        guard lockTimeout >= 0 else { throw ValidationError("--lock-timeout must not be negative") }
    }

    func openEngine() throws -> Engine {
        let style = stderrStyle
        OperatorNotice.sink = { kind, text in kind == .warning ? Output.warn(text, style: style) : Output.note("note: " + text) }
        return try Engine(statePath: statePath)
    }

    var stdoutStyle: Style { Style.detect(fileDescriptor: 1, noColorFlag: noColor) }
    var stderrStyle: Style { Style.detect(fileDescriptor: 2, noColorFlag: noColor) }

    /// Takes the run lock, warning when a dead holder's lock is taken over.
    func lock(_ engine: Engine, command: String) throws -> StateLock {
        let lock = try engine.lock(command: command, timeout: lockTimeout)
        if let old = lock.tookOverFrom {
            Output.warn("took over the lock of \(old), which \(lock.takeoverReason ?? "is no longer running")", style: stderrStyle)
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

/// `-o` on every command: one type. Each command says which formats it has (`check`);
/// `text` and `table` are the same human form, so either is accepted wherever one is.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, table, wide, json, yaml, name
    /// Prometheus service discovery (`get endpoints`).
    case prometheusSD = "prometheus-sd"

    /// The human form (lines, tables), as opposed to a machine one.
    var isHuman: Bool { self == .text || self == .table || self == .wide }

    /// Refuses (exit 64) a format this command does not have, naming the ones it has.
    func check(_ accepted: [OutputFormat], command: String) throws {
        let plain: Set<OutputFormat> = [.text, .table]
        if accepted.contains(self) || (plain.contains(self) && accepted.contains(where: plain.contains)) { return }
        throw ValidationError("\(command) has no -o \(rawValue); use \(accepted.map(\.rawValue).joined(separator: ", "))")
    }
}

extension Output {
    /// The one printer for a command's answer: the human text, or the same data as JSON or YAML.
    static func emit(_ format: OutputFormat, text: () -> String, data: () -> JSONValue) {
        switch format {
        case .json: print(data().render())
        case .yaml: out(data().yaml())
        case .text, .table, .wide, .name, .prometheusSD: print(text())
        }
    }
}
