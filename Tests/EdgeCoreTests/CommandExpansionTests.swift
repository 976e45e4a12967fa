import EdgeCore
import Testing

/// `$(NAME)` in `run.command`, one table: what each word becomes with LEVEL=debug and
/// EDGE_CONFIG_DIR=/c known, and which names it refers to.
@Suite("run.command's $(NAME)")
struct CommandExpansionTests {
    static let cases: [(word: String, expanded: String, references: [String])] = [
        ("$(LEVEL)", "debug", ["LEVEL"]),
        ("-c", "-c", []),
        ("$(EDGE_CONFIG_DIR)/nginx.conf", "/c/nginx.conf", ["EDGE_CONFIG_DIR"]),
        ("--log=$(LEVEL),$(LEVEL)", "--log=debug,debug", ["LEVEL", "LEVEL"]),
        ("$$(LEVEL)", "$(LEVEL)", []),
        ("$$$(LEVEL)", "$$(LEVEL)", []),
        ("$(date)", "$(date)", ["date"]),
        ("echo $(date +%s)", "echo $(date +%s)", []),
        ("${LEVEL}", "${LEVEL}", []),
        ("$LEVEL $$ $", "$LEVEL $$ $", []),
        ("$(LEVEL", "$(LEVEL", []),
        ("$()", "$()", []),
        ("$(1X)", "$(1X)", []),
        ("é$(LEVEL)ü", "édebugü", ["LEVEL"]),
    ]

    @Test(arguments: cases) func expands(word: String, expanded: String, references: [String]) {
        let known = ["LEVEL": "debug", "EDGE_CONFIG_DIR": "/c"]
        #expect(CommandExpansion.expand(word) { known[$0] } == expanded)
        #expect(CommandExpansion.references(in: word) == references)
    }

    @Test func theUnitExpandsFromItsEnvironmentButNeverASecret() throws {
        var spec = ServiceSpec(
            bundle: BundleSpec(path: "/unused"),
            run: RunSpec(command: ["./run", "-c", "$(EDGE_CONFIG_DIR)/a.conf", "$(LEVEL)", "$(TOKEN)", "$(EDGE_SERVICE)@$(EDGE_NODE)"]))
        spec.run.env = ["LEVEL": .text("info"), "TOKEN": .secret("tok")]
        let unit = try ServiceUnit(
            service: "web", spec: spec, release: "d1", node: "n1",
            secrets: { _ in ServiceUnit.SecretValue(value: "s3cret", fingerprint: "f") })
        #expect(unit.command == ["./run", "-c", unit.configDirectory + "/a.conf", "info", "$(TOKEN)", "web@n1"])
        #expect(unit.fields["run.command"]?.contains("$(EDGE_CONFIG_DIR)") == true, "fields keep the words as written")
        #expect(!String(decoding: unit.file, as: UTF8.self).contains("set -- './run' '-c' 's3cret'"))
    }
}
