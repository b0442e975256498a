import Foundation
import HMQRuntime
import HMQSystem
import Heymarket

/// Turns a profile into credentials, reading its Secret Key from the
/// environment, a file or a command. The key is read, never printed.
public struct SecretResolver {
    public var environment: [String: String]
    /// Seconds a `secret_key_command` may take.
    public var commandTimeout: Double

    public init(environment: [String: String], commandTimeout: Double = 10) {
        self.environment = environment
        self.commandTimeout = commandTimeout
    }

    /// The credentials for `profile` (nil: no profile), and warnings (a key file readable by others).
    ///
    /// A profile that names a Secret Key source uses it (and its `secret_id`,
    /// or the variable `secret_id_env` names). A profile that names none, or no
    /// profile, uses `HEYMARKET_SECRET_ID` / `HEYMARKET_SECRET_KEY` (or the
    /// legacy `HEYMARKET_API_KEY`), with the profile's `secret_id` if it has one.
    public func credentials(for profile: Profile?) throws -> (Credentials, [String]) {
        guard let profile, !profile.isSandbox else {
            return (try Credentials.fromEnvironment(environment), [])
        }
        let id = profile.secretID ?? profile.secretIDEnvironment.flatMap { environment[$0] }
        guard let source = profile.secretKey else {
            if let id, let key = environment["HEYMARKET_SECRET_KEY"], !key.isEmpty { return (.secret(id: id, key: Secret(key)), []) }
            return (try Credentials.fromEnvironment(environment), [])
        }
        guard let id, !id.isEmpty else {
            throw ConfigError(path: "profile '\(profile.name)'", line: nil,
                              message: profile.secretIDEnvironment.map { "the environment variable \($0) (secret_id_env) is not set" } ?? "no secret_id: add secret_id = \"...\" to [profiles.\(profile.name)]")
        }
        var warnings: [String] = []
        let key = try readKey(source, profile: profile.name, warnings: &warnings)
        return (.secret(id: id, key: Secret(key)), warnings)
    }

    func readKey(_ source: SecretSource, profile: String, warnings: inout [String]) throws -> String {
        let key: String
        switch source {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw ConfigError(path: "profile '\(profile)'", line: nil, message: "the environment variable \(name) (secret_key_env) is not set")
            }
            key = value
        case .file(let raw):
            let path = raw.hasPrefix("~/") ? (environment["HOME"] ?? NSHomeDirectory()) + raw.dropFirst(1) : raw
            let cannotRead = ConfigError(path: "profile '\(profile)'", line: nil, message: "cannot read the key file \(path) (secret_key_file)")
            guard let info = Permissions.info(of: path) else { throw cannotRead }
            if let who = Permissions.writableByOthers(info) {
                let fix = info.mode & 0o002 != 0 ? "run: chmod 600 \(path)" : "make it yours (chown) or use your own file"
                throw ConfigError(path: "profile '\(profile)'", line: nil, message: "refusing the key file \(path): \(who); \(fix)")
            }
            if info.mode & 0o077 != 0 {
                warnings.append("the key file \(path) is readable by others (mode \(String(info.mode & 0o777, radix: 8))); run: chmod 600 \(path)")
            }
            // Never more than a key can be: a wrong path to a large file is refused unread.
            guard !info.isRegularFile || info.size <= Self.maximumKeyBytes else { throw tooLarge(source, profile: profile) }
            guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.read(upToCount: Self.maximumKeyBytes + 1) else { throw cannotRead }
            try? handle.close()
            key = String(decoding: data, as: UTF8.self)
        case .command(let argv):
            key = try run(argv, profile: profile)
        }
        guard key.utf8.count <= Self.maximumKeyBytes else { throw tooLarge(source, profile: profile) }
        let lines = key.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard lines.count <= 1 else {
            throw ConfigError(path: "profile '\(profile)'", line: nil,
                              message: "the Secret Key from \(source.description) has \(lines.count) lines that are not empty; a Secret Key is one line")
        }
        let trimmed = key.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw ConfigError(path: "profile '\(profile)'", line: nil, message: "the Secret Key from \(source.description) is empty")
        }
        return trimmed
    }

    /// The most bytes a key source may hold: a Secret Key is one short line.
    public static let maximumKeyBytes = 4096

    private func tooLarge(_ source: SecretSource, profile: String) -> ConfigError {
        ConfigError(path: "profile '\(profile)'", line: nil,
                    message: "the Secret Key from \(source.description) is larger than 4 KB; a Secret Key is one short line (is it the right source?)")
    }

    /// Runs a command without a shell, in a process group of its own; its
    /// stdout is the key (kept up to one byte past ``maximumKeyBytes``). The
    /// command's exit ends the wait (a child it left in the background holding
    /// its output is not waited for, and is ended with the group); past the
    /// timeout the whole group is ended. Its stderr is read and let go, never
    /// put in an error: it may hold what the key store said, and errors reach
    /// agents.
    func run(_ argv: [String], profile: String) throws -> String {
        let fail = { (message: String) in ConfigError(path: "profile '\(profile)'", line: nil, message: "secret_key_command: " + message) }
        guard let executable = ChildProcess.find(argv[0], path: environment["PATH"] ?? "/usr/bin:/bin") else { throw fail("\(argv[0]) not found") }
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: executable, arguments: Array(argv.dropFirst()), environment: environment)
        } catch {
            throw fail(error.description)
        }
        child.closePipe(\.input)
        var stdout: [UInt8] = []
        func drain() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            for (fd, isOutput) in [(child.output, true), (child.errors, false)] where fd >= 0 {
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                    guard n > 0 else { break }
                    if isOutput, stdout.count <= Self.maximumKeyBytes { stdout += buffer[0..<min(n, Self.maximumKeyBytes + 1 - stdout.count)] }
                }
            }
        }
        let deadline = Date().addingTimeInterval(commandTimeout)
        var ended: ChildProcess.Termination?
        while ended == nil {
            var fds = [pollfd(fd: child.output, events: Int16(POLLIN), revents: 0), pollfd(fd: child.errors, events: Int16(POLLIN), revents: 0)]
            _ = Glibc.poll(&fds, 2, 50)
            drain()
            ended = child.poll()
            if ended == nil, Date() >= deadline {
                child.terminate(grace: 1)
                throw fail("\(argv[0]) did not finish within \(Int(commandTimeout)) s; stopped it")
            }
        }
        drain()
        // Anything it left running in its group holds no claim on us.
        child.terminate(grace: 0)
        guard case .exited(0) = ended else {
            let how: String
            switch ended {
            case .exited(let code)?: how = "exited with status \(code)"
            case .signalled(let signal)?: how = "was killed by signal \(signal)"
            case nil: how = "did not finish"
            }
            throw fail("\(argv[0]) \(how); run it yourself to see why")
        }
        return String(decoding: stdout, as: UTF8.self)
    }
}

/// `hmq config show`: the file, its profiles and their settings, secrets masked.
public enum ConfigReport {
    /// The last 4 characters of an id, masked: `****0001`.
    public static func mask(_ id: String) -> String { "****" + id.suffix(4) }

    public static func render(_ configuration: Configuration, selected: Profile?) -> String {
        var text = "# \(configuration.path ?? "(no file)")\(configuration.path.map { FileManager.default.fileExists(atPath: $0) ? "" : " (not created yet: hmq config init)" } ?? "")\n"
        text += "# selected profile: \(selected?.name ?? "none (HEYMARKET_SECRET_ID / HEYMARKET_SECRET_KEY from the environment, production)")\n"
        if let name = configuration.defaultProfile { text += TOMLText.line("default_profile", name) }
        for name in configuration.profiles.keys.sorted() {
            let p = configuration.profiles[name]!
            text += "\n[profiles.\(TOMLText.key(name))]\n"
            if let v = p.baseURL { text += TOMLText.line("base_url", v) }
            if let v = p.secretID { text += TOMLText.line("secret_id", mask(v)) }
            if let v = p.secretIDEnvironment { text += TOMLText.line("secret_id_env", v) }
            switch p.secretKey {
            case .environment(let name)?: text += TOMLText.line("secret_key_env", name)
            case .file(let path)?: text += TOMLText.line("secret_key_file", path)
            case .command(let argv)?: text += TOMLText.line("secret_key_command", argv.joined(separator: " "))
            case nil: break
            }
            for descriptor in Settings.descriptors {
                if let v = p.settings[descriptor.name] { text += TOMLText.line(descriptor.name, v) }
            }
        }
        text += "\n[profiles.sandbox]  # built in: the embedded sandbox and its demo credentials (--sandbox)\n"
        return text
    }
}
