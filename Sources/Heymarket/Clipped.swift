extension String {
    /// This text cut to its first `limit` characters, ending "… (N more characters)"
    /// when anything was cut, so that no answer or message grows with what a
    /// server or a caller sent.
    public func clipped(to limit: Int) -> String {
        guard utf8.count > limit else { return self }
        let kept = prefix(limit)
        let more = self[kept.endIndex...].count
        guard more > 0 else { return self }
        return kept + "… (\(more) more character\(more == 1 ? "" : "s"))"
    }
}
