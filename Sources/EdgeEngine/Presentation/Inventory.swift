import EdgeCore
import EdgeStore
import Foundation

/// One read of everything `get` and `describe` show, taken without the run lock.
public struct Inventory: Sendable {
    public var resources: [StoredResource]
    public var fleet: Fleet
    public var latestRevisions: [String: Int]
    public var releases: [ReleaseRecord]
    public var facts: [String: NodeFacts]

    public init(store: StateStore) throws {
        resources = try store.resources()
        fleet = Fleet(resources.map(\.resource))
        latestRevisions = try store.latestRevisions()
        releases = try store.releases()
        facts = try store.nodeFacts()
    }

    public func stored(_ kind: ResourceKind) -> [StoredResource] { resources.filter { $0.resource.kind == kind } }
}
