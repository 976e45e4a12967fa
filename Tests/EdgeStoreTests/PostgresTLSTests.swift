import EdgeCore
import Foundation
import TestSupport
import Testing

@testable import EdgeStore

/// `sslmode=verify-ca|verify-full` with `sslrootcert`, as libpq users write them, against the
/// test server serving a certificate from a CA this test makes (for the name localhost only).
@Suite(
    "PostgreSQL TLS", .serialized,
    .enabled(if: TestStates.postgresURL != nil && ProcessInfo.processInfo.environment["EDGECTL_TEST_PG_DIR"] != nil))
struct PostgresTLSTests {
    /// A CA, a second CA nobody trusts, and a server certificate for localhost signed by the first.
    static func makeCertificates(in dir: TemporaryDirectory) throws {
        let script = """
            set -e
            cd "$1"
            openssl req -x509 -new -nodes -days 2 -subj "/CN=edgectl test CA" -keyout ca.key -out ca.crt
            openssl req -x509 -new -nodes -days 2 -subj "/CN=someone else" -keyout other.key -out other.crt
            openssl req -new -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
            printf 'subjectAltName=DNS:localhost\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt
            """
        let made = try Shell.run("/bin/sh", ["-c", script, "sh", dir.path])
        guard made.status == 0 else { throw TestStateError(message: "openssl: \(made.stderr)") }
        let server = ProcessInfo.processInfo.environment["EDGECTL_TEST_PG_DIR"]!
        let served = try Shell.run(
            Edgectl.packageRoot + "/scripts/pg-server", ["certificate", server, dir.path + "/server.crt", dir.path + "/server.key"])
        guard served.status == 0 else { throw TestStateError(message: "pg-server certificate: \(served.stderr)") }
    }

    func open(_ url: String) -> Result<Int, Error> {
        Result { try StateStore(path: url).resources().count }
    }

    func failure(_ result: Result<Int, Error>) -> String {
        if case .failure(let error) = result { return "\(error)" }
        return "no error"
    }

    @Test func verifyFullChecksTheChainAndTheHostName() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try Self.makeCertificates(in: dir)
        let url = try TestStates.make("postgres", in: dir)
        let ca = dir.path + "/ca.crt"

        let byName = url.replacingOccurrences(of: "@127.0.0.1:", with: "@localhost:")
        let full = open(byName + "?sslmode=verify-full&sslrootcert=" + ca)
        #expect((try? full.get()) == 0, "verify-full with the CA: \(failure(full))")

        // Signed by a CA that is not the one given: refused, and said why (not "try again").
        let stranger = failure(open(byName + "?sslmode=verify-full&sslrootcert=" + dir.path + "/other.crt"))
        #expect(stranger.contains("presented a certificate that sslmode=verify-full does not accept"), "\(stranger)")
        // The system's roots do not know the test CA either.
        let system = failure(open(byName + "?sslmode=verify-full&sslrootcert=system"))
        #expect(system.contains("does not accept"), "\(system)")

        // The certificate names localhost, not 127.0.0.1: verify-full refuses the address,
        // verify-ca (the chain only) takes it.
        let wrongName = failure(open(url + "?sslmode=verify-full&sslrootcert=" + ca))
        #expect(wrongName.contains("does not accept"), "\(wrongName)")
        let chainOnly = open(url + "?sslmode=verify-ca&sslrootcert=" + ca)
        #expect((try? chainOnly.get()) == 0, "verify-ca by another name: \(failure(chainOnly))")

        // The same through the environment, as libpq reads it.
        let fromEnvironment = try PostgresURL(url, environment: ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": ca])
        #expect(fromEnvironment.sslMode == .verifyFull && fromEnvironment.sslRootCert == ca)

        // A root file that is not there is a usage error before any connection.
        let missing = failure(open(url + "?sslmode=verify-full&sslrootcert=" + dir.path + "/nothing.crt"))
        #expect(missing.contains("sslrootcert") && missing.contains("cannot be read"), "\(missing)")
    }

    @Test(arguments: [
        ("postgres://ops@db.example:5432/edgectl", true), ("postgres://ops@db.example/edgectl?sslmode=require", true),
        ("postgres://ops@10.0.0.5/edgectl?sslmode=verify-ca", false), ("postgres://ops@db.example/edgectl?sslmode=verify-full", false),
        ("postgres://ops@127.0.0.1:5432/edgectl", false), ("postgres://ops@localhost/edgectl?sslmode=disable", false),
        ("postgres://ops@[::1]/edgectl", false), ("postgres://ops@/edgectl?host=/run/postgresql", false),
    ])
    func anUnverifiedServerElsewhereIsWarnedAbout(_ text: String, _ warned: Bool) throws {
        let url = try PostgresURL(text, environment: [:])
        #expect((url.unverifiedWarning != nil) == warned, "\(text): \(url.unverifiedWarning ?? "no warning")")
    }
}
