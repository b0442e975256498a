import HMQConfig
import Testing
import TestSupport

/// The config fuzz target's check, on its seeds and every crasher it found.
@Suite struct FuzzReplayTests {
    @Test func configInputsLoadOrSayWhy() throws {
        let inputs = FuzzInputs.of("FuzzConfig")
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs {
            do {
                let configuration = try Configuration.parse(String(decoding: bytes, as: UTF8.self), path: name)
                #expect(!ConfigReport.render(configuration, selected: nil).isEmpty)
            } catch {
                #expect(error.description.hasPrefix(name), "\(error)")
            }
        }
    }

    /// toml++ asserts (ending the process) on these; they are refused first, with the line.
    @Test(arguments: ["[!]", "[ #x]", "[[é]]", "[\té]", "[\u{1}]", "x = 1\n  [€]", "[\nprofiles.x]", "[ \r\n", "\u{FEFF}[\u{FFFD}", "[\r\n\r\n", "[\u{FFFD}\r\nx = 1"])
    func aTableNameNoKeyCanStartWithIsAnErrorNotACrash(text: String) {
        do {
            _ = try Configuration.parse(text, path: "c.toml")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.hasPrefix("c.toml:\(text.hasPrefix("x") ? 2 : 1): a table"), "\(error)")
        }
    }
}
