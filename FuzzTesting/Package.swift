// swift-tools-version:6.0
// Fuzz targets for hmq's parsers, built by ../scripts/fuzz with libFuzzer and
// AddressSanitizer (as swift-protobuf and swift-nio-http2 keep theirs: a
// package beside the main one). Crashers go to FailCases/, which the main
// test suite replays (FuzzReplayTests in the test targets, through
// Tests/TestSupport/FuzzInputs.swift).
import PackageDescription

let package = Package(
    name: "FuzzTesting",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "hmq", path: "..")],
    targets: [
        .executableTarget(name: "FuzzParser", dependencies: [.product(name: "HMQSyntax", package: "hmq")]),
        .executableTarget(name: "FuzzJSON", dependencies: [.product(name: "HMQJSON", package: "hmq"), .product(name: "Heymarket", package: "hmq")]),
        .executableTarget(name: "FuzzCSV", dependencies: [.product(name: "HMQRuntime", package: "hmq")]),
        .executableTarget(name: "FuzzConfig", dependencies: [.product(name: "HMQConfig", package: "hmq")]),
        .executableTarget(name: "FuzzPhone", dependencies: [.product(name: "Heymarket", package: "hmq")]),
        .executableTarget(name: "FuzzRegex", dependencies: [.product(name: "HMQRuntime", package: "hmq")]),
        .executableTarget(name: "FuzzJournal", dependencies: ["FuzzSupport", .product(name: "Heymarket", package: "hmq"), .product(name: "HeymarketSandbox", package: "hmq")]),
        .executableTarget(name: "FuzzMCP", dependencies: ["FuzzSupport", .product(name: "HMQAgent", package: "hmq")]),
        .executableTarget(name: "FuzzLSP", dependencies: [
            .product(name: "LanguageServer", package: "hmq"), .product(name: "HMQLanguage", package: "hmq"),
            .product(name: "HMQRuntime", package: "hmq"), .product(name: "HMQFormatters", package: "hmq"),
        ]),
        // Waiting for an async check from libFuzzer's synchronous callback.
        .target(name: "FuzzSupport"),
    ],
    swiftLanguageModes: [.v6]
)
