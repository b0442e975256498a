import Foundation

/// What a script may reach besides the API. The user's own scripts reach what
/// the user can; an agent's (`hmq mcp`) reach neither the environment nor any
/// file outside the directories the user allowed (`hmq mcp --allow-read DIR`),
/// and write nothing: an agent is an untrusted caller.
public struct Confinement: Sendable, Hashable {
    /// Who is confined, for messages: "an agent (hmq mcp)".
    public var caller: String
    /// `$env.NAME` may be read.
    public var readsEnvironment: Bool
    /// Directories (absolute, symlinks resolved) under which `file` and `csv`
    /// may read regular files; nil: any file the user can read.
    public var readableDirectories: [String]?
    /// `save` and `set checkpoint` may write files.
    public var writesFiles: Bool

    /// No confinement: the user's own scripts.
    public static let none = Confinement(caller: "this script", readsEnvironment: true, readableDirectories: nil, writesFiles: true)

    /// An agent's: no environment, no writes, and reads only of regular files
    /// under `directories` (none when empty). A directory that does not exist is an error.
    public static func agent(readingUnder directories: [String]) throws(ConfinementError) -> Confinement {
        var resolved: [String] = []
        for directory in directories {
            var info = stat()
            guard let real = realpath(directory, nil) else { throw ConfinementError(message: "--allow-read \(directory): no such directory") }
            let path = String(cString: real)
            free(real)
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { throw ConfinementError(message: "--allow-read \(directory): not a directory") }
            resolved.append(path)
        }
        return Confinement(caller: "an agent (hmq mcp)", readsEnvironment: false, readableDirectories: resolved, writesFiles: false)
    }

    /// The real path to read `path` by (symlinks resolved, so that a link
    /// swapped in later is not followed), or why it may not be read. Judged on
    /// the real path, so a link or `..` cannot lead outside; `/proc` and `/dev`
    /// are refused wherever a path leads (stdin is the protocol); only regular
    /// files (a FIFO with no writer would block the caller forever). Where a
    /// file does not exist, its directory is judged, so that nothing outside
    /// the allowed directories is told, not even whether a file is there.
    func resolved(toRead path: String) -> Result<String, Refusal> {
        guard let directories = readableDirectories else { return .success(path) }
        guard !directories.isEmpty else {
            return .failure(Refusal(message: "files are not available to \(caller): start it with --allow-read DIR to let it read the files under DIR"))
        }
        let outside = Refusal(message: "\(caller) reads only files under \(directories.joined(separator: ", ")) (--allow-read)")
        func allowed(_ real: String) -> Bool {
            !Self.isInside(real, "/proc") && !Self.isInside(real, "/dev") && directories.contains { Self.isInside(real, $0) }
        }
        guard path != "-" else { return .failure(outside) }
        if let real = Self.realPath(path) {
            guard allowed(real) else { return .failure(outside) }
            var info = stat()
            if stat(real, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG, (info.st_mode & S_IFMT) != S_IFDIR {
                return .failure(Refusal(message: "\(caller) reads only regular files, and \(path) is not one"))
            }
            return .success(real)
        }
        // No such file (or a link leading nowhere real, such as /proc/self/fd/0's pipe):
        // judge the directory it would be in, and refuse any link.
        var info = stat()
        if lstat(path, &info) == 0 { return .failure(outside) }
        let url = URL(fileURLWithPath: path)
        guard let parent = Self.realPath(url.deletingLastPathComponent().path), allowed(parent) else { return .failure(outside) }
        return .success(parent + "/" + url.lastPathComponent)
    }

    /// Why a path may not be read.
    struct Refusal: Error {
        var message: String
    }

    static func realPath(_ path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }

    static func isInside(_ path: String, _ directory: String) -> Bool {
        directory == "/" || path == directory || path.hasPrefix(directory + "/")
    }
}

/// A confinement that cannot be set up (an `--allow-read` directory that does not exist).
public struct ConfinementError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
