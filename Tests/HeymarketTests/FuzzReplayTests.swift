import Testing
import TestSupport

@testable import Heymarket

/// The JSON and phone fuzz targets' checks, on their seeds and every crasher they found.
@Suite struct FuzzReplayTests {
    @Test func jsonInputsRoundTrip() throws {
        let inputs = FuzzInputs.of("FuzzJSON")
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs {
            guard let value = try? JSONParser.parse(bytes) else { continue }
            #expect(try JSONParser.parse(JSONWriter().bytes(value)).sameValue(as: value), "\(name)")
        }
    }

    @Test func phoneInputsGiveE164OrAnError() {
        let inputs = FuzzInputs.of("FuzzPhone")
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs {
            let text = String(decoding: bytes, as: UTF8.self)
            for code in ["1", "44", "49", "39", "7", "36", "61", "297"] {
                if case .success(let digits) = PhoneNumberNormalizer(countryCode: code).normalize(text) {
                    #expect((7...15).contains(digits.count) && digits.allSatisfy(\.isNumber) && !digits.hasPrefix("0"), "\(name) under \(code)")
                }
            }
        }
    }
}
