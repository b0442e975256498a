import Foundation
import HMQJSON
import Heymarket
import HeymarketSandbox
import HMQRuntime
import Testing
import TestSupport

/// Records in, records out: a messy sheet of leads annotated in one command,
/// every output row checked against an oracle that knows the sandbox's data.
@Suite struct RecordsTests {
    /// The sandbox's contacts by every channel they can be found by (hidden ones too).
    struct Oracle {
        var byPhone: [String: Set<Int>] = [:]
        var byEmail: [String: Set<Int>] = [:]

        init() {
            for (i, contact) in DemoDataset.contacts().enumerated() {
                if let phone = contact.phone { byPhone[phone, default: []].insert(contact.id) }
                if let email = contact.email { byEmail[email.lowercased(), default: []].insert(contact.id) }
                for channel in DemoDataset.hiddenChannels(at: i) {
                    if channel.type == "phone" { byPhone[channel.value, default: []].insert(contact.id) }
                    if channel.type == "email" { byEmail[channel.value.lowercased(), default: []].insert(contact.id) }
                }
            }
        }

        /// What a lookup must answer for a lead: the contacts it finds and its outcome.
        func expected(_ lead: LeadsSheet.Lead, extensionsDropped: Bool = false) -> (ids: Set<Int>, outcome: String) {
            var ids = Set<Int>()
            var read = 0, unreadable = 0
            switch lead.phone {
            case .number(let digits):
                read += 1
                ids.formUnion(byPhone[digits] ?? [])
            case .withExtension(let digits):
                if extensionsDropped {
                    read += 1
                    ids.formUnion(byPhone[digits] ?? [])
                } else {
                    unreadable += 1
                }
            case .unreadable: unreadable += 1
            case .blank: break
            }
            switch lead.email {
            case .address(let address):
                read += 1
                ids.formUnion(byEmail[address] ?? [])
            case .unreadable: unreadable += 1
            case .blank: break
            }
            if !ids.isEmpty { return (ids, "matched") }
            if read == 0, unreadable == 0 { return ([], "empty") }
            if read == 0 { return ([], "invalid") }
            return ([], "no contact")
        }
    }

    static func sheet(count: Int, seed: UInt64, delimiter: Character = ",") -> LeadsSheet {
        let contacts = DemoDataset.contacts()
        var phones = contacts.compactMap(\.phone)
        var emails = contacts.compactMap(\.email)
        for i in 0..<contacts.count {
            for channel in DemoDataset.hiddenChannels(at: i) {
                if channel.type == "phone" { phones.append(channel.value) } else { emails.append(channel.value) }
            }
        }
        // Numbers and addresses no contact has.
        let strangerPhones = (0..<200).map { "1415555" + String(3000 + $0 * 7) }
        let strangerEmails = (0..<200).map { "lead.\($0)@nowhere.example.net" }
        return LeadsSheet(count: count, seed: seed, delimiter: delimiter, phones: phones, emails: emails,
                          strangerPhones: strangerPhones, strangerEmails: strangerEmails)
    }

    /// Every output row of the annotated sheet agrees with the oracle: per
    /// lead, the contacts found (one row each, one after the other, in the
    /// file's order) and its outcome; the lead's own cells come back unchanged.
    /// With `set extensions drop`, a phone with an extension is searched without it.
    @Test(arguments: [(UInt64(7), Character(","), false), (UInt64(11), Character(";"), false), (UInt64(13), Character(","), true)])
    func aMessySheetOfLeadsIsAnnotatedInOneCommand(seed: UInt64, delimiter: Character, dropExtensions: Bool) async throws {
        let sheet = Self.sheet(count: 3000, seed: seed, delimiter: delimiter)
        let oracle = Oracle()
        try await CLISandbox.with { sandbox in
            try sandbox.write("leads.csv", sheet.csv)
            let out = try await sandbox.hmq(["--rate", "off", "--skip-invalid", "--extensions", dropExtensions ? "drop" : "refuse", "-e",
                                             #"find csv "leads.csv" by phone "Phone", email "Email" | show input.*, outcome, id, matched_by | format ndjson"#])
            #expect(out.status == 0, "\(out.stderr)")
            var rows: [(row: Int, id: Int?, outcome: String, cells: [String])] = []
            for line in out.stdout.split(separator: "\n") {
                guard case .object(let object) = try JSONParser.parse(String(line)) else { Issue.record("not an object: \(line)"); continue }
                let cells = LeadsSheet.header.map { object[$0]?.stringValue ?? "<missing>" }
                rows.append((Int(cells[0]) ?? -1, object["id"]?.integerValue.map(Int.init), object["outcome"]?.stringValue ?? "", cells))
            }
            // Rows come in the file's order, a lead's contacts one after the other.
            #expect(rows.map(\.row) == rows.map(\.row).sorted())
            let byLead = Dictionary(grouping: rows, by: \.row)
            #expect(byLead.count == sheet.leads.count, "every lead has a row")
            var outcomes: [String: Int] = [:]
            for lead in sheet.leads {
                let (ids, outcome) = oracle.expected(lead, extensionsDropped: dropExtensions)
                let got = byLead[lead.row] ?? []
                outcomes[outcome, default: 0] += 1
                #expect(got.allSatisfy { $0.outcome == outcome }, "row \(lead.row) \(lead.cells): \(got.map(\.outcome)) for \(outcome)")
                // The README's one limit of exact attribution: 14155552150 is 1150's phone and,
                // unseen, 1020's too; when 1020's own number is in the same batch, that number
                // ties 1020 and the shared one is not asked about again, so 1020 may be left out.
                let found = Set(got.compactMap(\.id))
                let mayMiss: Set<Int> = lead.phone == .number("14155552150") || lead.phone == .withExtension("14155552150") ? [1020] : []
                #expect(found.isSubset(of: ids) && ids.subtracting(mayMiss).isSubset(of: found), "row \(lead.row) \(lead.cells): \(found) for \(ids)")
                #expect(got.count == max(1, found.count), "row \(lead.row): one row per contact found")
                #expect(got.allSatisfy { $0.cells == lead.cells }, "row \(lead.row): the lead's cells come back as they were")
            }
            // The sheet exercises every outcome but failed.
            for outcome in ["matched", "no contact", "invalid", "empty"] { #expect(outcomes[outcome, default: 0] > 20, "\(outcome): \(outcomes)") }
            #expect(out.stderr.contains("3000 records:"), "\(out.stderr)")
            #expect(out.stderr.contains("had an extension; searched without it") == dropExtensions, "\(out.stderr)")
        }
    }

    /// `save "annotated.csv"` with no `show` writes the lead's columns first,
    /// unchanged, then the outcome and the contact; `| unmatched` keeps the
    /// leads that found no contact, with every column of theirs.
    @Test func theAnnotatedSheetKeepsTheLeadsColumnsFirst() async throws {
        let sheet = Self.sheet(count: 300, seed: 3)
        let oracle = Oracle()
        try await CLISandbox.with { sandbox in
            try sandbox.write("leads.csv", sheet.csv)
            let saved = try await sandbox.hmq(["-e", #"find csv "leads.csv" by phone "Phone", email "Email" | save "annotated.csv""#])
            // Unreadable cells are outcomes, and under `set invalid error` the run says how many with exit 2.
            #expect(saved.status == 2)
            #expect(saved.stderr.contains("had no key cell hmq could read"), "\(saved.stderr)")
            let records = try CSVReader.records(try sandbox.read("annotated.csv"))
            #expect(Array(records[0].prefix(9)) == LeadsSheet.header + ["outcome", "detail", "matched_by"])
            #expect(records[0].contains("id") && records[0].contains("is_opted_out"))
            let written = records.dropFirst().map { Array($0.prefix(LeadsSheet.header.count)) }
            var expected: [[String]] = []
            for lead in sheet.leads { expected += Array(repeating: lead.cells, count: max(1, oracle.expected(lead).ids.count)) }
            #expect(written == expected)

            let unmatched = try await sandbox.hmq(["--skip-invalid", "-e", #"find csv "leads.csv" by phone 4, email "Email" | unmatched | format csv"#])
            #expect(unmatched.status == 0, "\(unmatched.stderr)")
            let listed = try CSVReader.records(unmatched.stdout)
            #expect(listed[0] == LeadsSheet.header + ["outcome", "detail"])
            let missing = sheet.leads.filter { oracle.expected($0).outcome != "matched" }
            #expect(listed.dropFirst().map { Array($0.prefix(6)) } == missing.map(\.cells))
        }
    }

    /// The same lead looked up by NDJSON, from stdin CSV, and by column number agree.
    @Test func ndjsonAndStdinRecordsAreLookedUpTheSameWay() async throws {
        try await CLISandbox.with { sandbox in
            let ndjson = "{\"who\":\"Ada\",\"mail\":\"ADA@example.com\",\"tel\":14155559876}\n{\"who\":\"none\",\"mail\":null}\n"
            try sandbox.write("leads.ndjson", ndjson)
            let out = try await sandbox.hmq(["-e", #"find ndjson "leads.ndjson" by email "mail", phone "tel" | show input.who, outcome, id, matched_by | format csv"#])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.split(separator: "\n").map(String.init) == [
                "input.who,outcome,id,matched_by", "Ada,matched,1001,mail", "Ada,matched,1002,tel", "none,empty,,",
            ])
            let stdin = try await sandbox.hmq(["-e", #"find csv "-" by email 2 | show input.*, id | format csv"#], stdin: "Who,Mail\nAda,ada@example.com\n")
            #expect(stdin.stdout == "Who,Mail,id\nAda,ada@example.com,1001\n", "\(stdin.stderr)")
            // A key column the file lacks is an error naming the columns, before anything is sent.
            let before = sandbox.searchRequests
            let missing = try await sandbox.hmq(["-e", #"find csv "-" by phone "Fone""#], stdin: "Who,Phone\nAda,14155551234\n")
            #expect(missing.status == 2)
            #expect(missing.stderr.contains(#"has no column "Fone""#) && missing.stderr.contains(#"did you mean "Phone"? columns: "Who", "Phone""#), "\(missing.stderr)")
            #expect(sandbox.searchRequests == before)
        }
    }

    /// What a new user and an attacker found: each read as a person means it, or refused saying where and what.
    @Test func oddSheetsAreReadOrRefusedClearly() async throws {
        try await CLISandbox.with { sandbox in
            // An old Mac export: lines end at CR alone.
            try sandbox.write("cr.csv", "Name,Phone\rAda,14155551234\rJose,14155559876\r")
            let cr = try await sandbox.hmq(["-e", #"find csv "cr.csv" by phone "Phone" | show input.Name, id | format csv"#])
            #expect(cr.stdout == "input.Name,id\nAda,1001\nJose,1002\n", "\(cr.stdout)\(cr.stderr)")
            // A delimiter given: the header row holds a comma, the cells are split at ';'.
            try sandbox.write("semi.csv", "Name, Title;Phone\nAda, Countess;14155551234\n")
            let semi = try await sandbox.hmq(["-e", #"find csv "semi.csv" delimiter ";" by phone "Phone" | show input.*, id | format csv"#])
            #expect(semi.stdout == "\"Name, Title\",Phone,id\n\"Ada, Countess\",14155551234,1001\n", "\(semi.stdout)\(semi.stderr)")
            // NDJSON fields differ from record to record: every record has every field, the columns never grow mid-output.
            try sandbox.write("grow.ndjson", "{\"Email\":\"ada@example.com\"}\n{\"Email\":\"jose.nunez@example.com\",\"company\":\"X\"}\n")
            let grow = try await sandbox.hmq(["-e", #"find ndjson "grow.ndjson" by email "email" | show input.*, id | format csv"#])
            #expect(grow.stdout == "Email,company,id\nada@example.com,,1001\njose.nunez@example.com,X,1002\n", "\(grow.stdout)\(grow.stderr)")
            let missing = try await sandbox.hmq(["-e", #"find ndjson "grow.ndjson" by email "mail""#])
            #expect(missing.status == 2 && missing.stderr.contains(#"no record of grow.ndjson has a field "mail""#), "\(missing.stderr)")
            // No header row: the first lead would be taken for one.
            try sandbox.write("noheader.csv", "14155551234,ada@example.com\n14155559876,x@example.com\n")
            let noHeader = try await sandbox.hmq(["-e", #"find csv "noheader.csv" by phone 1"#])
            #expect(noHeader.status == 2 && noHeader.stderr.contains("looks like a lead, not a header"), "\(noHeader.stderr)")
            // A slip of the channel type would make every lead "no contact": an error with the fix.
            let typo = try await sandbox.hmq(["-e", #"find csv "cr.csv" by phnoe "Phone""#])
            #expect(typo.status == 3 && typo.stderr.contains("did you mean 'phone'?"), "\(typo.stderr)")
            // Cells that cannot be an address are invalid with the reason, never sent to come back "no contact".
            try sandbox.write("emails.csv", "Email\nmailto:ada@example.com\nada@example.com;\nada@example\n")
            let emails = try await sandbox.hmq(["--skip-invalid", "-e", #"find csv "emails.csv" by email 1 | show outcome, detail | format csv"#])
            #expect(emails.stdout.components(separatedBy: "invalid,").count == 4, "\(emails.stdout)")
            #expect(emails.stdout.contains("remove 'mailto:'") && emails.stdout.contains("needs a dot"), "\(emails.stdout)")
            #expect(sandbox.searchRequests == 3, "only cr.csv, semi.csv and grow.ndjson were looked up")
        }
    }
}
