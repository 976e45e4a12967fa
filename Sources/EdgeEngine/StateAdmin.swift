import EdgeCore
import EdgeStore
import Foundation

/// `edgectl lock status|release` and `edgectl state copy`: looking after the state itself.
extension Engine {
    /// Who holds the run lock, and until when their lease runs (nil: nobody).
    public func lockHolder() throws -> LockHolder? { try store.lockHolder() }

    /// Breaks the run lock whoever holds it, recording who did (an event on the state).
    public func releaseLock(by actor: Actor) throws -> LockHolder? { try store.forceReleaseLock(by: actor) }

    /// Copies this whole state into `destination` (empty), then compares every table.
    public func copyState(to destination: String, actor: Actor) throws -> StateCopy.Report {
        try StateCopy.copy(from: store, to: try StateStore(path: destination), actor: actor)
    }
}
