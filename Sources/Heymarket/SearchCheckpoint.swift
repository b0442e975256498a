import Crypto
import Foundation
import Synchronization

/// A journal of finished batches (`--checkpoint FILE`, `set checkpoint "FILE"`),
/// so that a run stopped at any point (Ctrl-C, a crash, `kill -9`, a lost
/// network) can be run again and skip what was done.
///
/// The file is append-only text, one JSON object per line, each line written
/// with one `write` and made durable with `fsync` before the batch counts as
/// done:
///
///     hmq-checkpoint 1
///     {"lookup":0,"plan":"3f1c…","batches":71,"url":"https://api.heymarket.com"}
///     {"lookup":0,"batch":4,"values":"a07e…","contacts":[…]}
///
/// Lookups are numbered in the order a run starts them; each is tied to a
/// fingerprint of its plan (the server, every value in order and the batch size, the
/// attribution mode), so re-running the same command finds its batches and a
/// checkpoint made for other inputs or settings is refused. A line cut short
/// by a kill has no newline: it is ignored and cut off before the next append.
/// Only answered batches are journaled: failed ones are asked again.
///
/// An append-only file rather than SQLite: one writer, records that never
/// change, and a torn tail is the only damage a kill can do; it needs no
/// dependency and `tail -f` shows progress.
public final class SearchCheckpoint: Sendable {
    public let path: String
    private let state: Mutex<State>

    struct Lookup {
        var plan: String
        var batches: Int
        /// The server and attribution it was made with (to say what differs).
        var server: String?
        var attribution: String?
        /// Journaled answers not yet replayed in this run (each is replayed once, then let go).
        var done: [Int: Record] = [:]
        /// Batches answered: journaled before, or in this run.
        var answered = 0
    }

    struct Record {
        var values: String
        var contacts: [Contact]
        var findings: AttributionProbe.Findings?
    }

    struct State {
        var descriptor: Int32
        var lookups: [Int: Lookup] = [:]
        var nextLookup = 0
        var failure: HeymarketError?
    }

    /// Opens (or creates, mode 0600) the journal at `path` and reads what it holds.
    public init(path: String) throws(HeymarketError) {
        self.path = path
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link (name the file itself)" : String(cString: strerror(errno))
            throw HeymarketError(.checkpoint, message: "cannot open '\(path)': \(reason)")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw HeymarketError(.checkpoint, message: "'\(path)' is not a regular file")
        }
        // Two runs appending to one journal would interleave their lookups.
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor)
            throw HeymarketError(.checkpoint, message: "'\(path)' is in use by another hmq run; wait for it, or name another file")
        }
        do {
            state = Mutex(State(descriptor: descriptor))
            try load()
            // It holds contacts: an existing checkpoint made under a wider umask is narrowed too.
            _ = fchmod(descriptor, 0o600)
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { state.withLock { _ = close($0.descriptor) } }

    private static let header = "hmq-checkpoint 1"

    /// Reads the journal; cuts off a torn last line; writes the header into a new file.
    private func load() throws(HeymarketError) {
        let result: Result<Void, HeymarketError> = state.withLock { state in
            // Line by line: a journal of a 10M-id run has 100,000 lines, and
            // what it holds is let go as each batch is replayed.
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var offset: off_t = 0
            var complete: off_t = 0
            var lineNumber = 0
            while true {
                let n = chunk.withUnsafeMutableBytes { pread(state.descriptor, $0.baseAddress, $0.count, offset) }
                if n < 0, errno == EINTR { continue }
                if n < 0 { return .failure(HeymarketError(.checkpoint, message: "cannot read '\(path)': \(String(cString: strerror(errno)))")) }
                if n == 0 { break }
                pending += chunk[0..<n]
                offset += off_t(n)
                var start = 0
                while let newline = pending[start...].firstIndex(of: 0x0A) {
                    let line = pending[start..<newline]
                    lineNumber += 1
                    // Nothing is changed in a file until it has proved to be a checkpoint.
                    if lineNumber == 1 {
                        guard String(decoding: line, as: UTF8.self) == Self.header else {
                            return .failure(HeymarketError(.checkpoint, message: "'\(path)' is not an hmq checkpoint; name a new file or an old checkpoint"))
                        }
                    } else {
                        do throws(HeymarketError) {
                            try read(line: line, into: &state)
                        } catch {
                            return .failure(HeymarketError(.checkpoint, message: "'\(path)' is damaged at line \(lineNumber): \(error.message)"))
                        }
                    }
                    complete += off_t(newline - start + 1)
                    start = newline + 1
                }
                pending.removeFirst(start)
            }
            if offset == 0 {
                return Self.append(Self.header, to: state.descriptor, path: path)
            }
            guard lineNumber > 0 else {
                return .failure(HeymarketError(.checkpoint, message: "'\(path)' is not an hmq checkpoint; name a new file or an old checkpoint"))
            }
            for key in Array(state.lookups.keys) {
                let answered = state.lookups[key]?.done.count ?? 0
                state.lookups[key]?.answered = answered
            }
            // A torn last line (a kill in the middle of its write) is cut off.
            if !pending.isEmpty, ftruncate(state.descriptor, complete) != 0 {
                return .failure(HeymarketError(.checkpoint, message: "cannot repair '\(path)': \(String(cString: strerror(errno)))"))
            }
            return .success(())
        }
        try result.get()
    }

    private func read(line: ArraySlice<UInt8>, into state: inout State) throws(HeymarketError) {
        let bad = HeymarketError(.checkpoint, message: "not a journal record")
        guard case .object(let object) = try? JSONParser.parse(line), case .integer(let lookupNumber) = object["lookup"] else { throw bad }
        let lookup = Int(lookupNumber)
        if case .string(let plan) = object["plan"], case .integer(let batches) = object["batches"] {
            var known = Lookup(plan: plan, batches: Int(batches))
            if case .string(let server) = object["url"] { known.server = server }
            if case .string(let attribution) = object["attribution"] { known.attribution = attribution }
            state.lookups[lookup] = known
            return
        }
        guard case .integer(let batch) = object["batch"], case .string(let values) = object["values"],
              case .array(let contacts) = object["contacts"], state.lookups[lookup] != nil else { throw bad }
        var findings: AttributionProbe.Findings?
        if case .object(let f) = object["findings"] {
            var found = AttributionProbe.Findings()
            if case .array(let hits) = f["hits"] {
                for hit in hits {
                    guard case .array(let pair) = hit, pair.count == 2, case .integer(let v) = pair[0], case .integer(let c) = pair[1] else { throw bad }
                    found.hits.append((Int(v), Int(c)))
                }
            }
            if case .array(let unmatched) = f["unmatched"] {
                for u in unmatched {
                    guard case .integer(let v) = u else { throw bad }
                    found.provenUnmatched.insert(Int(v))
                }
            }
            findings = found
        }
        state.lookups[lookup]?.done[Int(batch)] = Record(values: values, contacts: contacts.compactMap(Contact.init(json:)), findings: findings)
    }

    private static func append(_ line: String, to descriptor: Int32, path: String) -> Result<Void, HeymarketError> {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return .failure(HeymarketError(.checkpoint, message: "cannot write '\(path)': \(String(cString: strerror(errno)))")) }
            offset += n
        }
        guard fsync(descriptor) == 0 else {
            return .failure(HeymarketError(.checkpoint, message: "cannot save '\(path)' to disk: \(String(cString: strerror(errno)))"))
        }
        return .success(())
    }

    static func object(_ pairs: [(String, JSONValue)]) -> JSONObject {
        JSONObject(pairs.map { JSONObject.Member(key: $0.0, value: $0.1) })
    }

    /// A fingerprint of `text`: 16 bytes of SHA-256, as hex.
    static func fingerprint(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    static func fingerprint(_ batch: ChannelBatch) -> String {
        fingerprint(batch.values.map(\.description).joined(separator: "\n"))
    }

    /// Starts the next lookup of the run: refuses a journal whose lookup at
    /// this position was another plan.
    /// `server` names the server (its URL; the embedded sandbox, whose port
    /// changes from run to run, passes one name for itself).
    func begin(_ plan: PlanCensus, server: String, attribution: AttributionMode) throws(HeymarketError) -> Int {
        let fingerprint = Self.fingerprint([server, attribution.rawValue, plan.fingerprint].joined(separator: "\n"))
        let result: Result<Int, HeymarketError> = state.withLock { state in
            let number = state.nextLookup
            if let known = state.lookups[number] {
                guard known.plan == fingerprint, known.batches == plan.batchCount else {
                    let why: String
                    if let other = known.server, other != server {
                        why = "it was made against \(other), this run asks \(server)"
                    } else if let other = known.attribution, other != attribution.rawValue {
                        why = "it was made with attribution \(other), this run uses \(attribution.rawValue)"
                    } else if known.batches != plan.batchCount {
                        why = "its lookup \(number + 1) had \(known.batches) batch\(known.batches == 1 ? "" : "es"), this run's has \(plan.batchCount): other values or another batch size"
                    } else {
                        why = "its lookup \(number + 1) held other values (or the same in other batches)"
                    }
                    return .failure(HeymarketError(.checkpoint, message: "'\(path)' was made for other inputs or settings: \(why); "
                                                   + "run the command it was made for, or name a new file to start over"))
                }
            } else {
                let line = JSONWriter().string(.object(Self.object([("lookup", .integer(Int64(number))), ("plan", .string(fingerprint)),
                                                                  ("batches", .integer(Int64(plan.batchCount))), ("url", .string(server)),
                                                                  ("attribution", .string(attribution.rawValue))])))
                if case .failure(let e) = Self.append(line, to: state.descriptor, path: path) { return .failure(e) }
                state.lookups[number] = Lookup(plan: fingerprint, batches: plan.batchCount, server: server, attribution: attribution.rawValue)
            }
            state.nextLookup += 1
            return .success(number)
        }
        return try result.get()
    }

    /// The journaled outcome of `batch` in lookup `lookup`, if it finished before.
    func outcome(of batch: ChannelBatch, lookup: Int) -> HeymarketClient.BatchOutcome? {
        state.withLock { state in
            guard let record = state.lookups[lookup]?.done.removeValue(forKey: batch.index), record.values == Self.fingerprint(batch) else { return nil }
            var outcome = HeymarketClient.BatchOutcome(batch: batch, result: .success(record.contacts), attempts: 0)
            outcome.findings = record.findings
            return outcome
        }
    }

    /// Journals an answered batch, durably. A batch whose exact attribution did
    /// not finish, or with values the server refused, is not journaled (a re-run asks again).
    func record(_ outcome: HeymarketClient.BatchOutcome, lookup: Int) {
        guard case .success(let contacts) = outcome.result, outcome.findings?.failure == nil, outcome.findings?.unresolved.isEmpty ?? true,
              outcome.rejected.isEmpty else { return }
        var members: [(String, JSONValue)] = [("lookup", .integer(Int64(lookup))), ("batch", .integer(Int64(outcome.batch.index))),
                                              ("values", .string(Self.fingerprint(outcome.batch))), ("contacts", .array(contacts.map { .object($0.fields) }))]
        if let findings = outcome.findings {
            members.append(("findings", .object(Self.object([
                ("hits", .array(findings.hits.map { .array([.integer(Int64($0.value)), .integer(Int64($0.contact))]) })),
                ("unmatched", .array(findings.provenUnmatched.sorted().map { .integer(Int64($0)) })),
            ]))))
        }
        let line = JSONWriter().string(.object(Self.object(members)))
        state.withLock { state in
            guard state.failure == nil else { return }
            switch Self.append(line, to: state.descriptor, path: path) {
            case .success: state.lookups[lookup]?.answered += 1
            case .failure(let e): state.failure = e
            }
        }
    }

    /// The first failure to journal a batch, if any: the run must stop, since it could no longer be resumed.
    var writeFailure: HeymarketError? { state.withLock { $0.failure } }

    /// Batches journaled for lookup `lookup`, and its batch count.
    public func progress(ofLookup lookup: Int) -> (done: Int, of: Int)? {
        state.withLock { state in state.lookups[lookup].map { ($0.answered, $0.batches) } }
    }
}
