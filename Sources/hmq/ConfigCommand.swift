import ArgumentParser
import Foundation
import HMQConfig
import HMQHost
import HMQRuntime

/// `hmq config path|show|init`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "The config file: profiles with a base URL, a Secret ID, where the Secret Key comes from, and setting defaults.",
        discussion: """
            ~/.config/hmq/config.toml (under $XDG_CONFIG_HOME; HMQ_CONFIG names another file). A profile has \
            base_url, secret_id (or secret_id_env), one of secret_key_env, secret_key_file and secret_key_command, \
            and defaults for any setting (\(Settings.names.joined(separator: ", "))). See the README.
            """,
        subcommands: [Path.self, Show.self, Init.self])

    struct Path: HMQSubcommand {
        static let configuration = CommandConfiguration(commandName: "path", abstract: "Print the config file's path.")
        func execute() async throws -> ExitStatus {
            Console().out(ConfigFolder.configFile(environment: ProcessInfo.processInfo.environment) + "\n")
            return .ok
        }
    }

    struct Show: HMQSubcommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the profiles, Secret IDs masked, never keys.")
        @ParentCommand var hmq: HMQCommand
        func execute() async throws -> ExitStatus {
            let host = try hmq.global.host()
            host.console.out(ConfigReport.render(host.configuration, selected: host.profile))
            return .ok
        }
    }

    struct Init: HMQSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "init", abstract: "Add a profile: asks for its name, base URL, Secret ID and Secret Key (not echoed).",
            discussion: "The key goes to ~/.config/hmq/NAME.key, the profile to the config file, both mode 0600. Answers may come on stdin, one per line.")

        func execute() async throws -> ExitStatus {
            try Host.addProfile()
            return .ok
        }
    }
}

/// `hmq auth check`.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "auth", abstract: "Check credentials.", subcommands: [Check.self])

    struct Check: HMQSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Call GET /v1/inboxes with the selected credentials and say what they reach.")
        @ParentCommand var hmq: HMQCommand
        func execute() async throws -> ExitStatus {
            let host = try hmq.global.host()
            host.console.out(try await host.checkCredentials() + "\n")
            return .ok
        }
    }
}

/// `hmq token`: prints a fresh JWT for use with curl.
struct TokenCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a fresh JWT from the configured credentials (valid 5 minutes).",
        discussion: """
            Signs {"iss": <Secret ID>, "iat": <now>} with HS256 and the key '<Secret ID>||<Secret Key>', as Heymarket documents:
              curl -H "Authorization: Bearer $(hmq token)" https://api.heymarket.com/v1/inboxes
            """)
    @ParentCommand var root: HMQCommand
    func execute() async throws -> ExitStatus {
        let host = try root.global.host()
        return host.console.out(try await host.token().exposedValue + "\n") ? .ok : .usage
    }
}
