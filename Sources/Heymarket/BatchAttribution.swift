/// How input values are tied to the contacts a search returns.
///
/// The API does not say which value found which contact, and a contact can be
/// found by a channel none of its fields show (a second phone, an old email).
public enum AttributionMode: String, Sendable, Hashable, CaseIterable {
    /// One request per batch. A value is tied to a contact whose `phone`,
    /// `email` (or field named after the channel type) shows it; a value no
    /// field ties is ``SearchResult/Outcome/undetermined`` whenever its batch
    /// returned any contact (that contact may carry it on a channel no field
    /// shows), and unmatched only when the batch's answer was empty.
    case fast
    /// Like `fast`, then re-asks the server, by bisection, about every value of
    /// a batch that returned contacts but no field ties to it, until each is
    /// matched or proven unmatched (an answer with no contact), and about
    /// contacts no value is tied to, until their finders are known. The default.
    ///
    /// The questions of many batches share requests (a value can only have
    /// found a contact its own batch's answer held, so values of batches whose
    /// answers share no contact can be asked together): usually about one
    /// request per `batch` values no field ties, plus a few for each value
    /// found only through a channel no field shows. Never more than asking
    /// batch by batch: at most `2 × values − 2` extra requests per batch
    /// (retries aside); none for a batch of one value or a batch that returned nothing.
    case exact

    /// The most extra requests exact attribution can send for a batch of `values` distinct values
    /// (asked on its own; sharing requests with other batches only ever sends fewer).
    public static func extraRequestBound(values: Int) -> Int { max(0, 2 * values - 2) }
}

/// What one batch's answer says about its values and its contacts: which
/// values found which contacts, and the verdict on each value.
struct BatchAttribution {
    /// What became of one value of the batch.
    enum Verdict: Equatable {
        /// It found at least one contact.
        case matched
        /// The server proved it found nothing (the answer holds no contact it could have found).
        case unmatched
        /// The answer holds a contact no field ties to any value, so this value may have found it.
        case undetermined
    }

    /// For each contact of the answer, the indexes of the batch's values that found it (sorted).
    var hits: [[Int]]
    /// For each value of the batch.
    var verdicts: [Verdict]

    /// - Parameters:
    ///   - valueCount: the batch's distinct values.
    ///   - fieldHits: for each contact, the values its fields show (``ContactMatcher``).
    ///   - probe: what exact attribution learned by asking again; nil in fast mode.
    init(valueCount: Int, fieldHits: [[Int]], probe: AttributionProbe.Findings? = nil) {
        var hits = fieldHits.map(Set.init)
        let anyContact = !fieldHits.isEmpty
        if valueCount == 1, anyContact {
            // A batch of one value: whatever came back, it found.
            for c in hits.indices { hits[c].insert(0) }
        }
        if let probe {
            for (value, contact) in probe.hits where hits.indices.contains(contact) { hits[contact].insert(value) }
        }
        let provenUnmatched = probe?.provenUnmatched ?? []
        var foundSomething = Set<Int>()
        for h in hits { foundSomething.formUnion(h) }
        // A contact no value is tied to was found by one of the values not proven
        // unmatched; when that is a single value, it is proven.
        let untied = hits.indices.filter { hits[$0].isEmpty }
        if !untied.isEmpty {
            let candidates = (0..<valueCount).filter { !provenUnmatched.contains($0) }
            if candidates.count == 1 {
                for c in untied { hits[c].insert(candidates[0]) }
                foundSomething.insert(candidates[0])
            }
        }
        // Any contact of the answer may carry this value on a channel no field
        // shows (a second phone): only an answer with no contact, or a probe
        // that asked about the value alone, proves it found nothing.
        verdicts = (0..<valueCount).map { v in
            if foundSomething.contains(v) { return .matched }
            if !anyContact || provenUnmatched.contains(v) { return .unmatched }
            return .undetermined
        }
        self.hits = hits.map { $0.sorted() }
    }
}
