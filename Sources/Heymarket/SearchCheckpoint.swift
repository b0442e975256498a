import Crypto
import Foundation
import HMQJSON
import HMQSystem
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
/// attribution mode, a hash of the credentials), so re-running the same command finds its batches and a
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
        /// A fingerprint of the credentials it was made with (``credentialFingerprint(_:)``).
        var account: String?
        /// Journaled answers not yet replayed in this run (each is replayed once, then let go).
        var done: [Int: Record] = [:]
        /// Batches answered: journaled before, or in this run.
        var answered = 0
    }

    struct Record {
        /// Its line in the journal (to name it when it proves damaged).
        var line: Int
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
                            try read(line: line, number: lineNumber, into: &state)
                        } catch {
                            return .failure(damaged(line: lineNumber, error.message))
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

    /// The error for a journal that is damaged at `line`: it is never half read.
    func damaged(line: Int, _ what: String) -> HeymarketError {
        HeymarketError(.checkpoint, message: "checkpoint damaged at line \(line) of '\(path)': \(what); delete it (or name a new file) to start over")
    }

    /// Reads one record, checking its shape: a lookup (its plan) or a batch of
    /// a lookup read before (its contacts, every one an object, and what exact
    /// attribution found, by indexes into them). The indexes into the batch's
    /// values are checked once the plan is known (``begin(_:server:attribution:)``).
    private func read(line: ArraySlice<UInt8>, number: Int, into state: inout State) throws(HeymarketError) {
        func bad(_ what: String) -> HeymarketError { HeymarketError(.checkpoint, message: what) }
        guard case .object(let object)? = try? JSONParser.parse(line) else { throw bad("not a JSON object") }
        guard case .integer(let lookupNumber) = object["lookup"], lookupNumber >= 0, lookupNumber < Int32.max else {
            throw bad("no lookup number")
        }
        let lookup = Int(lookupNumber)
        if object["plan"] != nil {
            guard case .string(let plan) = object["plan"], case .integer(let batches) = object["batches"], batches >= 0, batches < Int32.max else {
                throw bad("a lookup record needs a plan and a batch count")
            }
            guard state.lookups[lookup] == nil else { throw bad("lookup \(lookup + 1) is recorded twice") }
            var known = Lookup(plan: plan, batches: Int(batches))
            if case .string(let server) = object["url"] { known.server = server }
            if case .string(let attribution) = object["attribution"] { known.attribution = attribution }
            if case .string(let account) = object["account"] { known.account = account }
            state.lookups[lookup] = known
            return
        }
        guard let known = state.lookups[lookup] else { throw bad("a batch of lookup \(lookup + 1), which no line before starts") }
        guard case .integer(let batch) = object["batch"], batch >= 0, batch < known.batches else {
            throw bad("no batch number of the lookup's \(known.batches)")
        }
        guard case .string(let values) = object["values"] else { throw bad("batch \(batch + 1) has no fingerprint of its values") }
        let (contacts, findings): ([Contact], AttributionProbe.Findings?)
        switch Self.answer(in: object, of: "batch \(batch + 1)") {
        case .success(let answer): (contacts, findings) = answer
        case .failure(let problem): throw bad(problem.message)
        }
        state.lookups[lookup]?.done[Int(batch)] = Record(line: number, values: values, contacts: contacts, findings: findings)
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
        Hex.string(SHA256.hash(data: Data(text.utf8)).prefix(16))
    }

    static func fingerprint(_ batch: ChannelBatch) -> String {
        fingerprint(batch.values.map(\.description).joined(separator: "\n"))
    }

    /// A fingerprint of credentials (a hash of the Secret ID and Key, or of the
    /// API key; never the credential itself): another account's answers are
    /// not this one's.
    static func credentialFingerprint(_ credentials: Credentials) -> String {
        switch credentials {
        case .secret(let id, let key): return fingerprint("hmq credentials: secret\n\(id)\n\(key.exposedValue)")
        case .apiKey(let key): return fingerprint("hmq credentials: api key\n\(key.exposedValue)")
        }
    }

    /// Starts the next lookup of the run: refuses a journal whose lookup at
    /// this position was another plan, or was made with other credentials.
    /// `server` names the server (its URL; the embedded sandbox, whose port
    /// changes from run to run, passes one name for itself).
    func begin(_ plan: PlanCensus, server: String, attribution: AttributionMode, credentials: Credentials) throws(HeymarketError) -> Int {
        let account = Self.credentialFingerprint(credentials)
        let fingerprint = Self.fingerprint([server, attribution.rawValue, account, plan.fingerprint].joined(separator: "\n"))
        let result: Result<Int, HeymarketError> = state.withLock { state in
            let number = state.nextLookup
            if let known = state.lookups[number] {
                guard known.plan == fingerprint, known.batches == plan.batchCount else {
                    let why: String
                    if let other = known.server, other != server {
                        why = "it was made against \(other), this run asks \(server)"
                    } else if known.account != account {
                        why = "it was made with other credentials (another Secret ID or Key), and holds that account's contacts"
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
                // Its findings name values by their index in the batch: each must be one of the batch's.
                for (batch, record) in known.done.sorted(by: { $0.value.line < $1.value.line }) {
                    let size = min(plan.batchSize, plan.distinctCount - batch * plan.batchSize)
                    let named = (record.findings?.hits.map(\.value) ?? []) + (record.findings?.provenUnmatched.sorted() ?? [])
                    if let beyond = named.first(where: { $0 >= size }) {
                        return .failure(damaged(line: record.line, "an attribution finding of batch \(batch + 1) names value \(beyond + 1), and the batch holds \(size)"))
                    }
                }
            } else {
                let line = JSONWriter().string(.object(Self.object([("lookup", .integer(Int64(number))), ("plan", .string(fingerprint)),
                                                                  ("batches", .integer(Int64(plan.batchCount))), ("url", .string(server)),
                                                                  ("attribution", .string(attribution.rawValue)), ("account", .string(account))])))
                if case .failure(let e) = Self.append(line, to: state.descriptor, path: path) { return .failure(e) }
                state.lookups[number] = Lookup(plan: fingerprint, batches: plan.batchCount, server: server, attribution: attribution.rawValue, account: account)
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
            outcome.replayedLine = record.line
            return outcome
        }
    }

    /// A settled answer as a journal line (and the answer cache) keeps it: its
    /// contacts, and what exact attribution found, by indexes into them and the batch's values.
    static func answerMembers(_ contacts: [Contact], _ findings: AttributionProbe.Findings?) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("contacts", .array(contacts.map { .object($0.fields) }))]
        if let findings {
            members.append(("findings", .object(Self.object([
                ("hits", .array(findings.hits.map { .array([.integer(Int64($0.value)), .integer(Int64($0.contact))]) })),
                ("unmatched", .array(findings.provenUnmatched.sorted().map { .integer(Int64($0)) })),
            ]))))
        }
        return members
    }

    /// What a problem with a kept answer is (`batch 3 has no list of contacts`).
    struct AnswerProblem: Error { var message: String }

    /// Reads back what ``answerMembers(_:_:)`` wrote, checking its shape (every
    /// contact an object, every finding a pair of indexes naming a contact it
    /// holds); `name` names the answer in a problem. The indexes into the batch's
    /// values are checked by the reader, which knows the batch.
    static func answer(in object: JSONObject, of name: String) -> Result<([Contact], AttributionProbe.Findings?), AnswerProblem> {
        func bad(_ what: String) -> Result<([Contact], AttributionProbe.Findings?), AnswerProblem> { .failure(AnswerProblem(message: what)) }
        guard case .array(let elements) = object["contacts"] else { return bad("\(name) has no list of contacts") }
        var contacts: [Contact] = []
        for (i, element) in elements.enumerated() {
            guard let contact = Contact(json: element) else { return bad("contact \(i + 1) of \(name) is not a JSON object") }
            contacts.append(contact)
        }
        guard let f = object["findings"] else { return .success((contacts, nil)) }
        // Contact indexes are those of the answer's contacts, one per id, as when they were found.
        let contactCount = Contact.grouped(contacts).count
        func index(_ value: JSONValue, below bound: Int? = nil) -> Int? {
            guard case .integer(let i) = value, i >= 0, i < bound.map(Int64.init) ?? Int64(Int32.max) else { return nil }
            return Int(i)
        }
        guard case .array(let hits)? = f["hits"], case .array(let unmatched)? = f["unmatched"] else {
            return bad("\(name)'s attribution findings are not a list of hits and a list of unmatched values")
        }
        var found = AttributionProbe.Findings()
        for hit in hits {
            guard case .array(let pair) = hit, pair.count == 2, let v = index(pair[0]) else {
                return bad("\(name) has an attribution finding that is not a pair of indexes")
            }
            guard let c = index(pair[1], below: contactCount) else {
                return bad("\(name) has an attribution finding naming a contact its \(contactCount) contact\(contactCount == 1 ? "" : "s") do not hold")
            }
            found.hits.append((v, c))
        }
        for u in unmatched {
            guard let v = index(u) else { return bad("\(name) has an unmatched value that is not an index") }
            found.provenUnmatched.insert(v)
        }
        return .success((contacts, found))
    }

    /// Journals an answered batch, durably. A batch whose exact attribution did
    /// not finish, or with values the server refused, is not journaled (a re-run asks again).
    func record(_ outcome: HeymarketClient.BatchOutcome, lookup: Int) {
        guard case .success(let contacts) = outcome.result, outcome.findings?.failure == nil, outcome.findings?.unresolved.isEmpty ?? true,
              outcome.rejected.isEmpty else { return }
        let members: [(String, JSONValue)] = [("lookup", .integer(Int64(lookup))), ("batch", .integer(Int64(outcome.batch.index))),
                                              ("values", .string(Self.fingerprint(outcome.batch)))] + Self.answerMembers(contacts, outcome.findings)
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
