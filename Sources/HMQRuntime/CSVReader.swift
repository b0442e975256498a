/// Reads CSV text (RFC 4180): fields separated by commas (or the delimiter
/// the header row uses: `;` as Excel writes it in much of Europe, a tab, `|`),
/// records by CRLF or LF, quoted fields with doubled quotes and embedded line breaks.
public enum CSVReader {
    /// The delimiters a header row may use.
    public static let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]

    /// The delimiter of `text`: the one its first record (outside quotes) holds most often; a comma when none.
    public static func delimiter(of text: String) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var inQuotes = false
        for b in text.utf8 {
            if b == UInt8(ascii: "\"") { inQuotes.toggle(); continue }
            if inQuotes { continue }
            if b == 0x0A { break }
            if delimiters.contains(b) { counts[b, default: 0] += 1 }
        }
        // The most used; on a tie the first of `delimiters` (a comma before the rest).
        var best = UInt8(ascii: ",")
        for d in delimiters where counts[d, default: 0] > counts[best, default: 0] { best = d }
        return best
    }

    /// The records of `text`; an unterminated quote is an error naming its line.
    public static func records(_ text: String) throws(CSVError) -> [[String]] {
        try numberedRecords(text).map(\.fields)
    }

    /// The records of `text`, each with the line it starts on (from 1), split at
    /// `delimiter` (by default the one its header row uses, see ``delimiter(of:)``).
    public static func numberedRecords(_ text: String, delimiter given: UInt8? = nil) throws(CSVError) -> [(fields: [String], line: Int)] {
        let delimiter = given ?? delimiter(of: text)
        var records: [(fields: [String], line: Int)] = []
        var recordLine = 1
        var record: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var fieldStarted = false
        var line = 1
        var quoteLine = 1
        let bytes = Array(text.utf8)
        var i = 0
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "\"") where !fieldStarted && field.isEmpty:
                inQuotes = true
                fieldStarted = true
                quoteLine = line
            case delimiter:
                endField()
            case 0x0D where i + 1 < bytes.count && bytes[i + 1] == 0x0A:
                break
            case 0x0A:
                endField()
                records.append((record, recordLine))
                record = []
                line += 1
                recordLine = line
            default:
                field.append(b)
                fieldStarted = true
            }
            i += 1
        }
        if inQuotes { throw CSVError(message: "unterminated quoted field starting on line \(quoteLine)") }
        if fieldStarted || !field.isEmpty || !record.isEmpty {
            endField()
            records.append((record, recordLine))
        }
        return records
    }
}

/// CSV text that cannot be read.
public struct CSVError: Error, Sendable, Hashable {
    /// What is wrong and on which line.
    public var message: String
}
