import Foundation

/// What applying a set of manifests changes in the recorded desired state.
///
/// Plain data, shared by `diff --no-refresh`, `apply --dry-run` and `apply`,
/// so what is shown is exactly what is done.
public struct DesiredStateChange: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable {
        case create, update, delete, unchanged

        public var symbol: String {
            switch self {
            case .create: return "+"
            case .update: return "~"
            case .delete: return "-"
            case .unchanged: return "="
            }
        }
    }

    /// One changed leaf field, `before`/`after` nil when the field is added or removed.
    public struct FieldChange: Sendable, Equatable {
        public var path: String
        public var before: String?
        public var after: String?
    }

    public var id: ResourceID
    public var action: Action
    public var fields: [FieldChange]
    /// The resource as it will be recorded (nil for deletions).
    public var resource: Resource?
}

public enum DesiredStateDiff {
    /// Compares `incoming` with `current`. Resources in `prunable` that are
    /// absent from `incoming` are deleted (the `--prune` and `delete -f` cases).
    public static func compute(current: [Resource], incoming: [Resource], prunable: Set<ResourceID> = []) -> [DesiredStateChange] {
        let byID = Dictionary(current.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var changes: [DesiredStateChange] = []
        for resource in incoming {
            guard let old = byID[resource.id] else {
                changes.append(.init(id: resource.id, action: .create, fields: fieldChanges(from: nil, to: resource), resource: resource))
                continue
            }
            let fields = fieldChanges(from: old, to: resource)
            changes.append(.init(id: resource.id, action: fields.isEmpty ? .unchanged : .update, fields: fields, resource: resource))
        }
        let incomingIDs = Set(incoming.map(\.id))
        for id in prunable.subtracting(incomingIDs).sorted() where byID[id] != nil {
            changes.append(.init(id: id, action: .delete, fields: fieldChanges(from: byID[id], to: nil), resource: nil))
        }
        return changes.sorted { ($0.id.kind, $0.id.name) < ($1.id.kind, $1.id.name) }
    }

    /// Leaf-level differences between two versions of a resource, by dotted path.
    public static func fieldChanges(from old: Resource?, to new: Resource?) -> [DesiredStateChange.FieldChange] {
        let before = old.map(flatten) ?? [:]
        let after = new.map(flatten) ?? [:]
        return Set(before.keys).union(after.keys).sorted().compactMap { path in
            before[path] == after[path] ? nil : .init(path: path, before: before[path], after: after[path])
        }
    }

    /// A resource as `path → value` leaves; the release digest counts as a field of the bundle.
    static func flatten(_ resource: Resource) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in resource.labels { out["metadata.labels.\(key)"] = value }
        let object = try? JSONSerialization.jsonObject(with: Data((try? resource.identityJSON())?.utf8 ?? "".utf8))
        flatten(object, path: "spec", into: &out)
        if let release = resource.release { out["spec.bundle.release"] = release.digest }
        return out
    }

    private static func flatten(_ value: Any?, path: String, into out: inout [String: String]) {
        switch value {
        case let dict as [String: Any]:
            for (key, child) in dict { flatten(child, path: "\(path).\(key)", into: &out) }
        case let array as [Any]:
            if array.isEmpty { out[path] = "[]" }
            for (index, child) in array.enumerated() { flatten(child, path: "\(path)[\(index)]", into: &out) }
        case let flag as Bool:
            out[path] = flag ? "true" : "false"
        case let number as Int:
            out[path] = String(number)
        case let string as String:
            out[path] = string
        case nil, is NSNull:
            break
        default:
            out[path] = "\(value!)"
        }
    }
}
