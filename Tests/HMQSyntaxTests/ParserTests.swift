import Testing

@testable import HMQSyntax

@Suite struct ParserTests {
    func parse(_ text: String) throws -> [Statement] {
        let result = Parser.parse(text)
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer().render(result.diagnostics, in: result.source))")
        return result.script.statements
    }

    /// The tree of `text` as ``TreeDump`` writes it (no errors allowed).
    func tree(_ text: String, ranges: Bool = false) throws -> String {
        try parse(text).map(TreeDump(ranges: ranges).dump).joined()
    }

    @Test func typeWordsGroupTheValuesAfterThem() throws {
        #expect(try tree("find 1, phone 2, 3, email a@b.com, any x@y.z") == """
            pipeline
              find
                untyped 1
                phone (written) 2
                phone 3
                email (written) a@b.com
                untyped (written) x@y.z

            """)
    }

    @Test func keywordsAreContextualSoFieldsCanUseThem() throws {
        let statements = try parse("find 1 | show first, last, count as n | where first == \"Ada\" | sort first")
        #expect(statements.count == 1)
        #expect(ASTPrinter().print(statements[0]) == "find 1 | show first, last, count as n | where first == \"Ada\" | sort first")
    }

    @Test func precedenceIsOrThenAndThenNot() throws {
        #expect(try tree("find 1 | where a == 1 or b == 2 and not c") == """
            pipeline
              find
                untyped 1
              where
                or
                  a == 1
                  and
                    b == 2
                    not
                      c

            """)
        #expect(try tree("find 1 | where not (a == 1 or b) and c in [1, \"x\"]") == """
            pipeline
              find
                untyped 1
              where
                and
                  not
                    group
                      or
                        a == 1
                        b
                  c in [1, "x"]

            """)
    }

    @Test func continuationLines() throws {
        let statements = try parse("find 1,\n 2 |\n show name\n | limit 3\nfind 4")
        #expect(statements.count == 2)
        #expect(ASTPrinter().print(statements[0]) == "find 1, 2 | show name | limit 3")
    }

    @Test func rangesPointAtTheText() throws {
        let text = "find phone 14155551234 | show custom.12 as plan | where tags has \"vip\""
        #expect(try tree(text, ranges: true) == """
            pipeline @0..70
              find @0..22
                phone (written) 14155551234 @5..22
              show @25..47
                custom.12 as plan @30..39
              where @50..70
                tags has "vip" @56..70

            """)
        // Each range is the text of its node.
        let source = Parser.parse(text).source
        for (range, expected) in [(0..<70, text), (5..<22, "phone 14155551234"), (30..<39, "custom.12"), (56..<70, "tags has \"vip\"")] {
            #expect(source.text(SourceRange(start: range.lowerBound, end: range.upperBound)) == expected)
        }
    }

    /// Every kind of node, in one script: its tree.
    @Test func everyKindOfNodeDumps() throws {
        let text = """
            set format csv
            let vips = find phone file "p.txt", csv "leads.csv" column "Phone", $1 | where tags has "vip" | show name, input.*, *
            explain find csv "l.csv" delimiter ";" by phone "Phone", email 2
            $vips | sort name desc, id | first 3 | count by tags | unique phone | unmatched | format table --wide | save "o.csv"
            find 1 | where phone matches "^1415" and email exists or email contains "x" and name != null and id >= 3 | diff "snap.ndjson" by id --exit-code
            """
        let dumped = try tree(text)
        #expect(dumped == """
            set format csv
            let vips
              pipeline
                find
                  phone (written) file "p.txt"
                  phone csv "leads.csv" column "Phone"
                  phone $1
                where
                  tags has "vip"
                show
                  name
                  input.*
                  *
            explain
              pipeline
                find csv "l.csv" delimiter ";"
                  by phone "Phone"
                  by email 2
            pipeline
              $vips
              sort name desc, id
              first 3
              count by tags
              unique phone
              unmatched
              format table --wide
              save "o.csv"
            pipeline
              find
                untyped 1
              where
                or
                  and
                    phone matches "^1415"
                    email exists
                  and
                    and
                      email contains "x"
                      name != null
                    id >= 3
              diff "snap.ndjson" by id --exit-code

            """)
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
