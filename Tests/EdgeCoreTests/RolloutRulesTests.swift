import EdgeCore
import Testing

/// Every rollout rule, without a fleet: the planner's batches and actions, the policy's
/// decisions, the revision rules and the gates a stopped run leaves owed.
struct PlannerBatchTests {
    struct BatchCase: Sendable, CustomTestStringConvertible {
        var name: String
        var nodes: Int
        var groups: [[Int]]? = nil
        var maxUnavailable: IntOrPercent = .percent(25)
        var canary = 0
        var expected: [[String]]
        var testDescription: String { name }
    }

    static let cases: [BatchCase] = [
        BatchCase(name: "by count", nodes: 5, maxUnavailable: .count(2), expected: [["n1", "n2"], ["n3", "n4"], ["n5"]]),
        BatchCase(
            name: "by percentage", nodes: 8, maxUnavailable: .percent(25), expected: [["n1", "n2"], ["n3", "n4"], ["n5", "n6"], ["n7", "n8"]]),
        BatchCase(name: "a percentage below one node is one node", nodes: 3, maxUnavailable: .percent(10), expected: [["n1"], ["n2"], ["n3"]]),
        BatchCase(name: "all at once", nodes: 4, maxUnavailable: .percent(100), expected: [["n1", "n2", "n3", "n4"]]),
        BatchCase(name: "a count larger than the fleet", nodes: 2, maxUnavailable: .count(10), expected: [["n1", "n2"]]),
        BatchCase(name: "canary first", nodes: 4, maxUnavailable: .percent(50), canary: 1, expected: [["n1"], ["n2", "n3"], ["n4"]]),
        BatchCase(name: "two canaries", nodes: 5, maxUnavailable: .count(3), canary: 2, expected: [["n1", "n2"], ["n3", "n4", "n5"]]),
        BatchCase(
            name: "groups in order, the canary only in the first", nodes: 4, groups: [[3, 4], [1, 2]], maxUnavailable: .percent(100), canary: 1,
            expected: [["n3"], ["n4"], ["n1", "n2"]]),
        BatchCase(
            name: "a node in several groups goes with the first", nodes: 3, groups: [[1, 2], [2, 3]], maxUnavailable: .percent(100),
            expected: [["n1", "n2"], ["n3"]]),
        BatchCase(
            name: "batch size per group", nodes: 6, groups: [[1, 2], [3, 4, 5, 6]], maxUnavailable: .percent(50),
            expected: [["n1"], ["n2"], ["n3", "n4"], ["n5", "n6"]]),
        BatchCase(name: "an empty group is skipped", nodes: 2, groups: [[], [1, 2]], maxUnavailable: .count(1), expected: [["n1"], ["n2"]]),
    ]

    @Test(arguments: cases) func batches(_ c: BatchCase) {
        var rollout = RolloutSpec()
        rollout.maxUnavailable = c.maxUnavailable
        rollout.canary = c.canary
        let fleet = RulesFixture.fleet(nodes: c.nodes, groups: c.groups ?? [Array(1...c.nodes)], rollout: rollout)
        let plan = Planner.plan(fleet: fleet, releases: ["web": "r2"], observed: RulesFixture.allEmpty(c.nodes))
        #expect(plan.services.first?.batches.map { $0.steps.map(\.node) } == c.expected)
        #expect(plan.services.first?.batches.first?.canary == (c.canary > 0))
    }

    @Test func aSelectorServiceIsOneUnnamedStage() {
        var spec = ServiceSpec(bundle: BundleSpec(path: "/b"), run: RunSpec(command: ["x"]))
        spec.selector = SelectorSpec(matchLabels: ["tier": "edge"])
        spec.rollout.maxUnavailable = .percent(100)
        let nodes = (1...3).map { Resource(name: "n\($0)", labels: ["tier": $0 == 2 ? "core" : "edge"], spec: .node(NodeSpec(address: "x"))) }
        let plan = Planner.plan(fleet: Fleet(nodes + [Resource(name: "web", spec: .service(spec))]), releases: ["web": "r2"], observed: [:])
        #expect(plan.services[0].batches.map(\.group) == [nil])
        #expect(plan.services[0].steps.map(\.node) == ["n1", "n3"])
    }
}

struct PlannerActionTests {
    struct ActionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var observed: ObservedNode?
        var owed = false
        var unit: String? = nil
        var expected: NodeAction
        var testDescription: String { name }
    }

    static func running(_ release: String, unit: String? = nil, process: NodeServiceState.Process = .running, drifted: Bool = false) -> ObservedNode {
        ObservedNode(reachable: true, services: ["web": NodeServiceState(current: release, process: process, drifted: drifted, unit: unit)])
    }

    static let cases: [ActionCase] = [
        ActionCase(name: "never observed: pending", observed: nil, expected: .pending),
        ActionCase(name: "unreachable: pending", observed: ObservedNode(reachable: false), expected: .pending),
        ActionCase(name: "unreachable and owed a gate: still pending", observed: ObservedNode(reachable: false), owed: true, expected: .pending),
        ActionCase(name: "no service yet: install", observed: ObservedNode(reachable: true), expected: .install),
        ActionCase(name: "another release: update", observed: running("r1"), expected: .update(from: "r1")),
        ActionCase(name: "owed a gate but on another release: update", observed: running("r1"), owed: true, expected: .update(from: "r1")),
        ActionCase(name: "not running: restart", observed: running("r2", process: .dead), expected: .restart),
        ActionCase(name: "stopped: restart", observed: running("r2", process: .stopped), expected: .restart),
        ActionCase(name: "drifted: repair", observed: running("r2", drifted: true), expected: .repair),
        ActionCase(name: "converged: nothing", observed: running("r2"), expected: .none),
        ActionCase(name: "converged but owed a gate: recheck", observed: running("r2"), owed: true, expected: .recheck),
        ActionCase(
            name: "another unit: reconfigure", observed: running("r2", unit: "u-old"), unit: "u-new", expected: .reconfigure(changes: ["unit"])),
        ActionCase(name: "same unit: nothing", observed: running("r2", unit: "u1"), unit: "u1", expected: .none),
    ]

    @Test(arguments: cases) func action(_ c: ActionCase) throws {
        let fleet = RulesFixture.fleet(nodes: 1, groups: [[1]], rollout: RolloutSpec())
        var units: [String: [String: ServiceUnit]] = [:]
        if c.unit != nil {
            var unit = try fleet.unit(ofService: "web", node: "n1", release: "r2")
            unit.digest = c.unit!
            units["web"] = ["n1": unit]
        }
        let plan = Planner.plan(
            fleet: fleet, releases: ["web": "r2"], units: units, observed: c.observed.map { ["n1": $0] } ?? [:],
            owedGates: c.owed ? ["web": ["n1"]] : [:])
        #expect(plan.services[0].steps.first?.action == c.expected)
    }

    @Test func removalsOnlyOnReachableNodesAndOnlyWhatIsNoLongerWanted() {
        let fleet = RulesFixture.fleet(nodes: 3, groups: [[1]], rollout: RolloutSpec())
        let observed: [String: ObservedNode] = [
            "n1": Self.running("r2"), "n2": Self.running("r2"),
            "n3": ObservedNode(reachable: false, services: ["web": NodeServiceState(current: "r2", process: .running)]),
        ]
        let plan = Planner.plan(fleet: fleet, releases: ["web": "r2"], observed: observed)
        #expect(plan.removals.map { "\($0.node)/\($0.service)" } == ["n2/web"])
        #expect(Planner.plan(fleet: fleet, releases: ["web": "r2"], observed: observed, removalsOf: ["other"]).removals.isEmpty)
        #expect(Planner.plan(fleet: fleet, releases: ["web": "r2"], observed: observed, nodeFilter: { $0 != "n2" }).removals.isEmpty)
    }

    @Test func onlyAndNodeFilterNarrowThePlan() {
        let fleet = RulesFixture.fleet(nodes: 3, groups: [[1, 2, 3]], rollout: RolloutSpec())
        #expect(Planner.plan(fleet: fleet, releases: ["web": "r2"], observed: [:], only: ["other"]).services.isEmpty)
        let plan = Planner.plan(fleet: fleet, releases: ["web": "r2"], observed: RulesFixture.allEmpty(3), nodeFilter: { $0 != "n2" })
        #expect(plan.services[0].steps.map(\.node) == ["n1", "n3"])
        #expect(plan.pendingNodes.isEmpty)
        #expect(!plan.isEmpty)
    }
}

struct RolloutPolicyTests {
    struct DecisionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var maxFailures: IntOrPercent = .count(0)
        var targets = 4
        var autoRollback = true
        var batchesDone = 0
        var batches = 3
        var failed: Set<String> = []
        var pending: Set<String> = []
        var switched: Set<String> = []
        var paused = false
        var interrupted = false
        var expected: RolloutPolicy.Decision
        var testDescription: String { name }
    }

    static let cases: [DecisionCase] = [
        DecisionCase(name: "a fresh rollout runs its first batch", expected: .runBatch(0)),
        DecisionCase(name: "the next batch after one", batchesDone: 1, expected: .runBatch(1)),
        DecisionCase(name: "every batch ran: complete", batchesDone: 3, expected: .finish(.complete)),
        DecisionCase(name: "every batch ran with nodes pending: incomplete", batchesDone: 3, pending: ["n4"], expected: .finish(.incomplete)),
        DecisionCase(name: "pending nodes are not failures", batchesDone: 1, pending: ["n1", "n2", "n3"], expected: .runBatch(1)),
        DecisionCase(
            name: "one failure over maxFailures 0 halts and rolls back what moved", batchesDone: 1, failed: ["n2"], switched: ["n2", "n1"],
            expected: .halt(rollBack: ["n1", "n2"])),
        DecisionCase(
            name: "without autoRollback a halt rolls nothing back", autoRollback: false, batchesDone: 1, failed: ["n2"], switched: ["n1", "n2"],
            expected: .halt(rollBack: [])),
        DecisionCase(
            name: "failures within maxFailures by count go on", maxFailures: .count(1), batchesDone: 1, failed: ["n2"], expected: .runBatch(1)),
        DecisionCase(
            name: "two failures over maxFailures 1 halt", maxFailures: .count(1), batchesDone: 2, failed: ["n2", "n3"], expected: .halt(rollBack: [])),
        DecisionCase(
            name: "maxFailures 25% of 8 tolerates two", maxFailures: .percent(25), targets: 8, batchesDone: 2, failed: ["a", "b"],
            expected: .runBatch(2)),
        DecisionCase(
            name: "maxFailures 25% of 8 halts at three", maxFailures: .percent(25), targets: 8, batchesDone: 2, failed: ["a", "b", "c"],
            expected: .halt(rollBack: [])),
        DecisionCase(
            name: "maxFailures 10% of 5 rounds down to none", maxFailures: .percent(10), targets: 5, failed: ["a"], expected: .halt(rollBack: [])),
        DecisionCase(name: "failures in staging halt before the first batch", failed: ["n1"], expected: .halt(rollBack: [])),
        DecisionCase(
            name: "a failure in the last batch still halts", batchesDone: 3, failed: ["n4"], switched: ["n4"], expected: .halt(rollBack: ["n4"])),
        DecisionCase(name: "paused: stop before the next batch", batchesDone: 1, paused: true, expected: .pause(beforeBatch: 1)),
        DecisionCase(name: "paused before anything moved", paused: true, expected: .pause(beforeBatch: 0)),
        DecisionCase(name: "a signal stops before the next batch", batchesDone: 2, interrupted: true, expected: .interrupt(beforeBatch: 2)),
        DecisionCase(name: "a signal wins over a pause", batchesDone: 1, paused: true, interrupted: true, expected: .interrupt(beforeBatch: 1)),
        DecisionCase(
            name: "too many failures win over a signal", batchesDone: 1, failed: ["n1"], switched: ["n1"], interrupted: true,
            expected: .halt(rollBack: ["n1"])),
        DecisionCase(name: "a signal after the last batch: finished", batchesDone: 3, interrupted: true, expected: .finish(.complete)),
        DecisionCase(name: "a plan without batches is complete", batches: 0, expected: .finish(.complete)),
    ]

    @Test(arguments: cases) func decide(_ c: DecisionCase) {
        var spec = RolloutSpec()
        spec.maxFailures = c.maxFailures
        spec.autoRollback = c.autoRollback
        let policy = RolloutPolicy(spec, targets: c.targets)
        var progress = RolloutPolicy.Progress(batches: c.batches)
        progress.batchesDone = c.batchesDone
        progress.failed = c.failed
        progress.pending = c.pending
        progress.switched = c.switched
        progress.paused = c.paused
        progress.interrupted = c.interrupted
        #expect(policy.decide(progress) == c.expected)
    }

    @Test func whatEachEndIsRecordedAs() {
        let rolling = RolloutPolicy(maxFailures: 0, autoRollback: true)
        let halting = RolloutPolicy(maxFailures: 0, autoRollback: false)
        #expect(rolling.record(.halt(rollBack: ["n1"]), message: "why")! == (.rolledBack, .rolledBack("why")))
        #expect(halting.record(.halt(rollBack: []), message: "why")! == (.failed, .failed("why")))
        #expect(rolling.record(.finish(.complete), message: "")! == (.complete, .complete))
        #expect(rolling.record(.finish(.incomplete), message: "")! == (.incomplete, .incomplete))
        // Paused and interrupted leave the revision open: the next run continues it.
        #expect(rolling.record(.pause(beforeBatch: 1), message: "")! == (.paused, nil))
        #expect(rolling.record(.interrupt(beforeBatch: 1), message: "")! == (.interrupted, nil))
        #expect(rolling.record(.runBatch(0), message: "") == nil)
    }
}

struct RevisionRulesTests {
    static func rev(_ n: Int, _ release: String, _ outcome: RevisionOutcome? = nil) -> RevisionSummary {
        RevisionSummary(revision: n, release: release, outcome: outcome)
    }

    @Test func aFailedOrRolledBackRevisionIsNotRetried() {
        #expect(RevisionRules.blocked([Self.rev(1, "a", .complete), Self.rev(2, "b", .rolledBack("x"))])?.revision == 2)
        #expect(RevisionRules.blocked([Self.rev(1, "a", .complete), Self.rev(2, "b", .failed("x"))])?.revision == 2)
        #expect(RevisionRules.blocked([Self.rev(1, "a", .rolledBack("x")), Self.rev(2, "b")]) == nil)
        #expect(RevisionRules.blocked([Self.rev(1, "a", .incomplete)]) == nil)
        #expect(RevisionRules.blocked([]) == nil)
    }

    @Test func autoRollbackRestoresTheLatestGoodEarlierRevision() {
        let revisions = [Self.rev(1, "a", .complete), Self.rev(2, "b", .rolledBack("x")), Self.rev(3, "c", .failed("y")), Self.rev(4, "d")]
        #expect(RevisionRules.autoRollbackTarget(revisions, failing: 4)?.revision == 1)
        #expect(RevisionRules.autoRollbackTarget([Self.rev(1, "a", .incomplete), Self.rev(2, "b")], failing: 2)?.revision == 1)
        #expect(RevisionRules.autoRollbackTarget([Self.rev(1, "a")], failing: 1) == nil)
    }

    @Test func undoGoesToThePreviousOtherReleaseOrTheOneAskedFor() throws {
        let revisions = [Self.rev(1, "a"), Self.rev(2, "b"), Self.rev(3, "b")]
        #expect(try RevisionRules.undoTarget(revisions, toRevision: nil).get().revision == 1)
        #expect(try RevisionRules.undoTarget(revisions, toRevision: 2).get().revision == 2)
        #expect(RevisionRules.undoTarget(revisions, toRevision: 9) == .failure(.noSuchRevision(9, latest: 3)))
        #expect(RevisionRules.undoTarget([Self.rev(1, "a")], toRevision: nil) == .failure(.nothingEarlier))
        #expect(RevisionRules.undoTarget([], toRevision: nil) == .failure(.noRevisions))
    }

    @Test(arguments: [
        ("Complete", RevisionOutcome.complete), ("Incomplete", .incomplete), ("RolledBack: 2 node(s) failed", .rolledBack("2 node(s) failed")),
        ("Failed: bundle changed", .failed("bundle changed")), ("Failed", .failed("")), ("Halted", .other("Halted")),
        ("Failedish", .other("Failedish")),
    ])
    func storedOutcomesReadBack(_ text: String, _ outcome: RevisionOutcome) {
        #expect(RevisionOutcome(stored: text) == outcome)
        #expect(outcome.description == text)
    }
}

struct GateDebtTests {
    typealias Past = GateDebt.PastRollout

    struct DebtCase: Sendable, CustomTestStringConvertible {
        var name: String
        var rollouts: [Past]
        var expected: Set<String>
        var testDescription: String { name }
    }

    static let cases: [DebtCase] = [
        DebtCase(
            name: "a finished rollout owes nothing", rollouts: [Past(state: .complete, steps: [("n1", .switching), ("n1", .healthy)])], expected: []),
        DebtCase(name: "a node left switching owes its gate", rollouts: [Past(state: .interrupted, steps: [("n1", .switching)])], expected: ["n1"]),
        DebtCase(
            name: "a node healthy in an interrupted rollout is gated again",
            rollouts: [Past(state: .interrupted, steps: [("n1", .switching), ("n1", .healthy), ("n2", .staged)])], expected: ["n1"]),
        DebtCase(
            name: "a run killed mid-rollout leaves it progressing",
            rollouts: [Past(state: .progressing, steps: [("n1", .switching), ("n1", .committed)])],
            expected: ["n1"]),
        DebtCase(
            name: "a later finished rollout that gated the node settles it",
            rollouts: [Past(state: .interrupted, steps: [("n1", .healthy)]), Past(state: .complete, steps: [("n1", .switching), ("n1", .healthy)])],
            expected: []),
        DebtCase(
            name: "a later rollout that never reached the node leaves it owed",
            rollouts: [Past(state: .interrupted, steps: [("n1", .switching)]), Past(state: .interrupted, steps: [("n2", .staged)])], expected: ["n1"]),
        DebtCase(
            name: "a failed node is the policy's, not a debt", rollouts: [Past(state: .failed, steps: [("n1", .switching), ("n1", .failed)])],
            expected: []),
        DebtCase(
            name: "a rolled-back node owes nothing",
            rollouts: [Past(state: .rolledBack, steps: [("n1", .switching), ("n1", .failed), ("n1", .rolledBack)])], expected: []),
        DebtCase(name: "staged only: nothing moved", rollouts: [Past(state: .interrupted, steps: [("n1", .staged)])], expected: []),
        DebtCase(name: "a paused rollout's gated nodes are settled", rollouts: [Past(state: .paused, steps: [("n1", .healthy)])], expected: []),
    ]

    @Test(arguments: cases) func owed(_ c: DebtCase) {
        #expect(GateDebt.owed(c.rollouts) == c.expected)
    }
}

enum RulesFixture {
    /// Nodes n1…nN; groups g1… holding the listed node numbers; service `web` over the groups.
    static func fleet(nodes: Int, groups: [[Int]], rollout: RolloutSpec) -> Fleet {
        var resources = (1...nodes).map { Resource(name: "n\($0)", spec: .node(NodeSpec(address: "10.0.0.\($0)"))) }
        for (index, members) in groups.enumerated() {
            var spec = NodeGroupSpec()
            spec.nodes = members.map { "n\($0)" }
            resources.append(Resource(name: "g\(index + 1)", spec: .nodeGroup(spec)))
        }
        var service = ServiceSpec(bundle: BundleSpec(path: "/bundle"), run: RunSpec(command: ["./run"]))
        service.nodeGroups = groups.indices.map { "g\($0 + 1)" }
        service.rollout = rollout
        resources.append(Resource(name: "web", spec: .service(service)))
        return Fleet(resources)
    }

    /// Every node reachable, nothing installed.
    static func allEmpty(_ nodes: Int) -> [String: ObservedNode] {
        Dictionary(uniqueKeysWithValues: (1...nodes).map { ("n\($0)", ObservedNode(reachable: true)) })
    }
}
