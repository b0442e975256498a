import Heymarket
@testable import HMQHost
import Testing

/// The progress line, driven with made-up times (no clock).
struct ProgressLineTests {
    func at(_ ms: Int) -> Duration { .milliseconds(ms) }

    @Test func showsBatchesIdsRateEtaAnd429sThenErasesItself() {
        var line = ProgressLine(width: 200)
        let first = line.update(LookupProgress(batchesDone: 1, batchesTotal: 10, valuesDone: 100, valuesTotal: 1_000), at: at(500))
        // No rate yet: one batch is no measure of speed.
        #expect(first == "\rhmq: looking up\u{2026} 1/10 batches \u{00B7} 100/1,000 ids\u{1B}[K")
        let second = line.update(LookupProgress(batchesDone: 3, batchesTotal: 10, valuesDone: 300, valuesTotal: 1_000, rateLimited: 2), at: at(1_500))
        // 200 values in 1 s since the first batch: 200 ids/s, 700 left: 3.5 s → 0:04.
        #expect(second == "\rhmq: looking up\u{2026} 3/10 batches \u{00B7} 300/1,000 ids \u{00B7} 200 ids/s \u{00B7} ETA 0:04 \u{00B7} 2 \u{00D7} 429\u{1B}[K")
        #expect(line.update(LookupProgress(batchesDone: 10, batchesTotal: 10, valuesDone: 1_000, valuesTotal: 1_000), at: at(5_000)) == "\r\u{1B}[K")
    }

    @Test func aRateWindowWaitCountsDownOnTheLineWithTheBatchesDone() {
        var line = ProgressLine(width: 200)
        _ = line.update(LookupProgress(batchesDone: 12, batchesTotal: 71, valuesDone: 1_200, valuesTotal: 7_100, rateLimited: 4), at: at(0))
        #expect(line.waiting(seconds: 45.3) == "\rhmq: waiting 46 s for the rate window\u{2026} 12/71 batches \u{00B7} 4 \u{00D7} 429\u{1B}[K")
        #expect(line.waiting(seconds: 1) == "\rhmq: waiting 1 s for the rate window\u{2026} 12/71 batches \u{00B7} 4 \u{00D7} 429\u{1B}[K")
        // Drawn, so a row written next erases it first.
        #expect(line.erase() == "\r\u{1B}[K")
        // The last second is "1 s", never a fraction.
        #expect(line.waiting(seconds: 0.999339884).contains("waiting 1 s for"))
        var narrow = ProgressLine(width: 20)
        let cut = narrow.waiting(seconds: 46)
        #expect(cut.hasSuffix("\u{2026}\u{1B}[K") && cut.count <= 20 + 4 && !cut.contains("\u{2026}\u{2026}"))
        // Too narrow for the counts: the wait stays whole, with one ellipsis.
        var forty = ProgressLine(width: 40)
        _ = forty.update(LookupProgress(batchesDone: 20, batchesTotal: 60, valuesDone: 20, valuesTotal: 60), at: at(0))
        #expect(forty.waiting(seconds: 24) == "\rhmq: waiting 24 s for the rate window\u{2026}\u{1B}[K")
    }

    @Test func batchesFromACheckpointDoNotCountTowardsTheSpeed() {
        var line = ProgressLine(width: 200)
        _ = line.update(LookupProgress(batchesDone: 1, batchesTotal: 10, valuesDone: 100, valuesTotal: 1_000, valuesReplayed: 100), at: at(0))
        _ = line.update(LookupProgress(batchesDone: 5, batchesTotal: 10, valuesDone: 500, valuesTotal: 1_000, valuesReplayed: 500), at: at(200))
        let text = line.update(LookupProgress(batchesDone: 6, batchesTotal: 10, valuesDone: 600, valuesTotal: 1_000, valuesReplayed: 500), at: at(1_000))
        // 100 values asked in 1 s: 100 ids/s, 400 left: 0:04.
        #expect(text?.contains("100 ids/s \u{00B7} ETA 0:04") == true, "\(text ?? "nil")")
        #expect(line.erase() == "\r\u{1B}[K")
        #expect(line.erase() == nil)
    }

    @Test func redrawsAtMostOncePerIntervalButAlwaysErases() {
        var line = ProgressLine(interval: .milliseconds(100))
        #expect(line.update(LookupProgress(batchesDone: 1, batchesTotal: 50, valuesDone: 1, valuesTotal: 50), at: at(0)) != nil)
        #expect(line.update(LookupProgress(batchesDone: 2, batchesTotal: 50, valuesDone: 2, valuesTotal: 50), at: at(40)) == nil)
        #expect(line.update(LookupProgress(batchesDone: 3, batchesTotal: 50, valuesDone: 3, valuesTotal: 50), at: at(99)) == nil)
        #expect(line.update(LookupProgress(batchesDone: 4, batchesTotal: 50, valuesDone: 4, valuesTotal: 50), at: at(100)) != nil)
        #expect(line.update(LookupProgress(batchesDone: 50, batchesTotal: 50, valuesDone: 50, valuesTotal: 50), at: at(101)) == "\r\u{1B}[K")
        // A second lookup in the same run starts its own measure.
        #expect(line.update(LookupProgress(batchesDone: 1, batchesTotal: 2, valuesDone: 1, valuesTotal: 2), at: at(200)) != nil)
    }

    @Test func aOneBatchLookupDrawsNothingAndALongLineIsCutToTheTerminal() {
        var line = ProgressLine(width: 30)
        #expect(line.update(LookupProgress(batchesDone: 1, batchesTotal: 1, valuesDone: 5, valuesTotal: 5), at: at(0)) == nil)
        let cut = line.update(LookupProgress(batchesDone: 1, batchesTotal: 9_000, valuesDone: 100, valuesTotal: 900_000), at: at(0))
        let text = try? #require(cut)
        #expect(text.map { $0.dropFirst().dropLast(3).count } == 29)
        #expect(ProgressLine.clock(3_725) == "1:02:05")
        #expect(ProgressLine.clock(.infinity) == "?")
        #expect(ProgressLine.grouped(1_234_567) == "1,234,567")
    }
}
