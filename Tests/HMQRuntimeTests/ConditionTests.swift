import HMQJSON
import HMQSyntax
import Heymarket
import Testing

@testable import HMQRuntime

/// `where` semantics on rows, without the network.
@Suite struct ConditionTests {
    static let fields: JSONValue = [
        "id": 1001, "display_name": "José Núñez", "email": "Jose@Example.com", "tags": ["vip", ["id": 7, "tag": "Beta"]],
        "custom": ["12": "Pro", "5": "150"], "is_opted_out": false, "note": [["text": "Call after 5"]], "assigned_user_id": nil,
    ]
    let row = Row(fields: ConditionTests.fields.objectValue!, matched: [.phone("14155559876")])

    func holds(_ condition: String, caseSensitive: Bool = false, in row: Row? = nil) throws -> Bool {
        let parsed = Parser.parse("find 1 | where " + condition)
        #expect(parsed.diagnostics.isEmpty, "\(condition)")
        guard case .pipeline(let p)? = parsed.script.statements.first, case .where(let w)? = p.stages.first else {
            Issue.record("no where in \(condition)")
            return false
        }
        let literals = LiteralResolver(inputs: ScriptInputs())
        var conditions = ConditionEvaluator(caseSensitive: caseSensitive) { literal throws(RuntimeError) in try literals.value(literal) }
        return try conditions.test(w.condition, row ?? self.row)
    }

    @Test(arguments: [
        ("id == 1001", true), ("id > 1000 and id < 1002", true), ("id >= 1002", false),
        ("display_name == \"josé núñez\"", true), ("email contains \"example\"", true),
        ("tags has \"VIP\"", true), ("tags has \"beta\"", true), ("tags has \"gamma\"", false),
        ("custom.12 in [\"Free\", \"Pro\"]", true), ("custom.12 not in [\"Pro\"]", false),
        ("email matches \"^jose@\"", true), ("not is_opted_out", true), ("is_opted_out", false),
        ("missing == 1", false), ("missing != 1", true), ("missing < 1", false), ("missing exists", false),
        ("assigned_user_id exists", false), ("assigned_user_id == null", true), ("company contains \"x\"", false),
        ("note.text contains \"after\"", true), ("name == \"José Núñez\"", true), ("matched has \"14155559876\"", true),
        ("(id == 1 or id == 1001) and not (tags has \"x\")", true),
        ("tags == []", false), ("tags != []", true), ("tags = []", false), ("custom.12 == []", false),
        ("tags.name has \"beta\"", true), ("tags.name contains \"bet\"", true), ("tags.name == []", false),
        ("tags.name in [\"Beta\"]", true), ("tags.tag has \"vip\"", false),
    ])
    func semantics(condition: String, expected: Bool) throws {
        #expect(try holds(condition) == expected, "\(condition)")
    }

    /// The one null rule (README, "null"): a missing field is null; null equals
    /// null and nothing else; `!=` negates `==`; `exists` is `!= null`; `in`
    /// follows `==`; other tests are false on null; "" and [] are values.
    static let nullRow = Row(fields: JSONObject([
        .init(key: "nul", value: .null), .init(key: "empty", value: .string("")), .init(key: "list", value: .array([])),
        .init(key: "text", value: .string("a")),
    ]))

    @Test(arguments: [
        // expression template (F is the field),  missing, null,  "",    [],    "a"
        ("F == null", [true, true, false, false, false]),
        ("F != null", [false, false, true, true, true]),
        ("F exists", [false, false, true, true, true]),
        ("not F exists", [true, true, false, false, false]),
        ("F == \"a\"", [false, false, false, false, true]),
        ("F != \"a\"", [true, true, true, true, false]),
        ("F == \"\"", [false, false, true, false, false]),
        ("F in [\"a\", null]", [true, true, false, false, true]),
        ("F in [\"a\"]", [false, false, false, false, true]),
        ("F not in [\"a\"]", [true, true, true, true, false]),
        ("F contains \"\"", [false, false, true, false, true]),
        ("F matches \".*\"", [false, false, true, false, true]),
        ("F == []", [false, false, false, true, false]),
        ("F != []", [true, true, true, false, true]),
        ("not F == []", [true, true, true, false, true]),
    ] as [(String, [Bool])])
    func oneNullRule(template: String, expected: [Bool]) throws {
        for (field, want) in zip(["missing", "nul", "empty", "list", "text"], expected) {
            let condition = template.replacingOccurrences(of: "F", with: field)
            let parsed = Parser.parse("find 1 | where " + condition)
            guard case .pipeline(let p)? = parsed.script.statements.first, case .where(let w)? = p.stages.first else {
                Issue.record("no where in \(condition)")
                continue
            }
            var conditions = ConditionEvaluator(caseSensitive: false) { literal throws(RuntimeError) in
                switch literal {
                case .string(let s, _): return .string(s)
                case .null: return .null
                case .emptyList: return .array([])
                default: return .null
                }
            }
            #expect(try conditions.test(w.condition, Self.nullRow) == want, "\(condition)")
        }
    }

    /// `tags.name`: the tag names whatever shape each tag came in; null without a list of tags.
    @Test(arguments: [
        (#"{"tags":["vip","customer"]}"#, #"["vip","customer"]"#),
        (##"{"tags":[{"id":100,"tag":"vip","color":"#ff0000"},{"id":101,"tag":"customer"}]}"##, #"["vip","customer"]"#),
        (#"{"tags":[{"id":100,"tag":"vip"},"beta",7]}"#, #"["vip","beta","7"]"#),
        (#"{"tags":[]}"#, "[]"),
        (#"{"tags":null}"#, nil),
        (#"{"tags":"vip"}"#, nil),
        (#"{"id":1}"#, nil),
    ] as [(String, String?)])
    func tagNamesWhateverTheirShape(json: String, expected: String?) throws {
        let row = Row(fields: try #require(try JSONParser.parse(json).objectValue))
        #expect(row.value(at: ["tags", "name"]).map { JSONWriter().string($0) } == expected, "\(json)")
        // A path goes on inside the names, and `tags` itself stays as the API sent it.
        if let expected, expected != "[]" {
            #expect(row.value(at: ["tags", "name", "0"]) == (try JSONParser.parse(expected)).arrayValue?.first)
        }
        #expect(row.value(at: ["tags"]) == row.fields["tags"])
    }

    @Test func nullSortsLastEitherWay() {
        let comparator = ConditionEvaluator(caseSensitive: false) { _ throws(RuntimeError) in .null }
        for descending in [false, true] {
            #expect(SortTransform.order(.null, .string("a"), descending: descending, comparator: comparator) == 1)
            #expect(SortTransform.order(nil, .string(""), descending: descending, comparator: comparator) == 1)
            #expect(SortTransform.order(.string(""), nil, descending: descending, comparator: comparator) == -1)
            #expect(SortTransform.order(nil, .null, descending: descending, comparator: comparator) == 0)
        }
    }

    /// Numbers compare exactly at any size the JSON carries, never as doubles.
    @Test(arguments: [
        (#"{"id":9007199254740992}"#, "id == 9007199254740993", false), (#"{"id":9007199254740993}"#, "id == 9007199254740993", true),
        (#"{"id":9007199254740992}"#, "id < 9007199254740993", true), (#"{"id":9007199254740993}"#, "id > 9007199254740992", true),
        (#"{"id":9007199254740993}"#, "id in [9007199254740992]", false), (#"{"id":9007199254740992.0}"#, "id == 9007199254740993", false),
        (#"{"id":9223372036854775807}"#, "id == 9223372036854775806", false), (#"{"id":-9223372036854775808}"#, "id < -9223372036854775807", true),
        (#"{"id":184467440737095516170}"#, "id == 184467440737095516171", false), (#"{"id":184467440737095516170}"#, "id == 184467440737095516170", true),
        (#"{"id":184467440737095516170}"#, "id < 184467440737095516171", true), (#"{"id":184467440737095516170}"#, "id > 9223372036854775807", true),
        (#"{"id":-184467440737095516170}"#, "id < -9223372036854775808", true), (#"{"id":1e400}"#, "id > 184467440737095516170", true),
        (#"{"id":5e-400}"#, "id > 0", true), (#"{"id":5e-400}"#, "id < 0.0000001", true), (#"{"id":5}"#, "id == 5.0", true),
        (#"{"id":0.1}"#, "id == 0.1", true), (#"{"id":-0.0}"#, "id == 0", true), (#"{"id":1.5}"#, "id > 1", true),
        (#"{"id":12.50e1}"#, "id == 125", true), (#"{"id":1e2}"#, "id == 100", true),
    ])
    func largeIntegersCompareExactly(json: String, condition: String, expected: Bool) throws {
        let fields = try #require(try JSONParser.parse(json).objectValue)
        #expect(try holds(condition, in: Row(fields: fields)) == expected, "\(json) where \(condition)")
    }

    @Test func sortOrdersLargeIntegersExactly() throws {
        let comparator = ConditionEvaluator(caseSensitive: false) { _ throws(RuntimeError) in .null }
        let values = try ["9007199254740993", "9007199254740992", "184467440737095516171", "184467440737095516170", "-1", "1e400"].map { try JSONParser.parse($0) }
        let sorted = values.sorted { SortTransform.order($0, $1, descending: false, comparator: comparator) < 0 }
        #expect(sorted.map { JSONWriter().string($0) } == ["-1", "9007199254740992", "9007199254740993", "184467440737095516170", "184467440737095516171", "1e400"])
    }

    @Test func caseSensitiveWhenAsked() throws {
        #expect(try holds("display_name == \"josé núñez\"", caseSensitive: true) == false)
        #expect(try holds("email matches \"^jose@\"", caseSensitive: true) == false)
    }

    /// A value of the wrong shape does not match (and is counted for a note); it never stops the query.
    @Test(arguments: ["tags > 3", "email has \"x\"", "display_name < 5", "custom > \"a\""])
    func valuesOfTheWrongShapeDoNotMatch(condition: String) throws {
        #expect(try holds(condition) == false)
        #expect(try holds("not (\(condition))") == true)
    }

    @Test func anInvalidPatternIsAnError() {
        #expect(throws: RuntimeError.self) { try holds("email matches \"(\"") }
    }
}

final class FileSinkStub: OutputSink {
    var text = ""
    func write(_ text: String) throws { self.text += text }
}
