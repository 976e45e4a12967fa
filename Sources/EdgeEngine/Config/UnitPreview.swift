import EdgeCore
import EdgeStore
import Foundation

/// What one node would get for one service (`edgectl render`): the environment and config
/// files rendered for that node, every secret masked (`<secret NAME>`; no secret is read).
public struct UnitPreview: Sendable {
    public var service: String
    public var node: String
    public var configDirectory: String
    public var environment: [(String, String)]
    public var files: [ServiceUnit.RenderedFile]

    /// From the recorded desired state, or from these resources (manifests read over it).
    public static func make(store: StateStore, resources: [Resource]? = nil, service: String, node: String) throws -> UnitPreview {
        let fleet = Fleet(try resources ?? store.checkedResources())
        guard let resource = fleet.services[service] else { throw EdgeError.runtime("service/\(service) not found in the desired state") }
        guard fleet.nodes[node] != nil else { throw EdgeError.runtime("node/\(node) not found in the desired state") }
        let targets = fleet.targets(ofService: service)
        guard targets.contains(node) else {
            throw EdgeError.runtime(
                "service/\(service) does not run on node \(node) (it runs on \(targets.isEmpty ? "no node" : targets.joined(separator: ", ")))")
        }
        let recorded = try store.revisions(service: service).last?.release
        let release = resource.release?.digest ?? recorded ?? "<release>"
        let unit: ServiceUnit
        do {
            unit = try fleet.unit(ofService: service, node: node, release: release, endpoints: try Endpoints.lookup(store: store, fleet: fleet))
        } catch {
            throw EdgeError.invalid("service/\(service) on node \(node): \(error)")
        }
        // The directory is named after the unit's digest, which the secrets' values change.
        let directory = (unit.configDirectory as NSString).deletingLastPathComponent + "/<unit>"
        let environment = unit.environment.map { $0.0 == "EDGE_CONFIG_DIR" ? ($0.0, directory) : $0 }
        return UnitPreview(service: service, node: node, configDirectory: directory, environment: environment, files: unit.files)
    }

    /// For people: the environment, then each file under a header with its mode.
    public func text(style: Style) -> String {
        var lines = [style.bold("service/\(service) on node \(node)"), "", style.bold("Environment:")]
        for (key, value) in environment { lines.append("  \(key)=\(value)") }
        lines.append("")
        lines.append(style.bold("Config files") + " (in $EDGE_CONFIG_DIR)" + (files.isEmpty ? ": <none>" : ":"))
        for file in files {
            lines.append(style.dim("--- \(file.path) (mode \(String(file.mode, radix: 8)))"))
            let content = String(decoding: file.content, as: UTF8.self)
            lines.append(content.hasSuffix("\n") ? String(content.dropLast()) : content)
        }
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        .object([
            ("service", .string(service)), ("node", .string(node)),
            ("env", .object(environment.map { ($0.0, JSONValue.string($0.1)) })),
            (
                "files",
                .array(
                    files.map {
                        .object([
                            ("path", .string($0.path)), ("mode", .string(String(format: "%04o", $0.mode))),
                            ("content", .string(String(decoding: $0.content, as: UTF8.self))),
                        ])
                    })
            ),
        ])
    }
}
