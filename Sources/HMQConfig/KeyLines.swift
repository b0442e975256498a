import Foundation

/// Which line each `key =` and `[section]` is on (TOMLKit reports lines for
/// syntax errors only; unknown keys and wrong types are found after parsing).
struct KeyLines {
    private var keys: [String: Int] = [:]  // "section\u{0}key" -> line
    private var sections: [String: Int] = [:]

    init(_ text: String) {
        var section = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let name = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).replacingOccurrences(of: "\"", with: "")
                section = name
                if sections[name] == nil { sections[name] = index + 1 }
                // `[profiles.prod]` also declares `prod` in `profiles`.
                if let dot = name.lastIndex(of: ".") {
                    let parent = String(name[..<dot]), child = String(name[name.index(after: dot)...])
                    if keys[parent + "\u{0}" + child] == nil { keys[parent + "\u{0}" + child] = index + 1 }
                }
            } else if let eq = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = line[..<eq].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
                if keys[section + "\u{0}" + key] == nil { keys[section + "\u{0}" + key] = index + 1 }
            }
        }
    }

    func line(of key: String, in section: String?) -> Int? { keys[(section ?? "") + "\u{0}" + key] }
    func sectionLine(_ section: String) -> Int? { sections[section] }
}
