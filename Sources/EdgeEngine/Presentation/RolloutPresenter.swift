import EdgeCore
import EdgeStore
import Foundation

/// `rollout status` and `rollout history` as text and as JSON.
public enum RolloutPresenter {
    public static func status(_ status: RolloutService.Status, width: Int?) -> String {
        let paused = status.paused ? " (paused)" : ""
        guard let rollout = status.rollout else { return "service/\(status.service): no rollout yet\(paused)" }
        var lines = ["service/\(status.service) rollout #\(rollout.id): \(rollout.state.rawValue)\(paused)"]
        lines.append(
            "  revision \(rollout.revision.map(String.init) ?? "-"), release \(Formatting.short(rollout.release)), started \(Timestamp.string(rollout.startedAt))"
        )
        if let message = rollout.message { lines.append("  \(message)") }
        // A live rollout's nodes awaiting their gate or confirmation; a stopped one's nodes that
        // the next run gates again (an unconfirmed attempt also goes back by itself).
        let label = rollout.state == .progressing ? "awaiting confirmation" : "not gated (checked again by the next run)"
        for item in status.inFlight { lines.append("  \(label): \(item.node): \(item.message)") }
        let rows = status.nodes.map { n in
            [
                n.node, Formatting.short(n.state.current), n.state.process.rawValue, n.state.current == status.desiredRelease ? "yes" : "no",
                n.lastError ?? "",
            ]
        }
        if !rows.isEmpty {
            lines.append(Table(headers: ["NODE", "RELEASE", "PROCESS", "DESIRED", "ERROR"], rows: rows).render(maxWidth: width))
        }
        if !status.failures.isEmpty {
            lines.append("Failed attempts (the last lines each wrote; `edgectl logs service/\(status.service) --previous` for more):")
            for failure in status.failures { lines += FailurePresenter.text(failure, indent: "  ", lines: 5) }
        }
        return lines.joined(separator: "\n")
    }

    public static func statusJSON(_ status: RolloutService.Status) -> JSONValue {
        .object([
            ("service", .string(status.service)), ("paused", .bool(status.paused)),
            (
                "rollout",
                status.rollout.map { r in
                    .object([
                        ("id", .int(r.id)), ("state", .string(r.state.rawValue)), ("revision", .int(r.revision)),
                        ("release", .string(r.release)), ("startedAt", .date(r.startedAt)), ("finishedAt", .date(r.finishedAt)),
                        ("message", .str(r.message)),
                    ])
                } ?? .null
            ),
            ("inFlight", .array(status.inFlight.map { .object([("node", .string($0.node)), ("message", .string($0.message))]) })),
            (
                "nodes",
                .array(
                    status.nodes.map { n in
                        .object([
                            ("node", .string(n.node)), ("release", .str(n.state.current)), ("process", .string(n.state.process.rawValue)),
                            ("desired", .bool(n.state.current == status.desiredRelease)), ("error", .str(n.lastError)),
                            ("lastFailure", status.failures.first { $0.node == n.node }.map(FailurePresenter.json) ?? .null),
                        ])
                    }
                        // A node a failed first release was removed from has no service left, only its failure.
                        + status.failures.filter { f in !status.nodes.contains { $0.node == f.node } }.map { f in
                            .object([
                                ("node", .string(f.node)), ("release", .null), ("process", .string("stopped")), ("desired", .bool(false)),
                                ("error", .string(f.reason)), ("lastFailure", FailurePresenter.json(f)),
                            ])
                        })
            ),
        ])
    }

    public static func history(_ revisions: [RevisionRecord], now: Date = Date(), width: Int?) -> String {
        let rows = revisions.map { r in
            [
                String(r.revision), Formatting.short(r.release), r.version ?? "-", Formatting.age(since: r.createdAt, now: now) + " ago", r.user,
                clip(r.reason), r.outcome?.description ?? "-", r.command,
            ]
        }
        return Table(headers: ["REVISION", "RELEASE", "VERSION", "CREATED", "BY", "REASON", "OUTCOME", "COMMAND"], rows: rows)
            .render(maxWidth: width)
    }

    /// A reason as long as a halt's fits no table: its head here, whole in `-o json`.
    static func clip(_ text: String, to limit: Int = 40) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    public static func historyJSON(_ revisions: [RevisionRecord]) -> JSONValue {
        .object([
            (
                "items",
                .array(
                    revisions.map { r in
                        .object([
                            ("revision", .int(r.revision)), ("release", .string(r.release)), ("version", .str(r.version)),
                            ("createdAt", .date(r.createdAt)), ("user", .string(r.user)), ("reason", .string(r.reason)),
                            ("outcome", .str(r.outcome?.description)), ("command", .string(r.command)),
                        ])
                    })
            )
        ])
    }
}
