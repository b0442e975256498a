import Heymarket

/// The one line a terminal shows while a lookup runs:
/// `hmq: looking up… 12/71 batches · 1,200/7,100 ids · 480 ids/s · ETA 0:13 · 2 × 429`,
/// redrawn at most every `interval`, erased when the lookup ends. Pure: the
/// caller says how much time has passed, so tests need no clock.
public struct ProgressLine: Sendable {
    public var label: String
    public var interval: Duration
    /// The line is cut to this many columns so that `\r` can redraw it (a wrapped line cannot be).
    public var width: Int

    private var drawn = false
    private var lastDrawn: Duration?
    /// When the first batch of the current lookup finished, and the values it held:
    /// the rate is measured from there (the time before it is unknown to us).
    private var base: (at: Duration, values: Int)?
    /// The last progress drawn, for the line shown while every request waits.
    private var last: LookupProgress?

    public init(label: String = "looking up", interval: Duration = .milliseconds(100), width: Int = 80) {
        self.label = label
        self.interval = interval
        self.width = width
    }

    /// What to write to the terminal for `progress` at `elapsed` (any monotonic
    /// time): nil when nothing needs drawing yet.
    public mutating func update(_ progress: LookupProgress, at elapsed: Duration) -> String? {
        if progress.batchesDone <= 1 || base == nil { base = (elapsed, progress.valuesDone - progress.valuesReplayed) }
        if progress.isFinished {
            defer { drawn = false; lastDrawn = nil; base = nil; last = nil }
            return drawn ? "\r\u{1B}[K" : nil
        }
        last = progress
        guard progress.batchesTotal > 1 else { return nil }
        if let lastDrawn, elapsed - lastDrawn < interval { return nil }
        lastDrawn = elapsed
        drawn = true
        var text = Self.text(progress, rate: rate(progress, at: elapsed), label: label)
        if text.count > width - 1 { text = String(text.prefix(max(width - 2, 0))) + "…" }
        return "\r" + text + "\u{1B}[K"
    }

    /// The line while every request waits out a rate window, `seconds` from its end:
    /// `hmq: waiting 46 s for the rate window… 12/71 batches · 2 × 429`.
    public mutating func waiting(seconds: Double) -> String {
        drawn = true
        let head = "hmq: waiting \(RateWindowWait.seconds(seconds)) for the rate window"
        var text = head + "\u{2026}"
        if let last, last.batchesTotal > 1 { text += " \(last.batchesDone)/\(last.batchesTotal) batches" }
        if let last, last.rateLimited > 0 { text += " \u{00B7} \(last.rateLimited) \u{00D7} 429" }
        // Too wide: the wait is what matters; the counts go first.
        if text.count > width - 1 { text = head.count > width - 2 ? String(head.prefix(max(width - 2, 0))) + "\u{2026}" : head + "\u{2026}" }
        return "\r" + text + "\u{1B}[K"
    }

    /// Erases the line if it is on the screen (before a row or a note is written there).
    public mutating func erase() -> String? {
        guard drawn else { return nil }
        drawn = false
        lastDrawn = nil
        return "\r\u{1B}[K"
    }

    /// Values per second since the first batch finished; nil until there is a second measure.
    func rate(_ progress: LookupProgress, at elapsed: Duration) -> Double? {
        guard let base else { return nil }
        let seconds = Double((elapsed - base.at).components.seconds) + Double((elapsed - base.at).components.attoseconds) / 1e18
        let values = progress.valuesDone - progress.valuesReplayed - base.values
        guard seconds > 0.05, values > 0 else { return nil }
        return Double(values) / seconds
    }

    /// The line without its terminal controls.
    static func text(_ progress: LookupProgress, rate: Double?, label: String = "looking up") -> String {
        var parts = ["hmq: \(label)\u{2026} \(progress.batchesDone)/\(progress.batchesTotal) batches",
                     "\(grouped(progress.valuesDone))/\(grouped(progress.valuesTotal)) ids"]
        if let rate {
            parts.append("\(grouped(Int(rate.rounded()))) ids/s")
            let remaining = Double(progress.valuesTotal - progress.valuesDone) / rate
            parts.append("ETA " + clock(remaining))
        }
        if progress.rateLimited > 0 { parts.append("\(progress.rateLimited) \u{00D7} 429") }
        return parts.joined(separator: " \u{00B7} ")
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Seconds as m:ss, or h:mm:ss from an hour.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let total = Int(min(seconds.rounded(.up), 359_999))
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
    }
}
