/// Writes ``JSONValue``s as JSON text: compact by default, or indented.
public struct JSONWriter: Sendable {
    /// Indent nested values with this many spaces; nil writes compact JSON.
    public var indent: Int?
    /// Escape DEL and the C1 controls too (`\u007f`, `\u009b`), as for a
    /// terminal, which could read them as commands. Off: bytes stay as they were.
    public var escapesEveryControl: Bool

    public init(indent: Int? = nil, escapesEveryControl: Bool = false) {
        self.indent = indent
        self.escapesEveryControl = escapesEveryControl
    }

    /// The JSON text of `value`.
    public func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// The JSON text of `value` as UTF-8 bytes.
    public func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, level: 0)
        return out
    }

    /// Appends the JSON text of `value` to `out`.
    public func write(_ value: JSONValue, into out: inout [UInt8]) {
        write(value, into: &out, level: 0)
    }

    private func write(_ value: JSONValue, into out: inout [UInt8], level: Int) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .integer(let i): out += String(i).utf8
        case .double(let d): out += Self.format(d).utf8
        case .number(let text): out += text.utf8
        case .string(let s): Self.writeString(s, into: &out, everyControl: escapesEveryControl)
        case .array(let elements):
            guard !elements.isEmpty else { out += "[]".utf8; return }
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(into: &out, level: level + 1)
                write(element, into: &out, level: level + 1)
            }
            newline(into: &out, level: level)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { out += "{}".utf8; return }
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(into: &out, level: level + 1)
                Self.writeString(member.key, into: &out, everyControl: escapesEveryControl)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                write(member.value, into: &out, level: level + 1)
            }
            newline(into: &out, level: level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private func newline(into out: inout [UInt8], level: Int) {
        guard let indent else { return }
        out.append(10)
        out += repeatElement(UInt8(ascii: " "), count: indent * level)
    }

    /// A double as JSON writes it: whole numbers under 10^15 without a fraction, non-finite ones as `null`.
    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// Appends `s` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func writeString(_ s: String, into out: inout String) {
        var bytes: [UInt8] = []
        writeString(s, into: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `s` as a JSON string literal (UTF-8), escaping quotes, backslashes
    /// and control characters; runs that need no escape are copied whole.
    public static func writeString(_ s: String, into out: inout [UInt8], everyControl: Bool = false) {
        var s = s
        s.withUTF8 { utf8 in
            out.append(UInt8(ascii: "\""))
            var runStart = 0
            var i = 0
            while i < utf8.count {
                let byte = utf8[i]
                defer { i += 1 }
                if everyControl, byte == 0x7F || (byte == 0xC2 && i + 1 < utf8.count && (0x80...0x9F).contains(utf8[i + 1])) {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                    let scalar = byte == 0x7F ? 0x7F : utf8[i + 1]
                    out += ("\\u00" + String(scalar, radix: 16)).utf8
                    if byte == 0xC2 { i += 1 }
                    runStart = i + 1
                    continue
                }
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                switch byte {
                case UInt8(ascii: "\""): out += #"\""#.utf8
                case UInt8(ascii: "\\"): out += #"\\"#.utf8
                case 10: out += #"\n"#.utf8
                case 13: out += #"\r"#.utf8
                case 9: out += #"\t"#.utf8
                case 8: out += #"\b"#.utf8
                case 12: out += #"\f"#.utf8
                default:
                    let hex = String(byte, radix: 16)
                    out += ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
            out.append(UInt8(ascii: "\""))
        }
    }
}
