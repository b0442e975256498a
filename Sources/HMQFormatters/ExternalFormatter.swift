import Foundation
import HMQJSON
import HMQRuntime
import HMQSystem

/// A formatter in another program: an executable named `hmq-format-NAME` on
/// `PATH` or in the plugins folder is format `NAME` (docs/plugins.md).
///
/// hmq starts it with the format's options, then `--`, then the column names
/// as arguments; writes the rows to its stdin as NDJSON; and copies its stdout
/// to the output as it comes. A non-zero exit is an error with its status and
/// stderr. A plugin that stops reading, or goes quiet for `timeout` seconds,
/// is killed and reported, so a broken plugin never hangs hmq.
public struct ExternalFormatterPlugin: FormatterPlugin {
    public let name: String
    public let aliases: [String] = []
    /// The executable's path.
    public let path: String
    /// Seconds without progress (no input read, no output written) before the plugin is killed.
    public let timeout: Double
    /// The plugin's environment (nil: hmq's). The CLI passes hmq's without any credential variables.
    public var environment: [String: String]?
    public var summary: String { "external plugin \(path)" }
    public let fileExtensions: [String] = []
    public let options: [PluginOption] = []
    public var acceptsAnyOption: Bool { true }

    public init(name: String, path: String, timeout: Double = 30, environment: [String: String]? = nil) {
        self.name = name
        self.path = path
        self.timeout = timeout
        self.environment = environment
    }

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        var arguments: [String] = []
        for (key, value) in options.values.sorted(by: { $0.key < $1.key }) {
            arguments.append("--" + key)
            if let value { arguments.append(value) }
        }
        return ExternalFormatter(plugin: self, sink: sink, options: arguments)
    }

    /// The plugins in `directories` (in order; the first of a name wins), skipping
    /// names in `taken`. Returns them and a warning per plugin skipped.
    public static func discover(in directories: [String], taken: Set<String>, timeout: Double = 30, environment: [String: String]? = nil) -> (plugins: [ExternalFormatterPlugin], warnings: [String]) {
        var plugins: [ExternalFormatterPlugin] = []
        var warnings: [String] = []
        var seen = taken
        let prefix = "hmq-format-"
        for directory in directories where !directory.isEmpty {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for entry in entries.sorted() where entry.hasPrefix(prefix) && entry.count > prefix.count {
                let path = (directory as NSString).appendingPathComponent(entry)
                guard FileManager.default.isExecutableFile(atPath: path) else { continue }
                let name = String(entry.dropFirst(prefix.count)).lowercased()
                if taken.contains(name) {
                    warnings.append("\(path) is ignored: '\(name)' is a built-in format")
                    continue
                }
                guard seen.insert(name).inserted else { continue }
                plugins.append(ExternalFormatterPlugin(name: name, path: path, timeout: timeout, environment: environment))
            }
        }
        return (plugins, warnings)
    }
}

/// Runs the plugin from `begin` to `end`, moving bytes both ways with poll(2).
final class ExternalFormatter: RowFormatter {
    private let plugin: ExternalFormatterPlugin
    private let sink: any OutputSink
    private let options: [String]
    private var process: ChildProcess?
    private var input: Int32 { process?.input ?? -1 }
    private var output: Int32 { process?.output ?? -1 }
    private var errors: Int32 { process?.errors ?? -1 }
    private var columns: [String] = []
    private var pendingOutput: [UInt8] = []
    private var stderrText: [UInt8] = []
    private let writer = JSONWriter()

    init(plugin: ExternalFormatterPlugin, sink: any OutputSink, options: [String]) {
        self.plugin = plugin
        self.sink = sink
        self.options = options
    }

    deinit {
        // ChildProcess ends the plugin's whole group and closes the pipes.
        process = nil
    }

    private func failure(_ message: String) -> FormatterOptionError {
        // What the plugin wrote to stderr so far (it has usually exited by now).
        while errors >= 0, (try? drain(errors)) == true, stderrText.count < 65536 {}
        let stderr = String(decoding: stderrText, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let tail = stderr.split(separator: "\n").suffix(5).joined(separator: "\n    ")
        return FormatterOptionError("plugin \(plugin.path) \(message)" + (tail.isEmpty ? "" : "; it said:\n    " + tail))
    }

    func begin(columns: [String]) throws {
        self.columns = columns
        do {
            process = try ChildProcess(executable: plugin.path, arguments: options + ["--"] + columns, environment: plugin.environment)
        } catch {
            throw FormatterOptionError("cannot start plugin \(plugin.path): \(error.description)")
        }
    }

    func row(_ values: [JSONValue?]) throws {
        var members: [JSONObject.Member] = []
        for (column, value) in zip(columns, values) {
            if let value { members.append(.init(key: column, value: value)) }
        }
        try send(Array((writer.string(.object(JSONObject(members))) + "\n").utf8))
    }

    func end() throws {
        if process == nil { try begin(columns: columns) }
        process?.closePipe(\.input)
        // Read until the plugin closes its output or exits: it is done when it
        // exits, whatever a child it left behind still holds open.
        try pump(until: { output < 0 && errors < 0 || process?.poll() != nil })
        guard let process else { return }
        guard let ended = process.wait(timeout: plugin.timeout) else {
            process.terminate(grace: 1)
            throw failure("closed its output but did not exit within \(Int(plugin.timeout)) s; stopped it")
        }
        try drainAfterExit()
        try flushOutput(final: true)
        // Children it left behind in its group hold no claim on us.
        process.terminate(grace: 0)
        switch ended {
        case .signalled(let signal): throw failure("was killed by signal \(signal)")
        case .exited(let status) where status != 0: throw failure("exited with status \(status)")
        case .exited: break
        }
    }

    /// Writes `bytes` to the plugin's stdin while draining its stdout and stderr.
    private func send(_ bytes: [UInt8]) throws {
        var offset = 0
        try pump(until: { offset >= bytes.count }) {
            let n = bytes.withUnsafeBytes { write(self.input, $0.baseAddress! + offset, bytes.count - offset) }
            if n > 0 {
                offset += n
                return true
            }
            if n < 0, errno == EAGAIN || errno == EINTR { return false }
            throw self.failure(errno == EPIPE ? self.earlyExit() : "cannot be written to: \(String(cString: strerror(errno)))")
        }
    }

    /// Why the plugin's input closed early: its exit status when it has exited.
    private func earlyExit() -> String {
        guard let process else { return "stopped reading its input" }
        switch process.wait(timeout: 1) {
        case nil: return "closed its input before the last row"
        case .exited(let status)?: return "exited with status \(status) before reading all its input"
        case .signalled(let signal)?: return "was killed by signal \(signal) before reading all its input"
        }
    }

    /// Polls until `done`, copying the plugin's stdout to the sink and keeping its
    /// stderr; `writeReady` is called when stdin can take more. Fails when nothing
    /// moves for `timeout` seconds.
    private func pump(until done: () -> Bool, writeReady: (() throws -> Bool)? = nil) throws {
        var lastProgress = Date()
        while !done() {
            var fds: [pollfd] = []
            if writeReady != nil, input >= 0 { fds.append(pollfd(fd: input, events: Int16(POLLOUT), revents: 0)) }
            if output >= 0 { fds.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
            if errors >= 0 { fds.append(pollfd(fd: errors, events: Int16(POLLIN), revents: 0)) }
            if fds.isEmpty { return }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready < 0, errno != EINTR { throw failure("cannot be watched: \(String(cString: strerror(errno)))") }
            var progressed = false
            for fd in fds where fd.revents != 0 {
                if fd.fd == input {
                    if try writeReady?() == true { progressed = true }
                } else if try drain(fd.fd) {
                    progressed = true
                }
            }
            if progressed {
                lastProgress = Date()
            } else if Date().timeIntervalSince(lastProgress) > plugin.timeout {
                process?.terminate(grace: 1)
                throw failure(writeReady != nil ? "did not read its input for \(Int(plugin.timeout)) s; stopped it" : "did not finish within \(Int(plugin.timeout)) s of its input ending; stopped it")
            }
        }
    }

    /// Reads what is there from the plugin's stdout or stderr; closes it at end of file.
    private func drain(_ fd: Int32) throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n > 0 {
            if fd == output {
                pendingOutput += buffer[0..<n]
                try flushOutput(final: false)
            } else if stderrText.count < 65536 {
                stderrText += buffer[0..<n]
            }
            return true
        }
        if n == 0 || (errno != EAGAIN && errno != EINTR) {
            process?.closePipe(fd == output ? \.output : \.errors)
            return true
        }
        return false
    }

    /// Reads what the plugin wrote before it exited and is still in its pipes
    /// (a pipe holds at most 1 MiB), up to the end of file or the first read
    /// that finds nothing: a child it left holding a pipe open is not waited for.
    private func drainAfterExit() throws {
        for fd in [output, errors] where fd >= 0 {
            var reads = 0
            while reads < 16, try drain(fd), fd == output || fd == errors {
                reads += 1
            }
        }
    }

    /// Passes the plugin's output on byte for byte.
    private func flushOutput(final: Bool) throws {
        guard !pendingOutput.isEmpty else { return }
        try sink.write(bytes: pendingOutput)
        pendingOutput.removeAll(keepingCapacity: true)
    }
}
