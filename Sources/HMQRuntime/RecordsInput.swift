import Foundation
import HMQJSON
import HMQSyntax
import Heymarket

/// The records of `find csv "leads.csv" by phone "Phone", email "Email"`
/// (or `ndjson`), opened once and read as often as the lookup needs: each
/// pass streams the file.
struct RecordsInput: Sendable {
    /// One key column: looked up as `type` (nil: untyped).
    struct Key: Sendable {
        var type: String?
        /// The column's name as the output names it (`Phone`).
        var name: String
        /// A CSV column's index (nil for NDJSON, which reads the field `name`).
        var index: Int?
    }

    /// One record: its cells (as `input`), the line it starts on, and the text of each key's cell ("" when empty or missing).
    struct Record {
        var line: Int
        var cells: JSONObject
        var keys: [String]
    }

    enum Source: Sendable {
        case csv(ValueFiles.CSVFile)
        case ndjson(ValueFiles.Opened)
    }

    let source: Source
    let keys: [Key]
    /// A CSV file's column names, each once (a repeated header gets ` (2)`).
    let columns: [String]

    /// Opens the file and resolves the key columns (a missing column is an error naming it).
    init(_ records: RecordsSource, path: StringLiteral) throws {
        switch records.format {
        case .csv:
            let file = try ValueFiles.CSVFile(path, delimiter: records.delimiter?.value.utf8.first)
            source = .csv(file)
            var seen: [String: Int] = [:]
            columns = file.header.enumerated().map { i, name in
                let base = name.isEmpty ? "column \(i + 1)" : name
                seen[base, default: 0] += 1
                return seen[base]! == 1 ? base : "\(base) (\(seen[base]!))"
            }
            keys = try records.keys.map { key in
                let index = try file.index(of: key.column)
                // A sheet with no header row: its first lead would be taken for one, and never looked up.
                let header = file.header[index]
                if header.contains("@") || header.filter(\.isNumber).count >= 7 {
                    throw RuntimeError.at(key.column.range, .missingHeader, "the first row of \(file.opened.name) looks like a lead, not a header (its column \(index + 1) is \(header))",
                                          suggestion: "add a header row naming the columns (Name,Phone,Email), so the first lead is looked up too")
                }
                return Key(type: key.type?.name, name: header, index: index)
            }
        case .ndjson:
            let opened = try ValueFiles.open(path)
            source = .ndjson(opened)
            // Every record is given every field any record has (null where it has none), in order
            // of first appearance: a pass over the file finds them, so the columns never grow mid-output.
            var fields: [String] = []
            var known = Set<String>()
            let pass = Reader(ndjson: ValueFiles.LineReader(opened), name: opened.name, range: path.range, keys: [], columns: [])
            while let record = try pass.next() {
                for key in record.cells.keys where known.insert(key).inserted { fields.append(key) }
            }
            columns = fields
            keys = try records.keys.map { key in
                guard case .name(let field) = key.column else {
                    throw RuntimeError.at(key.column.range, .unknownColumn, "an NDJSON record's key is a field name in quotes, not a number")
                }
                // As a CSV header: exactly, else the one field of that name in another case.
                let folded = fields.filter { $0.lowercased() == field.value.lowercased() }
                let name = fields.contains(field.value) ? field.value : folded.count == 1 ? folded[0] : field.value
                guard fields.isEmpty || fields.contains(name) else {
                    throw RuntimeError.at(field.range, .unknownColumn, "no record of \(opened.name) has a field \"\(field.value)\"",
                                          suggestion: ValueFiles.columnSuggestion(Array(fields.prefix(20)), near: field.value, named: "fields"))
                }
                return Key(type: key.type?.name, name: name, index: nil)
            }
        }
    }

    /// A new pass over the records, from the first.
    func reader() throws -> Reader {
        switch source {
        case .csv(let file): return Reader(csv: try file.records(), columns: columns, keys: keys)
        case .ndjson(let opened): return Reader(ndjson: ValueFiles.LineReader(opened), name: opened.name, range: opened.path.range, keys: keys, columns: columns)
        }
    }

    final class Reader {
        private var csv: ValueFiles.CSVRecordReader?
        private var lines: ValueFiles.LineReader?
        private let columns: [String]
        private let keys: [Key]
        private let name: String
        private let range: SourceRange

        init(csv: ValueFiles.CSVRecordReader, columns: [String], keys: [Key]) {
            self.csv = csv
            self.columns = columns
            self.keys = keys
            name = ""
            range = SourceRange(start: 0, end: 0)
        }

        /// Records with more cells than the header has columns (the cells past it are not in `input`).
        private(set) var longRecords = 0

        init(ndjson: ValueFiles.LineReader, name: String, range: SourceRange, keys: [Key], columns: [String]) {
            lines = ndjson
            self.columns = columns
            self.keys = keys
            self.name = name
            self.range = range
        }

        /// The next record, or nil at the end. A CSV record's cells are named by
        /// the header (a cell past the header's last is `column N`; a missing one is null).
        func next() throws -> Record? {
            if let csv {
                guard let (fields, line) = try csv.next() else { return nil }
                var members: [JSONObject.Member] = []
                members.reserveCapacity(columns.count)
                for i in 0..<columns.count { members.append(.init(key: columns[i], value: i < fields.count ? .string(fields[i]) : .null)) }
                // Cells past the header's last column (a stray trailing comma) would add a column mid-output: counted, for a note.
                if fields.count > columns.count, fields[columns.count...].contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) { longRecords += 1 }
                let keyCells = keys.map { key in
                    key.index.map { $0 < fields.count ? fields[$0].trimmingCharacters(in: .whitespaces) : "" } ?? ""
                }
                return Record(line: line, cells: JSONObject(members), keys: keyCells)
            }
            guard let lines, let (text, line) = try lines.next() else { return nil }
            let object: JSONObject
            do {
                guard case .object(let o) = try JSONParser.parse(text) else {
                    throw RuntimeError.at(range, .malformedFile, "\(name):\(line) is not a JSON object (one record per line is expected)")
                }
                object = o
            } catch let error as JSONParser.Error {
                throw RuntimeError.at(range, .malformedFile, "\(name):\(line): \(error)")
            }
            guard !columns.isEmpty else { return Record(line: line, cells: object, keys: []) }
            let cells = JSONObject(columns.map { JSONObject.Member(key: $0, value: object[$0] ?? .null) })
            return Record(line: line, cells: cells, keys: keys.map { Self.text(object[$0.name]) })
        }

        /// A JSON cell as the text looked up: a string as it is, a number as written, nothing for null.
        static func text(_ value: JSONValue?) -> String {
            switch value {
            case nil, .null?: return ""
            case .string(let s)?: return s.trimmingCharacters(in: .whitespaces)
            case .integer(let n)?: return String(n)
            case .number(let s)?: return s
            case .double(let d)?:
                if d == d.rounded(), abs(d) < 1e17 { return String(Int64(d)) }
                return String(d)
            case .bool(let b)?: return String(b)
            case let other?: return JSONWriter().string(other)
            }
        }
    }

    /// Where a record's key value came from, packed into an ``InputValue/origin``: its line and its key.
    static func origin(line: Int, key: Int) -> UInt64 { UInt64(line) << 16 | UInt64(UInt16(truncatingIfNeeded: key)) }
    static func unpack(_ origin: UInt64) -> (line: Int, key: Int) { (Int(origin >> 16), Int(origin & 0xFFFF)) }

    /// The records' key values as lookup input: each non-empty key cell, in record order.
    var opener: InputOpener {
        let input = self
        return { ValueReader(try input.reader(), keys: input.keys) }
    }

    final class ValueReader: InputReader {
        private let records: Reader
        private let keys: [Key]
        private var current: Record?
        private var key = 0

        init(_ records: Reader, keys: [Key]) {
            self.records = records
            self.keys = keys
        }

        func next() throws -> InputValue? {
            while true {
                if let record = current {
                    while key < keys.count {
                        defer { key += 1 }
                        let cell = record.keys[key]
                        if !cell.isEmpty {
                            return InputValue(ChannelValue(type: keys[key].type, value: cell), origin: RecordsInput.origin(line: record.line, key: key))
                        }
                    }
                }
                guard let next = try records.next() else { return nil }
                current = next
                key = 0
            }
        }
    }
}
