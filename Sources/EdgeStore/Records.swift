import EdgeCore
import Foundation

/// A resource of the desired state as recorded, with its bookkeeping.
public struct StoredResource: Sendable {
    public var resource: Resource
    /// Bumped each time this resource's spec (or release) changes, like Kubernetes' metadata.generation.
    public var generation: Int
    /// The apply run that last wrote it.
    public var appliedGeneration: Int
    public var sourceFile: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var releaseDigest: String?
}

public struct RevisionRecord: Sendable {
    public var service: String
    public var revision: Int
    public var specJSON: String
    public var release: String
    public var version: String?
    public var generation: Int?
    public var createdAt: Date
    public var command: String
    public var user: String
    public var reason: String
    public var outcome: RevisionOutcome?

    /// What the rollout rules need of it.
    public var summary: RevisionSummary { RevisionSummary(revision: revision, release: release, outcome: outcome) }
}

public struct ReleaseRecord: Sendable {
    public var digest: String
    public var service: String
    public var version: String?
    public var fileCount: Int
    public var size: Int64
    public var createdAt: Date
}

public struct EventRecord: Sendable {
    public enum EventType: String, Sendable { case normal = "Normal", warning = "Warning" }
    public var id: Int64
    public var time: Date
    public var type: EventType
    public var objectKind: String
    public var objectName: String
    public var reason: String
    public var message: String
    public var generation: Int?

    public var object: String { "\(objectKind)/\(objectName)" }
}
