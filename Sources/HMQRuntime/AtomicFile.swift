import Foundation

/// Writes a file so that readers see the old content or the new, never half:
/// into a temporary file beside it, then renamed over it (keeping its mode).
public enum AtomicFile {
    /// The file could not be written; the message names it and says why.
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Calls `body` with a sink on the temporary file, then renames it to `path`.
    /// If `body` throws, the temporary file is removed and `path` is untouched.
    public static func write(_ path: String, _ body: (FileSink) throws -> Void) throws {
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).hmq-\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil), let handle = try? FileHandle(forWritingTo: temporary) else {
            throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        do {
            let sink = FileSink(handle: handle)
            try body(sink)
            try sink.flush()
            try handle.close()
            if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] {
                try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
            }
            guard rename(temporary.path, target.path) == 0 else {
                throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
