import EdgeCore
import Testing

/// Every command reads KIND/NAME through one parser: each alias, each mistake, one table.
@Suite("KIND/NAME on the command line")
struct ObjectReferenceTests {
    @Test(arguments: [
        ("service/web", ResourceKind?.some(.service), "service/web"), ("svc/web", .service, "service/web"), ("services/web", .service, "service/web"),
        ("web", .service, "service/web"), ("node/edge-1", nil, "node/edge-1"), ("no/edge-1", nil, "node/edge-1"),
        ("nodes/edge-1", nil, "node/edge-1"),
        ("ng/berlin", nil, "nodegroup/berlin"), ("group/berlin", nil, "nodegroup/berlin"), ("nodegroups/berlin", nil, "nodegroup/berlin"),
        ("secret/db", nil, "secret/db"), ("Service/web", nil, "service/web"),
    ])
    func everyAliasReadsTheSame(_ text: String, _ kind: ResourceKind?, _ expected: String) throws {
        #expect(try ObjectReference.parse(text, kind: kind).get().description == expected)
    }

    @Test(arguments: [
        ("node/edge-1", ResourceKind?.some(.service), "expected service/NAME or NAME"), ("pod/web", .service, "unknown kind \"pod\""),
        ("service/", .service, "names no service"), ("web", nil, "give KIND/NAME"), ("nodes/", nil, "names no node"),
    ])
    func mistakesSayWhat(_ text: String, _ kind: ResourceKind?, _ message: String) {
        guard case .failure(let problem) = ObjectReference.parse(text, kind: kind) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(problem.message.contains(message), "\(problem)")
    }
}
