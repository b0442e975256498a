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

    /// Why `path` may not be read, or nil when it may. Checked on the file's
    /// real path (symlinks resolved), so a link cannot lead outside; only
    /// regular files (a FIFO with no writer would block the caller forever).
    func refusal(toRead path: String) -> String? {
        guard let directories = readableDirectories else { return nil }
        guard !directories.isEmpty else {
            return "files are not available to \(caller): start it with --allow-read DIR to let it read the files under DIR"
        }
        let outside = "\(caller) reads only files under \(directories.joined(separator: ", ")) (--allow-read)"
        if path == "-" || path.hasPrefix("/dev/") || path.hasPrefix("/proc/") { return outside }
        guard let real = realpath(path, nil) else {
            // A missing file says so only where it may be read: elsewhere not even its existence is told.
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            return directories.contains(where: { Self.isInside(absolute, $0) }) ? nil : outside
        }
        let resolved = String(cString: real)
        free(real)
        guard directories.contains(where: { Self.isInside(resolved, $0) }) else { return outside }
        var info = stat()
        if stat(resolved, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG, (info.st_mode & S_IFMT) != S_IFDIR {
            return "\(caller) reads only regular files, and \(path) is not one"
        }
        return nil
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
