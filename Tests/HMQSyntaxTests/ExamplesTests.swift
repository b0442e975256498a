import Foundation
import Testing

@testable import HMQSyntax

/// The files in grammar/examples/.
enum Examples {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("grammar/examples")

    static let files: [URL] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".hmq") }.sorted().map { directory.appendingPathComponent($0) }
    }()

    static func source(_ url: URL) throws -> Source {
        Source(name: url.lastPathComponent, bytes: Array(try Data(contentsOf: url)))
    }
}

@Suite struct ExamplesTests {
    @Test func thereAreAtLeastTwentyFiveExamples() {
        #expect(Examples.files.count >= 25)
    }

    @Test(arguments: Examples.files)
    func parsesCleanlyAndPrintsStably(file: URL) throws {
        let source = try Examples.source(file)
        let first = Parser.parse(source)
        #expect(first.diagnostics.isEmpty, "\(DiagnosticRenderer().render(first.diagnostics, in: source))")
        #expect(!first.script.statements.isEmpty)
        guard case .comment? = first.script.items.first else {
            Issue.record("\(file.lastPathComponent) must start with a comment saying what it does")
            return
        }
        let printed = ASTPrinter().print(first.script)
        let second = Parser.parse(printed, name: "printed")
        #expect(second.diagnostics.isEmpty, "\(printed)")
        #expect(ASTPrinter().print(second.script) == printed)
        #expect(second.script.statements.count == first.script.statements.count)
    }

    /// Together the examples use every stage, statement and kind of value.
    @Test func examplesCoverTheGrammar() throws {
        var seen = Set<String>()
        for file in Examples.files {
            for statement in Parser.parse(try Examples.source(file)).script.statements {
                Coverage.record(statement, into: &seen)
            }
        }
        let expected: Set<String> = [
            "let", "set", "explain", "pipeline", "source.find", "source.variable",
            "value.number", "value.email", "value.string", "value.variable", "value.file", "value.file.variable", "value.csv.name", "value.csv.position",
            "type.typed", "type.untyped", "type.any",
            "stage.show", "stage.where", "stage.sort", "stage.limit", "stage.first", "stage.count", "stage.countBy", "stage.unique",
            "stage.uniqueFields", "stage.format", "stage.save", "stage.unmatched", "show.alias", "show.all", "show.nested",
            "source.records.csv", "source.records.ndjson", "records.position", "show.allOf", "stage.diff", "stage.diffBy",
            "expr.and", "expr.or", "expr.not", "expr.group", "expr.comparison", "expr.contains", "expr.has", "expr.matches",
            "expr.in", "expr.notIn", "expr.exists", "expr.truthy", "expr.emptyList", "sort.desc", "format.option",
        ]
        #expect(expected.subtracting(seen).isEmpty, "not covered: \(expected.subtracting(seen).sorted())")
    }
}

/// Names the grammar features a statement uses.
enum Coverage {
    static func record(_ statement: Statement, into seen: inout Set<String>) {
        switch statement {
        case .pipeline(let p): seen.insert("pipeline"); record(p, into: &seen)
        case .let(let l): seen.insert("let"); record(l.pipeline, into: &seen)
        case .set: seen.insert("set")
        case .explain(let e): seen.insert("explain"); record(e.pipeline, into: &seen)
        }
    }

    static func record(_ pipeline: Pipeline, into seen: inout Set<String>) {
        switch pipeline.source {
        case .variable: seen.insert("source.variable")
        case .find(let f):
            seen.insert("source.find")
            if let records = f.records {
                seen.insert("source.records.\(records.format.rawValue)")
                if records.keys.contains(where: { if case .position = $0.column { true } else { false } }) { seen.insert("records.position") }
            }
            for item in f.items {
                seen.insert(item.type == nil ? (item.typeWritten ? "type.any" : "type.untyped") : "type.typed")
                switch item.value {
                case .number: seen.insert("value.number")
                case .email: seen.insert("value.email")
                case .string: seen.insert("value.string")
                case .variable: seen.insert("value.variable")
                case .file(.literal, _): seen.insert("value.file")
                case .file(.variable, _): seen.insert("value.file.variable")
                case .csv(_, .name, _): seen.insert("value.csv.name")
                case .csv(_, .position, _): seen.insert("value.csv.position")
                }
            }
        }
        for stage in pipeline.stages {
            switch stage {
            case .show(let s):
                seen.insert("stage.show")
                for c in s.columns {
                    switch c {
                    case .all: seen.insert("show.all")
                    case .allOf: seen.insert("show.allOf")
                    case .field(let path, let alias):
                        if alias != nil { seen.insert("show.alias") }
                        if path.components.count > 1 { seen.insert("show.nested") }
                    }
                }
            case .where(let w): seen.insert("stage.where"); record(w.condition, into: &seen)
            case .sort(let s): seen.insert("stage.sort"); if s.keys.contains(where: \.descending) { seen.insert("sort.desc") }
            case .limit(let l): seen.insert(l.keyword == "first" ? "stage.first" : "stage.limit")
            case .count(let c): seen.insert(c.by == nil ? "stage.count" : "stage.countBy")
            case .diff(let d): seen.insert(d.key == nil ? "stage.diff" : "stage.diffBy")
            case .unique(let u): seen.insert(u.paths.isEmpty ? "stage.unique" : "stage.uniqueFields")
            case .format(let f): seen.insert("stage.format"); if !f.options.isEmpty { seen.insert("format.option") }
            case .save: seen.insert("stage.save")
            case .unmatched: seen.insert("stage.unmatched")
            case .plugin: seen.insert("stage.plugin")
            }
        }
    }

    static func record(_ e: Condition, into seen: inout Set<String>) {
        switch e {
        case .and(let a, let b, _): seen.insert("expr.and"); record(a, into: &seen); record(b, into: &seen)
        case .or(let a, let b, _): seen.insert("expr.or"); record(a, into: &seen); record(b, into: &seen)
        case .not(.in, _): seen.insert("expr.notIn")
        case .not(let a, _): seen.insert("expr.not"); record(a, into: &seen)
        case .group(let a, _): seen.insert("expr.group"); record(a, into: &seen)
        case .comparison(_, _, .emptyList, _): seen.insert("expr.emptyList")
        case .comparison: seen.insert("expr.comparison")
        case .contains: seen.insert("expr.contains")
        case .has: seen.insert("expr.has")
        case .matches: seen.insert("expr.matches")
        case .in: seen.insert("expr.in")
        case .exists: seen.insert("expr.exists")
        case .truthy: seen.insert("expr.truthy")
        }
    }
}
