import Foundation

/// Runs the built `hmq` binary as a user would, capturing everything it prints.
struct HMQProcess {
    /// A faked clock (libfaketime, to run the suite at any time of day: see
    /// scripts/test-hour-end) reaches every child hmq too.
    static var fakedClock: [String: String] {
        ProcessInfo.processInfo.environment.filter { $0.key == "LD_PRELOAD" || $0.key.hasPrefix("FAKETIME") }
    }

    /// A clean environment (no inherited credentials, no colour, a temporary
    /// HOME, an answer cache of its own, the faked clock if any) with `extra` added.
    /// (A sandbox's port is used again by a later test's sandbox, with other data: a
    /// cache shared by every run would answer the new one from the old.)
    static func environment(adding extra: [String: String]) -> [String: String] {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "NO_COLOR": "1",
                   "XDG_CACHE_HOME": NSTemporaryDirectory() + "hmq-test-cache-\(UUID().uuidString)"]
        env.merge(fakedClock) { $1 }
        env.merge(extra) { $1 }
        return env
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var all: String { stdout + stderr }
    }

    /// The binary `swift build` produced (scripts/test builds before testing):
    /// beside the test bundle first, so a build with `--scratch-path` tests its own hmq.
    static let binary: URL = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let beside = Bundle.main.executableURL.map { $0.deletingLastPathComponent().appendingPathComponent("hmq") }
        for url in [beside].compactMap({ $0 }) + [".build/debug/hmq", ".build/release/hmq"].map(root.appendingPathComponent) {
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return root.appendingPathComponent(".build/debug/hmq")
    }()

    /// Runs `hmq args...` with `environment` added to a clean environment (no
    /// inherited credentials), feeding `stdin`.
    /// Runs on a thread of its own: waiting for the child must not block Swift's
    /// cooperative pool, where the in-process sandbox that answers it runs.
    static func run(_ args: [String], environment: [String: String] = [:], stdin: String = "", directory: URL? = nil) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(args, environment: environment, stdin: stdin, directory: directory) })
            }
        }
    }

    /// Writes an executable file through a close-on-exec descriptor: a child
    /// another test spawns meanwhile must not inherit it open for writing
    /// (running the file would then fail with ETXTBSY).
    static func writeExecutable(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fchmod(fd, 0o755) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Runs `script` with bash (`$HMQ` names the binary), for pipelines such as `"$HMQ" ... | head -1`.
    static func shell(_ script: String, environment: [String: String] = [:], directory: URL? = nil) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try runBlocking(["-c", script], environment: environment.merging(["HMQ": binary.path]) { $1 }, stdin: "",
                                    directory: directory, executable: URL(fileURLWithPath: "/bin/bash"))
                })
            }
        }
    }

    static func runBlocking(_ args: [String], environment: [String: String], stdin: String, directory: URL?, executable: URL = binary) throws -> Output {
        let process = Process()
        process.executableURL = executable
        if let directory { process.currentDirectoryURL = directory }
        process.arguments = args
        process.environment = Self.environment(adding: environment)
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
    }
}
