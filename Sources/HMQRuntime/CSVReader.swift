/// Reads CSV text (RFC 4180): fields separated by commas, records by CRLF or LF,
/// quoted fields with doubled quotes and embedded line breaks.
public enum CSVReader {
    /// The records of `text`; an unterminated quote is an error naming its line.
    public static func records(_ text: String) throws(CSVError) -> [[String]] {
        try numberedRecords(text).map(\.fields)
    }

    /// The records of `text`, each with the line it starts on (from 1).
    public static func numberedRecords(_ text: String) throws(CSVError) -> [(fields: [String], line: Int)] {
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
            case UInt8(ascii: ","):
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
