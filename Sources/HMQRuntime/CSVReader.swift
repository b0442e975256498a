/// Reads CSV text (RFC 4180): fields separated by commas (or the delimiter
/// the header row uses: `;` as Excel writes it in much of Europe, a tab, `|`),
/// records by CRLF or LF, quoted fields with doubled quotes and embedded line breaks.
public enum CSVReader {
    /// The delimiters a header row may use.
    public static let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]

    /// The delimiter of `text`: the one its first record (outside quotes) holds most often; a comma when none.
    public static func delimiter(of text: String) -> UInt8 { delimiter(ofBytes: text.utf8) }

    /// ``delimiter(of:)`` over bytes (the start of a file is enough: it reads the first record only).
    public static func delimiter(ofBytes bytes: some Sequence<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var inQuotes = false
        for b in bytes {
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
        var parser = CSVParser(delimiter: given ?? delimiter(of: text))
        var records: [(fields: [String], line: Int)] = []
        try parser.feed(text.utf8) { records.append(($0, $1)) }
        try parser.finish { records.append(($0, $1)) }
        return records
    }
}

/// The CSV state machine, fed a chunk of bytes at a time (so a file of any
/// size streams): it hands over each record as it ends, with the line it
/// starts on. A field that is not UTF-8 is an error naming its line.
public struct CSVParser {
    public let delimiter: UInt8
    /// The longest record taken: a quote never closed would otherwise hold the rest of the file.
    public static let longestRecord = 1 << 20
    private var record: [String] = []
    private var recordBytes = 0
    private var field: [UInt8] = []
    private var inQuotes = false
    private var fieldStarted = false
    /// A quote inside quotes, waiting for the next byte: a second quote (an escaped one) or the field's end.
    private var quoteEnding = false
    /// A CR outside quotes, waiting for the next byte: LF ends the record, anything else keeps the CR.
    private var carriageReturn = false
    private var line = 1
    private var recordLine = 1
    private var quoteLine = 1

    /// Records end at a CR alone too (a file from an old Mac Excel has no LF at all).
    public let carriageReturnEndsRecords: Bool

    public init(delimiter: UInt8, carriageReturnEndsRecords: Bool = false) {
        self.delimiter = delimiter
        self.carriageReturnEndsRecords = carriageReturnEndsRecords
    }

    private mutating func endField() throws(CSVError) {
        guard let text = String(validating: field, as: UTF8.self) else {
            throw CSVError(message: "line \(line) is not UTF-8 text", line: line, notUTF8: true)
        }
        record.append(text)
        field.removeAll(keepingCapacity: true)
        fieldStarted = false
    }

    private mutating func append(_ b: UInt8) throws(CSVError) {
        field.append(b)
        recordBytes += 1
        if recordBytes > Self.longestRecord {
            throw CSVError(message: "the record starting on line \(recordLine) is longer than \(Self.longestRecord >> 20) MiB\(inQuotes ? " (a quote opened on line \(quoteLine) is never closed?)" : "")", line: recordLine)
        }
    }

    private mutating func endRecord(_ emit: ([String], Int) -> Void) throws(CSVError) {
        try endField()
        let done = record
        record = []
        recordBytes = 0
        emit(done, recordLine)
    }

    /// Takes the next bytes, handing over every record they end.
    public mutating func feed(_ bytes: some Sequence<UInt8>, _ emit: ([String], Int) -> Void) throws(CSVError) {
        for b in bytes { try take(b, emit) }
    }

    private mutating func take(_ b: UInt8, _ emit: ([String], Int) -> Void) throws(CSVError) {
        if quoteEnding {
            quoteEnding = false
            if b == UInt8(ascii: "\"") {
                try append(b)
                return
            }
            inQuotes = false
        }
        if carriageReturn {
            carriageReturn = false
            if b != 0x0A {
                if carriageReturnEndsRecords {
                    try endRecord(emit)
                    line += 1
                    recordLine = line
                } else {
                    try append(0x0D)
                    fieldStarted = true
                }
            }
        }
        if inQuotes {
            if b == UInt8(ascii: "\"") {
                quoteEnding = true
            } else {
                if b == 0x0A { line += 1 }
                try append(b)
            }
            return
        }
        switch b {
        case UInt8(ascii: "\"") where !fieldStarted && field.isEmpty:
            inQuotes = true
            fieldStarted = true
            quoteLine = line
        case delimiter:
            try endField()
        case 0x0D:
            carriageReturn = true
        case 0x0A:
            try endRecord(emit)
            line += 1
            recordLine = line
        default:
            try append(b)
            fieldStarted = true
        }
    }

    /// At the end of the input: the last record (when it has no line break after it).
    public mutating func finish(_ emit: ([String], Int) -> Void) throws(CSVError) {
        if quoteEnding {
            quoteEnding = false
            inQuotes = false
        }
        if carriageReturn {
            carriageReturn = false
            if !carriageReturnEndsRecords {
                field.append(0x0D)
                fieldStarted = true
            }
        }
        if inQuotes { throw CSVError(message: "unterminated quoted field starting on line \(quoteLine)", line: quoteLine) }
        if fieldStarted || !field.isEmpty || !record.isEmpty { try endRecord(emit) }
    }
}

/// CSV text that cannot be read.
public struct CSVError: Error, Sendable, Hashable {
    /// What is wrong and on which line.
    public var message: String
    /// The line it is on (0: not known).
    public var line: Int = 0
    /// A field is not UTF-8 text.
    public var notUTF8 = false

    public init(message: String, line: Int = 0, notUTF8: Bool = false) {
        self.message = message
        self.line = line
        self.notUTF8 = notUTF8
    }

    /// The message for a file named `name`: `leads.csv:3 is not UTF-8 text (…)`, `leads.csv: unterminated …`.
    public func message(for name: String) -> String {
        notUTF8 ? "\(name):\(line) is not UTF-8 text (save the file as UTF-8; a spreadsheet's \"CSV UTF-8\" export is)" : "\(name): \(message)"
    }

    public static func == (a: CSVError, b: CSVError) -> Bool { a.message == b.message }
    public func hash(into hasher: inout Hasher) { hasher.combine(message) }
}
