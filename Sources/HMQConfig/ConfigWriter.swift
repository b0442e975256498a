import Foundation
import Heymarket

/// Adds a profile to the config file (`hmq config init`): the Secret Key goes
/// to a key file of its own, the profile to the config file, both mode 0600.
/// Values are written through TOMLKit, so a quote or a line break in an answer
/// can neither break the file nor add a key to it.
public enum ConfigWriter {
    /// What `config init` asked for.
    public struct NewProfile: Sendable {
        public var name: String
        public var baseURL: String
        public var secretID: String
        public var secretKey: Secret

        public init(name: String, baseURL: String, secretID: String, secretKey: Secret) {
            self.name = name
            self.baseURL = baseURL
            self.secretID = secretID
            self.secretKey = secretKey
        }
    }

    /// Checks `profile` against the file at `path` and writes it; returns the key file's path.
    public static func add(_ profile: NewProfile, toConfigAt path: String) throws(ConfigError) -> String {
        func fail(_ message: String) -> ConfigError { ConfigError(path: path, line: nil, message: message) }
        let existing = try Configuration.load(path: path)
        guard !profile.name.isEmpty, profile.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw fail("a profile name is letters, digits, '-' and '_'")
        }
        if profile.name == "sandbox" || existing.profiles[profile.name] != nil {
            throw fail("profile '\(profile.name)' exists already; edit the file")
        }
        do { _ = try BaseURL(profile.baseURL) } catch { throw fail(error.description) }
        guard !profile.secretID.isEmpty, !profile.secretID.contains(where: \.isNewline) else { throw fail("the Secret ID is needed, on one line") }
        let key = profile.secretKey.exposedValue
        guard !key.isEmpty, !key.contains(where: \.isNewline) else { throw fail("the Secret Key is needed, on one line") }

        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw fail("cannot create \(folder): \(error.localizedDescription)")
        }
        let keyPath = folder + "/\(profile.name).key"
        // A new file only: an existing one (or a link planted where it would go) is never overwritten.
        try write(keyPath, key + "\n", flags: O_CREAT | O_EXCL, describe: fail)
        var text = FileManager.default.fileExists(atPath: path) ? "" : TOMLText.line("default_profile", profile.name)
        text += "\n[profiles.\(TOMLText.key(profile.name))]\n"
        if profile.baseURL != BaseURL.production.description { text += TOMLText.line("base_url", profile.baseURL) }
        text += TOMLText.line("secret_id", profile.secretID) + TOMLText.line("secret_key_file", keyPath)
        do {
            try write(path, text, flags: O_CREAT | O_APPEND, describe: fail)
        } catch {
            unlink(keyPath)
            throw error
        }
        return keyPath
    }

    /// Writes `text` to `path` (never through a symbolic link), mode 0600.
    static func write(_ path: String, _ text: String, flags: Int32, describe: (String) -> ConfigError) throws(ConfigError) {
        let fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | flags, 0o600)
        guard fd >= 0 else {
            let why = errno == EEXIST ? "it exists already" : errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw describe("cannot write \(path): \(why)")
        }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw describe("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }
}
