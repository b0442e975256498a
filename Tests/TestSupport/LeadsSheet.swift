import Foundation

/// A messy sheet of leads, as people export them, made from a seed: phones in
/// every writing (punctuated, `+1`, Excel's `.0` and scientific notation,
/// extensions, digits lost to a spreadsheet, text), emails in mixed case,
/// blank cells, repeated leads, quoted commas and line breaks, non-ASCII
/// names, and `,` or `;` between cells. Each lead remembers what it meant, so
/// an oracle that knows the data can say what a lookup must answer.
public struct LeadsSheet {
    /// What a lead's phone cell holds.
    public enum Phone: Equatable {
        /// A number written some way: `digits` is what it means (E.164 digits).
        case number(String)
        /// A number with an extension (`digits` without it).
        case withExtension(String)
        /// Unreadable as a phone: letters, or digits a spreadsheet lost (`1.41556E+10`).
        case unreadable
        case blank
    }

    /// What a lead's email cell holds.
    public enum Email: Equatable {
        /// An address in some case: `address` is it lowercased.
        case address(String)
        case unreadable
        case blank
    }

    public struct Lead {
        /// The `Row` cell: the lead's number, from 1 (a repeated lead has its own).
        public var row: Int
        public var phone: Phone
        public var email: Email
        /// The cells as written, in header order.
        public var cells: [String]
    }

    public static let header = ["Row", "Name", "Company", "Phone", "Email", "Notes"]
    public var leads: [Lead] = []
    public let delimiter: Character

    /// `count` leads from `seed`: `phones` are numbers a contact has (some only
    /// through a channel no field shows), `emails` likewise; `strangers` are
    /// numbers and addresses no contact has.
    public init(count: Int, seed: UInt64, delimiter: Character = ",", phones: [String], emails: [String],
                strangerPhones: [String], strangerEmails: [String]) {
        self.delimiter = delimiter
        var random = SeededGenerator(seed: seed)
        let names = ["Ada Lovelace", "José Núñez", "李小龍", "Zoë Müller", "Søren \"Sonny\" Kierkegaard", "Ольга", "Renée O'Brien", "Plain Name"]
        let companies = ["Acme", "Analytical Engines, Inc.", "Müller & Söhne", "", "Line\nBreak Ltd", "Semi;colon SA", "\"Quoted\" Co"]
        let notes = ["", "met at booth 12", "call back, after 5pm", "two\nlines", "ümlaut ok", "=SUM(A1)"]
        for row in 1...count {
            // Every 40th lead is a repeat of an earlier one (its own row number).
            if row > 10, row % 40 == 0 {
                var lead = leads[random.below(leads.count)]
                lead.row = row
                lead.cells[0] = String(row)
                leads.append(lead)
                continue
            }
            let phone: Phone
            var phoneCell = ""
            switch random.below(20) {
            case 0..<9:
                let digits = phones[random.below(phones.count)]
                phone = .number(digits)
                phoneCell = Self.write(digits, &random)
            case 9..<13:
                let digits = strangerPhones[random.below(strangerPhones.count)]
                phone = .number(digits)
                phoneCell = Self.write(digits, &random)
            case 13, 14:
                let pool = random.below(2) == 0 ? phones : strangerPhones
                let digits = pool[random.below(pool.count)]
                phone = .withExtension(digits)
                let national = String(digits.dropFirst())
                let ext = String(100 + random.below(900))
                phoneCell = ["\(national.prefix(3))-\(national.dropFirst(3).prefix(3))-\(national.suffix(4)) ext. \(ext)",
                             "(\(national.prefix(3))) \(national.dropFirst(3).prefix(3))-\(national.suffix(4)) x\(ext)"][random.below(2)]
            case 15:
                phone = .unreadable
                phoneCell = ["n/a", "call me", "1.41556E+10", "555-CALL-NOW"][random.below(4)]
            default:
                phone = .blank
                phoneCell = ["", " ", ""][random.below(3)]
            }
            let email: Email
            var emailCell = ""
            switch random.below(10) {
            case 0..<4:
                let address = emails[random.below(emails.count)]
                email = .address(address)
                emailCell = Self.mixCase(address, &random)
            case 4, 5:
                let address = strangerEmails[random.below(strangerEmails.count)]
                email = .address(address)
                emailCell = Self.mixCase(address, &random)
            case 6:
                email = .unreadable
                emailCell = ["not an email", "ada at example.com"][random.below(2)]
            default:
                email = .blank
            }
            let cells = [String(row), names[random.below(names.count)], companies[random.below(companies.count)], phoneCell, emailCell,
                         notes[random.below(notes.count)]]
            leads.append(Lead(row: row, phone: phone, email: email, cells: cells))
        }
    }

    /// A number as a person or a spreadsheet writes it (every writing means `digits`).
    static func write(_ digits: String, _ random: inout SeededGenerator) -> String {
        let national = String(digits.dropFirst())
        let (area, exchange, line) = (national.prefix(3), national.dropFirst(3).prefix(3), national.suffix(4))
        switch random.below(8) {
        case 0: return digits
        case 1: return "(\(area)) \(exchange)-\(line)"
        case 2: return "+1 \(area) \(exchange) \(line)"
        case 3: return "\(area).\(exchange).\(line)"
        case 4: return digits + ".0"  // Excel's number column
        case 5 where !digits.hasSuffix("0"):
            // Scientific notation that keeps every digit: 1.4155552013E+10. (One that
            // ends in zeros cannot say whether a spreadsheet rounded them: hmq refuses it.)
            return String(digits.prefix(1)) + "." + String(digits.dropFirst()) + "E+\(digits.count - 1)"
        case 6: return " \(national) "
        default: return "1-\(area)-\(exchange)-\(line)"
        }
    }

    static func mixCase(_ address: String, _ random: inout SeededGenerator) -> String {
        switch random.below(3) {
        case 0: return address
        case 1: return address.uppercased()
        default: return address.prefix(1).uppercased() + address.dropFirst()
        }
    }

    /// The sheet as CSV text: a header row, then a record per lead (quoted where needed, CRLF between records).
    public var csv: String {
        func quote(_ cell: String) -> String {
            cell.contains(where: { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || cell.hasPrefix(" ")
                ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }
        let records = [Self.header] + leads.map(\.cells)
        return records.map { $0.map(quote).joined(separator: String(delimiter)) }.joined(separator: "\r\n") + "\r\n"
    }
}
