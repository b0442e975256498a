// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hmq",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hmq", targets: ["hmq"]),
        .library(name: "HMQJSON", targets: ["HMQJSON"]),
        .library(name: "HMQSystem", targets: ["HMQSystem"]),
        .library(name: "Heymarket", targets: ["Heymarket"]),
        .library(name: "HeymarketSandbox", targets: ["HeymarketSandbox"]),
        .library(name: "HMQSyntax", targets: ["HMQSyntax"]),
        .library(name: "HMQRuntime", targets: ["HMQRuntime"]),
        .library(name: "HMQLanguage", targets: ["HMQLanguage"]),
        .library(name: "HMQFormatters", targets: ["HMQFormatters"]),
        .library(name: "HMQConfig", targets: ["HMQConfig"]),
        .library(name: "HMQHost", targets: ["HMQHost"]),
        .library(name: "HMQAgent", targets: ["HMQAgent"]),
        .library(name: "LanguageServer", targets: ["LanguageServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // NIO under the transport and the sandbox, named because both import it.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // Tests only: an independent CSV reader for round trips.
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: [
        // JSON values that keep what was sent (key order, integers, big numbers), their
        // parser and writer. A leaf: the API client, the formatters and the servers share it.
        .target(name: "HMQJSON"),
        // Processes and files: a child process in its own group, shell words, a file
        // written whole or not at all, a buffered descriptor sink, a scratch file. A leaf.
        .target(name: "HMQSystem"),
        // The API client: credentials and JWT, models, transport, retry, pacing, batching.
        .target(
            name: "Heymarket",
            dependencies: [
                "HMQJSON", "HMQSystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // A faithful local fake of the API. Imports nothing of ours, on purpose.
        .target(
            name: "HeymarketSandbox",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // How many terminal columns text takes (wide and combining characters). A leaf.
        .target(name: "TextWidth"),
        // The language front end: text -> AST and diagnostics. No I/O.
        .target(name: "HMQSyntax", dependencies: ["TextWidth"]),
        // libedit, through its readline-compatible header (<editline/readline.h>).
        .systemLibrary(name: "CLibedit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"]), .brew(["libedit"])]),
        // Reading lines: the LineReader protocol, libedit and plain readers, the history file.
        // Nothing of the language: word breaks and Tab's candidates come in from the REPL.
        .target(name: "LineEditing", dependencies: ["CLibedit"]),
        // The language services the REPL and the language server share: completion, help
        // topics, the words of dot-commands. No line editing (libedit), no terminal, no
        // runtime: what they know of one hmq (settings, fields, formats, plugin stages, the
        // checks) comes in as a LanguageVocabulary, which HMQRuntime builds.
        .target(name: "HMQLanguage", dependencies: ["HMQSyntax"]),
        // The interactive REPL: statements over lines, dot-commands, the pager, history policy.
        .target(name: "HMQShell", dependencies: ["LineEditing", "HMQLanguage", "HMQRuntime", "HMQSyntax", "HMQSystem", "Heymarket"]),
        // The config file (profiles) and where Secret Keys come from.
        .target(name: "HMQConfig", dependencies: ["HMQRuntime", "HMQSystem", "Heymarket", .product(name: "TOMLKit", package: "TOMLKit")]),
        // AST -> rows: planner, evaluator, settings, plugin protocols and registry.
        // It builds the language services' vocabulary from its own tables.
        .target(name: "HMQRuntime", dependencies: ["HMQSyntax", "HMQLanguage", "HMQJSON", "HMQSystem", "Heymarket", .product(name: "Crypto", package: "swift-crypto")]),
        // The built-in output formatters, as plugins over HMQRuntime's protocol. Not the API
        // client: a tag in a text cell reads through HMQRuntime's Row.tag.
        .target(name: "HMQFormatters", dependencies: ["HMQRuntime", "HMQJSON", "HMQSystem", "TextWidth", .product(name: "Yams", package: "Yams")]),
        // What a program hosting hmq takes from its surroundings: config, credentials,
        // plugins, the connection or an embedded sandbox, the console; the CLI is built on it.
        .target(
            name: "HMQHost",
            dependencies: [
                "Heymarket", "HeymarketSandbox", "HMQJSON", "HMQSyntax", "HMQRuntime", "HMQSystem", "HMQFormatters", "HMQLanguage", "HMQShell", "HMQConfig", "LineEditing",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `hmq mcp`: the tools an AI agent calls (query, explain, check, lookup), over the Model Context
        // Protocol; its own small JSON-RPC over stdio, no MCP package (whose HTTP transports would have
        // every start of hmq load FoundationNetworking and libcurl).
        .target(name: "HMQAgent", dependencies: ["Heymarket", "HMQJSON", "HMQSyntax", "HMQRuntime", "HMQSystem", "HMQHost"]),
        // `hmq lsp`: the Language Server Protocol for editors; its own framing, no LSP package.
        // Neither the REPL (no libedit) nor the runtime and the API client: the vocabulary
        // it checks and completes with is handed in (`hmq lsp` gives HMQRuntime's).
        .target(name: "LanguageServer", dependencies: ["HMQJSON", "HMQSystem", "HMQSyntax", "HMQLanguage"]),
        // The executable: argument parsing and wiring only.
        .executableTarget(
            name: "hmq",
            dependencies: [
                "Heymarket", "HeymarketSandbox", "HMQSyntax", "HMQRuntime", "HMQLanguage", "HMQSystem", "HMQConfig", "HMQHost", "HMQAgent", "LanguageServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["BuildInfo"]
        ),
        // Before each build: the git commit, for `hmq --version`.
        .plugin(name: "BuildInfo", capability: .buildTool()),
        // The library used from a Swift program (README: "The Swift library").
        .executableTarget(
            name: "hmq-library-example",
            dependencies: ["HMQRuntime", "HMQJSON", "Heymarket", "HeymarketSandbox"],
            path: "Examples/LibraryExample"),
        // Benchmarks (scripts/bench), not tests.
        .executableTarget(name: "hmq-parse-bench", dependencies: ["HMQSyntax"], path: "Benchmarks/ParserBenchmark"),
        .executableTarget(name: "hmq-format-bench", dependencies: ["HMQFormatters", "HMQRuntime", "HMQJSON", "HMQSystem", "Heymarket", "HeymarketSandbox"], path: "Benchmarks/FormatBenchmark"),
        .testTarget(
            name: "HeymarketTests",
            dependencies: [
                "Heymarket",
                "HeymarketSandbox",
                "HMQJSON",
                "HMQSystem",
                "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Oracles"]
        ),
        .testTarget(name: "HMQJSONTests", dependencies: ["HMQJSON"]),
        .testTarget(name: "HeymarketSandboxTests", dependencies: ["HeymarketSandbox", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        // Helpers the test targets share (a seeded generator).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HMQSyntaxTests", dependencies: ["HMQSyntax", "TextWidth", "TestSupport"]),
        .testTarget(name: "HMQRuntimeTests", dependencies: ["HMQRuntime", "HMQSyntax", "HMQJSON", "HMQSystem", "Heymarket", "HeymarketSandbox", "TestSupport"]),
        .testTarget(
            name: "HMQFormattersTests",
            dependencies: ["HMQFormatters", "HMQRuntime", "HMQJSON", "Heymarket", .product(name: "Yams", package: "Yams"), .product(name: "SwiftCSV", package: "SwiftCSV")],
            exclude: ["Golden"]
        ),
        .testTarget(name: "HMQShellTests", dependencies: ["HMQShell", "HMQLanguage", "LineEditing", "HMQRuntime", "HMQSyntax", "HMQJSON", "HMQSystem", "Heymarket", "HeymarketSandbox"]),
        .testTarget(name: "HMQConfigTests", dependencies: ["HMQConfig", "HMQRuntime", "HMQSystem", "Heymarket", "TestSupport"]),
        .testTarget(name: "LanguageServerTests", dependencies: ["LanguageServer", "HMQLanguage", "HMQRuntime", "HMQFormatters", "HMQSyntax", "HMQJSON", "TestSupport"]),
        .testTarget(name: "HMQHostTests", dependencies: ["HMQHost", "HMQRuntime", "HMQSyntax", "Heymarket", "HeymarketSandbox"]),
        .testTarget(name: "HMQAgentTests", dependencies: ["HMQAgent", "HMQJSON", "HMQRuntime", "HMQFormatters", "Heymarket", "HeymarketSandbox", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "HeymarketSandbox", "Heymarket", "HMQJSON", "HMQRuntime", "HMQFormatters", "HMQShell", "LineEditing", "HMQAgent"]),
    ],
    swiftLanguageModes: [.v6]
)
