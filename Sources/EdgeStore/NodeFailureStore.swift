import EdgeCore
import Foundation

extension StateStore {
    /// Keeps a node's last failed attempt of a service (one per node and service). Apart from
    /// the observation on purpose: an observation replaces its row every look, and a failed
    /// first release leaves no row there at all once it is removed.
    public func recordFailure(_ failure: AttemptFailure) throws {
        let (exit, signal): (Int?, Int?)
        switch failure.ending {
        case .exited(let code): (exit, signal) = (code, nil)
        case .signalled(let number): (exit, signal) = (nil, number)
        case .running, .unknown: (exit, signal) = (nil, nil)
        }
        let running = failure.ending == .running ? 1 : 0
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO nodeFailure (node, service, at, release, exitCode, exitSignal, running, reason, output)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (node, service) DO UPDATE SET at = excluded.at, release = excluded.release, exitCode = excluded.exitCode,
                        exitSignal = excluded.exitSignal, running = excluded.running, reason = excluded.reason, output = excluded.output
                    """,
                arguments: [
                    failure.node, failure.service, Timestamp.string(failure.at), failure.release, exit, signal, running,
                    BoundedText.cut(failure.reason, to: NodeLimits.storedMessage), AttemptFailure.bounded(failure.output).joined(separator: "\n"),
                ])
        }
    }

    /// The last failed attempt on each node, of one service or of all.
    public func failures(service: String? = nil) throws -> [AttemptFailure] {
        try read { db in
            let rows = try db.rows(
                sql: "SELECT * FROM nodeFailure" + (service == nil ? "" : " WHERE service = ?") + " ORDER BY service, node",
                arguments: service.map { [$0] } ?? [])
            return rows.map { row in
                let ending: AttemptFailure.Ending
                if let code: Int = row["exitCode"] {
                    ending = .exited(code)
                } else if let number: Int = row["exitSignal"] {
                    ending = .signalled(number)
                } else {
                    ending = (row["running"] as Int? ?? 0) == 1 ? .running : .unknown
                }
                let output: String = row["output"]
                return AttemptFailure(
                    node: row["node"], service: row["service"], at: Timestamp.date(row["at"]) ?? Date(timeIntervalSince1970: 0),
                    release: row["release"], ending: ending, reason: row["reason"],
                    output: output.isEmpty ? [] : output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            }
        }
    }
}
