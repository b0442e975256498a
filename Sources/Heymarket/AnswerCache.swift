import Foundation
import Synchronization

/// Proven answers to single values, kept for a while, so that asking about a
/// value again spends no request (`set cache 5m`, `--cache`, `HMQ_CACHE`).
///
/// Two kinds of answers are kept, both settled (undetermined, invalid and
/// failed values, and errors, never are):
/// - a value's answer, when it is proven whole: no contact (an empty answer,
///   or exact attribution proved it), or matched when every contact of its
///   request's answer is its own (a value asked alone, or a batch whose
///   contacts all tie to it). A contact tied to another value of a batch may
///   hold this one too on a channel no field shows, so such a value alone is
///   not known whole; it rides in the batches of later lookups, without a request;
/// - for the values of a request that matched but are not known whole, what
///   the request tied to each, by the values: a later lookup whose request
///   would hold exactly those values (the others answered from the cache) is
///   answered with the same ties, without a request. Answers are kept per server and credentials (a hash of them, never
/// the key), each value in a file of its own, named by a hash of the scope
/// and the value; a file is written beside its final name and renamed, so
/// several processes read and write the cache at once without locks, and a
/// reader sees a whole answer or none. An answer's age is its file's
/// modification time; it is used while younger than the cache setting at the
/// time it is read. Directories are 0700, files 0600.
///
/// For the embedded sandbox (new each run) answers live in the process's memory.
public final class AnswerCache: Sendable {
    /// Where the answers are kept.
    public enum Storage: Sendable {
        /// Files under this directory (`$XDG_CACHE_HOME/hmq/answers`).
        case directory(String)
        /// This process's memory only.
        case memory
    }

    /// A value's proven answer: the contacts tied to it (none: no contact).
    public struct Answer: Sendable, Hashable {
        public var contacts: [Contact]
        /// When it was learned.
        public var stored: Date
    }

    /// How often the cache answered this session's lookups.
    public struct Statistics: Sendable, Equatable {
        /// Values answered from the cache.
        public var hits = 0
        /// Values looked up and sent: not in the cache, too old, or under `refresh`.
        public var misses = 0
        /// Answers stored.
        public var stored = 0
    }

    /// What the cache holds, for `.cache`.
    public struct Size: Sendable, Equatable {
        public var answers = 0
        public var bytes = 0
    }

    public let storage: Storage
    /// The answers' directory for this server and credentials (directory storage).
    private let scopeDirectory: String?
    private let scope: String
    private let memory = Mutex<[String: (json: JSONObject, stored: Date)]>([:])
    private let counts = Mutex(Statistics())
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - server: the server the answers come from (its URL).
    ///   - credentials: the key they are answers for: only a hash of it is kept.
    ///   - now: the clock answers' ages are told by.
    public init(storage: Storage, server: String, credentials: Credentials, now: @escaping @Sendable () -> Date = { Date() }) {
        self.storage = storage
        self.now = now
        scope = SearchCheckpoint.fingerprint("hmq answer cache v1\n\(server)\n\(SearchCheckpoint.credentialFingerprint(credentials))")
        if case .directory(let root) = storage { scopeDirectory = root + "/" + scope } else { scopeDirectory = nil }
    }

    /// `$XDG_CACHE_HOME/hmq/answers`, else `~/.cache/hmq/answers`.
    public static func defaultDirectory(environment: [String: String]) -> String {
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return cache + "/hmq/answers" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/hmq/answers"
    }

    /// This session's hits, misses and answers stored.
    public var statistics: Statistics { counts.withLock { $0 } }

    /// The answer kept for `value`, when one is younger than `maximumAge` seconds.
    public func answer(for value: NormalizedChannelValue, maximumAge: Double) -> Answer? {
        // A file that is not a whole answer for this very value is no answer.
        guard let (object, stored) = read(key(value), maximumAge: maximumAge), object["type"] == value.type.map(JSONValue.string) ?? .null,
              object["value"] == .string(value.value), case .success((let contacts, nil)) = SearchCheckpoint.answer(in: object, of: "the answer") else { return nil }
        return Answer(contacts: contacts, stored: stored)
    }

    /// The answer kept for the request `batch` sends (its values, in order), as it was settled.
    func answer(to batch: ChannelBatch, maximumAge: Double) -> HeymarketClient.BatchOutcome? {
        let values = SearchCheckpoint.fingerprint(batch)
        guard let (object, _) = read(key(request: values), maximumAge: maximumAge), object["values"] == .string(values),
              case .success((let contacts, let findings)) = SearchCheckpoint.answer(in: object, of: "the answer"),
              findings.map({ f in f.hits.allSatisfy { $0.value < batch.values.count } && f.provenUnmatched.allSatisfy { $0 < batch.values.count } }) ?? true
        else { return nil }
        var outcome = HeymarketClient.BatchOutcome(batch: batch, result: .success(contacts), attempts: 0)
        outcome.findings = findings
        outcome.fromCache = true
        return outcome
    }

    /// Keeps the answer of a request of `values` (in order) that each found
    /// the contacts `ties` holds for it (every value matched): the same request
    /// again is answered with these ties, as exact attribution's findings.
    func store(request values: [NormalizedChannelValue], ties: [[Contact]]) {
        var contacts: [Contact] = []
        var at: [Contact.Identity: Int] = [:]
        var findings = AttributionProbe.Findings()
        for (v, found) in ties.enumerated() {
            for contact in found {
                let c = at[contact.identity] ?? contacts.count
                if c == contacts.count {
                    at[contact.identity] = c
                    contacts.append(contact)
                }
                findings.hits.append((v, c))
            }
        }
        let fingerprint = SearchCheckpoint.fingerprint(ChannelBatch(index: 0, values: values))
        write(key(request: fingerprint), SearchCheckpoint.object([("values", .string(fingerprint))] + SearchCheckpoint.answerMembers(contacts, findings)))
    }

    /// Counts a batch's values: `hits` answered from the cache, `misses` sent.
    func count(hits: Int, misses: Int) {
        counts.withLock {
            $0.hits += hits
            $0.misses += misses
        }
    }

    /// True when an answer for `value` younger than `maximumAge` is kept (its
    /// file's time only: the census counts these without reading them).
    func holds(_ value: NormalizedChannelValue, maximumAge: Double) -> Bool {
        let key = key(value), stored: Date?
        switch storage {
        case .memory: stored = memory.withLock { $0[key]?.stored }
        case .directory:
            var info = stat()
            stored = stat(path(of: key), &info) == 0 ? Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9) : nil
        }
        return stored.map { Self.isFresh($0, maximumAge: maximumAge, now: now()) } ?? false
    }

    /// Keeps `contacts` as the proven, whole answer for `value`.
    public func store(_ value: NormalizedChannelValue, contacts: [Contact]) {
        counts.withLock { $0.stored += 1 }
        write(key(value), JSONObject([
            .init(key: "type", value: value.type.map(JSONValue.string) ?? .null),
            .init(key: "value", value: .string(value.value)),
            .init(key: "contacts", value: .array(contacts.map { .object($0.fields) })),
        ]))
    }

    /// Writes an answer under `key`. A file that cannot be written is skipped:
    /// the cache only ever saves requests, it never fails a lookup.
    private func write(_ key: String, _ object: JSONObject) {
        guard let scopeDirectory else {
            memory.withLock { $0[key] = (object, now()) }
            return
        }
        let directory = scopeDirectory + "/" + key.prefix(2)
        guard Self.makeDirectory(directory) else { return }
        var template = Array((directory + "/.tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return }
        let bytes = Array(JSONWriter().string(.object(object)).utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            offset += n
        }
        // The answer's time is the file's: set from the injected clock, not the wall's.
        let at = now().timeIntervalSince1970
        let time = timespec(tv_sec: Int(at.rounded(.down)), tv_nsec: Int((at - at.rounded(.down)) * 1e9))
        var times = [time, time]
        let written = offset == bytes.count && futimens(fd, &times) == 0
        close(fd)
        template.withUnsafeBufferPointer { temporary in
            if !written || rename(temporary.baseAddress!, path(of: key)) != 0 { unlink(temporary.baseAddress!) }
        }
    }

    /// Removes every kept answer (of every server, in the directory); returns how many.
    @discardableResult
    public func clear() -> Int {
        switch storage {
        case .memory:
            return memory.withLock { answers in
                defer { answers = [:] }
                return answers.count
            }
        case .directory(let root):
            let removed = size().answers
            try? FileManager.default.removeItem(atPath: root)
            return removed
        }
    }

    /// How many answers are kept, in how many bytes (of every server, in the directory).
    public func size() -> Size {
        switch storage {
        case .memory: return Size(answers: memory.withLock { $0.count }, bytes: 0)
        case .directory(let root):
            var size = Size()
            guard let walker = FileManager.default.enumerator(atPath: root) else { return size }
            while let name = walker.nextObject() as? String {
                guard name.hasSuffix(".json"), let attributes = walker.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular else { continue }
                size.answers += 1
                size.bytes += (attributes[.size] as? Int) ?? 0
            }
            return size
        }
    }

    /// The cache as one lookup uses it: how old an answer may be, and whether
    /// answers are read (not under `--refresh`, nor with a checkpoint, whose
    /// batches must be the same ones when it resumes) or only stored.
    public struct Use: Sendable {
        public let cache: AnswerCache
        /// Seconds.
        public let maximumAge: Double
        public let reads: Bool

        public init(cache: AnswerCache, maximumAge: Double, reads: Bool) {
            self.cache = cache
            self.maximumAge = maximumAge
            self.reads = reads
        }

        func holds(_ value: NormalizedChannelValue) -> Bool { cache.holds(value, maximumAge: maximumAge) }
        func answer(for value: NormalizedChannelValue) -> Answer? { cache.answer(for: value, maximumAge: maximumAge) }
        /// The kept answer to `batch`'s request, when answers are read.
        public func answer(to batch: ChannelBatch) -> HeymarketClient.BatchOutcome? { reads ? cache.answer(to: batch, maximumAge: maximumAge) : nil }
    }

    // MARK: - Inside

    private static func isFresh(_ stored: Date, maximumAge: Double, now: Date) -> Bool {
        let age = now.timeIntervalSince(stored)
        // A time ahead of the clock is a file someone touched: not trusted.
        return age >= -1 && age < maximumAge
    }

    private func key(_ value: NormalizedChannelValue) -> String {
        SearchCheckpoint.fingerprint("\(scope)\n\(value.type ?? "")\n\(value.value)")
    }

    private func key(request values: String) -> String { SearchCheckpoint.fingerprint("\(scope)\nrequest\n\(values)") }

    private func path(of key: String) -> String { (scopeDirectory ?? "") + "/" + key.prefix(2) + "/" + key + ".json" }

    /// The object kept under `key`, and when, if younger than `maximumAge`.
    private func read(_ key: String, maximumAge: Double) -> (JSONObject, Date)? {
        guard scopeDirectory != nil else {
            return memory.withLock { $0[key] }.flatMap { Self.isFresh($0.stored, maximumAge: maximumAge, now: now()) ? ($0.json, $0.stored) : nil }
        }
        let fd = open(path(of: key), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        // Another user's file, or one anyone may write, is not an answer of ours.
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(), info.st_mode & 0o022 == 0,
              info.st_size < 16 << 20 else { return nil }
        let stored = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
        guard Self.isFresh(stored, maximumAge: maximumAge, now: now()) else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            offset += n
        }
        guard case .object(let object)? = try? JSONParser.parse(bytes) else { return nil }
        return (object, stored)
    }

    /// Makes `path` and its parents, each new one 0700.
    private static func makeDirectory(_ path: String) -> Bool {
        var made = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            made += "/" + part
            if mkdir(made, 0o700) != 0, errno != EEXIST { return false }
        }
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
