import ArgumentParser
import HMQHost
import HMQRuntime

/// The options of every hmq command; they may come before or after a
/// subcommand or a script file. Settings flags are ``Settings/descriptors``.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("e"), .customLong("expression")], help: ArgumentHelp("hmq text to run (repeatable; in order). Arguments after it are $1, $2, ...", valueName: "text"))
    var expressions: [String] = []
    @Option(name: .customLong("var"), help: ArgumentHelp("Bind $NAME to VALUE (repeatable).", valueName: "name=value"))
    var variables: [String] = []
    @Flag(help: "Print the HTTP requests each lookup would send, and send nothing.") var dryRun = false
    @Flag(help: "Run the remaining statements after one fails (the exit code still reports the failure).") var continueOnError = false
    @Flag(name: .customLong("no-rc"), help: "At the interactive prompt, skip ~/.config/hmq/hmqrc.") var noRC = false

    @Flag(help: "Use an in-process sandbox with demo data and demo credentials (the sandbox profile).") var sandbox = false
    @Option(help: ArgumentHelp("A profile of ~/.config/hmq/config.toml (default $HMQ_PROFILE, else default_profile).", valueName: "name"),
            completion: .custom { _, _, prefix in ShellCompletion.profiles(prefix) })
    var profile: String?
    @Option(name: .customLong("base-url"), help: ArgumentHelp("The API's base URL (https://, or http:// on loopback; default $HMQ_BASE_URL, else production).", valueName: "url"))
    var baseURL: String?
    @Flag(name: [.short, .long], help: "Log requests, retries and timings to stderr (never credentials).") var verbose = false
    @Option(name: [.short, .long], help: ArgumentHelp("Output format (see 'hmq formats').", valueName: "name"),
            completion: .custom { _, _, prefix in ShellCompletion.formats(prefix) }) var format: String?
    @Option(help: ArgumentHelp("Colour: auto is on a terminal, unless NO_COLOR or TERM=dumb.", valueName: "when")) var color = ColorChoice.auto
    @Option(name: .customLong("error-format"),
            help: ArgumentHelp("Errors, warnings and notes on stderr: text, or json (one object per line; default $HMQ_ERROR_FORMAT, else the profile's error_format, else text).", valueName: "text|json"))
    var errorFormat: ErrorFormat?

    @Option(help: help("batch")) var batch: String?
    @Option(help: help("concurrency")) var concurrency: String?
    @Option(help: help("rate")) var rate: String?
    @Option(help: help("pace"), completion: .list(choices("pace"))) var pace: String?
    @Option(help: help("retries")) var retries: String?
    @Option(help: help("timeout")) var timeout: String?
    @Option(name: .customLong("max-wait"), help: help("max_wait")) var maxWait: String?
    @Option(name: .customLong("connect-attempts"), help: help("connect_attempts")) var connectAttempts: String?
    @Option(name: .customLong("country-code"), help: help("country_code")) var countryCode: String?
    @Option(help: help("extensions"), completion: .list(choices("extensions"))) var extensions: String?
    @Option(name: .customLong("case-sensitive"), help: help("case_sensitive"), completion: .list(choices("case_sensitive"))) var caseSensitive: String?
    @Option(help: help("attribution"), completion: .list(choices("attribution"))) var attribution: String?
    @Option(help: help("invalid"), completion: .list(choices("invalid"))) var invalid: String?
    @Flag(name: .customLong("skip-invalid"), help: "The same as --invalid skip.") var skipInvalid = false
    @Option(help: help("checkpoint"), completion: .file()) var checkpoint: String?
    @Option(help: help("mask"), completion: .list(choices("mask"))) var mask: String?
    @Option(help: help("cache")) var cache: String?
    @Flag(help: "Ask the server about every value, even one the answer cache holds (the answers are stored all the same).") var refresh = false

    /// `--mask` alone is `--mask on` (the only setting whose value may be left out: `--mask`, `--mask hash`).
    static func expandingMask(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            out.append(argument)
            if argument == "--" { return out + arguments[(i + 1)...] }
            if argument == "--mask", i + 1 == arguments.count || !(Settings.descriptor(named: "mask")?.choices ?? []).contains(arguments[i + 1].lowercased()) {
                out.append("on")
            }
            i += 1
        }
        return out
    }

    static func choices(_ name: String) -> [String] { Settings.descriptor(named: name)?.choices ?? [] }

    static func help(_ name: String) -> ArgumentHelp {
        guard let d = Settings.descriptor(named: name) else { return ArgumentHelp() }
        return ArgumentHelp("\(d.summary.prefix(1).uppercased() + d.summary.dropFirst()) (default \(d.defaultValue)).", valueName: d.valueHint)
    }

    /// The host these options describe.
    func host() throws -> Host {
        var options = HostOptions()
        (options.sandbox, options.profile, options.baseURL, options.verbose, options.format, options.color) = (sandbox, profile, baseURL, verbose, format, color)
        options.errorFormat = errorFormat
        let given: [(String, String?)] = [("batch", batch), ("concurrency", concurrency), ("rate", rate), ("pace", pace), ("retries", retries), ("timeout", timeout), ("max_wait", maxWait), ("connect_attempts", connectAttempts),
                                          ("country_code", countryCode), ("extensions", extensions), ("case_sensitive", caseSensitive), ("attribution", attribution), ("invalid", invalid), ("mask", mask),
                                          ("checkpoint", checkpoint), ("cache", cache)]
        for case let (name, value?) in given { options.settings.append((name, value, Settings.descriptor(named: name)?.flag ?? name)) }
        if skipInvalid { options.settings.append(("invalid", "skip", "--skip-invalid")) }
        if refresh { options.settings.append(("refresh", "on", "--refresh")) }
        return try Host(options: options)
    }
}

extension ColorChoice: ExpressibleByArgument {}
extension ErrorFormat: ExpressibleByArgument {}
