import Foundation
import HeymarketSandbox
import Testing

/// `--mask`: no raw phone or email of the demo data in any format's output, notes or errors.
@Suite struct MaskTests {
    static let contacts = DemoDataset.contacts().prefix(40)
    static var raw: [String] { contacts.compactMap(\.phone) + contacts.compactMap(\.email) + ["14155550000", "nobody@nowhere.example.net"] }

    @Test(arguments: ["table", "csv", "tsv", "json", "ndjson", "yaml", "markdown", "vertical", "lines"])
    func noFormatShowsARawPhoneOrEmail(format: String) async throws {
        try await CLISandbox.with { sandbox in
            let phones = Self.contacts.compactMap(\.phone).joined(separator: ", ")
            let emails = Self.contacts.compactMap(\.email).joined(separator: ", ")
            let show = format == "lines" ? "show phone" : "show *, matched"
            let out = try await sandbox.hmq(["--mask", "-f", format, "-e", "find phone \(phones), 14155550000, email \(emails), nobody@nowhere.example.net | \(show)"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains("•"), "\(format) masked nothing: \(out.stdout.prefix(300))")
            for value in Self.raw {
                #expect(!out.stdout.contains(value), "\(format) shows \(value)")
                #expect(!out.stderr.contains(value), "\(format)'s notes show \(value)")
            }
            // The note names the value that found no one, masked.
            #expect(out.stderr.contains("1415•••0000"), "\(out.stderr)")
        }
    }

    @Test func errorsUnmatchedAndSearchAreMaskedAndHashTokensJoin() async throws {
        try await CLISandbox.with { sandbox in
            let invalid = try await sandbox.hmq(["--mask", "-e", #"find phone "415-555-0133 ext. 359", email ada@example.com"#])
            #expect(invalid.status == 2)
            #expect(!invalid.stderr.contains("555-0133") && !invalid.stderr.contains("ada@example.com"), "\(invalid.stderr)")
            let unmatched = try await sandbox.hmq(["--mask", "-f", "csv", "-e", "find phone 14155550000, 14155551234 | unmatched"])
            #expect(unmatched.stdout.contains("1415•••0000") && !unmatched.stdout.contains("14155550000"), "\(unmatched.stdout)")
            let search = try await sandbox.hmq(["search", "--mask", "--report", "--phone", "14155551234", "--phone", "14155550000"])
            #expect(!search.stdout.contains("14155551234") && !search.stdout.contains("ada@example.com") && !search.stdout.contains("14155550000"))
            // Hash tokens are stable, so two masked runs still join.
            let first = try await sandbox.hmq(["--mask", "hash", "-e", "find phone 14155551234 | show phone, email"])
            let second = try await sandbox.hmq(["--mask", "hash", "-e", "find email ada@example.com | show phone, email"])
            #expect(first.stdout == second.stdout && first.stdout.contains("phone:") && !first.stdout.contains("1415"), "\(first.stdout)")
        }
    }

    /// What an attacker tried: renaming a column, a phone under a header named like a plain
    /// field, digits of another script, a date before a number, explain's request bodies.
    @Test func renamedColumnsOddCellsAndExplainAreMaskedToo() async throws {
        try await CLISandbox.with { sandbox in
            let renamed = try await sandbox.hmq(["--mask", "-e", "find phone 14155551234 | show name as who, note.text as t, phone as id, email as count"])
            #expect(!renamed.stdout.contains("14155551234") && !renamed.stdout.contains("ada@example.com") && !renamed.stdout.contains("Lovelace"), "\(renamed.stdout)")
            try sandbox.write("odd.csv", "First Name,ID,Phone,Other,14155559876\nAda,14155551234,１４１５５５５１２３４,2024-05-01 415-555-1234 / ph4155559876,x\n")
            let odd = try await sandbox.hmq(["--mask", "-e", #"find csv "odd.csv" by phone "Phone" | show input.*, matched"#])
            #expect(odd.status == 0, "\(odd.stderr)")
            for raw in ["14155551234", "１４１５５５５１２３４", "555-1234", "4155559876", "14155559876", "Ada"] {
                #expect(!odd.stdout.contains(raw), "\(raw) in \(odd.stdout)")
            }
            #expect(odd.stdout.contains("2024-05-01"), "a date is not a phone: \(odd.stdout)")
            let explained = try await sandbox.hmq(["--mask", "-e", "explain find phone 14155551234, email ada@example.com"])
            #expect(explained.stdout.contains("POST") && !explained.stdout.contains("14155551234") && !explained.stdout.contains("ada@example.com"), "\(explained.stdout)")
        }
    }
}
