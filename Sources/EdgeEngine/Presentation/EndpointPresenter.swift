import EdgeCore
import Foundation

/// `get endpoints` as a table, as items (JSON/YAML), and as Prometheus service discovery.
public enum EndpointPresenter {
    public static func table(_ endpoints: [Endpoint], wide: Bool) -> Table {
        var headers = ["SERVICE", "PORT", "ENDPOINT", "NODE", "READY"]
        if wide { headers += ["PROTOCOL", "RELEASE", "LABELS"] }
        return Table(
            headers: headers,
            rows: endpoints.map { e in
                var row = [e.service, e.port.name, e.target, e.node, e.ready ? "yes" : "no"]
                if wide { row += [e.port.transport.rawValue, Formatting.short(e.release), Formatting.labels(e.labels)] }
                return row
            })
    }

    public static func json(_ e: Endpoint) -> JSONValue {
        .object([
            ("service", .string(e.service)),
            ("port", .object([("name", .string(e.port.name)), ("port", .int(e.port.port)), ("protocol", .string(e.port.transport.rawValue))])),
            ("node", .string(e.node)), ("address", .string(e.address)), ("target", .string(e.target)), ("labels", .strings(e.labels)),
            ("release", .str(e.release)), ("ready", .bool(e.ready)),
        ])
    }

    /// What Prometheus `file_sd_configs` and `http_sd_configs` read: one target group per
    /// endpoint, ready or not (a target that is down is what `up == 0` reports), sorted.
    /// Node labels become `edgectl_label_<key>`, the key made a Prometheus label name.
    public static func prometheusSD(_ endpoints: [Endpoint]) -> JSONValue {
        .array(
            endpoints.map { e in
                var labels: [(String, JSONValue)] = [
                    ("edgectl_service", .string(e.service)), ("edgectl_node", .string(e.node)), ("edgectl_port", .string(e.port.name)),
                    ("edgectl_ready", .string(e.ready ? "true" : "false")),
                ]
                if let release = e.release { labels.append(("edgectl_release", .string(Formatting.short(release)))) }
                for key in e.labels.keys.sorted() { labels.append(("edgectl_label_" + labelName(key), .string(e.labels[key]!))) }
                return .object([("targets", .array([.string(e.target)])), ("labels", .object(labels))])
            })
    }

    /// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`; any other character becomes `_`
    /// (`topology.example.com/zone` → `topology_example_com_zone`).
    static func labelName(_ key: String) -> String {
        String(key.unicodeScalars.map { s in s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)) || s == "_" ? Character(s) : "_" })
    }
}
