import Foundation
import HMQConfig
import Heymarket
import Testing

/// `hmq config init` writes TOML through TOMLKit: an answer cannot break the file or add a key to it.
@Suite struct ConfigWriterTests {
    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-writer-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func quotesAndBackslashesAreEscapedAndReadBack() throws {
        let config = try folder() + "/config.toml"
        let id = #"id" with "quotes" \ and = signs [profiles.evil]"#
        let keyPath = try ConfigWriter.add(.init(name: "prod", baseURL: "https://api.heymarket.com", secretID: id, secretKey: Secret("k\"ey")), toConfigAt: config)
        let loaded = try Configuration.load(path: config)
        #expect(Set(loaded.profiles.keys) == ["prod"], "no profile was injected")
        #expect(loaded.profiles["prod"]?.secretID == id)
        #expect(loaded.defaultProfile == "prod")
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: keyPath)), as: UTF8.self) == "k\"ey\n")
        for path in [config, keyPath] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(path)")
        }
        // A second profile is appended, and the default stays.
        _ = try ConfigWriter.add(.init(name: "test", baseURL: "http://127.0.0.1:9", secretID: "t", secretKey: Secret("k2")), toConfigAt: config)
        let both = try Configuration.load(path: config)
        #expect(Set(both.profiles.keys) == ["prod", "test"])
        #expect(both.profiles["test"]?.baseURL == "http://127.0.0.1:9")
    }

    @Test func lineBreaksInAnswersAreRefused() throws {
        let config = try folder() + "/config.toml"
        #expect(throws: ConfigError.self) {
            _ = try ConfigWriter.add(.init(name: "prod", baseURL: "https://api.heymarket.com", secretID: "id\nsecret_key = \"x\"", secretKey: Secret("k")), toConfigAt: config)
        }
        #expect(throws: ConfigError.self) {
            _ = try ConfigWriter.add(.init(name: "prod", baseURL: "https://api.heymarket.com", secretID: "id", secretKey: Secret("k\nmore")), toConfigAt: config)
        }
        #expect(!FileManager.default.fileExists(atPath: config))
    }

    @Test func anExistingKeyFileOrALinkWhereItWouldGoIsNeverOverwritten() throws {
        let dir = try folder()
        let target = dir + "/elsewhere"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: dir + "/prod.key", withDestinationPath: target)
        #expect(throws: ConfigError.self) {
            _ = try ConfigWriter.add(.init(name: "prod", baseURL: "https://api.heymarket.com", secretID: "id", secretKey: Secret("k")), toConfigAt: dir + "/config.toml")
        }
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: target)), as: UTF8.self) == "precious\n")
    }

    @Test(arguments: ["", "sandbox", "a b", "x/y", "é"])
    func badProfileNamesAreRefused(name: String) throws {
        let config = try folder() + "/config.toml"
        #expect(throws: ConfigError.self) {
            _ = try ConfigWriter.add(.init(name: name, baseURL: "https://api.heymarket.com", secretID: "id", secretKey: Secret("k")), toConfigAt: config)
        }
    }
}
