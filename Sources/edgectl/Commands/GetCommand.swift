import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "List objects from the state.",
        discussion: """
            Reads the state file only: no node is contacted and no lock is taken.

            Examples:
              edgectl get nodes
              edgectl get nodes -l site=berlin,tier!=db -o wide
              edgectl get services web -o yaml
              edgectl get releases
              edgectl get events --for service/web --since 1h
              edgectl get nodes -o name | xargs -n1 edgectl describe
              edgectl get endpoints service/api -o wide
              edgectl get endpoints -o prometheus-sd > /etc/prometheus/edgectl.json
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(
        help: ArgumentHelp("nodes, nodegroups, services, secrets, releases, events or endpoints.", valueName: "kind"),
        completion: .list(ListKind.allCases.map(\.rawValue)))
    var kind: String

    @Argument(
        help: ArgumentHelp(
            "Only the object with this name (events: about objects with this name; releases: a digest prefix or service; endpoints: of service/NAME).",
            valueName: "name"),
        completion: .custom(NameCompletion.complete))
    var name: String?

    @Option(
        name: [.customShort("l"), .customLong("selector")],
        help: ArgumentHelp("Label selector, e.g. site=berlin,tier!=db,gpu,!legacy,env in (a,b).", valueName: "selector"))
    var selector: String?

    @Option(name: [.short, .customLong("output")], help: "table, wide, json, yaml, name, or (endpoints) prometheus-sd.")
    var output: OutputFormat = .table

    @Option(
        name: .customLong("for"),
        help: ArgumentHelp("Events: only those about this object (service/NAME, node/NAME, nodegroup/NAME).", valueName: "kind/name"))
    var forObject: String?

    @Option(help: ArgumentHelp("Events: only those newer than this (30s, 15m, 1h, 2d).", valueName: "duration"))
    var since: String?

    func validate() throws {
        try output.check([.table, .wide, .json, .yaml, .name, .prometheusSD], command: "get")
        guard let listKind = ListKind(argument: kind) else {
            throw ValidationError("unknown kind \"\(kind)\": expected one of \(ListKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if output == .prometheusSD && listKind != .endpoints {
            throw ValidationError("-o prometheus-sd lists endpoints: edgectl get endpoints -o prometheus-sd")
        }
        if selector != nil && listKind.resourceKind == nil {
            throw ValidationError("-l applies to nodes, nodegroups and services")
        }
        if (forObject != nil || since != nil) && listKind != .events {
            throw ValidationError("--for and --since apply to events")
        }
        if let since, Duration.seconds(since) == nil {
            throw ValidationError("--since takes a duration such as 30s, 15m, 1h or 2d, got \"\(since)\"")
        }
    }

    func run() throws {
        try Output.run(global) {
            let listKind = ListKind(argument: kind)!
            let labelSelector = try selector.map { try LabelSelector(parsing: $0) }
            let engine = try global.openEngine()
            let presenter = ResourcePresenter(inventory: try engine.inventory())
            let width = Output.terminalWidth
            switch listKind {
            case .nodes, .nodegroups, .services, .secrets:
                let resourceKind = listKind.resourceKind!
                var items = presenter.inventory.stored(resourceKind)
                if let name { items = items.filter { $0.resource.name == name } }
                if let labelSelector { items = items.filter { labelSelector.matches($0.resource.labels) } }
                if let name, items.isEmpty {
                    throw EdgeError.runtime("\(resourceKind.argumentName) \"\(name)\" not found")
                }
                emit(
                    items.map(presenter.json), names: items.map { "\(resourceKind.argumentName)/\($0.resource.name)" },
                    table: { presenter.table(items, kind: resourceKind, wide: output == .wide) }, width: width)
            case .releases:
                var items = try engine.releases()
                if let name { items = items.filter { $0.digest.hasPrefix(name) || $0.service == name } }
                emit(
                    items.map(presenter.json), names: items.map { "release/\($0.digest)" },
                    table: { presenter.releaseTable(items, wide: output == .wide) }, width: width)
            case .endpoints:
                let service = try name.map { text -> String in
                    switch ObjectReference.parse(text, kind: .service) {
                    case .success(let reference): return reference.name
                    case .failure(let problem): throw EdgeError.usage("get endpoints: \(problem)")
                    }
                }
                if let service, presenter.inventory.fleet.services[service] == nil {
                    throw EdgeError.runtime("service/\(service) not found in the desired state")
                }
                let endpoints = Endpoints.list(presenter.inventory, health: presenter.health, service: service)
                if output == .prometheusSD {
                    Output.print(EndpointPresenter.prometheusSD(endpoints).render())
                    return
                }
                emit(
                    endpoints.map(EndpointPresenter.json), names: endpoints.map { "endpoint/\($0.service)/\($0.port.name)/\($0.node)" },
                    table: { EndpointPresenter.table(endpoints, wide: output == .wide) }, width: width)
            case .events:
                var objectKind: String?
                var objectName: String?
                if let forObject {
                    guard case .success(let reference) = ObjectReference.parse(forObject) else {
                        throw EdgeError.usage("--for takes KIND/NAME, e.g. service/web, got \"\(forObject)\"")
                    }
                    objectKind = reference.kind.rawValue
                    objectName = reference.name
                }
                let sinceDate = since.flatMap(Duration.seconds).map { Date().addingTimeInterval(-$0) }
                // `get events NAME`: the events of any object called NAME (--for picks the kind too).
                var events = try engine.events(kind: objectKind, name: objectName, since: sinceDate)
                if let name { events = events.filter { $0.objectName == name } }
                emit(
                    events.map(presenter.json), names: events.map { "event/\($0.id)" },
                    table: { presenter.eventTable(events) }, width: width)
            }
        }
    }

    private func emit(_ items: [JSONValue], names: [String], table: () -> Table, width: Int?) {
        switch output {
        case .json, .prometheusSD: Output.print(JSONValue.object([("items", .array(items))]).render())
        case .yaml: Output.print(JSONValue.object([("items", .array(items))]).yaml(), terminator: "")
        case .name: if !names.isEmpty { Output.print(names.joined(separator: "\n")) }
        case .text, .table, .wide:
            if items.isEmpty {
                Output.note("No resources found.")
            } else {
                Output.print(table().render(maxWidth: width))
            }
        }
    }
}

/// `30s`, `15m`, `1h`, `2d` in seconds.
enum Duration {
    static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let value = Double(text.dropLast()), value >= 0 else { return nil }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86400
        default: return nil
        }
    }
}

extension Output {
    static func print(_ text: String, terminator: String) {
        Output.out(text + terminator)
    }
}
