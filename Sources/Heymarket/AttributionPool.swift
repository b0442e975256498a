/// Exact attribution for many batches at once: their ``ProbeQuestions`` share requests.
///
/// After a batch's answer, a value no field ties to a contact can only have
/// found one of that batch's contacts. So values of batches whose answers
/// share no contact can go in one request: each contact that comes back
/// belongs to one batch, and tells about that batch's values alone. A request
/// carries the question of the oldest batch waiting, then those of later
/// batches that fit, and fills what room is left with values of later batches
/// that are still open ("riders"): an answer that holds none of a rider's
/// batch's contacts proves them unmatched before their batch's own question
/// is asked, which then carries fewer values or needs no request at all
/// (``AttributionKnowledge`` says when an answer is known without one).
///
/// Every request carries some batch's question (or a part of it, when the
/// question holds more values than a request may), and each question is sent
/// once; the questions are those each batch would ask on its own, given the
/// same answers. So a pooled run never sends more requests than asking batch
/// by batch, and the findings of each batch are the same, whatever was pooled
/// with it: a run resumed from a checkpoint prints what an uninterrupted one does.
struct AttributionPool {
    /// The values of one batch in a request.
    struct Group {
        var position: Int
        /// Indexes into the batch's values.
        var values: [Int]
        /// The number of the batch's question they are (a part of); nil: riders.
        var question: Int?
        /// The batch's contacts, to tell which of an answer's are its.
        var indexOfIdentity: [Contact.Identity: Int]
    }

    /// One request: groups of values of batches whose answers share no contact.
    struct Probe {
        var id: Int
        var groups: [Group]
        var valueCount: Int { groups.reduce(0) { $0 + $1.values.count } }
    }

    private struct Entry {
        let questions: ProbeQuestions
        let indexOfIdentity: [Contact.Identity: Int]
        var knowledge: AttributionKnowledge
        /// The answers to its questions so far, in order (each restricted to the question's targets).
        var answers: [Set<Int>] = []
        var progress = ProbeQuestions.Progress()
        /// The question waiting for its answer, and its number (how many came before it).
        var waiting: (values: [Int], targets: Set<Int>)?
        var number = 0
        /// The values of the waiting question still to send.
        var unsent: [Int] = []
        /// Parts of the waiting question sent.
        var partsSent = 0
        /// Parts of its questions out (by question number), the waiting one's or earlier ones'.
        var partsOut: [Int: Int] = [:]
        /// Requests out holding each value.
        var out: [Int: Int] = [:]
        /// Its riders out, by request.
        var riders: [Int: [Int]] = [:]
        /// Values sent in some request since the batch's answer (riders are only values never sent:
        /// a value sent came back proven or in a set that holds a finder, which its questions split).
        var sent = Set<Int>()
        /// Requests that carried its questions, retries included.
        var attempts = 0
        var findings: AttributionProbe.Findings?
    }

    /// The most values a request may carry (the batch size, or the size the server was found to take).
    var capacity: Int
    private var entries: [Int: Entry] = [:]
    /// Positions of the batches held, in order.
    private var positions: [Int] = []
    private var nextID = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// How many batches are held (waiting for their findings, or done and not yet taken).
    var count: Int { entries.count }

    /// True when some batch held still waits for its findings.
    var isWaiting: Bool { entries.values.contains { $0.findings == nil } }

    /// The batches still waiting for their findings, in order.
    var waitingPositions: [Int] { positions.filter { entries[$0]?.findings == nil } }

    /// Takes in the batch at `position` once its answer is in: `contacts` one
    /// per id (see ``Contact/grouped(_:)``), `fieldHits` the values each one's
    /// fields show. False when exact attribution has nothing to ask about it.
    mutating func add(position: Int, contacts: [Contact], fieldHits: [[Int]], valueCount: Int) -> Bool {
        guard AttributionProbe.isNeeded(valueCount: valueCount, fieldHits: fieldHits) else { return false }
        var indexOfIdentity: [Contact.Identity: Int] = [:]
        for (i, contact) in contacts.enumerated() where indexOfIdentity[contact.identity] == nil { indexOfIdentity[contact.identity] = i }
        var entry = Entry(questions: ProbeQuestions(contactCount: contacts.count, fieldHits: fieldHits, valueCount: valueCount),
                          indexOfIdentity: indexOfIdentity, knowledge: AttributionKnowledge(valueCount: valueCount, fieldHits: fieldHits))
        advance(&entry)
        entries[position] = entry
        positions.insert(position, at: positions.firstIndex { $0 > position } ?? positions.endIndex)
        return true
    }

    /// True when the batch at `position` is held.
    func holds(_ position: Int) -> Bool { entries[position] != nil }

    /// The findings for the batch at `position`, once every question of it is
    /// answered (or it stopped) and no request carrying one is out: the
    /// requests sent for a batch are counted in its outcome, so the last
    /// outcome of a lookup comes after its last request.
    func findings(at position: Int) -> AttributionProbe.Findings? {
        guard let entry = entries[position], entry.partsOut.isEmpty else { return nil }
        return entry.findings
    }

    /// Lets go of a batch whose findings were taken.
    mutating func remove(_ position: Int) {
        entries.removeValue(forKey: position)
        positions.removeAll { $0 == position }
    }

    /// Walks the batch's questions with what is known, up to the first whose answer is not.
    private func advance(_ entry: inout Entry) {
        guard entry.findings == nil else { return }
        let answered = entry.answers.count
        var asked = 0
        var answers = entry.answers
        let knowledge = entry.knowledge
        let (step, progress) = entry.questions.replay { values, targets in
            defer { asked += 1 }
            if asked < answers.count { return answers[asked] }
            guard let known = knowledge.answer(values, targets: targets) else { return nil }
            answers.append(known)
            return known
        }
        entry.answers = answers
        entry.progress = progress
        switch step {
        case .finished:
            var findings = AttributionProbe.Findings()
            findings.hits = progress.hits
            findings.provenUnmatched = progress.provenUnmatched
            findings.attempts = entry.attempts
            entry.findings = findings
            entry.waiting = nil
            entry.unsent = []
        case .disagreement:
            entry.findings = AttributionProbe.stopped(by: AttributionProbe.disagreement, questions: entry.questions, progress: progress, attempts: entry.attempts)
        case .asks(let values, let targets):
            let open = knowledge.unsettled(values, targets: targets)
            if entry.answers.count != answered || entry.waiting == nil || entry.partsSent == 0 {
                // A new question, or one none of whose values went out: its values not known to be settled.
                entry.waiting = (values, targets)
                entry.number = entry.answers.count
                entry.unsent = open
                entry.partsSent = 0
            } else {
                // A question partly sent: its other parts, less what was learned since.
                let still = Set(open)
                entry.unsent = entry.unsent.filter(still.contains)
                if entry.unsent.isEmpty, entry.partsOut[entry.number] == nil, entry.riders.isEmpty {
                    // Its parts are answered (a part failed to be), yet its answer does not follow: ask it again whole.
                    entry.unsent = open
                    entry.partsSent = 0
                }
            }
        }
    }

    /// The next request to send, marking its values out: the question of the
    /// oldest batch waiting to ask one, the questions of later batches that
    /// fit, then riders. Nil when no batch has a question to send, or (with
    /// `fullOnly`) when they and the riders would not fill a request.
    mutating func nextProbe(fullOnly: Bool) -> Probe? {
        var groups: [Group] = []
        var size = 0
        var claimed = Set<Contact.Identity>()
        var taken = Set<Int>()
        func fits(_ entry: Entry) -> Bool { entry.indexOfIdentity.keys.allSatisfy { !claimed.contains($0) } }
        for position in positions where size < capacity {
            guard let entry = entries[position], entry.findings == nil, !entry.unsent.isEmpty, fits(entry) else { continue }
            // Riders out that are all of this question's values answer for them: they are not sent twice.
            // Riders out that are only partly its values would be: it waits for their answer.
            var covered = Set<Int>()
            if let question = entry.waiting.map({ Set($0.values) }) {
                var overlapping = false
                for riders in entry.riders.values {
                    if riders.allSatisfy(question.contains) { covered.formUnion(riders) } else if riders.contains(where: question.contains) { overlapping = true }
                }
                if overlapping { continue }
            }
            let available = covered.isEmpty ? entry.unsent : entry.unsent.filter { !covered.contains($0) }
            guard !available.isEmpty else { continue }
            let part: [Int]
            if available.count <= capacity - size {
                part = available
            } else if size == 0 {
                // A question larger than a request goes in parts of a request's size.
                part = Array(available.prefix(capacity))
            } else {
                continue
            }
            groups.append(Group(position: position, values: part, question: entry.number, indexOfIdentity: entry.indexOfIdentity))
            size += part.count
            claimed.formUnion(entry.indexOfIdentity.keys)
            taken.insert(position)
        }
        guard !groups.isEmpty else { return nil }
        for position in positions where size < capacity && !taken.contains(position) {
            guard let entry = entries[position], entry.findings == nil, fits(entry) else { continue }
            var riders: [Int] = []
            for v in entry.questions.untiedValues where riders.count < capacity - size {
                if !entry.sent.contains(v), entry.knowledge.isOpen(v) { riders.append(v) }
            }
            guard !riders.isEmpty else { continue }
            groups.append(Group(position: position, values: riders, question: nil, indexOfIdentity: entry.indexOfIdentity))
            size += riders.count
            claimed.formUnion(entry.indexOfIdentity.keys)
        }
        if fullOnly, size < capacity { return nil }
        nextID += 1
        for group in groups {
            guard var entry = entries[group.position] else { continue }
            for v in group.values { entry.out[v, default: 0] += 1 }
            entry.sent.formUnion(group.values)
            if let number = group.question {
                let sent = Set(group.values)
                entry.unsent.removeAll(where: sent.contains)
                entry.partsSent += 1
                entry.partsOut[number, default: 0] += 1
            } else {
                entry.riders[nextID] = group.values
            }
            entries[group.position] = entry
        }
        return Probe(id: nextID, groups: groups)
    }

    private func release(_ group: Group, of probe: Probe, from entry: inout Entry) {
        for v in group.values {
            if let n = entry.out[v], n > 1 { entry.out[v] = n - 1 } else { entry.out.removeValue(forKey: v) }
        }
        if let number = group.question {
            if let n = entry.partsOut[number], n > 1 { entry.partsOut[number] = n - 1 } else { entry.partsOut.removeValue(forKey: number) }
        } else {
            entry.riders.removeValue(forKey: probe.id)
        }
    }

    /// Takes in the answer to `probe` (`attempts` requests, retries included).
    /// A contact that none of its batches' answers held means the data
    /// changed: every batch in it is in doubt.
    mutating func receive(_ probe: Probe, answer: [Contact], attempts: Int) {
        let returned = Set(answer.map(\.identity))
        let foreign = returned.contains { identity in !probe.groups.contains { $0.indexOfIdentity[identity] != nil } }
        for (n, group) in probe.groups.enumerated() {
            guard var entry = entries[group.position] else { continue }
            release(group, of: probe, from: &entry)
            if n == 0 { entry.attempts += attempts }
            if entry.findings == nil {
                let found = Set(returned.compactMap { group.indexOfIdentity[$0] })
                if foreign || !entry.knowledge.learn(asked: group.values, returned: found) {
                    entry.findings = AttributionProbe.stopped(by: AttributionProbe.disagreement, questions: entry.questions, progress: entry.progress,
                                                              attempts: entry.attempts)
                } else {
                    advance(&entry)
                }
            }
            entries[group.position] = entry
        }
    }

    /// Takes in the failure of `probe` after its retries: the batches whose
    /// questions it carried stop there (what they settled stands, the rest is
    /// unresolved); its riders are simply open still.
    mutating func fail(_ probe: Probe, error: HeymarketError, attempts: Int) {
        for (n, group) in probe.groups.enumerated() {
            guard var entry = entries[group.position] else { continue }
            release(group, of: probe, from: &entry)
            if n == 0 { entry.attempts += attempts }
            // A part of a question answered since (by what else was learned) is not needed.
            if group.question == entry.number, entry.waiting != nil, entry.findings == nil {
                entry.findings = AttributionProbe.stopped(by: error, questions: entry.questions, progress: entry.progress, attempts: entry.attempts)
            }
            entries[group.position] = entry
        }
    }
}
