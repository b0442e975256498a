/// Exact attribution for one batch: asks the server again about parts of the
/// batch, halving them, until every value it could not tie to a contact is
/// matched or proven unmatched, and every contact no value is tied to has its
/// finders named.
///
/// Search is a union (the answer for a set of values is the union of the
/// answers for each value), so when the first half of a set finds none of the
/// contacts in question, the second half's answer is the set's, with no request.
struct AttributionProbe {
    /// What asking again found.
    struct Findings {
        /// (value index, contact index): the value alone finds the contact.
        var hits: [(value: Int, contact: Int)] = []
        /// Values a sub-search proved find nothing.
        var provenUnmatched = Set<Int>()
        /// Values left unresolved because a sub-search failed.
        var unresolved = Set<Int>()
        /// Sub-searches sent, retries included.
        var attempts = 0
        /// The failure that stopped the probe, if one did.
        var failure: HeymarketError?
    }

    /// The batch's answer, one record per contact (see ``Contact/grouped(_:)``).
    let contacts: [Contact]
    /// For each contact, the values its fields show.
    let fieldHits: [[Int]]
    let valueCount: Int
    /// Searches for the values at these indexes; returns the answer and the
    /// attempts it took, or throws ``SubSearchFailed`` (or an authentication error).
    let query: ([Int]) async throws -> (contacts: [Contact], attempts: Int)

    /// A sub-search that failed after its retries, with the attempts it took.
    struct SubSearchFailed: Error {
        var error: HeymarketError
        var attempts: Int
    }

    /// Whether asking again can tell more than the answer did.
    static func isNeeded(valueCount: Int, fieldHits: [[Int]]) -> Bool {
        guard valueCount > 1, !fieldHits.isEmpty else { return false }
        let tied = Set(fieldHits.joined())
        return tied.count < valueCount || fieldHits.contains { $0.isEmpty }
    }

    /// Runs the probe. Throws only for cancellation and authentication
    /// failures; any other failure stops it and leaves the rest unresolved.
    func run() async throws -> Findings {
        var findings = Findings()
        let keys = contacts.map(\.identity)
        var indexOfKey: [Contact.Identity: Int] = [:]
        for (i, key) in keys.enumerated() where indexOfKey[key] == nil { indexOfKey[key] = i }
        let tied = Set(fieldHits.joined())
        let untiedValues = (0..<valueCount).filter { !tied.contains($0) }
        let everyContact = Set(contacts.indices)

        /// The answer for `values`, as indexes into the batch's contacts. An
        /// answer holding a contact the batch's answer did not (the data changed
        /// under us) makes every conclusion doubtful: the probe stops.
        func ask(_ values: [Int]) async throws -> Set<Int> {
            do {
                let (answer, attempts) = try await query(values)
                findings.attempts += attempts
                let indexes = answer.compactMap { indexOfKey[$0.identity] }
                guard indexes.count == answer.count else { throw Self.disagreement }
                return Set(indexes)
            } catch let failed as SubSearchFailed {
                findings.attempts += failed.attempts
                throw failed.error
            }
        }

        /// Ties each value of `values` to the contacts of `targets` it finds;
        /// `known` is the answer for `values` restricted to `targets`, when known.
        func resolve(_ values: [Int], targets: Set<Int>, known: Set<Int>?, provingUnmatched: Bool) async throws {
            let found: Set<Int>
            if let known { found = known } else { found = try await ask(values).intersection(targets) }
            if found.isEmpty {
                if provingUnmatched { findings.provenUnmatched.formUnion(values) }
                return
            }
            if values.count == 1 {
                for c in found.sorted() { findings.hits.append((values[0], c)) }
                return
            }
            let half = values.count / 2
            let left = Array(values[..<half]), right = Array(values[half...])
            let leftFound = try await ask(left).intersection(targets)
            try await resolve(left, targets: targets, known: leftFound, provingUnmatched: provingUnmatched)
            try await resolve(right, targets: targets, known: leftFound.isEmpty ? found : nil, provingUnmatched: provingUnmatched)
        }

        do {
            // 1. Values no field ties to: which contacts does each find, if any?
            if !untiedValues.isEmpty {
                try await resolve(untiedValues, targets: everyContact,
                                  known: untiedValues.count == valueCount ? everyContact : nil, provingUnmatched: true)
            }
            // 2. Contacts still tied to no value were found by a value some field
            //    ties to another contact: which?
            var tiedNow = Set(findings.hits.map(\.contact))
            for (c, h) in fieldHits.enumerated() where !h.isEmpty { tiedNow.insert(c) }
            let untiedContacts = everyContact.subtracting(tiedNow)
            let candidates = Array(tied).sorted()
            if !untiedContacts.isEmpty, !candidates.isEmpty {
                if candidates.count == 1 {
                    for c in untiedContacts.sorted() { findings.hits.append((candidates[0], c)) }
                } else {
                    // When every value is tied, the answer for all of them is the batch's: no request.
                    try await resolve(candidates, targets: untiedContacts, known: candidates.count == valueCount ? untiedContacts : nil,
                                      provingUnmatched: false)
                }
            }
            // Every contact came back for some value: one still tied to none means the answers disagreed.
            tiedNow.formUnion(findings.hits.map(\.contact))
            if tiedNow.count < contacts.count { throw Self.disagreement }
        } catch let error as HeymarketError where !error.stopsTheRun {
            findings.failure = error
            let settled = findings.provenUnmatched.union(findings.hits.map(\.value))
            // Every value a conclusion rests on is in doubt once the answers disagree.
            findings.unresolved = error == Self.disagreement ? Set(0..<valueCount) : Set(untiedValues).subtracting(settled)
            if error == Self.disagreement {
                findings.hits = []
                findings.provenUnmatched = []
            }
        }
        return findings
    }

    /// The server's answers to a batch and to a part of it do not fit together.
    static let disagreement = HeymarketError(.malformedResponse, message: "the server's answer to part of the batch does not fit its answer to the whole (the data may have changed during the lookup)")
}
