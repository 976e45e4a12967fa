// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "edgectl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "edgectl", targets: ["edgectl"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The shared state on PostgreSQL (`--state postgres://…`). It brings SwiftNIO: a clean
        // build takes about 3 minutes longer on 2 cores (docs/architecture.md, Dependencies).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Thin command layer: flags → one engine call → one printer. Reaches the state and the
        // nodes only through EdgeEngine (`scripts/lint` refuses an import of EdgeStore or EdgeSSH).
        .executableTarget(
            name: "edgectl",
            dependencies: [
                "EdgeEngine", "EdgeCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Manifests, resource model, release digests, planning. No ArgumentParser, no SQLite, no SSH.
        .target(
            name: "EdgeCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The state, on SQLite (a file) or PostgreSQL (shared): one SQL interface, both backends,
        // their migrations, resources, revisions, events, facts, the leased run lock.
        .target(
            name: "EdgeStore",
            dependencies: [
                "EdgeCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Use cases (apply, diff, get, status, …) over the core, the store and SSH,
        // and their presentation (tables, JSON, YAML). Knows nothing of ArgumentParser.
        .target(
            name: "EdgeEngine",
            dependencies: [
                "EdgeCore", "EdgeStore", "EdgeSSH", .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The only importer of CLibSSH: sessions, exec, transfer, host keys, fan-out.
        .target(name: "EdgeSSH", dependencies: ["CLibSSH", "EdgeCore"]),
        .systemLibrary(
            name: "CLibSSH",
            pkgConfig: "libssh",
            providers: [.apt(["libssh-dev"])]
        ),
        // Drives EdgeSSH primitives for scripts/bench-*; not shipped.
        .executableTarget(name: "edgectl-bench", dependencies: ["EdgeSSH", "EdgeEngine", "EdgeCore", "EdgeStore"]),
        // What scripts/fuzz feeds to libFuzzer (every parser of input someone else wrote), and
        // the fuzzer's entry points; the regression tests replay what it found.
        .target(name: "EdgeFuzzTargets", dependencies: ["EdgeCore"]),
        .executableTarget(name: "edgectl-fuzz", dependencies: ["EdgeFuzzTargets"]),
        .target(name: "TestSupport", dependencies: ["EdgeCore"], path: "Tests/TestSupport"),
        .testTarget(
            name: "EdgeCoreTests", dependencies: ["EdgeCore", "EdgeFuzzTargets", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["FuzzRegressions"]),
        .testTarget(name: "EdgeStoreTests", dependencies: ["EdgeStore", "EdgeCore", "TestSupport"]),
        // Golden/ holds expected output, read by path from the tests (not a bundle resource).
        .testTarget(name: "EdgeEngineTests", dependencies: ["EdgeEngine", "EdgeStore", "EdgeCore", "EdgeSSH", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "EndToEndTests", dependencies: ["EdgeCore", "EdgeSSH", "EdgeEngine", "EdgeStore", "TestSupport"]),
    ]
)

// Our own code builds without warnings (a warning is an error here and in CI); dependencies are not affected.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
}
