import Foundation

/// One manifest file's text, with the name to show in diagnostics and the
/// directory that relative bundle paths are resolved against.
public struct ManifestInput: Sendable {
    public var displayPath: String
    public var text: String
    public var baseDirectory: String

    public init(displayPath: String, text: String, baseDirectory: String) {
        self.displayPath = displayPath
        self.text = text
        self.baseDirectory = baseDirectory
    }

    /// Expands `-f` arguments: a file, a directory's `*.yaml`/`*.yml` (sorted; `recursive` descends),
    /// or `-` for standard input (read at most once).
    public static func collect(paths: [String], recursive: Bool, readStandardInput: () -> String) throws -> [ManifestInput] {
        var inputs: [ManifestInput] = []
        var readStdin = false
        let cwd = FileManager.default.currentDirectoryPath
        for path in paths {
            if path == "-" {
                guard !readStdin else { throw EdgeError.usage("-f - (standard input) given more than once") }
                readStdin = true
                inputs.append(ManifestInput(displayPath: "<stdin>", text: readStandardInput(), baseDirectory: cwd))
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw EdgeError.invalid("the path \"\(path)\" does not exist")
            }
            if isDirectory.boolValue {
                let files = try manifestFiles(in: path, recursive: recursive)
                if files.isEmpty {
                    throw EdgeError.invalid("no *.yaml or *.yml files in \"\(path)\"\(recursive ? "" : " (use -R to descend into subdirectories)")")
                }
                for file in files { inputs.append(try read(file, cwd: cwd)) }
            } else {
                inputs.append(try read(path, cwd: cwd))
            }
        }
        return inputs
    }

    private static func read(_ path: String, cwd: String) throws -> ManifestInput {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EdgeError.invalid("cannot read \"\(path)\"")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EdgeError.invalid("\(path): not UTF-8 text")
        }
        let absolute = path.hasPrefix("/") ? path : cwd + "/" + path
        let base = (absolute as NSString).deletingLastPathComponent
        return ManifestInput(displayPath: path, text: text, baseDirectory: (base as NSString).standardizingPath)
    }

    private static func manifestFiles(in directory: String, recursive: Bool) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        var files: [String] = []
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names where !name.hasPrefix(".") {
            let path = prefix + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                if recursive { files += try manifestFiles(in: path, recursive: true) }
            } else if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                files.append(path)
            }
        }
        return files
    }
}
