/// "Did you mean ...?" for near-miss words.
public enum Suggestion {
    /// The candidate closest to `word` by edit distance, if it is close enough
    /// (at most 1 edit for short words, 2 for longer ones).
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let lower = word.lowercased()
        let limit = lower.count <= 3 ? 1 : 2
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(lower, candidate)
            if d <= limit, d < (best?.1 ?? Int.max) { best = (candidate, d) }
        }
        return best?.0
    }

    /// Damerau-Levenshtein distance (adjacent transpositions count as one edit).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            previous2 = previous
            previous = current
        }
        return previous[b.count]
    }
}
