import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a service's output from its nodes.",
        discussion: """
            Reads <root>/services/NAME/log on every node the service targets, in parallel.
            Each line is led by the node's name. Without --follow, nodes are printed one
            after another in name order; with it, lines appear as the nodes write them
            until you press Ctrl-C (the tail on each node is stopped with it). --previous
            prints instead the output of the last failed attempt on each node (kept by the
            node when a rollout found it unhealthy: the last 64 KiB of each of the last 3,
            also after a rollback or the removal of a failed first release). Exit 0 read
            from every node, 75 some nodes did not answer.

            Examples:
              edgectl logs service/hello
              edgectl logs service/hello --node edge-3 --tail 20
              edgectl logs service/hello -l site=berlin -f
              edgectl logs hello --tail all | grep -i error
              edgectl logs service/hello --previous --node edge-3
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var ssh: SSHOptionGroup
    @OptionGroup var insecure: InsecureHostKeyOption

    @Argument(help: ArgumentHelp("The service: service/NAME or NAME.", valueName: "service/name"), completion: .custom(NameCompletion.services))
    var service: String

    @OptionGroup(title: "Which nodes (default: every node the service runs on)") var nodes: NodeTargetOptions

    @Option(help: ArgumentHelp("Lines from the end of each node's log, or all.", valueName: "lines"))
    var tail: String = "100"

    @Flag(name: [.short, .long], help: "Keep printing what the service writes, until interrupted.")
    var follow = false

    @Flag(name: [.short, .long], help: "The output of the last failed attempt on each node, instead of the log.")
    var previous = false

    var serviceName: String { (try? ObjectReference.parse(service, kind: .service).get())?.name ?? service }

    func validate() throws {
        if case .failure(let problem) = ObjectReference.parse(service, kind: .service) {
            throw ValidationError("logs takes a service: \(problem)")
        }
        if previous && follow { throw ValidationError("--previous prints a finished attempt's output; leave out --follow") }
        if tail != "all" && Int(tail).map({ $0 < 0 }) ?? true {
            throw ValidationError("--tail takes a number of lines or all, got \"\(tail)\"")
        }
    }

    func run() throws {
        try Output.run(global) {
            let engine = try global.openEngine()
            var request = LogsRequest(service: serviceName)
            request.targets = try nodes.targets()
            request.tail = Int(tail)
            request.follow = follow
            request.previous = previous
            let logs = engine.logs(settings: ssh.settings(global, insecure: insecure))
            let chosen = try logs.nodes(for: request)
            let prefix = NodePrefix(nodes: chosen.map(\.name), global: global)
            let outcomes = try logs.run(request, on: chosen) { prefix.write($0) }
            for outcome in outcomes {
                guard let problem = outcome.problem else { continue }
                if outcome.unreachable {
                    Output.warn(problem, style: global.stderrStyle)
                } else {
                    Output.note("\(outcome.node): \(problem)")
                }
            }
            let unreachable = outcomes.filter(\.unreachable).count
            if unreachable > 0 {
                throw EdgeError.temporary("\(unreachable) of \(outcomes.count) nodes did not answer; their logs are missing above")
            }
        }
    }
}
