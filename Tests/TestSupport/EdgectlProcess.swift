import Foundation

/// Runs the built `edgectl` binary, as a user would, and captures what it prints.
public enum Edgectl {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The binary next to the test bundle (`swift build` puts both in the same products directory).
    public static var binaryPath: String {
        if let explicit = ProcessInfo.processInfo.environment["EDGECTL_BIN"] { return explicit }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("edgectl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot + "/.build/debug/edgectl"
    }

    public static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Starts edgectl without waiting, for races and concurrency tests.
    public static func start(
        _ arguments: [String], state: String?, stdin: String? = nil, environment: [String: String] = [:],
        directory: String? = nil
    ) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaryPath)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env.removeValue(forKey: "EDGECTL_STATE")
        if let state { env["EDGECTL_STATE"] = state }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        return (process, out, err)
    }

    @discardableResult
    public static func run(
        _ arguments: [String], state: String?, stdin: String? = nil, environment: [String: String] = [:],
        directory: String? = nil
    ) throws -> Result {
        let (process, out, err) = try start(arguments, state: state, stdin: stdin, environment: environment, directory: directory)
        let (stdout, stderr) = Shell.collect(process, out, err)
        return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

final class DataBox: @unchecked Sendable {
    var data = Data()
}
