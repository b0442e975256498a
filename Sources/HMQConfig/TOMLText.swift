import TOMLKit

/// TOML written by TOMLKit, so a quote, a backslash or a line break in a value
/// is escaped and can never break or add to the file.
public enum TOMLText {
    /// `key = "value"`, with a line break.
    public static func line(_ key: String, _ value: String) -> String {
        let table = TOMLTable()
        table[key] = value
        var text = table.convert()
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }

    /// A key as TOML writes it: bare when it can be, quoted otherwise.
    public static func key(_ name: String) -> String {
        let bare = !name.isEmpty && name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" }
        if bare { return name }
        let line = self.line(name, "")
        return String(line.prefix { $0 != "=" }).trimmingCharacters(in: " ")
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
