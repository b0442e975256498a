/// The questions exact attribution asks about one batch, each chosen by the
/// answers to those before: first about the values no field ties to a
/// contact, halving them until each is matched or proven unmatched; then, for
/// contacts still tied to no value, about the values some field ties, until
/// their finders are known.
///
/// Search is a union (the answer for a set of values is the union of the
/// answers for each value), so when the first half of a set finds none of the
/// contacts in question, the second half's answer is the set's, with no question.
///
/// The questions are walked from the start every time (``replay(_:)``), taking
/// each answer from the caller, until one has none: the caller asks the server
/// (one batch at a time, ``AttributionProbe``; or many batches' questions in
/// shared requests, ``AttributionPool``) and walks again. Given the same
/// answers, the walk asks the same questions and comes to the same findings,
/// which is what lets a pooled run promise never to ask more than one batch at a time would.
struct ProbeQuestions {
    /// What the questions answered so far have settled.
    struct Progress {
        /// (value index, contact index): the value alone finds the contact.
        var hits: [(value: Int, contact: Int)] = []
        /// Values proven to find nothing.
        var provenUnmatched = Set<Int>()
    }

    enum Step: Equatable {
        /// The next question: which of `targets` (contact indexes) the values at these indexes find.
        case asks(values: [Int], targets: Set<Int>)
        /// Every question is answered.
        case finished
        /// The answers do not fit together (a contact of the batch's answer came back for no value).
        case disagreement
    }

    /// How many contacts the batch's answer holds (one per id, see ``Contact/grouped(_:)``).
    let contactCount: Int
    /// For each contact, the values its fields show.
    let fieldHits: [[Int]]
    let valueCount: Int
    /// The values no field ties to a contact, in order.
    let untiedValues: [Int]

    init(contactCount: Int, fieldHits: [[Int]], valueCount: Int) {
        self.contactCount = contactCount
        self.fieldHits = fieldHits
        self.valueCount = valueCount
        let tied = Set(fieldHits.joined())
        untiedValues = (0..<valueCount).filter { !tied.contains($0) }
    }

    /// Walks the questions from the first. `answer` gives, for a question, the
    /// contacts of `targets` its values find, or nil when that is not known
    /// yet: the walk stops there and returns that question.
    func replay(_ answer: (_ values: [Int], _ targets: Set<Int>) -> Set<Int>?) -> (step: Step, progress: Progress) {
        var progress = Progress()
        struct Unanswered: Error {
            var values: [Int]
            var targets: Set<Int>
        }
        func ask(_ values: [Int], _ targets: Set<Int>) throws(Unanswered) -> Set<Int> {
            guard let found = answer(values, targets) else { throw Unanswered(values: values, targets: targets) }
            return found
        }

        /// Ties each value of `values` to the contacts of `targets` it finds;
        /// `known` is the answer for `values` restricted to `targets`, when known.
        func resolve(_ values: [Int], targets: Set<Int>, known: Set<Int>?, provingUnmatched: Bool) throws(Unanswered) {
            let found: Set<Int>
            if let known { found = known } else { found = try ask(values, targets) }
            if found.isEmpty {
                if provingUnmatched { progress.provenUnmatched.formUnion(values) }
                return
            }
            if values.count == 1 {
                for c in found.sorted() { progress.hits.append((values[0], c)) }
                return
            }
            let half = values.count / 2
            let left = Array(values[..<half]), right = Array(values[half...])
            let leftFound = try ask(left, targets)
            try resolve(left, targets: targets, known: leftFound, provingUnmatched: provingUnmatched)
            try resolve(right, targets: targets, known: leftFound.isEmpty ? found : nil, provingUnmatched: provingUnmatched)
        }

        let everyContact = Set(0..<contactCount)
        do throws(Unanswered) {
            // 1. Values no field ties to: which contacts does each find, if any?
            if !untiedValues.isEmpty {
                try resolve(untiedValues, targets: everyContact,
                            known: untiedValues.count == valueCount ? everyContact : nil, provingUnmatched: true)
            }
            // 2. Contacts still tied to no value were found by a value some field
            //    ties to another contact: which?
            var tiedNow = Set(progress.hits.map(\.contact))
            for (c, h) in fieldHits.enumerated() where !h.isEmpty { tiedNow.insert(c) }
            let untiedContacts = everyContact.subtracting(tiedNow)
            let candidates = Array(Set(fieldHits.joined())).sorted()
            if !untiedContacts.isEmpty, !candidates.isEmpty {
                if candidates.count == 1 {
                    for c in untiedContacts.sorted() { progress.hits.append((candidates[0], c)) }
                } else {
                    // When every value is tied, the answer for all of them is the batch's: no question.
                    try resolve(candidates, targets: untiedContacts, known: candidates.count == valueCount ? untiedContacts : nil,
                                provingUnmatched: false)
                }
            }
            // Every contact came back for some value: one still tied to none means the answers disagreed.
            tiedNow.formUnion(progress.hits.map(\.contact))
            return (tiedNow.count < contactCount ? .disagreement : .finished, progress)
        } catch {
            return (.asks(values: error.values, targets: error.targets), progress)
        }
    }
}
