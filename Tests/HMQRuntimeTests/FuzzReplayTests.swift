import Testing
import TestSupport

@testable import HMQRuntime

/// The CSV and regex fuzz targets' checks, on their seeds and every crasher they found.
@Suite struct FuzzReplayTests {
    @Test func csvInputsRead() {
        let inputs = FuzzInputs.of("FuzzCSV")
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs {
            let text = String(decoding: bytes, as: UTF8.self)
            guard let records = try? CSVReader.numberedRecords(text) else { continue }
            let lines = text.utf8.filter { $0 == 0x0A }.count + 1
            #expect(records.allSatisfy { $0.line >= 1 && $0.line <= lines }, "\(name)")
        }
    }

    @Test func regexInputsMatchOrAreRefused() throws {
        let inputs = FuzzInputs.of("FuzzRegex")
        #expect(!inputs.isEmpty)
        for (_, bytes) in inputs {
            let cut = bytes.firstIndex(of: 0x0A) ?? bytes.count
            let pattern = String(decoding: bytes[..<cut], as: UTF8.self)
            let text = String(decoding: bytes[min(cut + 1, bytes.count)...], as: UTF8.self)
            if let regex = try? LinearRegex(pattern) { _ = regex.matches(text) }
        }
    }
}
