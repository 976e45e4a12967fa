import Foundation

/// What one node reports about one managed service.
public struct ServiceObservation: Sendable, Equatable {
    public typealias Process = NodeServiceState.Process
    public var service: String
    public var current: String?
    public var previous: String?
    public var process: Process
    public var pid: Int32?
    /// Files of the current release modified since its activation (cheap drift check).
    public var modifiedFiles: Int
    /// Entries in the current release directory, itself included.
    public var entryCount: Int
    /// The unit the node runs (nil before edgectl kept units on nodes).
    public var unit: String? = nil
    public var restarts = 0
    public var recentRestarts = 0
    public var lastExit: Int? = nil
    public var lastExitAt: Date? = nil
    public var lastExitReason: String? = nil
    public var revertedAt: Date? = nil
    public var revertReason: String? = nil

    /// The cheap drift check, in words: files of the release changed after it was activated,
    /// or entries added to or removed from its directory (nil: no drift seen). The one place
    /// drift is decided; `expectedEntries` is the release's recorded entry count, if known.
    public func drift(expectedEntries: Int?) -> String? {
        guard current != nil else { return nil }
        if modifiedFiles > 0 {
            return modifiedFiles == 1
                ? "1 file changed or added in the release on the node after activation"
                : "\(modifiedFiles) files changed or added in the release on the node after activation"
        }
        if let expected = expectedEntries, entryCount != expected + 1 {
            let difference = entryCount - (expected + 1)
            return difference > 0
                ? "\(difference) entr\(difference == 1 ? "y" : "ies") added to the release directory on the node"
                : "\(-difference) entr\(difference == -1 ? "y" : "ies") removed from the release directory on the node"
        }
        return nil
    }
}

extension ServiceObservation {
    /// Parses one `edge_observe` line
    /// (`service NAME CURRENT PREVIOUS STATE PID MODIFIED ENTRIES UNIT RESTARTS RECENT EXIT EXITED WHY REVERTED REASON`).
    /// What goes into the state is bounded (`NodeLimits`): a line whose name or digests are longer
    /// than any edgectl makes is not one of its services, and the reasons are cut.
    public init?(line: String) {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 16, f[0] == "service", [f[1], f[2], f[3], f[8]].allSatisfy({ $0.utf8.count <= NodeLimits.storedFact }) else {
            return nil
        }
        self.init(
            service: f[1], current: f[2].isEmpty ? nil : f[2], previous: f[3].isEmpty ? nil : f[3],
            process: Process(rawValue: f[4]) ?? .stopped, pid: Int32(f[5]), modifiedFiles: Int(f[6]) ?? 0, entryCount: Int(f[7]) ?? 0)
        unit = f[8].isEmpty ? nil : f[8]
        restarts = Int(f[9]) ?? 0
        recentRestarts = Int(f[10]) ?? 0
        lastExit = Int(f[11])
        lastExitAt = Double(f[12]).map(Date.init(timeIntervalSince1970:))
        lastExitReason = f[13] == "-" || f[13].isEmpty ? nil : BoundedText.cut(f[13], to: NodeLimits.storedMessage)
        revertedAt = Double(f[14]).map(Date.init(timeIntervalSince1970:))
        revertReason = revertedAt == nil || f[15].isEmpty ? nil : BoundedText.cut(f[15], to: NodeLimits.storedMessage)
    }

    /// What the state records of this observation.
    public func state(driftCause: String?) -> NodeServiceState {
        var state = NodeServiceState(
            current: current, previous: previous, process: process, drifted: driftCause != nil, driftCause: driftCause, unit: unit)
        state.restarts = restarts
        state.recentRestarts = recentRestarts
        state.lastExit = lastExit
        state.lastExitAt = lastExitAt
        state.lastExitReason = lastExitReason
        state.revertedAt = revertedAt
        state.revertReason = revertReason
        return state
    }
}
