// Formatting speed (scripts/bench): the sandbox's contacts, multiplied to N rows,
// written as NDJSON; then that file read back and formatted by HMQFormatters,
// as hmq does with the rows of a lookup.
//
//   hmq-format-bench generate N FILE   writes N contacts (ids 1..N) as NDJSON
//   hmq-format-bench FORMAT FILE       prints FILE's rows in FORMAT (csv, json, ...)
import Foundation
import HMQFormatters
import HMQJSON
import HMQRuntime
import HMQSystem
import Heymarket
import HeymarketSandbox

let columns = ["id", "display_name", "first", "last", "phone", "email", "tags", "custom", "is_opted_out", "created"]
let arguments = CommandLine.arguments
guard arguments.count == 4 || (arguments.count == 3 && arguments[1] != "generate") else {
    FileHandle.standardError.write(Data("usage: hmq-format-bench generate N FILE | hmq-format-bench FORMAT FILE\n".utf8))
    exit(2)
}

if arguments[1] == "generate" {
    let count = Int(arguments[2]) ?? 100_000
    let encoder = JSONEncoder()
    let base = try DemoDataset.contacts().map { try JSONParser.parse(Array(try encoder.encode($0))) }
    var text = ""
    for i in 0..<count {
        guard case .object(var object) = base[i % base.count] else { continue }
        object["id"] = .integer(Int64(i + 1))
        text += JSONWriter().string(.object(object)) + "\n"
    }
    try text.write(toFile: arguments[3], atomically: true, encoding: .utf8)
    exit(0)
}

let registry = BuiltinFormatters.registry
guard let plugin = registry.formatter(named: arguments[1]) else {
    FileHandle.standardError.write(Data("unknown format \(arguments[1])\n".utf8))
    exit(2)
}
let data = try Data(contentsOf: URL(fileURLWithPath: arguments[2]))
let sink = FileSink(handle: .standardOutput)
let formatter = try plugin.makeFormatter(sink: sink, rawOptions: [:], context: .file)
try formatter.begin(columns: columns)
try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
    var start = 0
    let bytes = buffer.bindMemory(to: UInt8.self)
    for i in 0..<bytes.count where bytes[i] == 10 {
        if i > start, case .object(let object) = try JSONParser.parse(Array(bytes[start..<i])) {
            try formatter.row(columns.map { object[$0] ?? .null })  // as `show` does: missing is null
        }
        start = i + 1
    }
}
try formatter.end()
try sink.flush()
