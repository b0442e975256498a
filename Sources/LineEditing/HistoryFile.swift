import Foundation

/// The REPL's history on disk: one statement per line (line breaks inside a
/// statement written as `\n`, backslashes as `\\`), created with mode 0600,
/// appended to as each statement is entered (so a crash or a second REPL loses
/// nothing), and cut to the newest `limit` entries when it grows past them.
/// A history path that is a symbolic link is refused: hmq would otherwise
/// change the mode of, and write statements into, whatever it points to.
public struct HistoryFile: Sendable {
    /// Why the history file cannot be used.
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var description: String
    }
    public let path: String
    public let limit: Int

    public init(path: String, limit: Int = 5000) {
        self.path = path
        self.limit = max(1, limit)
    }

    /// `HMQ_HISTORY`, else `$XDG_STATE_HOME/hmq/history`, else `~/.local/state/hmq/history`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let path = environment["HMQ_HISTORY"], !path.isEmpty { return path }
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        return state + "/hmq/history"
    }

    /// Whether `path` is a symbolic link.
    public var isLink: Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// The entries, oldest first (the newest `limit`); none from a link.
    public func load() -> [String] {
        guard !isLink, let data = FileManager.default.contents(atPath: path) else { return [] }
        let entries = String(decoding: data, as: UTF8.self).split(separator: "\n").map { Self.decode(String($0)) }
        return Array(entries.suffix(limit))
    }

    /// Appends one entry; compacts the file when it holds far more than `limit`.
    public func append(_ entry: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == ELOOP { throw Refused(description: "\(path) is a symbolic link; history is not written through links") }
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { close(fd) }
        // Whatever the umask or an older file's mode, history is for its owner only.
        fchmod(fd, 0o600)
        let line = Array((Self.encode(entry) + "\n").utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, size > 256 * limit {
            compact()
        }
    }

    /// Rewrites the file with the newest `limit` entries (atomically).
    func compact() {
        guard !isLink else { return }
        let entries = load()
        let temporary = path + ".\(getpid()).tmp"
        let text = entries.map { Self.encode($0) + "\n" }.joined()
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    static func encode(_ entry: String) -> String {
        entry.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func decode(_ line: String) -> String {
        var out = ""
        var escaped = false
        for character in line {
            if escaped {
                out.append(character == "n" ? "\n" : character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}
