/// Exact attribution for one batch on its own: asks the server the batch's
/// ``ProbeQuestions`` one after the other, each in a request of its own, until
/// every value it could not tie to a contact is matched or proven unmatched,
/// and every contact no value is tied to has its finders named.
///
/// Runs now only where the batches are asked one at a time
/// (``HeymarketClient/AttributionStrategy/perBatch``); a lookup pools the
/// questions of many batches (``AttributionPool``) and asks no more than this would.
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

    /// Runs the probe, one question at a time (see ``ProbeQuestions``). Throws
    /// only for cancellation and authentication failures; any other failure
    /// stops it and leaves the rest unresolved.
    func run() async throws -> Findings {
        var findings = Findings()
        var indexOfKey: [Contact.Identity: Int] = [:]
        for (i, contact) in contacts.enumerated() where indexOfKey[contact.identity] == nil { indexOfKey[contact.identity] = i }
        let questions = ProbeQuestions(contactCount: contacts.count, fieldHits: fieldHits, valueCount: valueCount)
        /// The answers so far, in the order the questions were asked.
        var answers: [Set<Int>] = []
        var progress = ProbeQuestions.Progress()

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

        do {
            while true {
                var asked = 0
                let (step, now) = questions.replay { _, targets in
                    defer { asked += 1 }
                    return asked < answers.count ? answers[asked].intersection(targets) : nil
                }
                progress = now
                switch step {
                case .asks(let values, _): answers.append(try await ask(values))
                case .disagreement: throw Self.disagreement
                case .finished:
                    findings.hits = progress.hits
                    findings.provenUnmatched = progress.provenUnmatched
                    return findings
                }
            }
        } catch let error as HeymarketError where !error.stopsTheRun {
            findings = Self.stopped(by: error, questions: questions, progress: progress, attempts: findings.attempts)
        }
        return findings
    }

    /// The findings of a probe that `error` stopped after `progress`: what was
    /// settled stands, and the values no field ties that it did not settle are
    /// unresolved; when the answers disagreed, every value is in doubt and nothing stands.
    static func stopped(by error: HeymarketError, questions: ProbeQuestions, progress: ProbeQuestions.Progress, attempts: Int) -> Findings {
        var findings = Findings()
        findings.failure = error
        findings.attempts = attempts
        if error == disagreement {
            findings.unresolved = Set(0..<questions.valueCount)
        } else {
            findings.hits = progress.hits
            findings.provenUnmatched = progress.provenUnmatched
            let settled = progress.provenUnmatched.union(progress.hits.map(\.value))
            findings.unresolved = Set(questions.untiedValues).subtracting(settled)
        }
        return findings
    }

    /// The server's answers to a batch and to a part of it do not fit together.
    static let disagreement = HeymarketError(.malformedResponse, message: "the server's answer to part of the batch does not fit its answer to the whole (the data may have changed during the lookup)")
}
