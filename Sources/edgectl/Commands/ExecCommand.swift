import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run an ad-hoc command on many nodes at once.",
        discussion: """
            Runs the command after -- with /bin/sh on every chosen node in parallel
            (bounded by --parallel). One argument is a shell command line (pipes and globs
            work); several are passed as separate words. Output lines are led by the
            node's name as they arrive; --grouped prints each node's output in one block
            instead. A summary of exit codes goes to stderr, and every run is recorded in
            the event log of each node. Interrupting edgectl (or --timeout) stops the
            command on the nodes too. Exit 0 only if the command succeeded on every node;
            1 if it failed somewhere; 75 if the only trouble was nodes that did not
            answer.

            Examples:
              edgectl exec --group berlin -- uptime
              edgectl exec -l site=munich -- 'df -h /var | tail -1'
              edgectl exec --node edge-1 --node edge-2 -- systemctl is-active ssh
              edgectl exec --all --grouped -- cat /etc/os-release
              edgectl exec --all -o json -- uname -r | jq -r '.nodes[].stdout'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var ssh: SSHOptionGroup

    @OptionGroup(title: "Which nodes (one of these, or --all)") var nodes: NodeTargetOptions

    @Flag(help: "Run on every node of the fleet.")
    var all = false

    @Flag(help: "Print each node's output as one block, in node order, once all have finished.")
    var grouped = false

    @Option(help: ArgumentHelp("Stop the command on a node after this many seconds.", valueName: "seconds"))
    var timeout: Double?

    @Option(name: [.short, .customLong("output")], help: "text (lines led by node names) or json (one document when all have finished).")
    var output: OutputFormat = .text

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        try output.check([.text, .json], command: "exec")
        if command.isEmpty { throw ValidationError("give the command after --, e.g. edgectl exec --all -- uptime") }
        if nodes.isEmpty && !all {
            throw ValidationError("choose the nodes: --node N, --group G, -l SELECTOR, or --all")
        }
        if all && !nodes.isEmpty {
            throw ValidationError("--all runs on every node; leave out --node, --group and -l")
        }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        try Output.run(global) {
            let engine = try global.openEngine()
            var request = ExecRequest(arguments: command)
            request.targets = try nodes.targets()
            request.timeout = timeout
            let exec = engine.exec(settings: ssh.settings(global), actor: Actor.current(command: Output.commandLine))
            let chosen = try exec.nodes(for: request)
            let prefix = NodePrefix(nodes: chosen.map(\.name), global: global)
            let style = global.stdoutStyle
            let summary: ExecSummary
            if output == .json {
                summary = try exec.run(request, on: chosen) { _ in }
                Output.print(json(summary).render())
            } else if !grouped {
                summary = try exec.run(request, on: chosen) { prefix.write($0) }
            } else {
                summary = try exec.run(request, on: chosen) { _ in }
                for outcome in summary.outcomes {
                    let status = outcome.exitCode.map { "exit \($0)" } ?? (outcome.unreachable ? "unreachable" : "not run")
                    let colour = outcome.succeeded ? style.green : style.red
                    Output.print(style.bold("── \(outcome.node) ") + colour("(\(status))"))
                    // A last line without its newline would run into the next node's header.
                    Output.out(NodePrefix.forTerminal(NodePrefix.endingLine(outcome.stdout), fd: 1))
                    Output.err(NodePrefix.forTerminal(NodePrefix.endingLine(outcome.stderr), fd: 2))
                }
            }
            if output.isHuman {
                for outcome in summary.outcomes where outcome.exitCode == nil {
                    Output.warn(outcome.problem ?? "\(outcome.node): could not run", style: global.stderrStyle)
                }
                let line = summary.line
                Output.note(summary.failure == nil ? global.stderrStyle.green(line) : global.stderrStyle.red(line))
            }
            if let failure = summary.failure { throw ExitCode(failure.exitCode) }
        }
    }

    private func json(_ summary: ExecSummary) -> JSONValue {
        .object([
            ("command", .string(ExecRequest(arguments: command).commandLine)),
            (
                "nodes",
                .array(
                    summary.outcomes.map { o in
                        .object([
                            ("node", .string(o.node)), ("exitCode", o.exitCode.map { .int(Int($0)) } ?? .null),
                            ("stdout", .string(o.stdout)), ("stderr", .string(o.stderr)), ("error", .str(o.problem)),
                            ("reachable", .bool(!o.unreachable)),
                        ])
                    })
            ),
            ("succeeded", .int(summary.succeeded)), ("failed", .int(summary.failed.count)), ("unreachable", .int(summary.unreachable.count)),
        ])
    }
}
