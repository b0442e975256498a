import Foundation

/// Who may change a file hmq trusts (a config file, a key file).
enum Permissions {
    /// The file `path` names, as `stat(2)` sees it: through symbolic links, so
    /// a link to a 0600 file is judged by that file (a link's own mode is
    /// always 777 on Linux and means nothing).
    struct Info {
        /// The permission bits (`0o600`).
        var mode: Int
        var owner: uid_t
        var size: Int64
        var isRegularFile: Bool
    }

    static func info(of path: String) -> Info? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Info(mode: Int(status.st_mode & 0o7777), owner: status.st_uid, size: Int64(status.st_size),
                    isRegularFile: (status.st_mode & S_IFMT) == S_IFREG)
    }

    /// Why someone other than this user (or root) could change the file, if
    /// someone could: it is writable by anyone, or another user owns it.
    static func writableByOthers(_ info: Info) -> String? {
        if info.mode & 0o002 != 0 { return "anyone can write it (mode \(String(info.mode & 0o777, radix: 8)))" }
        if info.owner != getuid(), info.owner != 0 { return "another user (uid \(info.owner)) owns it" }
        return nil
    }
}
