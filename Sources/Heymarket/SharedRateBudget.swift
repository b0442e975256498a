import Foundation

/// One rate budget for every hmq process on one key and server: cron jobs, a
/// REPL and an agent sharing a key together never send more than the limit in
/// any window.
///
/// The budget is a small file (mode 0600, in a 0700 directory) named by a
/// fingerprint of the server and the credential, never holding either: the
/// starts of the last requests on the system's monotonic clock (the same in
/// every process), and the end of a 429's pause. Each request takes an
/// exclusive `flock`, drops the starts older than the window, and either adds
/// its own or learns how long to wait. A dead process's starts expire with the
/// window, so nothing needs cleaning up.
public final class SharedRateBudget: Sendable {
    /// Above this many requests per window the file would be too large to
    /// rewrite per request; such a limit is paced in each process alone.
    public static let maximumLimit = 5_000

    /// The budget's file.
    public let path: String

    /// The budget for `credentials` on `server` in `directory` (created 0700
    /// if missing); nil when the directory cannot be made or is not private.
    public init?(directory: String, server: String, credentials: Credentials) {
        var info = stat()
        if stat(directory, &info) != 0 {
            try? FileManager.default.createDirectory(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path, withIntermediateDirectories: true)
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST, stat(directory, &info) == 0 else { return nil }
        }
        // Another user's directory, or one anyone can write, is no place for a lock file.
        guard (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(), info.st_mode & 0o022 == 0 else { return nil }
        let name = SearchCheckpoint.fingerprint("hmq rate budget\n\(server)\n" + SearchCheckpoint.credentialFingerprint(credentials))
        path = directory + "/budget-" + name
    }

    /// Seconds on the system's monotonic clock, the same in every process.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Waits until a request may start with at most `limit` starts in any
    /// `window` seconds across every process, and records it. A pause another
    /// process recorded is kept only up to `maximumWait` (this run's `max_wait`:
    /// a longer one it would not have waited either). `announce` hears of each wait
    /// of 3 s or more (the client says it once for all its workers). A budget file that cannot be opened or read does not stop
    /// the request (each process still paces itself).
    public func reserve(limit: Int, window: Double, maximumWait: Double, announce: (Double) -> Void = { _ in }) async throws {
        guard limit <= Self.maximumLimit else { return }
        while true {
            try Task.checkCancellation()
            guard let wait = withLockedState({ state -> Double in
                let now = Self.now()
                // What no process could have written (a start in the future, a pause past any max_wait) is ignored.
                state.starts.removeAll { $0 <= now - window || $0 > now + 1 }
                if state.pausedUntil > now + 3600 { state.pausedUntil = 0 }
                if state.pausedUntil > now, state.pausedUntil - now <= maximumWait { return state.pausedUntil - now }
                if state.starts.count < limit {
                    state.starts.append(now)
                    return 0
                }
                return (state.starts.min() ?? now) + window - now
            }) else { return }
            if wait <= 0 { return }
            if wait >= RateWindowWait.announced { announce(wait) }
            try await Task.sleep(for: .milliseconds(Int64(min(wait, 3600) * 1000) + 1))
        }
    }

    /// Every process on the key waits `seconds` from now (a 429: the key's budget is spent).
    public func pause(for seconds: Double) {
        guard seconds > 0, seconds.isFinite else { return }
        _ = withLockedState { state -> Bool in
            state.pausedUntil = max(state.pausedUntil, Self.now() + min(seconds, 3600))
            return true
        }
    }

    /// What the file holds: the pause's end, then one start per request.
    struct State {
        var pausedUntil = 0.0
        var starts: [Double] = []
    }

    /// Runs `body` on the file's state under an exclusive lock and writes it back; nil when the file cannot be used.
    private func withLockedState<T>(_ body: (inout State) -> T) -> T? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { return nil }
        defer { flock(fd, LOCK_UN) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size <= 8 * (Self.maximumLimit + 1) else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        var numbers: [Double] = []
        if read > 0 {
            numbers = bytes.prefix(read - read % 8).withUnsafeBytes { raw in
                (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
            }
        }
        var state = State()
        if let first = numbers.first, first.isFinite, first >= 0 { state.pausedUntil = first }
        state.starts = numbers.dropFirst().filter { $0.isFinite && $0 >= 0 }
        let result = body(&state)
        var out = [state.pausedUntil] + state.starts.suffix(Self.maximumLimit)
        let written = out.withUnsafeMutableBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        if written >= 0 { ftruncate(fd, off_t(written)) }
        return result
    }
}
