import Foundation
import HMQFormatters
import HMQJSON
import HMQRuntime
import Heymarket
import SwiftCSV
import Testing
import Yams

/// Collects what a formatter writes.
final class StringSink: OutputSink {
    var text = ""
    func write(_ text: String) throws { self.text += text }
}

/// The same tricky rows through every built-in format.
enum TrickyRows {
    static let columns = ["id", "name", "note", "tags", "custom", "empty", "missing", "score", "opted_out"]

    static let longNote = String(repeating: "Lorem ipsum dolor sit amet, ", count: 18).prefix(500)

    static let rows: [[JSONValue?]] = [
        [.integer(1001), .string("José Núñez"), .string("commas, here"), .array([.string("vip"), .string("customer")]),
         .object(JSONObject([.init(key: "12", value: .string("pro"))])), .string(""), nil, .double(4.5), .bool(false)],
        [.integer(1002), .string("李小龍"), .string("a \"quote\" and a | pipe"),
         .array([.object(JSONObject([.init(key: "id", value: .integer(701)), .init(key: "tag", value: .string("vip")), .init(key: "color", value: .string("red"))]))]),
         .object(JSONObject()), .string(""), .null, .integer(12), .bool(true)],
        [.integer(1003), .string("👩‍💻 Dev"), .string("line one\nline two\twith a tab"), .array([]), .null, .string(""), nil, .null, .null],
        [.integer(1004), .string("Long Note"), .string(String(longNote)), .null, .null, .string(""), nil, .integer(-3), .bool(false)],
    ]

    /// The rows as JSON objects (missing fields left out), for round trips.
    static var objects: [JSONValue] {
        rows.map { values in
            .object(JSONObject(zip(columns, values).compactMap { column, value in value.map { JSONObject.Member(key: column, value: $0) } }))
        }
    }

    static func format(_ name: String, options: [String: String?] = [:], context: OutputContext = .file) throws -> String {
        var registry = PluginRegistry()
        BuiltinFormatters.register(in: &registry)
        let plugin = try #require(registry.formatter(named: name))
        let sink = StringSink()
        let formatter = try plugin.makeFormatter(sink: sink, rawOptions: options, context: context)
        try formatter.begin(columns: columns)
        for row in rows { try formatter.row(row) }
        try formatter.end()
        return sink.text
    }
}

@Suite struct GoldenTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// Compares with `Golden/NAME`; `HMQ_UPDATE_GOLDEN=1` rewrites the file instead.
    func check(_ text: String, against name: String) throws {
        let url = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["HMQ_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "\(name) differs from its golden file")
    }

    @Test(arguments: [
        ("table", [:], "table.txt"),
        ("table", ["width": "60", "no-auto": nil], "table-60.txt"),
        ("table", ["ascii": nil, "max-width": "20", "null": "NULL"], "table-ascii.txt"),
        ("vertical", [:], "vertical.txt"),
        ("json", [:], "json.txt"),
        ("json", ["pretty": nil], "json-pretty.txt"),
        ("ndjson", [:], "ndjson.txt"),
        ("csv", [:], "csv.txt"),
        ("csv", ["crlf": nil, "no-header": nil, "null": "\\N"], "csv-crlf.txt"),
        ("tsv", [:], "tsv.txt"),
        ("yaml", [:], "yaml.txt"),
        ("markdown", [:], "markdown.txt"),
    ] as [(String, [String: String?], String)])
    func everyFormatMatchesItsGoldenFile(format: String, options: [String: String?], file: String) throws {
        try check(TrickyRows.format(format, options: options), against: file)
    }

    /// `lines`: one value per line, read back by `file "..."`.
    @Test func linesHoldOneValuePerLine() throws {
        var registry = PluginRegistry()
        BuiltinFormatters.register(in: &registry)
        let plugin = try #require(registry.formatter(named: "lines"))
        func write(_ columns: [String], _ rows: [[JSONValue?]], options: [String: String?] = [:]) throws -> String {
            let sink = StringSink()
            let formatter = try plugin.makeFormatter(sink: sink, rawOptions: options, context: .file)
            try formatter.begin(columns: columns)
            for row in rows { try formatter.row(row) }
            try formatter.end()
            return sink.text
        }
        #expect(try write(["email"], [[.string("a@b.co")], [.null], [nil], [.integer(7)], [.array([.string("x"), .string("y")])]]) == "a@b.co\n7\nx; y\n")
        #expect(try write(["email"], [[.null], [.string("z")]], options: ["null": "-"]) == "-\nz\n")
        // `| unmatched` rows: the value column.
        #expect(try write(["type", "value", "reason", "detail"], [[.string("phone"), .string("19990000000"), .string("no contact"), .null]]) == "19990000000\n")
        #expect(throws: FormatterOptionError.self) { _ = try write(["id", "name"], [[.integer(1), .string("a")]]) }
        #expect(throws: FormatterOptionError.self) { _ = try write(["note"], [[.string("two\nlines")]]) }
    }

    @Test func aTableTooWideForTheTerminalTurnsVertical() throws {
        let narrow = OutputContext(isTerminal: true, width: 30, unicode: true, color: false)
        let text = try TrickyRows.format("table", context: narrow)
        #expect(text.hasPrefix("-[ RECORD 1 ]"))
        #expect(text == (try TrickyRows.format("vertical")))
    }

    /// The REPL's `\\x`: on, blocks always (in a file too); auto, blocks as soon as a table
    /// would be wider than the terminal, where off cuts its widest columns to fit.
    @Test func expandedDisplayDrawsBlocks() throws {
        #expect(try TrickyRows.format("table", context: OutputContext(expanded: .on)) == (try TrickyRows.format("vertical")))
        func terminal(_ width: Int, _ expanded: ExpandedDisplay) -> OutputContext {
            OutputContext(isTerminal: true, width: width, unicode: true, color: false, expanded: expanded)
        }
        // The narrowest terminal the whole table fits, nothing cut.
        let natural = try TrickyRows.format("table", context: terminal(10_000, .off))
        let fits = try #require(try (10...1_000).first { try TrickyRows.format("table", context: terminal($0, .off)) == natural })
        let vertical = try TrickyRows.format("vertical", context: terminal(fits - 1, .off))
        #expect(try TrickyRows.format("table", context: terminal(fits, .auto)) == natural)
        #expect(try TrickyRows.format("table", context: terminal(fits - 1, .auto)) == vertical)
        #expect(try TrickyRows.format("table", context: terminal(fits - 1, .off)).hasPrefix("┌"))
        // --no-auto: never blocks by itself.
        #expect(try TrickyRows.format("table", options: ["no-auto": nil], context: terminal(fits - 1, .auto)).hasPrefix("┌"))
    }

    @Test func aTableFitsTheTerminalWidth() throws {
        for width in [60, 80, 120] {
            let context = OutputContext(isTerminal: true, width: width, unicode: true, color: false)
            var registry = PluginRegistry()
            BuiltinFormatters.register(in: &registry)
            let sink = StringSink()
            let formatter = try registry.formatter(named: "table")!.makeFormatter(sink: sink, rawOptions: [:], context: context)
            try formatter.begin(columns: ["id", "name", "note"])
            for row in TrickyRows.rows { try formatter.row(Array(row.prefix(3))) }
            try formatter.end()
            let lines = sink.text.split(separator: "\n").dropLast()
            #expect(lines.allSatisfy { DisplayWidthProbe.width(String($0)) == width }, "width \(width):\n\(sink.text)")
        }
    }
}

/// Display width as the tests count it, independent of the formatter's own code:
/// wide CJK and emoji 2, combining marks 0.
enum DisplayWidthProbe {
    static func width(_ text: String) -> Int {
        text.reduce(0) { total, character in
            let scalars = character.unicodeScalars
            if scalars.contains(where: { $0.properties.isEmojiPresentation }) { return total + 2 }
            if scalars.contains(where: { (0x4E00...0x9FFF).contains($0.value) }) { return total + 2 }
            return total + 1
        }
    }
}

@Suite struct RoundTripTests {
    /// What a text cell holds for a value: strings as they are, a list of
    /// text and tag objects as its names joined by "; ", the rest as compact JSON, null as empty.
    func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .array(let elements)?:
            let names = elements.compactMap { element -> String? in
                if case .string(let s) = element { return s }
                if case .object(let o) = element, case .string(let s)? = o["tag"] { return s }
                return nil
            }
            return names.count == elements.count ? names.joined(separator: "; ") : JSONWriter().string(.array(elements))
        case let v?: return JSONWriter().string(v)
        }
    }

    @Test func csvReadsBackWithAnIndependentReader() throws {
        for options in [[:], ["crlf": nil]] as [[String: String?]] {
            let text = try TrickyRows.format("csv", options: options)
            let csv = try CSV<Enumerated>(string: text, delimiter: .comma, loadColumns: false)
            #expect(csv.header == TrickyRows.columns)
            #expect(csv.rows.count == TrickyRows.rows.count)
            for (parsed, row) in zip(csv.rows, TrickyRows.rows) {
                #expect(parsed == row.map(cell))
            }
        }
    }

    @Test func jsonAndNDJSONReadBack() throws {
        let expected = TrickyRows.objects
        let json = try JSONParser.parse(Array(try TrickyRows.format("json").utf8))
        #expect(json == .array(expected))
        let pretty = try JSONParser.parse(Array(try TrickyRows.format("json", options: ["pretty": nil]).utf8))
        #expect(pretty == .array(expected))
        // And through Foundation's reader, which shares no code with hmq's.
        let foundation = try JSONSerialization.jsonObject(with: Data(try TrickyRows.format("json").utf8)) as? [[String: Any]]
        #expect(foundation?.count == 4)
        #expect(foundation?[1]["name"] as? String == "李小龍")
        let lines = try TrickyRows.format("ndjson").split(separator: "\n")
        #expect(try lines.map { try JSONParser.parse(Array($0.utf8)) } == expected)
    }

    @Test func yamlReadsBack() throws {
        let loaded = try Yams.load(yaml: try TrickyRows.format("yaml"))
        let rows = try #require(loaded as? [[String: Any]])
        #expect(rows.count == 4)
        for (row, values) in zip(rows, TrickyRows.rows) {
            for (column, value) in zip(TrickyRows.columns, values) {
                guard let value else {
                    #expect(row[column] == nil)
                    continue
                }
                #expect(Self.same(row[column], value), "\(column): \(String(describing: row[column])) vs \(value)")
            }
        }
        #expect(try Yams.load(yaml: TrickyRowsEmpty.yaml()) as? [Any] != nil)
    }

    /// A value Yams loaded against the JSON value it came from.
    static func same(_ loaded: Any?, _ value: JSONValue) -> Bool {
        switch value {
        case .null: return loaded == nil || loaded is NSNull
        case .bool(let b): return loaded as? Bool == b
        case .integer(let i): return loaded as? Int == Int(i)
        case .double(let d): return loaded as? Double == d
        case .number(let text): return "\(loaded ?? "")" == text || (loaded as? Double).map { $0.isInfinite } == true
        case .string(let s): return loaded as? String == s
        case .array(let elements):
            guard let array = loaded as? [Any] else { return false }
            return array.count == elements.count && zip(array, elements).allSatisfy { same($0, $1) }
        case .object(let object):
            guard let dictionary = loaded as? [String: Any] else { return false }
            return dictionary.count == object.members.count && object.members.allSatisfy { same(dictionary[$0.key], $0.value) }
        }
    }
}

enum TrickyRowsEmpty {
    static func yaml() throws -> String {
        let sink = StringSink()
        let formatter = try YAMLFormatterPlugin().makeFormatter(sink: sink, rawOptions: [:], context: .file)
        try formatter.begin(columns: ["id"])
        try formatter.end()
        return sink.text
    }
}

@Suite struct RegistryTests {
    @Test func optionsAreChecked() throws {
        var registry = PluginRegistry()
        BuiltinFormatters.register(in: &registry)
        let csv = try #require(registry.formatter(named: "csv"))
        #expect(throws: FormatterOptionError("unknown option --pretty (csv has --no-header, --crlf, --null TEXT)")) {
            _ = try csv.makeFormatter(sink: StringSink(), rawOptions: ["pretty": nil], context: .file)
        }
        #expect(throws: FormatterOptionError("--max-width needs a positive whole number")) {
            _ = try registry.formatter(named: "table")!.makeFormatter(sink: StringSink(), rawOptions: ["max-width": "wide"], context: .file)
        }
        #expect(throws: FormatterOptionError("--null needs a value")) {
            _ = try csv.makeFormatter(sink: StringSink(), rawOptions: ["null": nil], context: .file)
        }
    }

    @Test func duplicateNamesAreRefused() throws {
        var registry = PluginRegistry()
        BuiltinFormatters.register(in: &registry)
        #expect(registry.allFormatters.map(\.name) == ["table", "vertical", "json", "ndjson", "csv", "tsv", "yaml", "markdown", "lines"])
        #expect(registry.formatter(forPath: "misses.txt")?.name == "lines")
        #expect(throws: FormatterOptionError("a formatter named 'csv' is already registered")) {
            try registry.register(formatter: CSVFormatterPlugin())
        }
        #expect(registry.formatter(named: "jsonl")?.name == "ndjson")
        #expect(registry.formatter(forPath: "out.yml")?.name == "yaml")
        #expect(registry.formatter(forPath: "dir.v2/out")?.name == nil)
    }
}

/// External plugins driven directly: a plugin that never reads its input must
/// not hang hmq however much there is to write.
@Suite struct ExternalPluginTests {
    func script(_ body: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-format-test-\(UUID())").path
        // Written through a close-on-exec descriptor: a child another test spawns
        // meanwhile must not inherit it open for writing (exec would fail, ETXTBSY).
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        let bytes = Array(body.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        return path
    }

    @Test func aPluginThatNeverReadsIsStopped() throws {
        let plugin = ExternalFormatterPlugin(name: "sleepy", path: try script("#!/bin/sh\nexec sleep 60\n"), timeout: 1)
        let formatter = try plugin.makeFormatter(sink: StringSink(), rawOptions: [:], context: .file)
        let start = ContinuousClock.now
        do {
            try formatter.begin(columns: ["note"])
            // 20,000 rows of 100 bytes: far more than a pipe holds.
            for _ in 0..<20_000 { try formatter.row([.string(String(repeating: "x", count: 100))]) }
            try formatter.end()
            Issue.record("expected the plugin to be reported")
        } catch let error as FormatterOptionError {
            #expect(error.message.hasSuffix("did not read its input for 1 s; stopped it"))
        }
        #expect(((ContinuousClock.now - start) / .seconds(1)) < 10)
    }

    @Test func outputIsCopiedWholeAndArgumentsCarryOptionsAndColumns() throws {
        let plugin = ExternalFormatterPlugin(name: "args", path: try script("#!/bin/sh\nprintf '%s|' \"$@\"\necho\ncat\n"), timeout: 5)
        let sink = StringSink()
        let formatter = try plugin.makeFormatter(sink: sink, rawOptions: ["width": "40", "loud": nil], context: .file)
        try formatter.begin(columns: ["id", "名前"])
        try formatter.row([.integer(1), .string("李小龍")])
        try formatter.row([.integer(2), nil])
        try formatter.end()
        #expect(sink.text == "--loud|--width|40|--|id|名前|\n{\"id\":1,\"名前\":\"李小龍\"}\n{\"id\":2}\n")
    }
}

/// Data from a server is data, never terminal control: on a terminal every
/// format shows control characters; to a file or a pipe the bytes stay exact.
@Suite struct TerminalEscapeTests {
    static let hostile = "a\u{1B}]0;owned\u{07}b\u{1B}[2Jc\rd\u{9B}31me\u{7F}f"

    func render(_ format: String, terminal: Bool) throws -> String {
        let registry = BuiltinFormatters.registry
        let plugin = try #require(registry.formatter(named: format))
        let sink = StringSink()
        let context = OutputContext(isTerminal: terminal, width: 200, unicode: true, color: false)
        let formatter = try plugin.makeFormatter(sink: sink, rawOptions: [:], context: context)
        try formatter.begin(columns: ["note"])
        // `lines` refuses line breaks (they would not read back): the rest of the attack applies.
        try formatter.row([.string(format == "lines" ? Self.hostile.replacingOccurrences(of: "\r", with: "") : Self.hostile)])
        try formatter.end()
        return sink.text
    }

    @Test(arguments: ["table", "vertical", "json", "ndjson", "csv", "tsv", "yaml", "markdown", "lines"])
    func noControlCharacterReachesATerminal(format: String) throws {
        let text = try render(format, terminal: true)
        let controls = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
        #expect(controls.isEmpty, "\(format): \(controls.map { String($0.value, radix: 16) })")
    }

    @Test(arguments: ["csv", "tsv", "ndjson", "json", "markdown", "lines"])
    func machineFormatsToAFileKeepTheBytes(format: String) throws {
        let text = try render(format, terminal: false)
        #expect(text.contains("\u{1B}]0;owned") || text.contains("\\u001b]0;owned") || format == "tsv" || format == "markdown",
                "\(format) keeps the data: \(text.debugDescription)")
        if format == "csv" { #expect(text.contains(Self.hostile)) }
        if format == "lines" { #expect(text == Self.hostile.replacingOccurrences(of: "\r", with: "") + "\n") }
    }
}

/// A list in a text format reads as a spreadsheet shows it; JSON keeps it as sent.
@Suite struct ListCellTests {
    static func tag(_ id: Int64, _ name: String) -> JSONValue {
        .object(JSONObject([.init(key: "id", value: .integer(id)), .init(key: "tag", value: .string(name)), .init(key: "color", value: .string("#ff0000"))]))
    }
    static let note: JSONValue = .object(JSONObject([.init(key: "name", value: .string("Sam Agent")), .init(key: "text", value: .string("Called."))]))

    /// Writes one column `tags` holding `value` in `format`, without a header where it has one to leave out.
    func write(_ value: JSONValue, as format: String) throws -> String {
        var registry = PluginRegistry()
        BuiltinFormatters.register(in: &registry)
        let plugin = try #require(registry.formatter(named: format))
        let sink = StringSink()
        let options: [String: String?] = ["csv", "tsv"].contains(format) ? ["no-header": nil] : [:]
        let formatter = try plugin.makeFormatter(sink: sink, rawOptions: options, context: .file)
        try formatter.begin(columns: ["tags"])
        try formatter.row([value])
        try formatter.end()
        return sink.text
    }

    @Test(arguments: [
        (JSONValue.array(["vip", "customer"]), "vip; customer"),
        (.array([tag(100, "vip"), tag(101, "customer")]), "vip; customer"),
        (.array([tag(100, "vip"), "beta"]), "vip; beta"),
        (.array([1, 2.5, true]), "1; 2.5; true"),
        (.array([]), ""),
        (.array([note]), #"[{"name":"Sam Agent","text":"Called."}]"#),
        (.array([nil, "a"]), #"[null,"a"]"#),
        (.array([["a"]]), #"[["a"]]"#),
        (.object(JSONObject([.init(key: "12", value: "Pro")])), #"{"12":"Pro"}"#),
    ] as [(JSONValue, String)])
    func textFormatsJoinListsOfNames(value: JSONValue, expected: String) throws {
        #expect(try write(value, as: "tsv") == expected + "\n")
        #expect(try write(value, as: "lines") == (expected.isEmpty ? "\n" : expected + "\n"))
        let csv = try write(value, as: "csv")
        #expect(csv == (expected.contains(",") || expected.contains("\"") ? "\"" + expected.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : expected) + "\n")
        #expect(try write(value, as: "markdown").contains("| " + expected.replacingOccurrences(of: "|", with: "\\|")))
        #expect(try write(value, as: "ndjson") == "{\"tags\":" + JSONWriter().string(value) + "}\n")
    }

    @Test func tableAndVerticalShowTagNames() throws {
        let value = JSONValue.array([Self.tag(100, "vip"), "customer"])
        #expect(try write(value, as: "table").contains("│ vip; customer │"))
        #expect(try write(value, as: "vertical").contains("tags | vip; customer"))
    }
}
