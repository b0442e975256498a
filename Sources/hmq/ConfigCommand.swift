import ArgumentParser
import Foundation
import HMQConfig
import Heymarket

/// `hmq config path|show|init`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "The config file: profiles with a base URL, a Secret ID, where the Secret Key comes from, and defaults.",
        discussion: """
            ~/.config/hmq/config.toml (under $XDG_CONFIG_HOME; HMQ_CONFIG names another file):

              default_profile = "prod"

              [profiles.prod]
              secret_id = "6f1c..."
              secret_key_command = "pass show heymarket/prod"   # or secret_key_file / secret_key_env
              format = "table"
              rate = 400

              [profiles.test]
              base_url = "https://api.heymarket.com"
              secret_id_env = "HM_TEST_ID"
              secret_key_env = "HM_TEST_KEY"

            Profile keys: base_url, secret_id, secret_id_env, secret_key_env, secret_key_file, \\
            secret_key_command, format, batch, concurrency, rate, country_code, retries, timeout. \\
            'sandbox' is built in (--sandbox). Precedence: flag > environment > profile > default.
            """,
        subcommands: [Path.self, Show.self, Init.self])

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "path", abstract: "Print the config file's path.")
        func run() throws {
            Terminal.out(Configuration.defaultPath(environment: ProcessInfo.processInfo.environment) + "\n")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the profiles, secrets masked.")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        func run() throws {
            let (configuration, profile) = try connection.selection()
            Terminal.out(ConfigReport.render(configuration, selected: profile))
        }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Add a profile: asks for its name, the Secret ID and the Secret Key (not echoed).",
            discussion: "The key goes to ~/.config/hmq/NAME.key and the profile to the config file, both mode 0600. Answers may also come on stdin, one per line.")

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let path = Configuration.defaultPath(environment: environment)
            let existing = try Configuration.load(path: path)
            let name = ask("Profile name", default: existing.profiles.isEmpty ? "prod" : nil)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw CommandFailure(status: .usage, message: "a profile name is letters, digits, '-' and '_'")
            }
            if name == "sandbox" || existing.profiles[name] != nil {
                throw CommandFailure(status: .usage, message: "profile '\(name)' exists already; edit \(path)")
            }
            let baseURL = ask("Base URL", default: BaseURL.production.description)
            do { _ = try BaseURL(baseURL) } catch { throw CommandFailure(status: .usage, message: error.description) }
            let id = ask("Secret ID", default: nil)
            guard !id.isEmpty else { throw CommandFailure(status: .usage, message: "the Secret ID is needed") }
            let key = askSecret("Secret Key (not shown)")
            guard !key.isEmpty else { throw CommandFailure(status: .usage, message: "the Secret Key is needed") }

            let folder = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let keyPath = folder + "/\(name).key"
            try writePrivate(keyPath, key + "\n", append: false)
            var text = ""
            if !FileManager.default.fileExists(atPath: path) { text += "default_profile = \"\(name)\"\n" }
            text += "\n[profiles.\(name)]\n"
            if baseURL != BaseURL.production.description { text += "base_url = \"\(baseURL)\"\n" }
            text += "secret_id = \"\(id)\"\nsecret_key_file = \"\(keyPath)\"\n"
            try writePrivate(path, text, append: true)
            Terminal.err("hmq: wrote profile '\(name)' to \(path) (key in \(keyPath), both mode 600). Check it with: hmq auth check --profile \(name)")
        }

        func ask(_ question: String, default value: String?) -> String {
            FileHandle.standardError.write(Data("\(question)\(value.map { " [\($0)]" } ?? ""): ".utf8))
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces)
            return answer.isEmpty ? (value ?? "") : answer
        }

        /// Reads a line with echo off when stdin is a terminal.
        func askSecret(_ question: String) -> String {
            FileHandle.standardError.write(Data("\(question): ".utf8))
            var saved = termios()
            let terminal = isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &saved) == 0
            if terminal {
                var silent = saved
                silent.c_lflag &= ~tcflag_t(ECHO)
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
            }
            let answer = readLine() ?? ""
            if terminal {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            return answer.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func writePrivate(_ path: String, _ text: String, append: Bool) throws {
            let fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o600)
            guard fd >= 0 else { throw CommandFailure(status: .usage, message: "cannot write \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            fchmod(fd, 0o600)
            let bytes = Array(text.utf8)
            guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
                throw CommandFailure(status: .usage, message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// `hmq auth check`.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "auth", abstract: "Check credentials.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Call GET /v1/inboxes with the selected profile's credentials and say what they reach.")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        func run() async throws {
            let credentials = try connection.credentials()
            let who = connection.usesSandbox ? "the sandbox's demo credentials" : credentials.description
            let profile = (try connection.selection().profile?.name).map { "profile '\($0)'" } ?? "the environment's credentials"
            do {
                let inboxes = try await connection.withClient(options: SearchOptions(rateLimit: nil)) { try await $0.inboxes() }
                let list = inboxes.arrayValue ?? []
                let names = list.compactMap { $0["name"]?.stringValue }
                let teams = Set(list.compactMap { $0["team_name"]?.stringValue })
                let team = teams.isEmpty ? "" : " of team " + teams.sorted().joined(separator: ", ")
                Terminal.out("ok: \(profile) (\(who)) can reach \(names.count) inbox\(names.count == 1 ? "" : "es")\(team): \(names.joined(separator: ", "))\n")
            } catch let error as HeymarketError where error.isAuthentication {
                let why = error.status == 403
                    ? "the server knows these credentials but refuses them access (403): the key may lack a permission, or the account is suspended"
                    : "the server refused these credentials (401): check the Secret ID and Secret Key of \(profile), and that the machine's clock is right (tokens are timed)"
                throw CommandFailure(status: .authentication, message: "\(why); \(error.description)")
            }
        }
    }
}
