import HMQRuntime

/// The CSV reader on any bytes: no crash; every record's line is within the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    guard let records = try? CSVReader.numberedRecords(text) else { return 0 }
    let lines = text.utf8.filter { $0 == 0x0A }.count + 1
    for record in records { precondition(record.line >= 1 && record.line <= lines, "a record's line is outside the text") }
    return 0
}
