import EdgeCore
import EdgeSSH
import EdgeStore
import Foundation

/// One service's rollout within a run: stage, batches behind health gates, halt and roll back.
struct RolloutRun {
    enum Result { case complete, paused, failed, rolledBack, interrupted }

    let reconciler: Reconciler
    let service: DesiredService
    let plan: ServicePlan
    /// The unit each node gets (rendered for it, secrets read).
    let units: [String: ServiceUnit]
    let observed: [String: ObservedNode]
    let boxes: [String: SessionBox]
    let fleet: Fleet
    let options: ReconcileOptions

    var store: StateStore { reconciler.store }
    var name: String { service.name }
    var spec: ServiceSpec { service.spec }

    /// The node's operations over its run's link (reconnected once if it was lost meanwhile).
    func ops(_ node: String) throws -> NodeOperations {
        guard let box = boxes[node] else {
            throw SSHError(node: node, step: .connect, message: "no session with this node in this run", unreachable: true)
        }
        return NodeOperations(link: try box.link())
    }

    /// Lets a transient link go after a node's step (see `SessionBox`).
    func park(_ node: String) { boxes[node]?.park() }

    func emit(
        _ kind: ProgressEventKind, node: String? = nil, batch: ServicePlan.Batch? = nil, index: String? = nil, total: Int? = nil, _ message: String
    ) {
        var event = ProgressEvent(service: name, node: node, group: batch?.group, batch: index, kind: kind, message: message)
        event.total = total
        reconciler.progress.emit(event)
    }

    func execute() throws -> Result {
        let release = plan.release
        let short = String(release.prefix(12))
        let revision = try store.latestRevisions()[name]
        let rollout = try store.startRollout(service: name, revision: revision, release: release, command: reconciler.actor.command)
        emit(
            .started,
            "rolling out release \(short)\(plan.version.map { " (\($0))" } ?? "") to \(plan.changes.count) node(s)\(revision.map { ", revision \($0)" } ?? "")"
        )
        guard let entries = try store.releaseEntries(digest: release) else {
            throw EdgeError.runtime("service/\(name): release \(short) is not recorded in the state; re-apply")
        }
        let fullRelease = Release(digest: release, entries: entries)
        let policy = RolloutPolicy(spec.rollout, targets: plan.steps.count)
        var progress = RolloutPolicy.Progress(batches: plan.batches.count)
        // Why each failed node failed, for the halt message and event.
        var why: [String: String] = [:]
        // The nodes whose gate passed in this run (switched, restarted, repaired or re-checked).
        var gated: Set<String> = []
        progress.pending = Set(plan.pending.map(\.node))

        // Stage: every node that needs files gets them now, in parallel, so batches only switch and restart.
        let staging = plan.changes.filter {
            switch $0.action {
            case .restart, .reconfigure, .recheck: return false
            default: return true
            }
        }
        // The fields of each unit this rollout makes (never a secret's value), to say later what changed.
        var recorded: Set<String> = []
        for step in plan.changes { if let unit = units[step.node], recorded.insert(unit.digest).inserted { try store.recordUnit(unit) } }
        let bundle = spec.bundle.path
        let verify = options.verify
        // The bundle on this machine is checked once, and only if some node lacks files.
        let bundleCheck = BundleCheck(path: bundle, release: release)
        if !staging.isEmpty { emit(.staging, total: staging.count, "sending the release to \(staging.count) node(s) that lack files") }
        let staged = FanOut.run(staging, parallel: reconciler.parallel) { step -> (NodeStep, Swift.Result<PushReport, Error>) in
            defer { park(step.node) }
            let result = Swift.Result {
                try ops(step.node).push(fullRelease, from: bundle, verify: verify || step.action == .repair) { try bundleCheck.require() }
            }
            // Reported as each node finishes, so progress moves while the others still receive.
            if case .success(let report) = result {
                emit(
                    .staged, node: step.node,
                    report.filesSent == 0 ? "release already on the node" : "sent \(report.filesSent) file(s), \(Formatting.size(report.bytesSent))")
            }
            return (step, result)
        }
        if let problem = staged.lazy.compactMap({ ($0.1.failure as? BundleCheck.Unavailable)?.message }).first {
            // The files here are not the release that was applied: nothing can be sent, and no
            // node has been switched, so this is not a node failure and nothing is rolled back.
            let message = "\(problem); restore it or apply the manifests again"
            try store.finishRollout(rollout, state: .failed, message: message)
            try store.appendEvent(type: .warning, kind: "Service", name: name, reason: "BundleChanged", message: message)
            emit(.failed, message)
            return .failed
        }
        for (step, result) in staged {
            switch result {
            case .success(let report):
                try store.recordStep(
                    rollout: rollout, node: step.node, step: .staged, message: "\(report.filesSent) files, \(report.bytesSent) bytes")
            case .failure(let error):
                if (error as? SSHError)?.isUnreachable == true {
                    progress.pending.insert(step.node)
                    emit(.pending, node: step.node, "unreachable while staging: \(error)")
                } else {
                    progress.failed.insert(step.node)
                    why[step.node] = "staging failed: \(error)"
                    try store.recordStep(rollout: rollout, node: step.node, step: .failed, message: "\(error)")
                    try store.recordNodeService(
                        node: step.node, service: name,
                        state: observed[step.node]?.services[name] ?? NodeServiceState(current: nil, process: .stopped), error: "\(error)")
                    emit(.failed, node: step.node, "staging failed: \(error)")
                }
            }
        }

        // Batches, each behind its health gates, for as long as the policy says so.
        var changed: [String: (from: String?, unit: String?, nonce: String?)] = [:]
        var decision: RolloutPolicy.Decision
        while true {
            progress.paused = try store.pausedServices().contains(name)
            progress.interrupted = options.interruption?.isRequested ?? false
            decision = policy.decide(progress)
            guard case .runBatch(let index) = decision else { break }
            for (node, move) in try runBatch(index, release: release, rollout: rollout, skipping: progress.failed.union(progress.pending)) {
                switch move.step {
                case .healthy, .committed: gated.insert(node)
                case .pending: progress.pending.insert(node)
                default:
                    progress.failed.insert(node)
                    why[node] = move.failure?.headline ?? move.message
                }
                if move.activated && !move.revertsItself {
                    changed[node] = (move.from, move.unit, move.nonce)
                    progress.switched.insert(node)
                }
            }
            progress.batchesDone += 1
        }
        return try conclude(
            decision, policy: policy, progress: progress, changed: changed, gated: gated, why: why, rollout: rollout, revision: revision)
    }

    /// Carries out the decision that ended the batches: records the rollout and the revision
    /// as the policy says, rolls back, restores the revision to return to, and cleans up.
    func conclude(
        _ decision: RolloutPolicy.Decision, policy: RolloutPolicy, progress: RolloutPolicy.Progress,
        changed: [String: (from: String?, unit: String?, nonce: String?)], gated: Set<String> = [], why: [String: String] = [:],
        rollout: Int64, revision: Int?
    ) throws -> Result {
        let short = String(plan.release.prefix(12))
        let of = "batch \(progress.batchesDone + 1) of \(plan.batches.count)"
        switch decision {
        case .runBatch:
            preconditionFailure("the batches end on a decision that stops them")
        case .pause:
            try store.finishRollout(rollout, state: .paused, message: "paused before \(of)")
            emit(.paused, "paused before \(of); `edgectl rollout resume service/\(name)` continues")
            return .paused
        case .interrupt:
            let signal = Interruption.name(options.interruption?.signal ?? SIGINT)
            let message = "interrupted by \(signal) before \(of); the next apply or reconcile continues"
            try store.finishRollout(rollout, state: .interrupted, message: message)
            try store.appendEvent(type: .warning, kind: "Service", name: name, reason: "RolloutInterrupted", message: message)
            emit(.interrupted, message)
            return .interrupted
        case .halt(let rollBack):
            // Why, per failed node (the first three), so the event alone tells it.
            let reasons = why.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key): \($0.value)" }
            let halted = "\(progress.failed.count) node(s) failed, more than maxFailures \(spec.rollout.maxFailures): halted"
            let message = halted + (reasons.isEmpty ? "" : " (" + reasons.joined(separator: "; ") + (why.count > 3 ? "; …" : "") + ")")
            emit(.halted, message)
            try store.appendEvent(type: .warning, kind: "Service", name: name, reason: "RolloutHalted", message: message)
            let record = policy.record(decision, message: message)!
            if !rollBack.isEmpty {
                try self.rollBack(
                    rollBack.map { RollbackItem(node: $0, from: changed[$0]?.from, unit: changed[$0]?.unit, nonce: changed[$0]?.nonce) },
                    rollout: rollout)
            }
            try store.finishRollout(rollout, state: record.state, message: message)
            guard let revision, let outcome = record.revision else { return policy.autoRollback ? .rolledBack : .failed }
            try store.setRevisionOutcome(service: name, revision: revision, outcome: outcome)
            guard policy.autoRollback else { return .failed }
            if let previous = RevisionRules.autoRollbackTarget(try store.revisions(service: name).map(\.summary), failing: revision),
                let target = try store.revisions(service: name).first(where: { $0.revision == previous.revision })
            {
                let restored = try store.restoreRevision(
                    service: name, to: target, reason: "auto-rollback of revision \(revision): \(halted)", actor: reconciler.actor)
                emit(.rolledBack, "desired state restored to revision \(previous.revision) as revision \(restored)")
            }
            return .rolledBack
        case .finish(let state):
            let pendingText = progress.pending.isEmpty ? "" : ", \(progress.pending.count) pending (unreachable)"
            let record = policy.record(decision, message: "")!
            try store.finishRollout(rollout, state: state, message: "\(changed.count) node(s) updated\(pendingText)")
            if let revision, let outcome = record.revision { try store.setRevisionOutcome(service: name, revision: revision, outcome: outcome) }
            // What the run did, in its own words: a release put on nodes, or nodes restarted or
            // repaired on the release they had; nothing to say when it did nothing (all pending).
            let others = gated.subtracting(changed.keys).count
            let done =
                changed.isEmpty
                ? (others == 0 ? nil : "release \(short) restarted or repaired on \(others) node(s)")
                : "release \(short) on \(changed.count) node(s)" + (others == 0 ? "" : ", restarted or repaired on \(others)")
            if let done {
                try store.appendEvent(kind: "Service", name: name, reason: "RolloutComplete", message: done + pendingText)
            } else if !progress.pending.isEmpty {
                try store.appendEvent(
                    type: .warning, kind: "Service", name: name, reason: "RolloutIncomplete",
                    message: "release \(short): \(progress.pending.count) node(s) pending (unreachable)")
            }
            emit(.done, "release \(short) rolled out\(pendingText)")
            // Housekeeping on the nodes this rollout touched.
            let keep = options.keepReleases
            _ = FanOut.run(changed.keys.sorted(), parallel: reconciler.parallel) { node in
                defer { self.park(node) }
                _ = try? self.ops(node).cleanup(keep: keep)
            }
            return .complete
        }
    }

    /// One batch: every node in it that has work is switched (or restarted, or re-checked) and
    /// gated in parallel. Each node's step is recorded when it starts and again the moment it
    /// ends, so a run killed mid-batch leaves the truth about every node behind.
    func runBatch(
        _ index: Int, release: String, rollout: Int64, skipping: Set<String>
    ) throws -> [String: SwitchResult] {
        let batch = plan.batches[index]
        let work = batch.steps.filter { $0.action.isChange && !skipping.contains($0.node) }
        guard !work.isEmpty else { return [:] }
        let label = "\(index + 1)/\(plan.batches.count)"
        emit(
            .batch, batch: batch, index: label, total: work.count,
            "\(batch.canary ? "canary " : "")\(work.map(\.node).joined(separator: ", "))")
        let results = FanOut.run(work, parallel: reconciler.parallel) { step -> (String, SwitchResult, Error?) in
            let r = self.switchNode(step, release: release, rollout: rollout)
            let recordError: Error?
            do {
                try self.record(r, release: release, rollout: rollout)
                recordError = nil
            } catch {
                recordError = error
            }
            switch r.step {
            case .healthy, .committed: self.emit(.healthy, node: r.node, batch: batch, index: label, r.message)
            case .pending: self.emit(.pending, node: r.node, batch: batch, index: label, r.message)
            default:
                // A failure's last lines go under it, so its line says only how it ended.
                let line = r.failure.map { "unhealthy: " + $0.endingAndReason + RolloutRun.outputLines($0) } ?? r.message
                self.emit(.failed, node: r.node, batch: batch, index: label, line)
            }
            return (step.node, r, recordError)
        }
        // A step the state could not record stops the run: the next one would plan from a lie.
        if let error = results.lazy.compactMap(\.2).first { throw error }
        return Dictionary(uniqueKeysWithValues: results.map { ($0.0, $0.1) })
    }

    /// A node's step as it ended, and what the node now runs.
    func record(_ r: SwitchResult, release: String, rollout: Int64) throws {
        try store.recordStep(rollout: rollout, node: r.node, step: r.step, fromRelease: r.from, message: r.message)
        if let failure = r.failure { try store.recordFailure(failure) }
        switch r.step {
        case .healthy, .committed:
            try store.recordNodeService(
                node: r.node, service: name, state: NodeServiceState(current: release, previous: r.from, process: .running, unit: r.unit))
        case .pending:
            break
        default:
            try store.recordNodeService(
                node: r.node, service: name,
                state: NodeServiceState(
                    current: r.activated ? release : r.from, previous: nil, process: .dead,
                    unit: r.activated ? r.unit : observed[r.node]?.services[name]?.unit),
                error: r.message)
        }
    }

    struct SwitchResult: Sendable {
        var node: String
        var from: String?
        var unit: String?
        var activated: Bool
        /// The attempt's nonce when the switch armed one.
        var nonce: String?
        /// Switched, then lost before it was confirmed: it goes back by itself (its session is
        /// gone, so a rollback from here would only wait for time-outs).
        var revertsItself = false
        var step: StepOutcome
        var message: String
        /// Why the attempt failed, as the node told it (an unhealthy one).
        var failure: AttemptFailure?
    }

    /// A failed node's last lines of output under its progress line: the last 3, indented.
    static func outputLines(_ failure: AttemptFailure) -> String {
        failure.output.suffix(3).map { "\n    | " + $0 }.joined()
    }

    /// Stop, switch to the new unit (release and spec), start, and wait for health on one node.
    func switchNode(_ step: NodeStep, release: String, rollout: Int64) -> SwitchResult {
        let seen = observed[step.node]?.services[name]
        // A node re-checked runs this release since an earlier run: a rollback takes it back
        // to what it ran before that.
        let from = step.action == .recheck ? seen?.previous : seen?.current
        guard let unit = units[step.node] else {
            return SwitchResult(node: step.node, from: from, unit: nil, activated: false, step: .failed, message: "no unit was made for this node")
        }
        let changesUnit: Bool
        switch step.action {
        case .install, .update, .reconfigure: changesUnit = true
        default: changesUnit = false
        }
        var result = SwitchResult(node: step.node, from: from, unit: unit.digest, activated: false, step: .failed, message: "")
        // Confirmed activation: a change of unit is an attempt with its own nonce; the node
        // reverts by itself unless a connection opened after the switch confirms it in time.
        let confirmSeconds = spec.rollout.confirmWithin
        let attempt = changesUnit && confirmSeconds > 0 ? (nonce: RolloutRun.nonce(), seconds: confirmSeconds) : nil
        result.nonce = attempt?.nonce
        // Recorded before anything moves: a run that dies from here on leaves this node
        // `switching`, and the next run gates it again.
        let starting: String
        switch step.action {
        case .restart: starting = "restarting"
        case .recheck: starting = "health check again"
        default:
            starting =
                attempt.map {
                    "attempt \($0.nonce): the node reverts by itself unless confirmed by \(Timestamp.string(Date().addingTimeInterval(Double($0.seconds))))"
                } ?? "switching to unit \(unit.digest.prefix(12))"
        }
        do {
            try store.recordStep(rollout: rollout, node: step.node, step: .switching, fromRelease: from, message: starting)
        } catch {
            result.message = "not started: the state could not record the step (\(error))"
            return result
        }
        let switchedAt = Date()
        do {
            let ops = try self.ops(step.node)
            switch step.action {
            case .restart:
                try ops.restart(service: name, grace: options.stopGrace)
            case .recheck:
                break
            default:
                // A repair switches to the same unit: nothing moves, the drift marker is reset.
                try ops.switchTo(service: name, unit: unit, grace: options.stopGrace, attempt: attempt)
            }
            result.activated = changesUnit || step.action == .recheck
            // The confirmation's connection (and its listener) is opened now, after the
            // switch, while the health gate runs (its handshake is most of its cost); it is
            // used only once the gate passes.
            let fresh = attempt.map { _ in Background { try ConfirmLink(session: self.freshSession(step.node)) } }
            defer { _ = fresh?.value }
            switch try ops.waitHealthy(service: name, check: spec.healthCheck) {
            case .healthy:
                if let attempt, let fresh {
                    try confirm(step.node, nonce: attempt.nonce, over: fresh.value)
                    try? store.recordStep(rollout: rollout, node: step.node, step: .committed, message: "attempt \(attempt.nonce)")
                }
                result.step = .healthy
                result.message = "healthy on \(String(release.prefix(12)))" + (attempt == nil ? "" : ", confirmed")
            case .unhealthy(let reason):
                if attempt != nil, let reverted = revertedByNode(step.node, since: switchedAt) {
                    // Its watchdog went back while the gate ran (the gate then saw it stop).
                    result.message = reverted
                } else {
                    // Asked before anything moves back: the attempt's exit and output are still there.
                    let failure = ops.evidence(service: name, release: release, reason: reason)
                    result.failure = failure
                    result.message = "unhealthy: " + failure.summary
                }
            }
        } catch let error as SSHError where error.isUnreachable && !(attempt != nil && result.activated) {
            result.step = .pending
            result.message = "\(error)"
        } catch let error as SSHError where error.isUnreachable {
            // Lost after the switch: the release may have broken the way in. Not confirmed, so
            // the node goes back by itself; for the rollout it is a failed node.
            result.revertsItself = true
            result.message =
                "unreachable after the switch (\(error)); not confirmed, the node goes back to its previous unit by itself within \(confirmSeconds)s"
        } catch {
            result.message = "\(error)"
            // The switch may have stopped half-way: ask the node which unit it has now, so a
            // rollback swaps back only what really moved.
            if !result.activated, changesUnit, let now = try? self.ops(step.node).observe().first(where: { $0.service == name }) {
                result.activated = now.unit == unit.digest
            } else if attempt != nil, result.activated, let reverted = revertedByNode(step.node, since: switchedAt) {
                result.message = reverted
            }
        }
        return result
    }

    /// How the node's own watchdog went back from this run's attempt, if it did (a gate slower
    /// than confirmSeconds): said by this run, in its output and its halt, not only by the next look.
    /// Past the attempt's deadline the watchdog may be going back right now (its stop is what
    /// the gate saw): its record is waited for, up to 3 s.
    func revertedByNode(_ node: String, since switchedAt: Date) -> String? {
        let due = Date() >= switchedAt.addingTimeInterval(Double(spec.rollout.confirmWithin) - 1)
        let deadline = Date().addingTimeInterval(due ? 3 : 0)
        while true {
            if let now = try? self.ops(node).observe().first(where: { $0.service == name }), let at = now.revertedAt,
                at >= switchedAt.addingTimeInterval(-1)
            {
                return FleetHealth.revertText(now.state(driftCause: nil))
            }
            guard Date() < deadline else { return nil }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// Confirms an attempt over a new connection (so a release that broke the way in cannot be
    /// confirmed); the node answers once it has committed it. The run's session asks the node
    /// to commit on seeing the new connection's proof, which starts nothing on the node: a
    /// listener the connection's sshd holds on the node's loopback, or where sshd forwards
    /// nothing a marker named after the attempt's nonce created through SFTP (in-process with
    /// `internal-sftp`; an external `sftp-server` starts through the login shell). A node with
    /// neither is confirmed through a shell on the new connection.
    func confirm(_ node: String, nonce: String, over fresh: Swift.Result<ConfirmLink, Error>) throws {
        do {
            if try commit(node, nonce: nonce, over: try fresh.get()) { return }
            // The connection made while the gate ran was closed before it could confirm (an
            // sshd that ends connections with no channel open, `UnusedConnectionTimeout`):
            // once more, over another new connection.
            guard try commit(node, nonce: nonce, over: ConfirmLink(session: freshSession(node))) else {
                throw EdgeError.runtime("the node closed the confirming connection twice before it could confirm")
            }
        } catch {
            throw SSHError(
                node: node, step: .exec,
                message: "not confirmed: \(error); the node goes back to its previous unit by itself within \(spec.rollout.confirmWithin)s")
        }
    }

    /// One confirmation over `link`, its proofs cheapest first; false when the link was found
    /// closed before any proof could be shown (nothing committed).
    private func commit(_ node: String, nonce: String, over link: ConfirmLink) throws -> Bool {
        guard let resource = fleet.nodes[node] else { throw EdgeError.runtime("node/\(node) is not in the desired state") }
        let ops = try self.ops(node)
        switch link.port {
        case .success(let port):
            if try ops.confirm(service: name, nonce: nonce, proof: .listener(port: port)) { return true }
        case .failure(let error as SSHError) where error.isUnreachable:
            // Silent, or gone: no other proof can pass over it either.
            guard link.session.isConnected else { return false }
            throw error
        case .failure:
            break
        }
        let marker = NodeLayout(root: resource.spec.root).service(name) + "/confirm-" + nonce
        do {
            try SFTPMarker(on: link.session).create(at: marker)
        } catch let error as SSHError where error.step == .transfer {
            guard link.session.isConnected else { return false }
            let shell = try NodeLink(session: link.session, root: resource.spec.root)
            defer { shell.shell.close() }
            guard try NodeOperations(link: shell).confirm(service: name, nonce: nonce, proof: .ownConnection) else {
                throw EdgeError.runtime("the node did not commit the attempt over its own connection")
            }
            return true
        }
        guard try ops.confirm(service: name, nonce: nonce, proof: .marker) else {
            throw EdgeError.runtime("the node did not commit the attempt on its marker")
        }
        return true
    }

    /// A new connection for a confirmation, with the listener it shows the node (or why it has
    /// none), both set up while the health gate runs.
    struct ConfirmLink {
        let session: SSHSession
        let port: Swift.Result<Int, Error>
        init(session: SSHSession) {
            self.session = session
            port = Swift.Result { try session.listenOnNodeLoopback() }
        }
    }

    func freshSession(_ node: String) throws -> SSHSession {
        guard let resource = fleet.nodes[node] else { throw EdgeError.runtime("node/\(node) is not in the desired state") }
        return try reconciler.connector.freshSession(resource)
    }

    static func nonce() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// Every node this rollout switched goes back to the unit it ran before (release, command,
    /// environment, restart policy): the node keeps it beside the previous release, so nothing
    /// is transferred. A node that had no release loses the service.
    func rollBack(_ changed: [RollbackItem], rollout: Int64) throws {
        let results = FanOut.run(changed, parallel: reconciler.parallel) {
            item -> (RollbackItem, Error?) in
            defer { self.park(item.node) }
            do {
                let ops = try self.ops(item.node)
                if item.from != nil {
                    // Only from the unit this rollout put there: a node that already went back by
                    // itself (not confirmed) is not swapped again.
                    if try ops.rollback(service: name, from: item.unit, attempt: item.nonce) {
                        try ops.restart(service: name, grace: options.stopGrace)
                    }
                    if case .unhealthy(let reason) = try ops.waitHealthy(service: name, check: spec.healthCheck) {
                        throw EdgeError.runtime("the previous release is not healthy either: \(reason)")
                    }
                } else {
                    try ops.remove(service: name, grace: options.stopGrace)
                }
                return (item, nil)
            } catch {
                return (item, error)
            }
        }
        for (item, error) in results {
            if let error {
                try store.recordStep(rollout: rollout, node: item.node, step: .rollbackFailed, message: "\(error)")
                emit(.failed, node: item.node, "rollback failed: \(error)")
            } else {
                try store.recordStep(rollout: rollout, node: item.node, step: .rolledBack, fromRelease: item.from)
                try store.recordNodeService(
                    node: item.node, service: name,
                    state: item.from.map { NodeServiceState(current: $0, process: .running, unit: observed[item.node]?.services[name]?.unit) })
                emit(.rolledBack, node: item.node, item.from.map { "back on \(String($0.prefix(12)))" } ?? "removed (it had no earlier release)")
            }
        }
    }

    struct RollbackItem: Sendable {
        var node: String
        var from: String?
        var unit: String?
        /// The attempt that switched it, if confirmed activation armed one (see `NodeOperations.rollback`).
        var nonce: String?
    }
}

/// Whether the bundle directory still holds the release that was applied (it may have been
/// edited or removed since): scanned at most once per rollout, by whichever node first needs files.
final class BundleCheck: @unchecked Sendable {
    struct Unavailable: Error { var message: String }

    let path: String
    let release: String
    private let lock = NSLock()
    private var outcome: String??

    init(path: String, release: String) {
        self.path = path
        self.release = release
    }

    func require() throws {
        lock.lock()
        defer { lock.unlock() }
        if outcome == nil { outcome = .some(problem()) }
        if let message = outcome! { throw Unavailable(message: message) }
    }

    private func problem() -> String? {
        do {
            let scanned = try BundleScanner.scan(path)
            return scanned.digest == release
                ? nil
                : "the bundle at \(path) changed since it was applied (now \(scanned.digest.prefix(12)), recorded \(release.prefix(12)))"
        } catch {
            return "the bundle at \(path) cannot be read (\(error.messages.joined(separator: "; ")))"
        }
    }
}

extension Swift.Result {
    var failure: Failure? { if case .failure(let e) = self { return e } else { return nil } }
}
