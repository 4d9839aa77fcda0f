// swift-tools-version:6.1
import PackageDescription

// Layers, bottom to top:
//   LedgerCore      formats and checks from SPEC.md: JCS, Merkle (RFC 9162), signed notes, identifiers. No I/O.
//   LedgerMigrations the numbered SQL files in Migrations/, embedded in the binary.
//   LedgerStore     the SQLite ledger file (GRDB): migrations, one append path, reads.
//   LedgerPostgres  a ledger in PostgreSQL (postgres-nio): the authority for appends, mirrored into a checked SQLite file.
//   Dispensing      the records pharmacists keep: receipts, fills, doses, shipments, wastes, counts;
//                   validated and projected into inventory inside the append transaction.
//   Reconciliation  the compliance officer's rules: every discrepancy, explained, resolvable.
//   Reports         regulator exports as signed bundles (SPEC §5): inspection package, ASAP 4.2A PMP file,
//                   biennial inventory, DEA 41/106 data; and the offline bundle verifier (no database).
//   LedgerAccess    the one door to a ledger: the LedgerTarget protocol and the typed values it answers with.
//   CSLedgerKit     what users do: keys on disk, init, enroll, append, verify, prove.
//   LedgerClient    csledgerd seen from the command line: a LedgerTarget over HTTPS (AsyncHTTPClient).
//   Dashboard       the compliance dashboard's pages: reads behind the integrity gate, HTML (escaped in one place), SVG charts.
//   Witness         a C2SP tlog-witness (cosigns checkpoints it checked; SQLite state), and the client that
//                   asks witnesses to cosign the ledger's checkpoints.
//   TLSServing      a server's certificate and key, checked before it listens (csledgerd, the witness).
//   LedgerServer    the HTTP API (Hummingbird 2): routes, tokens, roles, group commit, the dashboard's sign-in. Tests import it.
//   Simulation      a seeded clinic-and-pharmacy simulation writing realistic ledgers (tests, benchmarks).
//   csledger        the command line, a thin shell over CSLedgerKit.
//   csledgerd       the daemon, a thin shell over LedgerServer.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "csledger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "csledger", targets: ["csledger"]),
        .executable(name: "csledgerd", targets: ["csledgerd"]),
        .library(name: "LedgerCore", targets: ["LedgerCore"]),
        .library(name: "CSLedgerKit", targets: ["CSLedgerKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        // Named because LedgerServer imports their modules itself (HTTPTypes, NIOHTTPTypes); Hummingbird depends on both.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // The PostgreSQL store (LedgerPostgres only).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "LedgerCore",
            dependencies: [
                // On Linux also gives LedgerCore the C module under it, CCryptoBoringSSL: leaf and node hashes call
                // its SHA-256 directly (Sources/LedgerCore/SHA256Direct.swift), without the Swift wrapper's allocation.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LedgerMigrations",
            path: "Migrations",
            exclude: ["README.md"],
            resources: [.embedInCode("0001_ledger.sql"), .embedInCode("0002_dispensing.sql"), .embedInCode("0003_api_tokens.sql"), .embedInCode("0004_statement_index.sql"), .embedInCode("0005_append_order.sql"), .embedInCode("0006_auth_epoch.sql"), .embedInCode("0007_state_seal.sql"), .embedInCode("0008_supervised_dosing.sql"), .embedInCode("0009_cosignatures.sql"), .embedInCode("0010_token_scope.sql"), .embedInCode("0011_shipments_by_status.sql")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LedgerStore",
            dependencies: [
                "LedgerCore",
                "LedgerMigrations",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API, for reading blobs in place where GRDB would copy them (verification).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Dispensing",
            dependencies: [
                "LedgerCore",
                "LedgerStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Reconciliation",
            dependencies: [
                "LedgerCore",
                "LedgerStore",
                "Dispensing",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Reports",
            dependencies: [
                "LedgerCore",
                "LedgerStore",
                "Dispensing",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LedgerPostgres",
            // The only module that imports PostgresNIO: PostgreSQL as the authority, a checked SQLite mirror beside it.
            dependencies: [
                "LedgerCore",
                "LedgerStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Migrations/0001_ledgers.sql"), .embedInCode("Migrations/0002_personal_data.sql"), .embedInCode("Migrations/0003_personal_data_order.sql"), .embedInCode("Migrations/0004_api_tokens.sql"), .embedInCode("Migrations/0005_dashboard_sessions.sql")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LedgerAccess",
            dependencies: ["LedgerCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CSLedgerKit",
            dependencies: ["LedgerAccess", "LedgerCore", "LedgerStore", "LedgerPostgres", "Dispensing", "Reconciliation"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Simulation",
            dependencies: ["CSLedgerKit", "Dispensing", "LedgerCore", "LedgerStore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LedgerClient",
            // No database code: the client reaches a daemon through the same protocol a ledger file answers.
            dependencies: [
                "LedgerAccess",
                "LedgerCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Dashboard",
            dependencies: ["CSLedgerKit", "Dispensing", "LedgerCore", "LedgerStore", "Reconciliation"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LedgerServer",
            dependencies: [
                "CSLedgerKit",
                "LedgerAccess",
                "Dashboard",
                "Witness",
                "Dispensing",
                "LedgerCore",
                "LedgerStore",
                "Reconciliation",
                "TLSServing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TLSServing",
            // A server's certificate and key, checked before it listens (csledgerd and the witness).
            dependencies: [
                "LedgerCore",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Witness",
            dependencies: [
                "CSLedgerKit",
                "LedgerCore",
                "LedgerStore",
                "TLSServing",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "csledgerd",
            dependencies: [
                "LedgerServer",
                "Witness",
                "CSLedgerKit",
                "LedgerCore",
                "TLSServing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "csledger",
            dependencies: [
                "CSLedgerKit",
                "LedgerAccess",
                "LedgerClient",
                "LedgerCore",
                "Dispensing",
                "Reconciliation",
                "Reports",
                "TLSServing",
                "Witness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "csledger-bench",
            dependencies: ["CSLedgerKit", "LedgerStore", "LedgerPostgres", "LedgerCore", "Dispensing", "Reconciliation", "Simulation", "Witness"],
            path: "Benchmarks/csledger-bench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "crash-harness",
            dependencies: ["CSLedgerKit", "LedgerStore", "LedgerCore", "Dispensing", "Simulation",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/crash-harness",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LedgerCoreTests",
            dependencies: ["LedgerCore", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LedgerServerTests",
            dependencies: [
                "LedgerServer", "CSLedgerKit", "LedgerCore", "LedgerStore", "Dispensing", "csledgerd",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CSLedgerTests",
            dependencies: ["CSLedgerKit", "LedgerAccess", "Dashboard", "LedgerClient", "LedgerStore", "LedgerCore", "Dispensing", "Reconciliation", "Reports", "Simulation", "Witness", "csledger", "csledgerd", "crash-harness",
                           "LedgerMigrations", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
    ]
)
