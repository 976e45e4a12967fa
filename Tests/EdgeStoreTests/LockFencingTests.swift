import EdgeCore
import EdgeStore
import Foundation
import TestSupport
import Testing

/// Who holds the run lock is decided by the anchor (a kernel file lock, a server advisory lock),
/// never by a host name, a pid or a clock; and a holder that lost the lock writes nothing more.
@Suite("Run lock fencing", .serialized)
struct LockFencingTests {
    let actor = Actor(command: "edgectl test", user: "tester", host: "h")
    /// What two containers with the same host name both are: pid 1 there, a start time that
    /// pid 1 here does not have.
    let twin = LockIdentity(pid: 1, processStart: 42, host: "edge-ci", user: "ci")

    @Test(arguments: TestStates.backends) func twoWritersWithTheSameHostNameAndPidNeverBothHoldIt(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make(backend, in: dir)
        let first = try StateStore(path: state)
        let held = try first.acquireLock(command: "edgectl apply (first)", identity: twin)
        defer { held.release() }
        let second = try StateStore(path: state)
        #expect {
            _ = try second.acquireLock(command: "edgectl apply (second)", identity: twin)
        } throws: { error in
            (error as? EdgeError)?.kind.exitCode == 75 && "\(error)".contains("locked by pid 1 (ci) on edge-ci")
        }
        #expect(try first.lockHolder()?.command == "edgectl apply (first)")
        #expect(try !first.events().contains { $0.reason == "LockTakenOver" })
        try first.appendEvent(kind: "Lock", name: "state", reason: "StillMine", message: "the first holder still writes")
    }

    /// A taker whose clock is 31 s ahead (or a holder whose clock is 31 s behind) sees a lease
    /// that ran out by its own clock: that must not matter while the holder lives.
    @Test(arguments: TestStates.backends) func aSkewedClockNeverTakesALiveLock(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make(backend, in: dir)
        let holderStore = try StateStore(path: state)
        let held = try holderStore.acquireLock(command: "edgectl apply (behind)", lease: 30, clock: { Date().addingTimeInterval(-31) })
        defer { held.release() }
        for skew in [0.0, 31, 3600] {
            let taker = try StateStore(path: state)
            #expect(throws: EdgeError.self, "a taker \(skew) s ahead") {
                _ = try taker.acquireLock(command: "edgectl apply (ahead)", lease: 30, clock: { Date().addingTimeInterval(skew) })
            }
        }
        #expect(try holderStore.lockHolder()?.token == held.holder.token)
        try holderStore.appendEvent(kind: "Lock", name: "state", reason: "StillMine", message: "the holder still writes")
    }

    /// The holder's session to the server is cut (as a broken link or a server-side kill would):
    /// the server releases its lock to the next writer at once, and the old holder's next write
    /// fails, saying why, and leaves nothing.
    @Test(.enabled(if: TestStates.postgresURL != nil)) func aHolderWhoseConnectionIsCutLosesTheLockAndWritesNothingMore() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make("postgres", in: dir)
        let old = try StateStore(path: state)
        let held = try old.acquireLock(command: "edgectl apply (cut off)")
        defer { held.release() }
        let session = try #require(held.holder.session)
        try TestStates.psql(state, "SELECT pg_terminate_backend(\(session))")

        let next = try StateStore(path: state)
        let taken = try next.acquireLock(command: "edgectl apply (next)", timeout: 10, pollInterval: 0.05)
        defer { taken.release() }
        #expect(taken.tookOverFrom?.token == held.holder.token)
        #expect(taken.takeoverReason?.contains("no longer connected to the state server") == true, "\(taken.takeoverReason ?? "")")

        #expect {
            try old.appendEvent(kind: "Lock", name: "state", reason: "Stale", message: "written by a holder that lost the lock")
        } throws: { error in
            (error as? EdgeError)?.kind.exitCode == 75 && "\(error)".contains("this run lost the run lock")
                && "\(error)".contains("taken over by") && "\(error)".contains("nothing of this step was written")
        }
        #expect(try !next.events().contains { $0.reason == "Stale" })
        // Releasing what it no longer holds leaves the new holder's row alone.
        held.release()
        #expect(try next.lockHolder()?.token == taken.holder.token)
        try next.appendEvent(kind: "Lock", name: "state", reason: "Fresh", message: "the new holder writes")
    }

    /// Cut off with nobody taking over yet: the fence asks the server whether the advisory lock
    /// is still this holder's, so the very next write fails already.
    @Test(.enabled(if: TestStates.postgresURL != nil)) func aCutOffHolderFailsItsNextWriteEvenBeforeATakeover() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make("postgres", in: dir)
        let store = try StateStore(path: state)
        let held = try store.acquireLock(command: "edgectl apply (cut off)")
        defer { held.release() }
        try TestStates.psql(state, "SELECT pg_terminate_backend(\(try #require(held.holder.session)))")
        var failure: Error?
        // The server ends the session a moment after the signal: a write before that is still the holder's.
        #expect(
            poll(10) {
                do {
                    try store.write { _ in }
                    return false
                } catch {
                    failure = error
                    return true
                }
            })
        #expect("\(failure.map { "\($0)" } ?? "")".contains("its session with the state server ended"), "\(String(describing: failure))")
    }

    /// `lock release --force` from elsewhere: the holder's next write fails instead of writing
    /// as if it still held the lock.
    @Test(arguments: TestStates.backends) func aHolderWhoseLockWasReleasedByForceWritesNothingMore(_ backend: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = try TestStates.make(backend, in: dir)
        let store = try StateStore(path: state)
        let held = try store.acquireLock(command: "edgectl reconcile")
        defer { held.release() }
        #expect(try StateStore(path: state).forceReleaseLock(by: actor)?.token == held.holder.token)
        #expect(throws: EdgeError.self) {
            try store.appendEvent(kind: "Lock", name: "state", reason: "Stale", message: "after a forced release")
        }
        #expect(try !store.events().contains { $0.reason == "Stale" })
    }
}
