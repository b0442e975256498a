import Heymarket

/// The phone normaliser on any text under several country codes: a result is
/// always 7 to 15 ASCII digits not starting with 0; no crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPhone(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    for code in ["1", "44", "49", "39", "7", "36", "61", "297"] {
        if case .success(let digits) = PhoneNumberNormalizer(countryCode: code).normalize(text) {
            precondition((7...15).contains(digits.count) && digits.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } && !digits.hasPrefix("0"), "bad E.164: \(digits)")
        }
    }
    return 0
}
