import HMQJSON
import Heymarket

/// The JSON parser (API answers) and contact decoding on any bytes: no crash;
/// what parses writes back and parses to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let written = JSONWriter().bytes(value)
    let again = try? JSONParser.parse(written)
    precondition(again.map { $0.sameValue(as: value) } == true, "JSON does not round-trip")
    _ = JSONWriter(indent: 2, escapesEveryControl: true).string(value)
    if case .array(let elements) = value {
        for element in elements {
            guard let contact = Contact(json: element) else { continue }
            _ = (contact.id, contact.name, contact.tagNames, contact.phone, contact.email)
        }
    }
    return 0
}
