import EdgeCore

/// The node plan as people read it: per service, each batch's nodes with `+`/`~`/`=`/`?`.
public enum NodePlanRenderer {
    /// Release digests and service names found on nodes are the node's words: escaped.
    public static func render(_ plan: Plan, style: Style, refreshed: Bool) -> String {
        var lines: [String] = []
        let changes = plan.services.reduce(0) { $0 + $1.changes.count } + plan.removals.count
        lines.append(
            style.bold("Nodes: ") + "\(changes) change\(changes == 1 ? "" : "s")"
                + (plan.pendingNodes.isEmpty ? "" : ", \(plan.pendingNodes.count) node(s) pending (unreachable)")
                + (refreshed ? "" : " (planned from the last observation; no node contacted)") + ".")
        for service in plan.services where !service.steps.isEmpty {
            lines.append("service/\(service.service)  release \(service.release.prefix(12))\(service.version.map { " (\($0))" } ?? "")")
            for (index, batch) in service.batches.enumerated() {
                for (i, step) in batch.steps.enumerated() {
                    let where_ = i == 0 ? "\(batch.canary ? "canary" : batch.group ?? "nodes") #\(index + 1)" : ""
                    let text: String
                    switch step.action {
                    case .install: text = style.green("+ \(step.node)  install")
                    case .update(let from):
                        text = style.yellow("~ \(step.node)  update \(TerminalText.escape(String(from.prefix(12)))) → \(service.release.prefix(12))")
                    case .reconfigure(let changes):
                        text = style.yellow("~ \(step.node)  \(service.service)  \(changes.joined(separator: ", "))")
                    case .restart: text = style.yellow("~ \(step.node)  restart (not running)")
                    case .repair: text = style.yellow("~ \(step.node)  repair drift")
                    case .none: text = style.dim("= \(step.node)  up to date")
                    case .pending: text = style.red("? \(step.node)  pending (unreachable)")
                    case .recheck: text = style.yellow("? \(step.node)  health check again (a stopped run never saw its gate pass)")
                    }
                    lines.append("  " + where_.padding(toLength: max(18, where_.count + 2), withPad: " ", startingAt: 0) + text)
                }
            }
        }
        for removal in plan.removals {
            lines.append(style.red("- \(removal.node)  remove service/\(TerminalText.escape(removal.service))"))
        }
        for warning in plan.warnings { lines.append(style.yellow("warning: ") + TerminalText.escape(warning, keepNewlines: true)) }
        return lines.joined(separator: "\n")
    }
}
