import HMQJSON
import Foundation
import Synchronization

/// Settled answers to single values, kept for a while, so that asking about
/// a value again spends no request (`set cache 5m`, `--cache`, `HMQ_CACHE`).
///
/// Only settled outcomes are kept (undetermined, invalid and failed values,
/// and errors, never are): no contact, or matched with the contacts the
/// lookup tied to the value. A value's answer is *whole* when it found no
/// contact, or when every contact of its request's answer is its own (a value
/// asked alone); such an answer is used in any later lookup. The others are
/// kept with their *group*: every value of that request that found a contact.
/// A contact tied to one of them by a field may hold another on a channel no
/// field shows, so their ties are true together, not alone: they are used
/// only in a lookup that holds every value of the group (the same lookup
/// again, or one that adds values), where every contact any of them finds is
/// found, as the request found it.
///
/// Answers are kept per server and credentials (a hash of them, never the
/// key), each value in a file of its own, named by a hash of the scope and
/// the value; a file is written beside its final name and renamed, so several
/// processes read and write the cache at once without locks, and a reader
/// sees a whole answer or none. An answer's age is its file's modification
/// time; it is used while younger than the cache setting at the time it is
/// read. Directories are 0700, files 0600.
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

    /// A value's settled answer: the contacts tied to it (none: no contact).
    public struct Answer: Sendable, Hashable {
        public var contacts: [Contact]
        /// When it was learned.
        public var stored: Date
        /// Usable alone (see ``AnswerCache``).
        public var whole: Bool
        /// The values of its request that found a contact, this one among them (nil: it found none).
        public var group: Group?
    }

    /// The values of one request that found a contact: a hash of them, and how many.
    public struct Group: Sendable, Hashable {
        public var id: String
        public var size: Int
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

    /// What the cache holds for one server and key, for `.cache`.
    public struct Size: Sendable, Equatable {
        public var answers = 0
        public var bytes = 0
        /// Of ``answers``, those young enough to be used.
        public var fresh = 0
    }

    public let storage: Storage
    /// The answers' directory for this server and credentials (directory storage).
    public let scopeDirectory: String?
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
              object["value"] == .string(value.value), object["scope"] == .string(scope), case .bool(let whole)? = object["whole"],
              case .success((let contacts, nil)) = SearchCheckpoint.answer(in: object, of: "the answer") else { return nil }
        var group: Group?
        if let g = object["group"] {
            guard case .string(let id)? = g["id"], case .integer(let size)? = g["size"], size >= 1, size <= Int32.max else { return nil }
            group = Group(id: id, size: Int(size))
        }
        return Answer(contacts: contacts, stored: stored, whole: whole, group: group)
    }

    /// Counts a batch's values: `hits` answered from the cache, `misses` sent.
    func count(hits: Int, misses: Int) {
        counts.withLock {
            $0.hits += hits
            $0.misses += misses
        }
    }

    /// Keeps `contacts` as the settled answer for `value`: `whole`, or true only
    /// together with the other values of `group` (see ``AnswerCache``).
    public func store(_ value: NormalizedChannelValue, contacts: [Contact], whole: Bool, group: Group?) {
        counts.withLock { $0.stored += 1 }
        var object = JSONObject([
            .init(key: "scope", value: .string(scope)),
            .init(key: "type", value: value.type.map(JSONValue.string) ?? .null),
            .init(key: "value", value: .string(value.value)),
            .init(key: "whole", value: .bool(whole)),
            .init(key: "contacts", value: .array(contacts.map { .object($0.fields) })),
        ])
        if let group { object["group"] = .object(JSONObject([.init(key: "id", value: .string(group.id)), .init(key: "size", value: .integer(Int64(group.size)))])) }
        write(key(value), object)
    }

    /// The group of `values` (those of one request that found a contact).
    static func group(of values: [NormalizedChannelValue]) -> Group {
        Group(id: SearchCheckpoint.fingerprint(values.map(Self.spelled).sorted().joined(separator: "\n")), size: values.count)
    }

    /// A value as one line no other value spells: lengths first, so an untyped
    /// `phone:1415…` is not the phone 1415…, and no value's text runs into the next.
    private static func spelled(_ value: NormalizedChannelValue) -> String {
        "\(value.type.map { "\($0.utf8.count):\($0)" } ?? "-"):\(value.value.utf8.count):" + value.value.unicodeScalars.map { $0 == "\n" ? "\\n" : $0 == "\\" ? "\\\\" : String($0) }.joined()
    }

    /// Writes an answer under `key`. A file that cannot be written is skipped:
    /// the cache only ever saves requests, it never fails a lookup.
    private func write(_ key: String, _ object: JSONObject) {
        guard let scopeDirectory else {
            memory.withLock { $0[key] = (object, now()) }
            return
        }
        let directory = scopeDirectory + "/" + key.prefix(2)
        guard Self.makeDirectory(directory), Self.isPrivateDirectory(scopeDirectory), Self.isPrivateDirectory(directory) else { return }
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

    /// Removes the answers kept for this server and credentials; returns how many.
    @discardableResult
    public func clear() -> Int {
        guard let scopeDirectory else {
            return memory.withLock { answers in
                defer { answers = [:] }
                return answers.count
            }
        }
        let before = size().answers
        try? FileManager.default.removeItem(atPath: scopeDirectory)
        // What could not be removed (another user's files) is not said to be.
        return before - size().answers
    }

    /// How many answers are kept for this server and credentials, in how many
    /// bytes, and how many of them are younger than `maximumAge` seconds.
    public func size(maximumAge: Double = .infinity) -> Size {
        guard let scopeDirectory else {
            let (all, fresh) = memory.withLock { ($0.count, $0.values.filter { Self.isFresh($0.stored, maximumAge: maximumAge, now: now()) }.count) }
            return Size(answers: all, bytes: 0, fresh: fresh)
        }
        var size = Size()
        guard let walker = FileManager.default.enumerator(atPath: scopeDirectory) else { return size }
        while let name = walker.nextObject() as? String {
            guard name.hasSuffix(".json"), let attributes = walker.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            size.answers += 1
            size.bytes += (attributes[.size] as? Int) ?? 0
            if let time = attributes[.modificationDate] as? Date, Self.isFresh(time, maximumAge: maximumAge, now: now()) { size.fresh += 1 }
        }
        return size
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

        func answer(for value: NormalizedChannelValue) -> Answer? { cache.answer(for: value, maximumAge: maximumAge) }
    }

    // MARK: - Inside

    private static func isFresh(_ stored: Date, maximumAge: Double, now: Date) -> Bool {
        let age = now.timeIntervalSince(stored)
        // A time ahead of the clock is a file someone touched: not trusted.
        return age >= -1 && age < maximumAge
    }

    private func key(_ value: NormalizedChannelValue) -> String {
        SearchCheckpoint.fingerprint("\(scope)\n" + Self.spelled(value))
    }

    private func path(of key: String) -> String { (scopeDirectory ?? "") + "/" + key.prefix(2) + "/" + key + ".json" }

    /// The object kept under `key`, and when, if younger than `maximumAge`.
    private func read(_ key: String, maximumAge: Double) -> (JSONObject, Date)? {
        guard scopeDirectory != nil else {
            return memory.withLock { $0[key] }.flatMap { Self.isFresh($0.stored, maximumAge: maximumAge, now: now()) ? ($0.json, $0.stored) : nil }
        }
        // Never through a link, nor waiting on a FIFO: only a regular file of ours is an answer.
        guard Self.isPrivateDirectory(scopeDirectory! + "/" + key.prefix(2)), Self.isPrivateDirectory(scopeDirectory!) else { return nil }
        let fd = open(path(of: key), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        // Another user's file, or one anyone may write, is not an answer of ours.
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(), info.st_mode & 0o022 == 0,
              info.st_size < Self.largestAnswer else { return nil }
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

    /// An answer file larger than this is not read (a value that finds thousands of contacts is asked again).
    static let largestAnswer = 4 << 20

    /// True for a directory (not a link to one) of this user that no one else may write.
    private static func isPrivateDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR && info.st_uid == geteuid() && info.st_mode & 0o022 == 0
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
