import Foundation
import HMQJSON
import HMQRuntime
import Heymarket

/// Values that cannot be searched, found before anything was sent.
public struct InvalidValuesError: Error, Sendable {
    public var errors: [HeymarketError]
    /// Where each error's value was in the input (an index into the values looked up).
    public var positions: [Int]
    /// What the lookup comes to: these values invalid, the others not searched, no request.
    public var result: SearchResult
    public var message: String {
        "\(errors.count) invalid value\(errors.count == 1 ? "" : "s"); nothing was sent (--skip-invalid leaves them out)"
    }
}

extension Host {
    /// The first `limit` items, then how many more: a note stays a few lines long.
    static func listed(_ items: [String], limit: Int = 10, separator: String = ", ") -> String {
        items.prefix(limit).joined(separator: separator) + (items.count > limit ? "\(separator)… (\(items.count - limit) more)" : "")
    }

    /// Looks `values` up, as `hmq search` and the agent server's `lookup` do:
    /// with `invalid = error` (the default) an invalid value throws
    /// ``InvalidValuesError`` before any request. `note` hears what a person
    /// should know of the values (those searched without their extension).
    public static func lookUp(_ values: [ChannelValue], with client: HeymarketClient, settings: Settings,
                              progress: ProgressHandler? = nil, note: (String) -> Void = { _ in }) async throws -> SearchResult {
        let plan = client.plan(values)
        let invalid = plan.inputs.enumerated().compactMap { position, input -> (Int, HeymarketError)? in
            if case .failure(let e) = input.normalized { return (position, e) } else { return nil }
        }
        if !invalid.isEmpty, settings.invalid == .error {
            throw InvalidValuesError(errors: invalid.map(\.1), positions: invalid.map(\.0),
                                     result: SearchResult(matches: [], inputs: plan.outcomes(), failures: [], requestCount: 0))
        }
        if let message = plan.census.droppedExtensionsNote { note(message) }
        return try await client.search(plan: plan, progress: progress)
    }

    /// `hmq search`: looks `values` up and prints the contacts as a JSON array
    /// (or the whole `--report` object) on stdout; what found no contact, what
    /// is undetermined and every failed batch with every value it held on
    /// stderr. Invalid values stop it before anything is sent (exit 2; the
    /// `report` object is printed all the same, listing them), unless
    /// `--skip-invalid`; each is named with its entry in `origins` (such as
    /// `stdin:12`) when given. No values at all are an empty result.
    public func search(_ values: [ChannelValue], origins: [String]? = nil, report: Bool, pretty: Bool) async throws -> ExitStatus {
        let settings = try settings()
        let console = self.console
        let (result, stoppedBy) = try await withClient(options: settings.searchOptions) { client -> (SearchResult, InvalidValuesError?) in
            guard let client else { throw CommandFailure(status: .authentication, message: "no credentials") }
            let display = console.progressDisplay()
            defer { display?.clear() }
            do {
                return (try await Self.lookUp(values, with: client, settings: settings, progress: display?.handler, note: { console.note($0) }), nil)
            } catch is CancellationError {
                display?.clear()
                console.noteStopped(settings.checkpoint)
                throw CancellationError()
            } catch let invalid as InvalidValuesError {
                for (e, position) in zip(invalid.errors, invalid.positions).prefix(20) {
                    console.error((origins.map { "\($0[position]): " } ?? "") + e.message, status: .usage)
                }
                guard report else { throw CommandFailure(status: .usage, message: invalid.message) }
                return (invalid.result, invalid)
            }
        }
        let writer = JSONWriter(indent: pretty || Console.isTerminal(1) ? 2 : nil)
        // When every batch failed, nothing was looked up: an empty array would read as "no contacts".
        let nothingLookedUp = !result.failures.isEmpty && Set(result.failures.flatMap(\.values)) == Set(result.inputs.compactMap(\.normalized))
        // `--mask`: the contacts by field, the report's values as text.
        let masker = Masker(settings.mask)
        let answer = masker.value(report ? result.report : .array(result.contacts.map { .object($0.fields) }), field: nil)
        if report || !nothingLookedUp, !console.out(writer.string(answer) + "\n") {
            let code = errno
            // A reader that went away needs nothing more; a full disk loses the answer: say so.
            if code != EPIPE { throw CommandFailure(status: .usage, message: "cannot write output: \(String(cString: strerror(code)))") }
        }
        if let stoppedBy { throw CommandFailure(status: .usage, message: stoppedBy.message) }
        if !report, !result.unmatched.isEmpty {
            console.note("\(result.unmatched.count) value\(result.unmatched.count == 1 ? "" : "s") matched no contact: " + Self.listed(result.unmatched.map(\.description)) + " (--report lists them all)")
        }
        if !result.undetermined.isEmpty {
            console.note("\(result.undetermined.count) value\(result.undetermined.count == 1 ? "" : "s") undetermined (a contact came back that no field ties to an input value; --attribution exact asks the server which): " + Self.listed(result.undetermined.map(\.description)))
        }
        if !result.invalid.isEmpty {
            // Each named by where it came from (`stdin:12`), when known.
            // Refused here (never sent), or sent and refused alone by the server (an HTTP status).
            func named(byServer: Bool) -> [String] {
                result.inputs.indices.compactMap { i -> String? in
                    guard case .invalid(let e) = result.inputs[i].outcome, (e.status != nil) == byServer else { return nil }
                    return (origins.flatMap { $0.indices.contains(i) ? $0[i] + ": " : nil } ?? "") + e.message
                }
            }
            let local = named(byServer: false), refused = named(byServer: true)
            if !local.isEmpty { console.note("\(local.count) invalid value\(local.count == 1 ? "" : "s") left out: " + Self.listed(local, separator: "; ")) }
            if !refused.isEmpty {
                console.note("\(refused.count) value\(refused.count == 1 ? " was" : "s were") refused by the server, alone (the others of its batch were answered): "
                             + Self.listed(refused, separator: "; "))
            }
        }
        // What stopped the run first, in one line; then each batch with its values.
        let status: ExitStatus = result.failures.contains(where: { $0.error.isAuthentication }) ? .authentication : .api
        if let stop = result.failures.first(where: { $0.error.stopsTheRun }) {
            // One error says what stopped the run; the batches it stopped are counted, not each listed
            // (--report lists every value), beyond the first few.
            var record = ErrorRecord(stop, message: RuntimeError.summary(of: result.failures))
            record.values = Array(result.failures.lazy.flatMap(\.values).prefix(1000).map(\.value))
            record.status = status
            console.report(record)
            let stopped = result.failures.filter { $0.error.stopsTheRun }
            for failure in stopped.prefix(3) { console.report(ErrorRecord(failure)) }
            if stopped.count > 3 { console.note("\(stopped.count - 3) more batches failed the same way; --report lists every value") }
            for failure in result.failures where !failure.error.stopsTheRun { console.report(ErrorRecord(failure)) }
        } else {
            for failure in result.failures { console.report(ErrorRecord(failure)) }
        }
        for failure in result.attributionFailures {
            console.report(ErrorRecord(failure, message: "exact attribution for batch \(failure.batchIndex + 1) could not finish: \(failure.error); undetermined: "
                                                + failure.values.map(\.value).joined(separator: ", ")))
        }
        if result.failures.contains(where: { $0.error.isAuthentication }) { return .authentication }
        return result.isComplete && result.attributionFailures.isEmpty ? .ok : .api
    }
}
