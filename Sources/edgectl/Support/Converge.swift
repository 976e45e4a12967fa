import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

/// Runs the reconciler for `apply`, `reconcile` and `rollout undo`, printing progress
/// (lines on stderr, or JSON events on stdout with `-o json`) and turning the outcome
/// into the SPEC's exit code. SIGINT/SIGTERM stop it at the next batch boundary (`SignalTrap`).
enum Converge {
    static func run(_ global: GlobalOptions, ssh: SSHOptionGroup, engine: Engine, options: ReconcileOptions, json: Bool) throws {
        var options = options
        let style = global.stderrStyle
        let live = json ? nil : LiveStatus.make(style: style)
        let sink = ProgressSink { event in
            if json {
                Output.print(event.json.compact())
            } else if let live {
                live.handle(event)
            } else {
                Output.note(event.line(style: style))
            }
        }
        let reconciler = engine.reconciler(settings: ssh.settings(global), actor: Actor.current(command: Output.commandLine), progress: sink)
        let trap = SignalTrap(
            onFirst: { signal in
                sink.emit(
                    ProgressEvent(
                        kind: .interrupted,
                        message:
                            "\(Interruption.name(signal)): no new batch starts; the batch in flight finishes its health gates, then edgectl stops (again to stop at once)"
                    ))
            }, beforeExit: { live?.stop() })
        options.interruption = trap.interruption
        let outcome: ReconcileOutcome
        do {
            defer {
                live?.stop()
                trap.remove()
            }
            outcome = try reconciler.run(options)
        }
        let summary: String
        if let signal = outcome.interrupted {
            summary =
                "interrupted by \(Interruption.name(signal))"
                + (outcome.failed.isEmpty ? "" : "; failed: \(outcome.failed.map { "service/\($0)" }.joined(separator: ", "))")
                + "; the next apply or reconcile continues (nodes not seen healthy are checked again first)"
        } else if !outcome.failed.isEmpty {
            summary =
                "failed: \(outcome.failed.map { "service/\($0)" }.joined(separator: ", "))"
                + (outcome.rolledBack.isEmpty ? "" : " (rolled back: \(outcome.rolledBack.joined(separator: ", ")))")
        } else if !outcome.pendingNodes.isEmpty {
            summary =
                "incomplete: \(outcome.pendingNodes.count) node(s) unreachable and pending (\(outcome.pendingNodes.joined(separator: ", "))); run again when they answer"
        } else if !outcome.mutated {
            summary = "nothing to do: every node already runs its desired release (no changes made, no files sent)"
        } else {
            summary = "converged"
        }
        if json {
            Output.print(
                JSONValue.object([
                    ("kind", .string("summary")), ("failed", .array(outcome.failed.map(JSONValue.string))),
                    ("rolledBack", .array(outcome.rolledBack.map(JSONValue.string))), ("pending", .array(outcome.pendingNodes.map(JSONValue.string))),
                    ("paused", .array(outcome.paused.map(JSONValue.string))), ("changed", .bool(outcome.mutated)),
                    ("interrupted", outcome.interrupted.map { .string(Interruption.name($0)) } ?? .null), ("message", .string(summary)),
                ]).compact())
        } else {
            Output.note(style.bold(summary))
        }
        if let kind = outcome.exitKind { throw ExitCode(kind.exitCode) }
    }
}
