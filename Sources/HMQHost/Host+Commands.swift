import Foundation
import HMQConfig
import HMQRuntime
import HMQSyntax
import HMQSystem
import Heymarket

/// The work of the CLI's smaller subcommands, given what their command lines said.
extension Host {
    /// `hmq check`: parses each source, printing every diagnostic (and in text,
    /// how many errors each has); `.syntax` when any has an error.
    public func check(_ sources: [Source]) throws -> ExitStatus {
        guard !sources.isEmpty else { throw CommandFailure(status: .usage, message: "give a file to check, or -e 'text'") }
        var status = ExitStatus.ok
        for source in sources {
            let result = parse(source)
            let count = result.diagnostics.filter { $0.severity == .error }.count
            if count > 0 {
                status = .syntax
                if console.errorFormat == .text { console.err("\(source.name): \(count) error\(count == 1 ? "" : "s")\n") }
            }
        }
        return status
    }

    /// `hmq fmt`: each file (`-` is stdin) in canonical form on stdout, or with
    /// `write` in its place; a file with syntax errors is left as it is (`.syntax`).
    public func format(files: [String], write: Bool) throws -> ExitStatus {
        var status = ExitStatus.ok
        for file in files {
            let result = parse(try ScriptFile.read(file))
            if result.hasErrors {
                status = .syntax
                continue
            }
            let formatted = ASTPrinter().print(result.script)
            if write, file != "-" {
                do { try AtomicFile.write(file) { try $0.write(formatted) } } catch { throw CommandFailure(status: .usage, message: "\(error)") }
            } else {
                console.out(formatted)
            }
        }
        return status
    }

    /// `hmq formats`: the registered formats with their options, then why any plugin was skipped.
    public func listFormats() {
        console.out(registry.formatterListing())
        for warning in pluginWarnings { console.note(warning) }
    }

    /// `hmq config init`: asks for a profile's name, base URL, Secret ID and
    /// Secret Key (not echoed; answers may come on stdin, one per line) and adds
    /// it to the config file, the key in a file of its own.
    public static func addProfile(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let path = ConfigFolder.configFile(environment: environment)
        let existing = try Configuration.load(path: path)
        let name = Prompt.ask("Profile name", default: existing.profiles.isEmpty ? "prod" : nil)
        let baseURL = Prompt.ask("Base URL", default: BaseURL.production.description)
        let id = Prompt.ask("Secret ID", default: nil)
        let key = Prompt.askSecret("Secret Key (not shown)")
        let keyPath = try ConfigWriter.add(.init(name: name, baseURL: baseURL, secretID: id, secretKey: key), toConfigAt: path)
        Console().err("hmq: wrote profile '\(name)' to \(path) (key in \(keyPath), both mode 600). Check it with: hmq auth check --profile \(name)\n")
    }

    /// What `hmq search` looks up: `--phone`, `--email`, `--channel TYPE:VALUE`
    /// (read as a line of `--stdin` is, by the one TYPE:VALUE reader), untyped
    /// values, and with `standardInput` the lines of stdin, spooled once and
    /// streamed by every pass of the lookup (as `find phone file "-"` reads it).
    public static func searchInput(phones: [String], emails: [String], channels: [String], values: [String], standardInput: Bool) throws -> InputOpener {
        var all = phones.map(ChannelValue.phone) + emails.map(ChannelValue.email)
        for channel in channels {
            let value = ChannelValue(parsing: channel)
            guard value.type != nil else { throw CommandFailure(status: .usage, message: "--channel '\(channel)' must be TYPE:VALUE, e.g. facebook:1234") }
            all.append(value)
        }
        all += values.map(ChannelValue.untyped)
        guard !all.isEmpty || standardInput else {
            throw CommandFailure(status: .usage, message: "nothing to search for: give --phone, --email, --channel TYPE:VALUE, values or --stdin")
        }
        do {
            return try ValueFiles.searchValues(all, standardInput: standardInput)
        } catch let error as RuntimeError {
            throw CommandFailure(status: .usage, message: error.diagnostic.message)
        }
    }

    /// `--var NAME=VALUE` values by name: NAME made of letters, digits and `_`, each given once.
    public static func variables(_ given: [String]) throws -> [String: String] {
        var named: [String: String] = [:]
        for variable in given {
            guard let eq = variable.firstIndex(of: "="), let first = variable.first, first.isLetter || first == "_",
                  variable[..<eq].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            else { throw CommandFailure(status: .usage, message: "--var '\(variable)' must be NAME=VALUE, with NAME made of letters, digits and '_'") }
            let name = String(variable[..<eq])
            guard named.updateValue(String(variable[variable.index(after: eq)...]), forKey: name) == nil else {
                throw CommandFailure(status: .usage, message: "--var \(name) is given twice")
            }
        }
        return named
    }
}

extension ScriptFile {
    /// The texts of `-e`, in order: `<-e>`, or `<-e #1>`, `<-e #2>`, ... when there are several.
    public static func expressions(_ texts: [String]) -> [Source] {
        texts.enumerated().map { Source(name: texts.count == 1 ? "<-e>" : "<-e #\($0 + 1)>", text: $1) }
    }
}
