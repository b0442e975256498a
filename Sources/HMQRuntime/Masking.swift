import Crypto
import Foundation
import HMQJSON
import HMQSystem
import Heymarket
import HMQSyntax
import Synchronization

/// A masker that several holders share and one of them changes (`set mask`).
public final class MaskState: Sendable {
    public let value = Mutex<Masker?>(nil)
    public init() {}
}

/// `set mask`: whether what hmq shows hides phones, emails, names and note texts.
public enum MaskMode: String, Sendable, Hashable, CaseIterable {
    case off
    /// `1415•••0007`, `u•••@example.org`, `A•• L•••••••`: as wide as the value, so columns and carets stay aligned.
    case on
    /// Stable tokens (`phone:3f9a1c2b7e`), so masked rows can still be joined.
    case hash
}

/// Masks what a person or an agent is shown: phones, emails, names and note
/// texts in rows (by field), and any phone number or email address in free
/// text (notes, errors, history lines, a record's cells). Masking a masked
/// text changes nothing.
public struct Masker: Sendable {
    public let mode: MaskMode
    private let key: SymmetricKey

    /// `keyMaterial` makes `hash` tokens stable for one account (the credential;
    /// it is only hashed): the same value gives the same token in every run.
    public init(_ mode: MaskMode, keyMaterial: [String] = []) {
        self.mode = mode
        key = SymmetricKey(data: SHA256.hash(data: Data(("hmq-mask\u{0}" + keyMaterial.joined(separator: "\u{0}")).utf8)))
    }

    public var isOn: Bool { mode != .off }

    static let bullet: Character = "•"
    /// What `hash` masks free text with (made once: a masker hashes its key when made).
    static let bullets = Masker(.on)

    /// Already masked (bullets, or a hash token): masking it again changes nothing.
    static func isMasked(_ s: String) -> Bool {
        if s.contains(bullet) { return true }
        guard let colon = s.firstIndex(of: ":"), ["phone", "email", "name", "text"].contains(String(s[..<colon])) else { return false }
        let hex = s[s.index(after: colon)...]
        return hex.count == 10 && hex.allSatisfy(\.isHexDigit)
    }

    private func token(_ kind: String, _ value: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: key)
        return kind + ":" + Hex.string(mac.prefix(5))
    }

    /// `14155550007` → `1415•••0007`: of 11 or more digits the first four and
    /// last four are kept, of 10 (a national number) the first three and last
    /// two, of fewer the last two; every other digit is a bullet, separators stay.
    public func phone(_ text: String) -> String {
        guard isOn, !Self.isMasked(text) else { return text }
        if mode == .hash { return token("phone", String(text.compactMap { $0.wholeNumberValue.map { Character(String($0)) } })) }
        let digits = text.filter(Self.isDigit).count
        let keepHead = digits >= 11 ? 4 : digits == 10 ? 3 : 0
        let keepTail = digits >= 11 ? 4 : 2
        var seen = 0
        return String(text.map { c -> Character in
            guard Self.isDigit(c) else { return c }
            seen += 1
            return seen <= keepHead || seen > digits - keepTail ? c : Self.bullet
        })
    }

    /// A digit of any script (`4`, `４`, `٤`).
    static func isDigit(_ c: Character) -> Bool { c.wholeNumberValue != nil && c.unicodeScalars.count == 1 && c.unicodeScalars.first!.properties.numericType == .decimal }

    /// `ada@example.com` → `a••@example.com`: the first character of the local part kept.
    public func email(_ text: String) -> String {
        guard isOn, !Self.isMasked(text), let at = text.lastIndex(of: "@") else { return text }
        if mode == .hash { return token("email", text.lowercased()) }
        let local = text[..<at]
        guard let first = local.first else { return text }
        return String(first) + String(repeating: Self.bullet, count: max(0, local.count - 1)) + text[at...]
    }

    /// `Ada Lovelace` → `A•• L•••••••`.
    public func name(_ text: String) -> String {
        guard isOn, !Self.isMasked(text) else { return text }
        if mode == .hash { return token("name", text) }
        var out = ""
        var start = true
        for c in text {
            if c.isWhitespace || c == "-" {
                out.append(c)
                start = true
            } else {
                out.append(start ? c : Self.bullet)
                start = false
            }
        }
        return out
    }

    /// Every phone number and email address in free text, masked (as `on`
    /// masks them, also under `hash`: a note or an error names values, it joins nothing).
    public func text(_ text: String) -> String {
        guard isOn, text.contains(where: { $0.isNumber || $0 == "@" }) else { return text }
        if mode == .hash { return Self.bullets.text(text) }
        var out = ""
        var word = ""
        func flush() {
            if !word.isEmpty { out += masked(word: word) }
            word = ""
        }
        // Words are split at spaces, quotes and brackets; a phone may hold spaces
        // between its groups, which the digit runs below handle.
        for c in text {
            if c.isWhitespace || "'\"`,;<>[]{}".contains(c) {
                flush()
                out.append(c)
            } else {
                word.append(c)
            }
        }
        flush()
        return maskDigitRuns(out)
    }

    private func masked(word: String) -> String {
        guard let at = word.firstIndex(of: "@"), at != word.startIndex, word[word.index(after: at)...].contains(".") else { return word }
        // A typed value's `email:` (hmq search) and a `mailto:` are not part of the address.
        var start = word.startIndex
        if let colon = word[..<at].lastIndex(of: ":") { start = word.index(after: colon) }
        // Trailing punctuation is not part of the address.
        var end = word.endIndex
        while end > at, let last = word[..<end].last, ".:)!?".contains(last) { end = word.index(before: end) }
        guard start < at else { return word }
        return word[..<start] + email(String(word[start..<end])) + word[end...]
    }

    /// Runs of digits (with the separators phones are written with) that hold
    /// 7 to 15 digits: masked as phones. A date (`2024-04-16`) or a time
    /// (`12:30:05`) is left alone, and so are shorter numbers (ids, counts).
    private func maskDigitRuns(_ text: String) -> String {
        let chars = Array(text)
        let separators: Set<Character> = [" ", "\t", "-", ".", "(", ")", "+", "/", "_", "–", "—", "\u{00A0}"]
        var out = ""
        var i = 0
        func startsRun(_ k: Int) -> Bool {
            Self.isDigit(chars[k]) || ((chars[k] == "+" || chars[k] == "(") && k + 1 < chars.count && Self.isDigit(chars[k + 1]))
        }
        while i < chars.count {
            guard startsRun(i), !(i > 0 && chars[i - 1] == Self.bullet) else {
                out.append(chars[i])
                i += 1
                continue
            }
            // A date first: as it is, then go on after it.
            if i + 10 <= chars.count, String(chars[i..<(i + 10)]).range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil {
                out += String(chars[i..<(i + 10)])
                i += 10
                continue
            }
            var j = i
            var digits = 0
            var last = i
            var time = false
            // Where the last group of digits before a separator ended, and the digits up to it.
            var groupEnd = i, digitsAtGroupEnd = 0
            while j < chars.count {
                let d = chars[j]
                if Self.isDigit(d) {
                    // No phone holds more than 15 digits: numbers side by side end at the separator between them.
                    if digits == 15 {
                        if digitsAtGroupEnd >= 7 { (last, digits) = (groupEnd, digitsAtGroupEnd) }
                        break
                    }
                    digits += 1
                    last = j
                    if j + 1 == chars.count || !Self.isDigit(chars[j + 1]) { (groupEnd, digitsAtGroupEnd) = (j, digits) }
                } else if d.isWhitespace, digits >= 10 {
                    // A whole number already: what follows a space is the next one.
                    break
                } else if d == ":" && j + 1 < chars.count && Self.isDigit(chars[j + 1]) {
                    time = true
                    last = j
                } else if !(separators.contains(d) && j + 1 < chars.count && (Self.isDigit(chars[j + 1]) || separators.contains(chars[j + 1]))) {
                    break
                }
                j += 1
            }
            let run = String(chars[i...last])
            out += (7...15).contains(digits) && !time ? phone(run) : run
            i = last + 1
        }
        return out
    }

    /// A value of field `key`, masked: phones, emails and names by field, note texts whole, anything else scanned as text.
    public func value(_ value: JSONValue, field key: String?) -> JSONValue {
        guard isOn else { return value }
        let key = key?.lowercased()
        switch value {
        case .string(let s):
            switch key {
            case "phone"?: return .string(phone(s))
            case "email"?: return .string(email(s))
            case "name"?, "display_name"?, "first"?, "last"?, "first_name"?, "last_name"?: return .string(name(s))
            case "text"?: return Self.isMasked(s) ? value : .string(mode == .hash ? token("text", s) : String(repeating: Self.bullet, count: min(3, s.count)))
            default: return .string(text(s))
            }
        case .integer(let n) where key == "phone": return .string(phone(String(n)))
        case .array(let elements): return .array(elements.map { self.value($0, field: key == "matched" ? nil : key) })
        case .object(let object):
            // A note's text, a diff's old values, a record's cells: by their own keys.
            return .object(JSONObject(object.members.map { .init(key: text($0.key), value: self.value($0.value, field: $0.key)) }))
        default: return value
        }
    }

    /// A row as shown: every field masked by its name (a record's cells by their header, else scanned).
    public func row(_ row: Row) -> Row {
        guard isOn else { return row }
        return self.row(row, sources: [:])
    }

    /// A row as shown, `sources` naming the field a renamed column shows (`who` → `name` for `show name as who`).
    public func row(_ row: Row, sources: [String: String]) -> Row {
        guard isOn else { return row }
        let fields = JSONObject(row.fields.members.map {
            .init(key: text($0.key), value: value($0.value, field: sources[$0.key] ?? Self.fieldName($0.key)))
        })
        return Row(fields: fields, matched: row.matched.map { ChannelValue(type: $0.type, value: text($0.value)) },
                   input: row.input.map { JSONObject($0.members.map { .init(key: text($0.key), value: value($0.value, field: Self.fieldName($0.key))) }) })
    }

    /// `input.Phone` → `phone`, `Email` → `email`, `Name` → `name`: a column read as the field it names.
    static func fieldName(_ column: String) -> String {
        let last = column.split(separator: ".").last.map(String.init) ?? column
        let lower = last.lowercased()
        if lower.contains("phone") || lower == "tel" || lower == "mobile" { return "phone" }
        if lower.contains("email") || lower == "mail" { return "email" }
        if lower.contains("name") { return "name" }
        return lower
    }

    /// A diagnostic with its texts masked (message, suggestion, notes).
    public func diagnostic(_ d: Diagnostic) -> Diagnostic {
        guard isOn else { return d }
        var d = d
        d.message = text(d.message)
        d.suggestion = d.suggestion.map(text)
        d.notes = d.notes.map(text)
        return d
    }
}

extension RuntimeError {
    /// The error with every value and message masked (``Masker``).
    public func masked(by masker: Masker) -> RuntimeError {
        guard masker.isOn else { return self }
        func error(_ e: HeymarketError) -> HeymarketError {
            var e = e
            e.message = masker.text(e.message)
            return e
        }
        func failure(_ f: BatchFailure) -> BatchFailure {
            var f = f
            f.values = f.values.map { NormalizedChannelValue(type: $0.type, value: masker.text($0.value)) }
            f.error = error(f.error)
            return f
        }
        switch self {
        case .diagnostic(let d): return .diagnostic(masker.diagnostic(d))
        case .api(let e, let range): return .api(error(e), range: range)
        case .partialFailure(let failures, let range, let withheld, let attribution):
            return .partialFailure(failures.map(failure), range: range, withheld: withheld, attribution: attribution.map(failure))
        }
    }
}
