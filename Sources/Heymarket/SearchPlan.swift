import Crypto
import Foundation
import HMQSystem
import Synchronization

/// One input value as read, with a tag saying where it came from (opaque
/// here: the runtime packs a `find` item and a file line into it).
public struct InputValue: Sendable {
    public var value: ChannelValue
    public var origin: UInt64

    public init(_ value: ChannelValue, origin: UInt64 = 0) {
        self.value = value
        self.origin = origin
    }
}

/// Reads input values in order, once; after the last it keeps returning nil.
/// A streamed lookup reads its input three times (a census, the batches, the
/// outcomes), each with a reader of its own, so no pass holds the input.
public protocol InputReader: AnyObject {
    func next() throws -> InputValue?
}

/// Opens a new reader over the same input, from its start.
public typealias InputOpener = @Sendable () throws -> any InputReader

/// Reads an array (the origin of each value is its index).
public final class ArrayInputReader: InputReader {
    private let values: [ChannelValue]
    private var index = 0

    public init(_ values: [ChannelValue]) { self.values = values }

    public func next() -> InputValue? {
        guard index < values.count else { return nil }
        defer { index += 1 }
        return InputValue(values[index], origin: UInt64(index))
    }
}

/// What a search will send, held whole: every input value normalised (or
/// rejected), the distinct values, and the batches (one request each). A
/// lookup (``HeymarketClient/lookUp(_:planner:census:retainingMatches:settlesRestWhenStopped:readerMayStop:_:)``)
/// streams the same batches from input of any size; a plan is for values held in memory.
public struct SearchPlan: Sendable {
    /// One input value and what normalisation made of it.
    public struct Input: Sendable {
        public var value: ChannelValue
        public var normalized: Result<NormalizedChannelValue, HeymarketError>
    }

    /// Every input in the order given, duplicates included.
    public var inputs: [Input]
    /// The distinct normalised values, in order of first appearance.
    public var values: [NormalizedChannelValue]
    /// The requests to send.
    public var batches: [ChannelBatch]
    /// Counts, repeats and the plan's identity.
    public var census: PlanCensus
}

/// One request's worth of values.
public struct ChannelBatch: Sendable, Hashable {
    /// Position in the plan, from 0.
    public var index: Int
    /// The distinct normalised values this request carries.
    public var values: [NormalizedChannelValue]
    /// For each value, the position of its first input (from 0).
    public var firstInputs: [Int]
    /// For each value, every writing of it in the input (`+1 415…`, `1415…`), in order.
    public var writings: [[ChannelValue]]
    /// Values of the batch answered from the ``AnswerCache``, in input order:
    /// in its place in the input, never sent (a batch of only these sends no request).
    public var cached: [CachedValue] = []

    /// A value answered from the cache: where it is in the input, how it was written, and its proven contacts.
    public struct CachedValue: Sendable, Hashable {
        public var value: NormalizedChannelValue
        public var firstInput: Int
        public var writings: [ChannelValue]
        public var contacts: [Contact]
    }

    public init(index: Int, values: [NormalizedChannelValue], firstInputs: [Int] = [], writings: [[ChannelValue]] = [], cached: [CachedValue] = []) {
        self.index = index
        self.values = values
        self.firstInputs = firstInputs.count == values.count ? firstInputs : Array(values.indices)
        self.writings = writings.count == values.count ? writings : values.map { [ChannelValue(type: $0.type, value: $0.value)] }
        self.cached = cached
    }

    /// Every value of the batch, sent or answered from the cache, in order of first appearance.
    public var valuesInInputOrder: [NormalizedChannelValue] {
        guard !cached.isEmpty else { return values }
        let all = zip(firstInputs, values).map { ($0, $1) } + cached.map { ($0.firstInput, $0.value) }
        return all.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The request body for them.
    public var body: SearchRequestBody { SearchRequestBody(values: values) }

    /// The batch (same index) of only the values at `indexes`, with their first
    /// inputs and writings (and the values answered from the cache).
    public func subset(_ indexes: [Int]) -> ChannelBatch {
        ChannelBatch(index: index, values: indexes.map { values[$0] }, firstInputs: indexes.map { firstInputs[$0] },
                     writings: indexes.map { writings[$0] }, cached: cached)
    }
}

/// 128 bits standing for a normalised value, so that de-duplication keeps 16
/// bytes per repeated value rather than the value. Seeded per process (Swift's
/// `Hasher`): fingerprints are compared only within one run.
struct ValueFingerprint: Hashable, Comparable, Sendable {
    var high: UInt64
    var low: UInt64

    init(_ value: NormalizedChannelValue) {
        var a = Hasher()
        a.combine(UInt8(1))
        a.combine(value)
        var b = Hasher()
        b.combine(UInt8(2))
        b.combine(value)
        high = UInt64(bitPattern: Int64(a.finalize()))
        low = UInt64(bitPattern: Int64(b.finalize()))
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    static func < (a: Self, b: Self) -> Bool { a.high != b.high ? a.high < b.high : a.low < b.low }
}

/// What a first pass over the input learned: how many values, which are
/// invalid (the first few, with where they came from), which occur more than
/// once, the batches to come, and a fingerprint of the plan (for checkpoints).
public struct PlanCensus: Sendable {
    public var inputCount = 0
    public var invalidCount = 0
    /// The first ``invalidShown`` invalid inputs, in input order.
    public var invalid: [(input: InputValue, error: HeymarketError)] = []
    public static let invalidShown = 20
    /// Distinct valid values: the ids the requests carry, and those answered from the cache.
    public var distinctCount = 0
    /// Batches that send a request.
    public var batchCount = 0
    /// Distinct values the answer cache answers (they are not sent): their fingerprints.
    var cached = Set<ValueFingerprint>()
    /// How many distinct values the answer cache answers.
    public var cachedCount: Int { cached.count }
    /// At most this many values per batch (every batch but the last holds this many).
    public var batchSize = 1
    /// Values met more than once, and every writing of each.
    var repeated: [ValueFingerprint: [ChannelValue]] = [:]
    /// The plan's identity: every valid value in order and the batch size.
    public var fingerprint = ""
    /// Phone values searched without the extension written after them (``PhoneExtensions/drop``).
    public var droppedExtensionCount = 0
    /// The first ``droppedExtensionsShown`` different ones, in input order: as written, and what was searched.
    public var droppedExtensions: [(written: ChannelValue, searched: NormalizedChannelValue)] = []
    public static let droppedExtensionsShown = 10

    /// Whether `value` occurs more than once in the input.
    public func isRepeated(_ value: NormalizedChannelValue) -> Bool { !repeated.isEmpty && repeated[ValueFingerprint(value)] != nil }

    /// Counts a value searched without its extension.
    mutating func dropped(_ written: ChannelValue, searched: NormalizedChannelValue) {
        droppedExtensionCount += 1
        if droppedExtensions.count < Self.droppedExtensionsShown, !droppedExtensions.contains(where: { $0.written == written }) {
            droppedExtensions.append((written, searched))
        }
    }

    /// What a lookup says, once, of the values searched without their
    /// extension: `2 phone values had an extension; searched without it:
    /// 415-555-0133 ext. 359 → 14155550133, …`. Nil when there were none.
    public var droppedExtensionsNote: String? {
        guard droppedExtensionCount > 0 else { return nil }
        let count = droppedExtensionCount
        let shown = droppedExtensions.map { "\($0.written.value) → \($0.searched.value)" }.joined(separator: ", ")
        let more = droppedExtensionCount > droppedExtensions.count && droppedExtensions.count == Self.droppedExtensionsShown ? ", …" : ""
        return "\(count) phone value\(count == 1 ? "" : "s") had an extension; searched without it: \(shown)\(more)"
    }
}

/// Normalises, de-duplicates and packs values into batches, in order of
/// first appearance (a batch may hold several types: one `contact_channels`
/// entry each). The request count is `ceil(distinct values / batchSize)`,
/// counting only values the answer cache does not hold: those ride in the
/// batches, in their places, without counting towards a batch's size.
public struct SearchPlanner: Sendable {
    /// At most this many ids per request.
    public var batchSize: Int
    public var normalizer: ChannelNormalizer
    /// Text no value may hold (the client's own credentials): such a value is
    /// refused, never sent, and its text never shown.
    public var forbidden: [String]
    /// The answer cache: the batches take the values it answers from it when it
    /// is read, and the lookup keeps what it settles in it (nil: every value is sent, nothing kept).
    public var answers: AnswerCache.Use?

    /// Values answered from the cache one batch may carry beside none sent (a
    /// batch sending requests carries those met before it fills, up to ``cachedAtMost``).
    static let cachedAlone = 1_000
    static let cachedAtMost = 100_000

    public init(batchSize: Int = 100, normalizer: ChannelNormalizer = ChannelNormalizer(), forbidden: [String] = [], answers: AnswerCache.Use? = nil) {
        self.batchSize = max(1, batchSize)
        self.normalizer = normalizer
        self.forbidden = forbidden.filter { $0.count >= 8 }
        self.answers = answers
    }

    /// What `value` is sent as, or why it is not sent.
    public func normalize(_ value: ChannelValue) -> Result<NormalizedChannelValue, HeymarketError> { reading(value).normalized }

    /// What `value` is sent as (or why it is not sent), and the extension left off it (``ChannelNormalizer/reading(_:)``).
    public func reading(_ value: ChannelValue) -> (normalized: Result<NormalizedChannelValue, HeymarketError>, droppedExtension: String?) {
        forbidden.contains(where: { value.value.contains($0) })
            ? (.failure(HeymarketError(.credentialInValue, message: "\(value.type ?? "value") holding a credential of this session (not shown): hmq never sends it")), nil)
            : normalizer.reading(value)
    }

    /// Reads the input once (twice when values repeat, to gather their
    /// writings) in memory that does not grow with it: repeats are found by
    /// sorting fingerprints in runs of `runLength` (16 bytes each) spilled to a
    /// temporary file and merged.
    public func census(_ open: InputOpener, runLength: Int = 1 << 19) throws -> PlanCensus {
        var census = PlanCensus()
        var finder = try DuplicateFinder(runLength: runLength)
        var hash = SHA256()
        hash.update(data: Data("batch \(batchSize)\n".utf8))
        /// Values kept with a group, by group: they are answered only when every value of their group is here.
        var grouped: [String: (size: Int, present: Set<ValueFingerprint>)] = [:]
        let reader = try open()
        while let input = try reader.next() {
            census.inputCount += 1
            // Ctrl-C, or a reader of the output that went away, stops a long census.
            if census.inputCount % 4096 == 0 { try Task.checkCancellation() }
            let reading = reading(input.value)
            switch reading.normalized {
            case .failure(let error):
                census.invalidCount += 1
                if census.invalid.count < PlanCensus.invalidShown { census.invalid.append((input, error)) }
            case .success(let n):
                if reading.droppedExtension != nil { census.dropped(input.value, searched: n) }
                var line = n.description + "\n"
                line.withUTF8 { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
                let f = ValueFingerprint(n)
                try finder.add(f)
                if answers?.reads == true, let answer = answers?.answer(for: n) {
                    if answer.whole { census.cached.insert(f) }
                    if let group = answer.group { grouped[group.id, default: (group.size, [])].present.insert(f) }
                }
            }
        }
        for (size, present) in grouped.values where present.count == size { census.cached.formUnion(present) }
        let (repeated, extra) = try finder.finish()
        census.distinctCount = census.inputCount - census.invalidCount - extra
        census.batchSize = batchSize
        census.batchCount = (census.distinctCount - census.cached.count + batchSize - 1) / batchSize
        census.fingerprint = Hex.string(hash.finalize().prefix(16))
        if !repeated.isEmpty {
            let again = try open()
            var seen = Set<ChannelValue>()
            while let input = try again.next() {
                guard case .success(let n) = normalize(input.value) else { continue }
                let f = ValueFingerprint(n)
                guard repeated.contains(f) else { continue }
                if seen.insert(input.value).inserted { census.repeated[f, default: []].append(input.value) }
            }
        }
        return census
    }

    /// The batches of the input `census` was taken of, made as they are asked for.
    func batches(_ open: InputOpener, census: PlanCensus) throws -> BatchSource {
        let reader = try open()
        let planner = self
        var seen = Set<ValueFingerprint>()
        var position = 0
        var index = 0
        return BatchSource(census: census) {
            var batch = ChannelBatch(index: index, values: [])
            batch.values.reserveCapacity(planner.batchSize)
            while batch.values.count < planner.batchSize,
                  batch.cached.count < (batch.values.isEmpty ? SearchPlanner.cachedAlone : SearchPlanner.cachedAtMost),
                  let input = try reader.next() {
                defer { position += 1 }
                guard case .success(let n) = planner.normalize(input.value) else { continue }
                var writings = [input.value]
                let f = ValueFingerprint(n)
                if !census.repeated.isEmpty {
                    if let all = census.repeated[f] {
                        guard seen.insert(f).inserted else { continue }
                        writings = all
                    }
                }
                // Counted as held by the census, and still there (else it is sent after all).
                if census.cached.contains(f), planner.answers?.reads == true, let answer = planner.answers?.answer(for: n) {
                    batch.cached.append(ChannelBatch.CachedValue(value: n, firstInput: position, writings: writings, contacts: answer.contacts))
                    continue
                }
                batch.values.append(n)
                batch.firstInputs.append(position)
                batch.writings.append(writings)
            }
            guard !batch.values.isEmpty || !batch.cached.isEmpty else { return nil }
            index += 1
            return batch
        }
    }

    /// The whole plan for `values`, made by the same passes.
    public func plan(_ values: [ChannelValue]) -> SearchPlan {
        do {
            let open: InputOpener = { ArrayInputReader(values) }
            let census = try census(open, runLength: Int.max)
            let source = try batches(open, census: census)
            var batches: [ChannelBatch] = []
            while let batch = try source.next() { batches.append(batch) }
            return SearchPlan(inputs: values.map { .init(value: $0, normalized: normalize($0)) },
                              values: batches.flatMap(\.valuesInInputOrder), batches: batches, census: census)
        } catch {
            // An array cannot fail to read, and a census held in memory writes no file.
            preconditionFailure("planning values held in memory failed: \(error)")
        }
    }
}

/// Batches as they are asked for, in order (the runner asks from any task,
/// one at a time).
final class BatchSource: Sendable {
    let census: PlanCensus
    // In a box: a closure stored in the mutex itself is wrapped in one more
    // reabstraction thunk at each `withLock`, so every call got slower than the last.
    private final class Producer {
        let produce: () throws -> ChannelBatch?
        init(_ produce: @escaping () throws -> ChannelBatch?) { self.produce = produce }
    }
    private let producer: Mutex<Producer>

    init(census: PlanCensus, produce: sending @escaping () throws -> ChannelBatch?) {
        self.census = census
        self.producer = Mutex(Producer(produce))
    }

    /// The batches of a whole plan.
    convenience init(_ plan: SearchPlan) {
        var rest = plan.batches[...]
        self.init(census: plan.census) { rest.popFirst() }
    }

    /// The next batch, or nil after the last.
    func next() throws -> ChannelBatch? { try producer.withLock { try $0.produce() } }
}

/// Finds the values that occur more than once among any number, in memory
/// that does not grow with them: fingerprints are sorted in runs; every run
/// but the last is written to an unlinked temporary file; a merge of the
/// runs finds the repeats.
struct DuplicateFinder: ~Copyable {
    private let runLength: Int
    private var run: [ValueFingerprint] = []
    private var spill: Int32 = -1
    private var runs: [(start: Int, count: Int)] = []
    private var spilled = 0

    init(runLength: Int) throws(HeymarketError) {
        self.runLength = max(2, runLength)
    }

    deinit { if spill >= 0 { close(spill) } }

    mutating func add(_ f: ValueFingerprint) throws(HeymarketError) {
        run.append(f)
        if run.count >= runLength { try flush() }
    }

    private mutating func flush() throws(HeymarketError) {
        guard !run.isEmpty else { return }
        run.sort()
        if spill < 0 {
            var template = Array((FileManager.default.temporaryDirectory.path + "/hmq-census-XXXXXX").utf8CString)
            spill = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard spill >= 0 else { throw Self.failure("create a temporary file in \(FileManager.default.temporaryDirectory.path)") }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        }
        let written = run.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = pwrite(spill, bytes.baseAddress! + offset, bytes.count - offset, off_t(spilled * 16 + offset))
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        guard written else { throw Self.failure("write a temporary file") }
        runs.append((spilled, run.count))
        spilled += run.count
        run.removeAll(keepingCapacity: true)
    }

    private static func failure(_ what: String) -> HeymarketError {
        HeymarketError(.temporaryFile, message: "cannot \(what) to find repeated values: \(String(cString: strerror(errno)))")
    }

    /// The repeated fingerprints, and how many inputs were repeats (beyond each first).
    mutating func finish() throws(HeymarketError) -> (Set<ValueFingerprint>, Int) {
        var repeated = Set<ValueFingerprint>()
        var extra = 0
        var previous: ValueFingerprint?
        func see(_ f: ValueFingerprint) {
            if f == previous {
                repeated.insert(f)
                extra += 1
            }
            previous = f
        }
        if runs.isEmpty {
            run.sort()
            for f in run { see(f) }
            run = []
            return (repeated, extra)
        }
        try flush()
        run = []
        // Merge: a small buffer per run, refilled from the file.
        struct Head { var next: Int; var end: Int; var buffer: [ValueFingerprint]; var at: Int }
        var heads = runs.map { Head(next: $0.start, end: $0.start + $0.count, buffer: [], at: 0) }
        let chunk = 4096
        func refill(_ h: inout Head) throws(HeymarketError) {
            let count = min(chunk, h.end - h.next)
            h.buffer = [ValueFingerprint](repeating: ValueFingerprint(high: 0, low: 0), count: count)
            h.at = 0
            let ok = h.buffer.withUnsafeMutableBytes { bytes -> Bool in
                var offset = 0
                while offset < bytes.count {
                    let n = pread(spill, bytes.baseAddress! + offset, bytes.count - offset, off_t(h.next * 16 + offset))
                    if n < 0, errno == EINTR { continue }
                    if n <= 0 { return false }
                    offset += n
                }
                return true
            }
            guard ok else { throw Self.failure("read a temporary file") }
            h.next += count
        }
        for i in heads.indices { try refill(&heads[i]) }
        while true {
            var best = -1
            for i in heads.indices where heads[i].at < heads[i].buffer.count {
                if best < 0 || heads[i].buffer[heads[i].at] < heads[best].buffer[heads[best].at] { best = i }
            }
            guard best >= 0 else { break }
            see(heads[best].buffer[heads[best].at])
            heads[best].at += 1
            if heads[best].at == heads[best].buffer.count, heads[best].next < heads[best].end { try refill(&heads[best]) }
        }
        return (repeated, extra)
    }
}
