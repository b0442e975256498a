import Foundation

/// Writes a file so that readers see the old content or the new, never half:
/// into a temporary file beside it, then renamed over it.
///
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
    private let temporary: String
    private let descriptor: Int32
    private let newFileMode: mode_t
    private var finished = false
    /// Where the content goes until ``commit()``.
    public let sink: FileSink

    /// Opens a temporary file beside `path` (or beside the file a link there points to).
    public init(_ path: String, newFileMode: mode_t = 0o600) throws(WriteError) {
        self.path = path
        self.newFileMode = newFileMode
        target = Self.resolveLinks(path)
        let url = URL(fileURLWithPath: target)
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).hmq-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp").path
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        sink = FileSink(descriptor: descriptor)
    }

    deinit {
        if !finished { abort() }
    }

    /// Renames the written content over the target (keeping its mode), or to `otherPath`.
    public func commit(to otherPath: String? = nil) throws {
        try sink.flush()
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
        unlink(temporary)
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

    /// The file `path` names after following symbolic links (up to 32), or `path` itself.
    static func resolveLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<32 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
            current = destination.hasPrefix("/") ? destination
                : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(destination).path
        }
        return current
    }
}
