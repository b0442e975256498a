import Foundation
import HeymarketSandbox
import Testing

/// Tags as the API sends them (strings for some contacts, tag objects for
/// others), end to end: `tags.name`, lists in text formats, `where tags == []`.
@Suite(.serialized) struct TagsCLITests {
    /// Demo contacts: 1001 has tags as strings, 1118 as tag objects, 1003 none (`[]`).
    static let mixed = "find phone 14155551234, 14155552118, 14155552003"

    @Test func tagsComeInTwoShapesAndJSONKeepsThemAsSent() async throws {
        try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["-e", Self.mixed + " | show id, tags"])
            #expect(out.status == 0, "\(out.stderr)")
            let lines = out.stdout.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines[0] == #"{"id":1001,"tags":["vip","customer"]}"#)
            #expect(lines[1] == ##"{"id":1118,"tags":[{"color":"#16a34a","id":700,"tag":"customer"},{"color":"#d97706","id":702,"tag":"newsletter"}]}"##)
            #expect(lines[2] == #"{"id":1003,"tags":[]}"#)
        }
    }

    @Test func tagsNameIsTheNamesWhateverTheShape() async throws {
        try await CLISandbox.with { sandbox in
            let json = try await sandbox.hmq(["-e", Self.mixed + " | show id, tags.name"])
            #expect(json.status == 0, "\(json.stderr)")
            #expect(json.stdout == """
                {"id":1001,"tags.name":["vip","customer"]}
                {"id":1118,"tags.name":["customer","newsletter"]}
                {"id":1003,"tags.name":[]}

                """)
            let filtered = try await sandbox.hmq(["-e", Self.mixed + #" | where tags.name contains "letter" | show id"#])
            #expect(filtered.stdout == "{\"id\":1118}\n", "\(filtered.stderr)")
            let has = try await sandbox.hmq(["-e", Self.mixed + #" | where tags.name has "customer" | count"#])
            #expect(has.stdout == "{\"count\":2}\n")
            let counted = try await sandbox.hmq(["-e", Self.mixed + " | count by tags.name"])
            #expect(counted.stdout == """
                {"tags.name":"customer","count":2}
                {"tags.name":"vip","count":1}
                {"tags.name":"newsletter","count":1}
                {"tags.name":[],"count":1}

                """)
        }
    }

    /// Text formats write a list as a spreadsheet shows it, whichever shape the tags came in.
    @Test(arguments: [
        ("csv", "id,tags\n1001,vip; customer\n1118,customer; newsletter\n1003,\n"),
        ("tsv", "id\ttags\n1001\tvip; customer\n1118\tcustomer; newsletter\n1003\t\n"),
        ("markdown", "| id   | tags                 |\n| ---: | -------------------- |\n| 1001 | vip; customer        |\n| 1118 | customer; newsletter |\n| 1003 |                      |\n"),
    ])
    func textFormatsWriteTagNames(format: String, expected: String) async throws {
        try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["-f", format, "-e", Self.mixed + " | show id, tags"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == expected)
            let names = try await sandbox.hmq(["-f", format, "-e", Self.mixed + " | show id, tags.name as tags"])
            #expect(names.stdout == expected)
        }
    }

    @Test func aSavedSheetHoldsTagNames() async throws {
        try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["-e", Self.mixed + #" | show id, name, tags | save "tags.csv""#])
            #expect(out.status == 0, "\(out.stderr)")
            let saved = try String(contentsOf: sandbox.directory.appendingPathComponent("tags.csv"), encoding: .utf8)
            #expect(saved == "id,name,tags\n1001,Ada Lovelace,vip; customer\n1118,Amélie García,customer; newsletter\n1003,李小龍,\n")
        }
    }

    @Test func whereTagsIsTheEmptyList() async throws {
        try await CLISandbox.with { sandbox in
            let empty = try await sandbox.hmq(["-e", Self.mixed + " | where tags == [] | show id"])
            #expect(empty.status == 0, "\(empty.stderr)")
            #expect(empty.stdout == "{\"id\":1003}\n")
            let some = try await sandbox.hmq(["-e", Self.mixed + " | where tags != [] | show id"])
            #expect(some.stdout == "{\"id\":1001}\n{\"id\":1118}\n")
            let checked = try await HMQProcess.run(["check", "-e", "find 1 | where tags == [\"vip\"]"])
            #expect(checked.status == 3)
            #expect(checked.stderr.contains("'==' takes no list but the empty one, '[]'"), "\(checked.stderr)")
            #expect(checked.stderr.contains("'has'"))
        }
    }

    /// A contact the API sent without tags, or with `null`, is not `[]`; `tags.name` is null for it.
    @Test func missingOrNullTagsAreNotTheEmptyList() async throws {
        let contacts = """
            [{"id": 1, "phone": "14155550101", "tags": []},
             {"id": 2, "phone": "14155550102", "tags": null},
             {"id": 3, "phone": "14155550103"},
             {"id": 4, "phone": "14155550104", "tags": [{"id": 7, "tag": "vip", "color": "#ff0000"}, "beta"]}]
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-tags-\(UUID()).json")
        try Data(contacts.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await CLISandbox.with(store: try SandboxContactStore(contentsOf: file)) { sandbox in
            let find = "find phone 14155550101, 14155550102, 14155550103, 14155550104"
            let empty = try await sandbox.hmq(["-e", find + " | where tags == [] | show id"])
            #expect(empty.stdout == "{\"id\":1}\n", "\(empty.stderr)")
            let either = try await sandbox.hmq(["-e", find + " | where tags == [] or tags == null | show id"])
            #expect(either.stdout == "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n")
            let notEmpty = try await sandbox.hmq(["-e", find + " | where tags != [] | show id"])
            #expect(notEmpty.stdout == "{\"id\":2}\n{\"id\":3}\n{\"id\":4}\n")
            let names = try await sandbox.hmq(["-e", find + " | show id, tags.name | format csv --null \"(none)\""])
            #expect(names.stdout == "id,tags.name\n1,\n2,(none)\n3,(none)\n4,vip; beta\n", "\(names.stderr)")
        }
    }
}
