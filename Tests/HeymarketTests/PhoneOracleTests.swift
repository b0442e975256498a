import Foundation
import Testing

@testable import Heymarket

/// hmq's phone normaliser against Google's libphonenumber (Python's
/// `phonenumbers`, installed by scripts/test) on numbers of every region it has
/// examples for, written the ways people write them: wherever both read a number,
/// they must read the same E.164 digits. hmq may refuse what it cannot read for
/// sure, but must read at least 99% of what libphonenumber reads.
@Suite struct PhoneOracleTests {
    struct Case: Decodable {
        var region: String
        var cc: String
        /// Which generated number this is a writing of.
        var number: Int
        var input: String
        var expected: String?
    }

    static func cases() throws -> [Case] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Oracles/phone_cases.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "7", "12"]  // seed, numbers per type: ~146,000 writings
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OracleUnavailable(message: "phone_cases.py failed (pip install phonenumbers): \(errors)")
        }
        let decoder = JSONDecoder()
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { try decoder.decode(Case.self, from: Data($0.utf8)) }
    }

    struct OracleUnavailable: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    @Test func agreesWithLibphonenumberWhereverBothReadANumber() throws {
        let cases = try Self.cases()
        var bothRead = 0, onlyOracle = 0, onlyHMQ = 0
        var disagreements: [String] = []
        var regions = Set<String>()
        for c in cases {
            regions.insert(c.region)
            let ours = try? PhoneNumberNormalizer(countryCode: c.cc).normalize(c.input).get()
            switch (ours, c.expected) {
            case (let mine?, let theirs?):
                bothRead += 1
                if mine != theirs { disagreements.append("\(c.region) \"\(c.input)\": hmq \(mine), libphonenumber \(theirs)") }
            case (nil, _?): onlyOracle += 1
            case (_?, nil): onlyHMQ += 1
            case (nil, nil): break
            }
        }
        let oracleRead = bothRead + onlyOracle
        let numbers = Set(cases.map(\.number)).count
        let permyriad = bothRead * 10000 / max(1, oracleRead)
        print("phone oracle: \(numbers) numbers in \(cases.count) writings, \(regions.count) regions; both read \(bothRead), agree \(bothRead - disagreements.count); "
              + "hmq read \(bothRead) of the \(oracleRead) libphonenumber reads (\(permyriad / 100).\(permyriad % 100 < 10 ? "0" : "")\(permyriad % 100)%); hmq alone read \(onlyHMQ)")
        #expect(numbers >= 10000)
        #expect(regions.count >= 240, "every region libphonenumber has examples for")
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements:\n\(disagreements.prefix(40).joined(separator: "\n"))")
        // Refusing everything would agree trivially: hmq must read nearly every number (the rest are ambiguous).
        #expect(bothRead * 100 >= oracleRead * 99, "hmq read only \(bothRead) of \(oracleRead)")
    }
}
