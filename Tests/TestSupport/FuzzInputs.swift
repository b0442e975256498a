import Foundation

/// The inputs a fuzz target is replayed on in the test suite: its seeds
/// (FuzzTesting/Seeds/TARGET) and every crasher it found (FuzzTesting/FailCases/TARGET-*).
public enum FuzzInputs {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzTesting")

    public static func of(_ target: String) -> [(name: String, bytes: [UInt8])] {
        var inputs: [(String, [UInt8])] = []
        let seeds = root.appendingPathComponent("Seeds/\(target)")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: seeds.path))?.sorted() ?? [] {
            if let data = FileManager.default.contents(atPath: seeds.appendingPathComponent(name).path) { inputs.append((name, Array(data))) }
        }
        let fails = root.appendingPathComponent("FailCases")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: fails.path))?.sorted() ?? [] where name.hasPrefix(target + "-") {
            if let data = FileManager.default.contents(atPath: fails.appendingPathComponent(name).path) { inputs.append((name, Array(data))) }
        }
        return inputs
    }
}
