import HMQJSON
import HMQRuntime
import TextWidth

/// How a value reads in a text format: strings as they are, numbers and
/// booleans as JSON writes them, a list as a spreadsheet shows it (see
/// ``list(_:)``), other arrays and objects as compact JSON, null and missing
/// as the `--null` text.
enum Cell {
    static let compact = JSONWriter()

    /// Between the elements of a list in a text format.
    static let listSeparator = "; "

    static func text(_ value: JSONValue?, null: String) -> String {
        switch value {
        case nil, .null?: return null
        case .string(let s)?: return s
        case .array(let elements)?: return list(elements) ?? compact.string(.array(elements))
        case let value?: return compact.string(value)
        }
    }

    /// A list whose every element is text, a number, a boolean or a tag
    /// object (`{"id": 7, "tag": "vip", ...}`, read by its tag) as its
    /// elements joined by `; ` (`vip; customer`; an empty list is empty);
    /// nil for a list holding anything else (null, a list, another object),
    /// which stays compact JSON.
    static func list(_ elements: [JSONValue]) -> String? {
        var texts: [String] = []
        texts.reserveCapacity(elements.count)
        for element in elements {
            var scalar = element
            if case .object(let object) = element {
                guard object["tag"] != nil else { return nil }
                scalar = Row.tag(element)
            }
            switch scalar {
            case .string(let s): texts.append(s)
            case .integer, .double, .number, .bool: texts.append(compact.string(scalar))
            default: return nil
            }
        }
        return texts.joined(separator: listSeparator)
    }

    static func isNumber(_ value: JSONValue?) -> Bool {
        switch value {
        case .integer?, .double?, .number?: return true
        default: return false
        }
    }

    /// Text for one line of a terminal: line breaks and tabs become visible
    /// marks, other control characters caret notation (`^[`), so data can
    /// neither break the layout nor send escape sequences to the terminal.
    /// `escape` as it is for a file or a pipe (bytes exact); on a terminal,
    /// control characters are made visible first, so data cannot drive it.
    static func forTerminal(_ context: OutputContext, _ escape: @escaping (String) -> String) -> (String) -> String {
        guard context.isTerminal else { return escape }
        return { escape(visible($0, unicode: context.unicode)) }
    }

    static func visible(_ text: String, unicode: Bool) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) }) else { return text }
        var out = ""
        var previousCR = false
        for scalar in text.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            switch scalar {
            case "\n":
                if previousCR { continue }
                out += unicode ? "↵" : "\\n"
            case "\r": out += unicode ? "↵" : "\\n"
            case "\t": out += unicode ? "→" : "\\t"
            case _ where scalar.value < 0x20: out += "^" + String(UnicodeScalar(UInt8(scalar.value + 0x40)))
            case _ where scalar.value == 0x7F: out += "^?"
            case _ where (0x80..<0xA0).contains(scalar.value): out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` cut to `width` display columns, ending in `ellipsis` when cut.
    static func truncate(_ text: String, to width: Int, ellipsis: String) -> String {
        guard DisplayWidth.of(text) > width else { return text }
        let room = width - DisplayWidth.of(ellipsis)
        guard room > 0 else { return String(ellipsis.prefix(width)) }
        var out = ""
        var used = 0
        for character in text {
            let w = DisplayWidth.of(character)
            if used + w > room { break }
            out.append(character)
            used += w
        }
        while out.last == " " { out.removeLast() }
        return out + ellipsis
    }

    /// `text` padded with spaces to `width` display columns, on the right or the left.
    static func pad(_ text: String, to width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - DisplayWidth.of(text)))
        return right ? fill + text : text + fill
    }
}
