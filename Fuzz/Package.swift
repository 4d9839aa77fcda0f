// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for every parser that takes outside bytes. A separate package, so the main build
// never sees -sanitize=fuzzer; it depends on the main package by path. Build and run with ./run.sh.
// Each target defines LLVMFuzzerTestOneInput (no main: libFuzzer supplies it at link time).
let targets = ["fuzz-json", "fuzz-statement", "fuzz-gs1", "fuzz-note", "fuzz-tlog-proof", "fuzz-manifest", "fuzz-http-statement", "fuzz-route-query"]

let package = Package(
    name: "csledger-fuzz",
    dependencies: [.package(name: "csledger", path: "..")],
    targets: targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [.product(name: "LedgerCore", package: "csledger")],
            path: "Sources/\(name)",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .unsafeFlags(["-parse-as-library"])]
        )
    }
)
