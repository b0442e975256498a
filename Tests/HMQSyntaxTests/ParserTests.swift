import Testing

@testable import HMQSyntax

@Suite struct ParserTests {
    func parse(_ text: String) throws -> [Statement] {
        let result = Parser.parse(text)
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer().render(result.diagnostics, in: result.source))")
        return result.script.statements
    }

    @Test func typeWordsGroupTheValuesAfterThem() throws {
        guard case .pipeline(let p)? = try parse("find 1, phone 2, 3, email a@b.com, any x@y.z").first, case .find(let f) = p.source else {
            Issue.record("not a find")
            return
        }
        #expect(f.items.map { $0.type?.name } == [nil, "phone", "phone", "email", nil])
        #expect(f.items.map(\.typeWritten) == [false, true, false, true, true])
    }

    @Test func keywordsAreContextualSoFieldsCanUseThem() throws {
        let statements = try parse("find 1 | show first, last, count as n | where first == \"Ada\" | sort first")
        #expect(statements.count == 1)
        #expect(ASTPrinter().print(statements[0]) == "find 1 | show first, last, count as n | where first == \"Ada\" | sort first")
    }

    @Test func precedenceIsOrThenAndThenNot() throws {
        guard case .pipeline(let p)? = try parse("find 1 | where a == 1 or b == 2 and not c").first, case .where(let w)? = p.stages.first else {
            Issue.record("no where")
            return
        }
        guard case .or(_, .and(_, .not(.truthy, _), _), _) = w.condition else {
            Issue.record("wrong tree: \(w.condition)")
            return
        }
    }

    @Test func continuationLines() throws {
        let statements = try parse("find 1,\n 2 |\n show name\n | limit 3\nfind 4")
        #expect(statements.count == 2)
        #expect(ASTPrinter().print(statements[0]) == "find 1, 2 | show name | limit 3")
    }

    @Test func rangesPointAtTheText() throws {
        let text = "find phone 14155551234 | show custom.12 as plan"
        let result = Parser.parse(text)
        guard case .pipeline(let p)? = result.script.statements.first, case .show(let s)? = p.stages.first,
            case .field(let path, let alias)? = s.columns.first
        else {
            Issue.record("no show")
            return
        }
        #expect(result.source.text(path.range) == "custom.12")
        #expect(result.source.text(alias!.range) == "plan")
        #expect(result.source.text(p.range) == text)
        #expect(result.source.text(s.range) == "show custom.12 as plan")
    }

    @Test(arguments: [
        ("find  phone   1 ,phone 2,EMAIL A@b.com|show   name,tags", "find phone 1, 2, email A@b.com | show name, tags"),
        ("FIND 1 | WHERE x = 'a' | SORT y ASC", "find 1 | where x == \"a\" | sort y"),
        ("find 1 | where not (a == 1 and b == 2)", "find 1 | where not (a == 1 and b == 2)"),
        ("find 1 | where x not in [1,2]", "find 1 | where x not in [1, 2]"),
        ("find 1 | where tags==[ ] or tags.name!=[]", "find 1 | where tags == [] or tags.name != []"),
        ("find 1 | where tags = [\n]", "find 1 | where tags == []"),
        ("find 1 | first", "find 1 | first 1"),
        ("find 1 | show name as \"Full name\"", "find 1 | show name as \"Full name\""),
        ("set format csv;find 1", "set format csv\nfind 1"),
        ("find \"tab\\there\"", "find \"tab\\there\""),
        ("find 1 # note\n\n\n# alone\nfind 2", "find 1  # note\n\n# alone\nfind 2"),
    ])
    func printsCanonically(input: String, expected: String) {
        let result = Parser.parse(input)
        #expect(result.diagnostics.isEmpty)
        #expect(ASTPrinter().print(result.script) == expected + "\n")
    }

    @Test func longPipelinesBreakBeforeStages() {
        let text = "find phone file \"phones.txt\" | where tags has \"vip\" and custom.12 in [\"Pro\", \"Enterprise\"] | show name, phone, email | sort name"
        let printed = ASTPrinter().print(Parser.parse(text).script)
        #expect(printed.contains("\n  | where"))
        #expect(ASTPrinter().print(Parser.parse(printed).script) == printed)
    }

    @Test func shebangAndEmptyStatementsAreFine() throws {
        #expect(try parse("#!/usr/bin/env hmq\n;;\nfind 1;;find 2\n").count == 2)
    }

    @Test func variablesAndParameters() throws {
        guard case .pipeline(let p)? = try parse("find phone $1, email $who, $env.HOME").first, case .find(let f) = p.source else {
            Issue.record("not a find")
            return
        }
        let refs = f.items.compactMap { if case .variable(let v) = $0.value { v } else { nil } }
        #expect(refs.map(\.position) == [1, nil, nil])
        #expect(refs.map(\.environmentName) == [nil, nil, "HOME"])
    }
}

@Suite struct PluginStageParsingTests {
    @Test func aPluginStageParsesAndPrintsWhenItsNameIsKnown() throws {
        let result = Parser.parse("find phone 1 | dedupe --by last --keep 2 | show name", pluginStages: ["dedupe"])
        #expect(!result.hasErrors)
        guard case .pipeline(let p) = result.script.statements.first, case .plugin(let stage) = p.stages.first else {
            Issue.record("expected a plugin stage")
            return
        }
        #expect(stage.name.name == "dedupe" && stage.options.map(\.name) == ["by", "keep"])
        #expect(ASTPrinter().print(result.script) == "find phone 1 | dedupe --by last --keep 2 | show name\n")
        let unknown = Parser.parse("find phone 1 | dedupe --by last")
        #expect(unknown.diagnostics.first?.message == "unknown stage 'dedupe'")
    }
}
