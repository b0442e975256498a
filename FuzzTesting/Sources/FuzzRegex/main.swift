import HMQRuntime

/// `matches` patterns on any bytes: the first line is the pattern, the rest the
/// text. Compiling and matching never crash (and, being linear, never hang).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegex(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let cut = bytes.firstIndex(of: 0x0A) ?? bytes.count
    let pattern = String(decoding: bytes[..<cut], as: UTF8.self)
    let text = String(decoding: bytes[min(cut + 1, bytes.count)...], as: UTF8.self)
    for caseInsensitive in [false, true] {
        if let regex = try? LinearRegex(pattern, caseInsensitive: caseInsensitive) { _ = regex.matches(text) }
    }
    return 0
}
