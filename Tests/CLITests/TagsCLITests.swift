import Foundation
import HeymarketSandbox
import Testing

/// Tags as the API sends them (strings for some contacts, tag objects for
/// others), end to end: `tags.name`, lists in text formats.
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
}
