import EdgeCore

/// The desired-state plan as people read it: a summary, then `+`/`~`/`-` per object with changed fields.
public enum PlanRenderer {
    public static func render(_ plan: DesiredStatePlan, style: Style, showUnchanged: Bool = false) -> String {
        var lines: [String] = []
        let summary =
            "\(plan.count(.create)) to create, \(plan.count(.update)) to change, \(plan.count(.delete)) to delete"
            + " (\(plan.count(.unchanged)) unchanged)"
        lines.append(style.bold("Desired state: ") + summary + ".")
        for change in plan.changes where change.action != .unchanged || showUnchanged {
            let head = "\(change.action.symbol) \(change.id)"
            switch change.action {
            case .create:
                lines.append(style.green(head))
                if let r = change.resource, let release = r.release {
                    let version = r.serviceSpec?.bundle.version.map { ", version \($0)" } ?? ""
                    lines.append("    release \(release.shortDigest) (\(release.fileCount) files, \(Formatting.size(release.totalSize))\(version))")
                }
            case .update:
                lines.append(style.yellow(head))
                for field in change.fields {
                    lines.append("    \(field.path): \(show(field.before, field.path)) → \(show(field.after, field.path))")
                }
            case .delete:
                lines.append(style.red(head))
            case .unchanged:
                lines.append(style.dim("= \(change.id)"))
            }
        }
        if !plan.hasChanges { lines.append("No changes: the desired state already matches these manifests.") }
        return lines.joined(separator: "\n")
    }

    private static func show(_ value: String?, _ path: String) -> String {
        guard let value else { return "(none)" }
        if path.hasSuffix(".release") { return Formatting.short(value) }
        return value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value
    }
}
