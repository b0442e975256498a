import HMQJSON
import HeymarketSandbox
import Testing
import TestSupport

@_spi(Fuzzing) @testable import Heymarket

/// The JSON, phone and journal fuzz targets' checks, on their seeds and every crasher they found.
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

    /// What the journal seeds come to, resumed (the rest, crashers, only keep the properties).
    static let journalSeeds: [String: (replayed: Int, refusal: String?)] = [
        "sandbox-run.journal": (3, nil),
        "torn-tail.journal": (2, nil),
        "finding-beyond.journal": (0, "checkpoint damaged at line 4 of"),
        "other-plan.journal": (0, "it was made against https://api.heymarket.com, this run asks the embedded sandbox"),
    ]

    @Test func journalInputsAreRefusedOrResumedWithEveryValueInOneOutcome() async throws {
        let inputs = FuzzInputs.of("FuzzJournal")
        #expect(Set(inputs.map(\.name)).isSuperset(of: Self.journalSeeds.keys))
        let demo = SandboxConfiguration.demoSecret
        for (name, bytes) in inputs {
            let report = await SearchCheckpoint.fuzzResume(journal: bytes, credentials: .secret(id: demo.id, key: Secret(demo.key)))
            #expect(report.problem == nil, "\(name): \(report.problem ?? "")")
            guard let seed = Self.journalSeeds[name] else { continue }
            #expect(report.replayed == seed.replayed, "\(name): \(report.refusal.map(\.description) ?? "")")
            if let refusal = seed.refusal {
                #expect(report.refusal?.message.contains(refusal) == true, "\(name): \(report.refusal.map(\.description) ?? "resumed")")
            } else {
                #expect(report.refusal == nil, "\(name): \(report.refusal.map(\.description) ?? "")")
            }
        }
    }
}
