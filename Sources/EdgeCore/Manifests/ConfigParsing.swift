import Foundation
import Yams

/// A template as written in a manifest or a template file, kept with its position so a name
/// that some node lacks is reported where it is used.
public struct TemplateUse: Sendable {
    /// `run.env.SITE`, `config.files[0]` (relay.conf), `spec.from.file`.
    public var field: String
    public var template: Template
    /// The file and where the template's text starts in it.
    public var file: String
    public var line: Int
    public var column: Int
    /// The file's text (for the diagnostic's source line).
    public var text: String

    /// Where a use inside the template is in the file.
    public func location(line: Int, column: Int) -> (line: Int, column: Int) {
        line == 1 ? (self.line, self.column + column - 1) : (self.line + line - 1, column)
    }
}

extension DocumentParser {
    /// `run.env`: each value a template string or `{secret: NAME}`.
    func readEnv(
        _ node: Node, references: inout [ParsedResource.Reference], templates: inout [TemplateUse]
    ) -> [(key: String, keyNode: Node, value: EnvValue, valueNode: Node)] {
        guard case .mapping(let mapping) = node else {
            reader.error("spec.run.env must be a mapping, got \(reader.describe(node))", at: node)
            return []
        }
        var result: [(key: String, keyNode: Node, value: EnvValue, valueNode: Node)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = reader.string(keyNode, path: "a key of spec.run.env") else { continue }
            let path = "spec.run.env.\(key)"
            if case .mapping = valueNode {
                guard let f = reader.fields(valueNode, path: path, known: ["secret"]),
                    let n = reader.required(f, "secret"), let name = reader.string(n, path: "\(path).secret")
                else { continue }
                references.append(.init(kind: .secret, name: name, location: reader.location(n), field: "\(path).secret"))
                result.append((key, keyNode, .secret(name), valueNode))
                continue
            }
            let text = reader.isNull(valueNode) ? "" : reader.string(valueNode, path: path)
            guard let text, let template = parseTemplate(text, at: valueNode, field: "run.env.\(key)", templates: &templates) else {
                continue
            }
            for name in template.secretNames {
                references.append(.init(kind: .secret, name: name, location: reader.location(valueNode), field: path))
            }
            result.append((key, keyNode, .template(template), valueNode))
        }
        return result
    }

    /// Parses a template written as a YAML scalar, reporting a syntax error at its place.
    func parseTemplate(_ text: String, at node: Node, field: String, templates: inout [TemplateUse]) -> Template? {
        let base = reader.location(node)
        var shift = 0
        if case .scalar(let scalar) = node, scalar.style == .singleQuoted || scalar.style == .doubleQuoted { shift = 1 }
        let use = { (template: Template) in
            TemplateUse(
                field: field, template: template, file: base.file, line: base.line, column: base.column + shift, text: reader.manifestText)
        }
        do {
            let template = try Template(parsing: text)
            if !template.isLiteral { templates.append(use(template)) }
            return template
        } catch {
            let at = use(.literal(text)).location(line: error.line, column: error.column)
            reader.error("\(field): \(error.message)", line: at.line, column: at.column)
            return nil
        }
    }

    func readConfig(_ node: Node, references: inout [ParsedResource.Reference], templates: inout [TemplateUse]) -> ConfigSpec? {
        guard let f = reader.fields(node, path: "spec.config", known: ["vars", "overrides", "files"]) else { return nil }
        var spec = ConfigSpec()
        if let n = reader.optional(f, "vars") { spec.vars = readVars(n, path: "spec.config.vars") }
        if let n = reader.optional(f, "overrides") {
            guard case .sequence(let items) = n else {
                reader.error("spec.config.overrides must be a list, got \(reader.describe(n))", at: n)
                return nil
            }
            for (index, item) in items.enumerated() {
                let path = "spec.config.overrides[\(index)]"
                guard let of = reader.fields(item, path: path, known: ["selector", "nodes", "vars"]) else { continue }
                var override = ConfigSpec.Override()
                if let s = reader.optional(of, "selector") { override.selector = readSelector(s, path: "\(path).selector") }
                if let s = reader.optional(of, "nodes") {
                    for (i, (name, element)) in (reader.stringList(s, path: "\(path).nodes") ?? []).enumerated() {
                        override.nodes.append(name)
                        references.append(.init(kind: .node, name: name, location: reader.location(element), field: "\(path).nodes[\(i)]"))
                    }
                }
                if of.values["selector"] == nil && of.values["nodes"] == nil {
                    reader.error("\(path) needs a selector or nodes to say which nodes it is for", at: item)
                }
                if let v = reader.optional(of, "vars") { override.vars = readVars(v, path: "\(path).vars") }
                spec.overrides.append(override)
            }
        }
        if let n = reader.optional(f, "files") {
            guard case .sequence(let items) = n else {
                reader.error("spec.config.files must be a list, got \(reader.describe(n))", at: n)
                return nil
            }
            var seen: Set<String> = []
            for (index, item) in items.enumerated() {
                if let file = readConfigFile(item, index: index, templates: &templates) {
                    if !seen.insert(file.path).inserted {
                        reader.error("spec.config.files[\(index)].path \"\(file.path)\" is listed twice", at: item)
                        continue
                    }
                    for name in file.template.secretNames {
                        references.append(.init(kind: .secret, name: name, location: reader.location(item), field: "spec.config.files[\(index)]"))
                    }
                    spec.files.append(file)
                }
            }
        }
        return spec
    }

    func readVars(_ node: Node, path: String) -> [String: String] {
        var vars: [String: String] = [:]
        for entry in reader.stringMap(node, path: path) ?? [] { vars[entry.key] = entry.value }
        return vars
    }

    func readConfigFile(_ node: Node, index: Int, templates: inout [TemplateUse]) -> ConfigSpec.File? {
        let path = "spec.config.files[\(index)]"
        guard let f = reader.fields(node, path: path, known: ["path", "template", "mode", "minEndpoints"]) else { return nil }
        var target: String?
        if let n = reader.required(f, "path"), let value = reader.string(n, path: "\(path).path") {
            if !FieldRules.isRelativePath(value, maxBytes: 99) {
                reader.error("\(path).path must be a relative path of at most 99 bytes without \"..\", \".\" or empty parts, got \"\(value)\"", at: n)
            } else {
                target = value
            }
        }
        var mode = 0o644
        if let n = reader.optional(f, "mode"), let text = reader.string(n, path: "\(path).mode") {
            if let value = Int(text, radix: 8), text.count >= 3, text.count <= 4, FieldRules.isConfigMode(value) {
                mode = value
            } else {
                reader.error("\(path).mode must be an octal mode such as \"0640\" that the owner can read, got \"\(text)\"", at: n)
            }
        }
        guard let n = reader.required(f, "template"), let templatePath = reader.string(n, path: "\(path).template") else { return nil }
        let absolute = ((templatePath.hasPrefix("/") ? templatePath : baseDirectory + "/" + templatePath) as NSString).standardizingPath
        guard let data = FileManager.default.contents(atPath: absolute), let text = String(data: data, encoding: .utf8) else {
            reader.error("\(path).template: cannot read \(absolute) (a UTF-8 text file, relative to this manifest)", at: n)
            return nil
        }
        let shown =
            templatePath.hasPrefix("/")
            ? templatePath : ((reader.file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(templatePath)
        var display = (shown as NSString).standardizingPath
        while display.hasPrefix("./") { display.removeFirst(2) }
        let template: Template
        do {
            template = try Template(parsing: text)
        } catch {
            reader.error("\(error.message)", file: display, text: text, line: error.line, column: error.column)
            return nil
        }
        templates.append(
            TemplateUse(field: "config.files[\(index)] (\(target ?? "?"))", template: template, file: display, line: 1, column: 1, text: text))
        guard let target else { return nil }
        if !template.secretNames.isEmpty && mode & 0o007 != 0 {
            reader.error("\(path).mode: a file that uses a secret is at most 0640, got \"\(String(mode, radix: 8))\"", at: f.values["mode"] ?? node)
            return nil
        }
        var file = ConfigSpec.File(path: target, templatePath: display, template: template)
        file.mode = mode
        if let n = reader.optional(f, "minEndpoints") {
            file.minEndpoints = reader.int(n, path: "\(path).minEndpoints", range: 0...100_000)
            if template.endpointLists.isEmpty {
                reader.error("\(path).minEndpoints: the template iterates no endpoints (${for e in endpoints.SERVICE.PORT})", at: n)
            }
        }
        return file
    }

    func readSecret(_ node: Node, path: String) -> SecretSpec? {
        guard let f = reader.fields(node, path: path, known: ["from"]), let n = reader.required(f, "from"),
            let from = reader.fields(n, path: "spec.from", known: ["env", "file", "command"])
        else { return nil }
        let given = ["env", "file", "command"].filter { from.values[$0] != nil }
        guard given.count == 1 else {
            reader.error("spec.from takes one of env, file or command\(given.isEmpty ? "" : ", not \(given.joined(separator: " and "))")", at: n)
            return nil
        }
        if let e = reader.optional(from, "env"), let name = reader.string(e, path: "spec.from.env") {
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                reader.error("spec.from.env: \"\(name)\" is not a valid environment variable name", at: e)
                return nil
            }
            return SecretSpec(from: .env(name))
        }
        if let e = reader.optional(from, "file"), let raw = reader.string(e, path: "spec.from.file") {
            let absolute = raw.hasPrefix("/") || raw.hasPrefix("~") ? (raw as NSString).expandingTildeInPath : baseDirectory + "/" + raw
            var ignored: [TemplateUse] = []
            guard let template = parseTemplate(absolute, at: e, field: "spec.from.file", templates: &ignored) else { return nil }
            if template.parts.contains(where: {
                if case .reference(.secret, _, _) = $0 { return true }
                if case .reference(.variable, _, _) = $0 { return true }
                if case .loop = $0 { return true }
                return false
            }) {
                reader.error("spec.from.file may use ${node.*} only", at: e)
                return nil
            }
            return SecretSpec(from: .file(template))
        }
        if let e = reader.optional(from, "command"), let items = reader.stringList(e, path: "spec.from.command") {
            guard let first = items.first?.0, !first.isEmpty else {
                reader.error("spec.from.command must not be empty", at: e)
                return nil
            }
            return SecretSpec(from: .command(items.map(\.0)))
        }
        return nil
    }
}
