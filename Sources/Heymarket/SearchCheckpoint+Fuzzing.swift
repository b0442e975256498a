import Foundation
@_spi(Fuzzing) import HMQSystem
import Synchronization

/// The checkpoint journal on any bytes, as a run resumed from it reads it: the
/// fuzz target FuzzJournal (FuzzTesting/) and its replay in the tests call this,
/// so a crasher is replayed through the code that found it.
@_spi(Fuzzing)
extension SearchCheckpoint {
    /// What a run resumed from a journal came to.
    public struct FuzzReport: Sendable {
        /// A property the run broke (see ``fuzzResume(journal:credentials:values:server:batchSize:)``); nil when none.
        public var problem: String?
        /// The checkpoint error the journal was refused with; nil when the run resumed from it.
        public var refusal: HeymarketError?
        /// Batches replayed from the journal rather than sent.
        public var replayed = 0
    }

    /// The lookup resumed, as the journal in FuzzTesting/Seeds/FuzzJournal was
    /// made (`hmq --sandbox`, exact attribution): `set batch 3`, `set checkpoint
    /// "journal"`, `find phone 14155551234, 14155552010, 12123000009,
    /// 19990000000, 12123000034, 14155559876, email patel.family@example.com`.
    /// Three batches; the first two hold phones only a probe ties to their contact.
    public static let fuzzValues: [ChannelValue] = ["14155551234", "14155552010", "12123000009", "19990000000", "12123000034", "14155559876"].map(ChannelValue.phone)
        + [.email("patel.family@example.com")]
    public static let fuzzBatchSize = 3
    /// How `hmq --sandbox` names its server in a checkpoint.
    public static let fuzzServer = "the embedded sandbox"

    /// Searches `values` (distinct and valid) resumed from a journal holding
    /// `bytes`, made with `credentials` against `server` in batches of
    /// `batchSize`, exact attribution. Nothing goes over the network: a batch
    /// the journal does not hold is answered 404 at once.
    ///
    /// The properties: the journal is refused with a checkpoint error (one that
    /// names a line of the journal when it says it is damaged, and a file that
    /// is no checkpoint is left as it was), or every value ends in exactly one
    /// outcome: matched (by as many contacts as list it), unmatched, or failed
    /// by the 404 (when its batch was not replayed); never undetermined, since a
    /// journal holds only batches whose attribution settled every value.
    public static func fuzzResume(journal bytes: [UInt8], credentials: Credentials, values: [ChannelValue] = fuzzValues, server: String = fuzzServer,
                                  batchSize: Int = fuzzBatchSize) async -> FuzzReport {
        var report = FuzzReport()
        let file: ScratchFile
        do { file = try ScratchFile(bytes, name: "fuzz-journal") } catch {
            report.problem = "\(error)"
            return report
        }
        defer { withExtendedLifetime(file) {} }
        let path = file.path
        var client = HeymarketClient(
            credentials: credentials, baseURL: .production,
            options: SearchOptions(batchSize: batchSize, concurrency: 1, rateLimit: nil, retry: RetryPolicy(maximumAttempts: 1), checkpoint: path),
            transport: NotFoundTransport())
        client.serverName = server
        let result: SearchResult
        do {
            result = try await client.search(plan: plannedOnce(values, by: client))
        } catch let error as HeymarketError where error.code == .checkpoint {
            report.refusal = error
            report.problem = problem(refusing: error, journal: bytes, now: file.contents)
            return report
        } catch {
            report.problem = "the search threw \(error), not a checkpoint error"
            return report
        }
        let batches = (values.count + batchSize - 1) / batchSize
        report.replayed = batches - result.requestCount
        report.problem = problem(in: result, values: values)
        return report
    }

    /// Plans made, by their values and batch size: normalising the phones is most of a run's time otherwise.
    private static let plans = Mutex<[[ChannelValue]: [Int: SearchPlan]]>([:])

    /// `client`'s plan for `values`, made once per process and batch size (the credentials only
    /// change a plan when a value holds the key, which the journal's values do not).
    private static func plannedOnce(_ values: [ChannelValue], by client: HeymarketClient) -> SearchPlan {
        let size = client.options.batchSize
        if let known = plans.withLock({ $0[values]?[size] }) { return known }
        let plan = client.plan(values)
        plans.withLock { $0[values, default: [:]][size] = plan }
        return plan
    }

    private static func problem(refusing error: HeymarketError, journal bytes: [UInt8], now: [UInt8]) -> String? {
        if let at = error.message.range(of: "damaged at line ") {
            let line = Int(error.message[at.upperBound...].prefix { $0.isNumber }) ?? 0
            let lines = bytes.filter { $0 == 0x0A }.count
            // Line 1 is the header, which is never damage: a file without it is no checkpoint.
            guard line >= 2, line <= lines else { return "\(error.message): the journal has \(lines) whole lines" }
        }
        if error.message.contains("is not an hmq checkpoint"), now != bytes {
            return "a file that is no checkpoint was changed: \(error.message)"
        }
        return nil
    }

    private static func problem(in result: SearchResult, values: [ChannelValue]) -> String? {
        guard result.inputs.map(\.value) == values else { return "the outcomes are not one per value, in order: \(result.inputs.map(\.value))" }
        let failed = Set(result.failures.flatMap(\.values))
        for input in result.inputs {
            let listing = result.matches.filter { $0.matchedValues.contains(input.value) }.count
            switch input.outcome {
            case .matched(let count):
                guard count > 0, count == listing else { return "\(input.value) is matched by \(count) contacts, and \(listing) list it" }
            case .unmatched:
                guard listing == 0 else { return "\(input.value) is unmatched, and \(listing) contacts list it" }
            case .failed(let error):
                guard error.status == 404, listing == 0, input.normalized.map(failed.contains) == true else { return "\(input.value) failed with \(error)" }
            case .undetermined, .invalid, .notSearched:
                return "\(input.value) is \(input.outcome) after a journal that settled it or a batch that failed"
            }
        }
        return nil
    }
}

/// Answers every request 404 at once, sending nothing.
private struct NotFoundTransport: HTTPTransport {
    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        HTTPResponseData(status: 404, headers: [("X-Request-Id", "fuzz")], body: Array(#"{"error":"not found"}"#.utf8))
    }
}
