/// What the answers so far prove about one batch: for each of its values and
/// each contact of its answer, whether the value finds the contact, does not,
/// or is not known yet; and, for a contact that came back for a set of values,
/// that one of them finds it.
///
/// Search is a union, so an answer to a set of values says, for each contact:
/// absent, none of the set finds it; present, at least one does (exactly that
/// one, when the others are known not to). From these alone it can say what
/// some questions' answers are without asking (``answer(_:targets:)``).
struct AttributionKnowledge {
    let valueCount: Int
    let contactCount: Int
    private let words: Int
    /// Bit `c` of value `v`'s row: `v` finds contact `c` (`found`), or is proven not to (`excluded`).
    private var found: [UInt64]
    private var excluded: [UInt64]
    /// For each contact, sets of values each of which holds one that finds it.
    private var holders: [[[Int]]]

    /// What the batch's own answer proves: the values a field ties to a
    /// contact find it, and some value of the batch finds each of its contacts.
    init(valueCount: Int, fieldHits: [[Int]]) {
        self.valueCount = valueCount
        contactCount = fieldHits.count
        words = (fieldHits.count + 63) / 64
        found = Array(repeating: 0, count: valueCount * words)
        excluded = found
        holders = Array(repeating: [], count: fieldHits.count)
        for (c, values) in fieldHits.enumerated() {
            if values.isEmpty {
                holders[c] = [Array(0..<valueCount)]
            } else {
                for v in values { mark(&found, v, c) }
            }
        }
    }

    private func bit(_ row: [UInt64], _ v: Int, _ c: Int) -> Bool { row[v * words + c / 64] & (1 << UInt64(c % 64)) != 0 }
    private func mark(_ row: inout [UInt64], _ v: Int, _ c: Int) { row[v * words + c / 64] |= 1 << UInt64(c % 64) }

    /// True when `v` is known to find `c`, false when known not to, nil when not known.
    func finds(_ v: Int, _ c: Int) -> Bool? {
        if bit(found, v, c) { return true }
        if bit(excluded, v, c) { return false }
        return nil
    }

    /// Whether a search for `values` would return contact `c`, when that follows from what is known.
    private func returns(_ c: Int, for values: [Int], members: Set<Int>) -> Bool? {
        if values.contains(where: { bit(found, $0, c) }) { return true }
        if values.allSatisfy({ bit(excluded, $0, c) }) { return false }
        // A set one of whose values finds c, every value of it not excluded being among `values`.
        if holders[c].contains(where: { set in set.allSatisfy { bit(excluded, $0, c) || members.contains($0) } }) { return true }
        return nil
    }

    /// The contacts of `targets` a search for `values` would return, when
    /// what is known says; nil when a request is needed.
    func answer(_ values: [Int], targets: Set<Int>) -> Set<Int>? {
        let members = Set(values)
        var answer = Set<Int>()
        for c in targets {
            guard let returned = returns(c, for: values, members: members) else { return nil }
            if returned { answer.insert(c) }
        }
        return answer
    }

    /// The values of `values` a request must carry for the answer about
    /// `targets` to be known: those not yet known to find, or not to find, a
    /// contact of `targets` whose presence is not known. Empty when the answer is known.
    func unsettled(_ values: [Int], targets: Set<Int>) -> [Int] {
        let members = Set(values)
        let open = targets.filter { returns($0, for: values, members: members) == nil }
        guard !open.isEmpty else { return [] }
        return values.filter { v in open.contains { c in !bit(found, v, c) && !bit(excluded, v, c) } }
    }

    /// True when something about `v` and a contact is not known yet.
    func isOpen(_ v: Int) -> Bool {
        (0..<contactCount).contains { c in !bit(found, v, c) && !bit(excluded, v, c) }
    }

    /// Takes in a search for `values` that returned the contacts `returned`
    /// (indexes into the batch's answer). False when that contradicts what was
    /// known (the data changed between the requests).
    mutating func learn(asked values: [Int], returned: Set<Int>) -> Bool {
        for c in 0..<contactCount {
            if returned.contains(c) {
                if values.contains(where: { bit(found, $0, c) }) { continue }
                let open = values.filter { !bit(excluded, $0, c) }
                switch open.count {
                case 0: return false
                case 1: mark(&found, open[0], c)
                default: holders[c].append(open)
                }
            } else {
                for v in values {
                    if bit(found, v, c) { return false }
                    mark(&excluded, v, c)
                }
                // The sets holding a finder of c lose the values just excluded.
                var kept: [[Int]] = []
                for set in holders[c] {
                    let open = set.filter { !bit(excluded, $0, c) }
                    if open.contains(where: { bit(found, $0, c) }) { continue }
                    switch open.count {
                    case 0: return false
                    case 1: mark(&found, open[0], c)
                    default: kept.append(open)
                    }
                }
                holders[c] = kept
            }
        }
        return true
    }
}
