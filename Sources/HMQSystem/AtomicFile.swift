import Foundation
import Synchronization

/// Writes a file so that readers see the old content or the new, never half:
/// into a temporary file beside it, then renamed over it.
///
/// - What is not a regular file is written through in place, never replaced:
///   a FIFO (its reader gets the rows), a device, and a descriptor named as a
///   file (`/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/3`: written through that
///   descriptor, so `>> file` appends and keeps what the file held).
/// - A symbolic link is written through: the file it points to gets the new
///   content and the link stays a link.
/// - The file keeps its mode; a new file gets ``newFileMode`` (0600 for rows
///   of contact data), never the link's own mode.
/// - The temporary file is created exclusively, never through a link, and is
///   removed on ``abort()`` (an error, Ctrl-C).
public final class AtomicFile {
    /// The file could not be written; the message names it and says why.
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The path asked for.
    public let path: String
    /// Where the content goes: `path`, or the file a link at `path` points to.
    public let target: String
    /// The temporary file renamed over the target; nil when written in place.
    private let temporary: String?
    private let descriptor: Int32
    private let newFileMode: mode_t
    private var finished = false
    /// Where the content goes until ``commit()``.
    public let sink: FileSink

    /// True when the content goes straight to what `path` names (not a regular file), not through a rename.
    public var writesInPlace: Bool { temporary == nil }

    /// Opens a temporary file beside `path` (or beside the file a link there
    /// points to); or, when `path` names a descriptor, a FIFO or a device, that itself.
    public init(_ path: String, newFileMode: mode_t = 0o600) throws(WriteError) {
        self.path = path
        self.newFileMode = newFileMode
        let (resolved, named) = Self.resolveLinks(path)
        target = resolved
        var info = stat()
        if let named {
            descriptor = dup(named)
            temporary = nil
        } else if stat(resolved, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG, (info.st_mode & S_IFMT) != S_IFDIR {
            descriptor = open(resolved, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            temporary = nil
        } else {
            let url = URL(fileURLWithPath: resolved)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).hmq-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp").path
            // Known before it exists, so a signal arriving now still removes it.
            Self.pending.withLock { _ = $0.insert(temporary) }
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            self.temporary = temporary
            if descriptor < 0 { Self.pending.withLock { _ = $0.remove(temporary) } }
        }
        guard descriptor >= 0 else {
            throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        if temporary == nil { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        sink = FileSink(descriptor: descriptor)
    }

    /// Temporary files not yet renamed or removed, for ``removeTemporaryFiles()``.
    private static let pending = Mutex<Set<String>>([])

    /// Removes every temporary file not yet renamed into place: called when a
    /// signal ends the process before a save could finish (async-signal work is
    /// not needed: the signals are caught on a queue, not in a handler).
    public static func removeTemporaryFiles() {
        for file in pending.withLock({ $0 }) { unlink(file) }
    }

    deinit {
        if !finished { abort() }
    }

    /// Renames the written content over the target (keeping its mode), or to `otherPath`.
    public func commit(to otherPath: String? = nil) throws {
        try sink.flush()
        guard let temporary else {
            // Written in place: there is nothing to rename (a failed lookup's rows are already out).
            finished = true
            close(descriptor)
            return
        }
        defer { Self.pending.withLock { _ = $0.remove(temporary) } }
        let destination = otherPath ?? target
        var info = stat()
        let mode = stat(destination, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? info.st_mode & 0o7777 : newFileMode
        fchmod(descriptor, mode)
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        finished = true
        guard rename(temporary, destination) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(description: "cannot write \(destination): \(why)")
        }
    }

    /// Removes the temporary file; the target is untouched.
    public func abort() {
        guard !finished else { return }
        finished = true
        close(descriptor)
        if let temporary {
            unlink(temporary)
            Self.pending.withLock { _ = $0.remove(temporary) }
        }
    }

    /// Calls `body` with a sink on the temporary file, then renames it into place.
    /// If `body` throws, the temporary file is removed and the target is untouched.
    public static func write(_ path: String, newFileMode: mode_t = 0o644, _ body: (FileSink) throws -> Void) throws {
        let file = try AtomicFile(path, newFileMode: newFileMode)
        do {
            try body(file.sink)
            try file.commit()
        } catch {
            file.abort()
            throw error
        }
    }

    /// The file `path` names after following symbolic links (up to 32), or
    /// `path` itself; and the descriptor when a link on the way names one
    /// (`/dev/stdout` is `/proc/self/fd/1`, which Linux shows as a link to the file fd 1 has open).
    static func resolveLinks(_ path: String) -> (path: String, descriptor: Int32?) {
        var current = path
        for _ in 0..<32 {
            if let fd = namedDescriptor(current) { return (current, fd) }
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return (current, nil) }
            current = destination.hasPrefix("/") ? destination
                : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(destination).path
        }
        return (current, nil)
    }

    /// The descriptor a path names: `/dev/stdout` 1, `/dev/stderr` 2,
    /// `/dev/fd/N`, `/proc/self/fd/N`, `/proc/thread-self/fd/N` and `/proc/PID/fd/N` of this process N.
    static func namedDescriptor(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default: break
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let prefix = parts.dropLast().joined(separator: "/")
        guard let last = parts.last, let fd = Int32(last), fd >= 0 else { return nil }
        switch prefix {
        case "dev/fd", "proc/self/fd", "proc/thread-self/fd", "proc/\(getpid())/fd": return fd
        default: return nil
        }
    }
}
