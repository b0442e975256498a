import Foundation

/// Writes a file so that readers see the old content or the new, never half:
/// into a temporary file beside it, then renamed over it (keeping its mode).
public final class AtomicFile {
    /// The file could not be written; the message names it and says why.
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private let path: String
    private let temporary: URL
    private let handle: FileHandle
    /// Where the content goes until ``commit()``.
    public let sink: FileSink

    /// Opens a temporary file beside `path`.
    public init(_ path: String) throws(WriteError) {
        let target = URL(fileURLWithPath: path)
        self.path = path
        temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).hmq-\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil), let handle = try? FileHandle(forWritingTo: temporary) else {
            throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        self.handle = handle
        sink = FileSink(handle: handle)
    }

    /// Renames the written content over `path` (keeping its mode).
    public func commit() throws {
        try sink.flush()
        try handle.close()
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] {
            try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
        }
        guard rename(temporary.path, path) == 0 else {
            throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the temporary file; `path` is untouched.
    public func abort() {
        try? handle.close()
        try? FileManager.default.removeItem(at: temporary)
    }

    /// Calls `body` with a sink on the temporary file, then renames it to `path`.
    /// If `body` throws, the temporary file is removed and `path` is untouched.
    public static func write(_ path: String, _ body: (FileSink) throws -> Void) throws {
        let file = try AtomicFile(path)
        do {
            try body(file.sink)
            try file.commit()
        } catch {
            file.abort()
            throw error
        }
    }
}
