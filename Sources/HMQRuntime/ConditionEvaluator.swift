import Foundation
import HMQJSON
import HMQSyntax
import Heymarket

/// Decides `where` conditions for rows. Numbers compare as numbers; strings
/// case-insensitively unless `case_sensitive` is on.
///
/// One null rule: a missing field is null. Null equals null and nothing else
/// (`x == null` holds for a missing or null field, `x != null` for any other
/// value); `!=` is always the negation of `==`; `exists` is `!= null`; `in`
/// follows `==` for each element (so `in [..., null]` holds for null); every
/// other test (`<`, `contains`, `has`, `matches`) is false on null; null sorts
/// last either way. An empty string and an empty list are values, not null.
///
/// A value of the wrong shape for a test (`tags has "vip"` where one contact's
/// tags are text, `id < 5` on text) does not hold, and is counted in
/// ``mismatches`` so the user hears of it once, instead of one odd contact
/// stopping the query.
struct ConditionEvaluator {
    var caseSensitive: Bool
    var resolve: (Literal) throws(RuntimeError) -> JSONValue
    private var regexCache: [String: LinearRegex] = [:]
    /// Tests that met a value of the wrong shape: by what was said of the first, how many rows, and where.
    private(set) var mismatches: [(message: String, count: Int, range: SourceRange)] = []

    private mutating func mismatch(_ message: String, at range: SourceRange) -> Bool {
        if let i = mismatches.firstIndex(where: { $0.range == range }) {
            mismatches[i].count += 1
        } else {
            mismatches.append((message, 1, range))
        }
        return false
    }

    init(caseSensitive: Bool, resolve: @escaping (Literal) throws(RuntimeError) -> JSONValue) {
        self.caseSensitive = caseSensitive
        self.resolve = resolve
    }

    mutating func test(_ condition: Condition, _ row: Row) throws(RuntimeError) -> Bool {
        switch condition {
        case .and(let a, let b, _):
            guard try test(a, row) else { return false }
            return try test(b, row)
        case .or(let a, let b, _):
            if try test(a, row) { return true }
            return try test(b, row)
        case .not(let a, _): return try !test(a, row)
        case .group(let a, _): return try test(a, row)
        case .exists(let path, _):
            guard let value = row.value(at: path.components.map(\.name)) else { return false }
            return !value.isNull
        case .truthy(let path, _):
            return row.value(at: path.components.map(\.name)) == .bool(true)
        case .comparison(let path, let op, let literal, _):
            let expected = try resolve(literal)
            let actual = row.value(at: path.components.map(\.name)) ?? .null
            if actual.isNull || expected.isNull {
                let same = actual.isNull && expected.isNull
                switch op {
                case .equal: return same
                case .notEqual: return !same
                default: return false
                }
            }
            switch op {
            case .equal: return equal(actual, expected)
            case .notEqual: return !equal(actual, expected)
            default:
                guard let order = compare(actual, expected) else {
                    return mismatch("cannot order '\(path.dotted)' (\(describe(actual))) against \(describe(expected)); compare numbers with numbers and text with quoted text", at: literal.range)
                }
                switch op {
                case .less: return order < 0
                case .lessOrEqual: return order <= 0
                case .greater: return order > 0
                default: return order >= 0
                }
            }
        case .contains(let path, let literal, _):
            let needle = text(try resolve(literal))
            guard let actual = row.value(at: path.components.map(\.name)) else { return false }
            let haystacks: [JSONValue] = actual.arrayValue ?? [actual]
            return haystacks.contains { value in
                guard let t = value.isNull ? nil : text(value) else { return false }
                if needle.isEmpty { return true }
                return caseSensitive ? t.contains(needle) : t.localizedLowercase.contains(needle.localizedLowercase)
            }
        case .has(let path, let literal, let range):
            let expected = try resolve(literal)
            guard let actual = row.value(at: path.components.map(\.name)), !actual.isNull else { return false }
            guard case .array(let elements) = actual else {
                return mismatch("'has' tests a list, and '\(path.dotted)' was \(describe(actual)); use 'contains' for text or '==' for one value", at: range)
            }
            return elements.contains { element in
                equal(Contact.tag(element), expected)
            }
        case .matches(let path, let literal, let range):
            guard case .string(let pattern, let patternRange) = literal else { return false }
            let regex = try regexFor(pattern, range: patternRange)
            guard let actual = row.value(at: path.components.map(\.name)) else { return false }
            _ = range
            let values: [JSONValue] = actual.arrayValue ?? [actual]
            return values.contains { v in
                guard !v.isNull else { return false }
                return regex.matches(text(v))
            }
        case .in(let path, let literals, _):
            var expected: [JSONValue] = []
            for literal in literals { expected.append(try resolve(literal)) }
            guard let actual = row.value(at: path.components.map(\.name)), !actual.isNull else {
                return expected.contains { $0.isNull }
            }
            let values: [JSONValue] = actual.arrayValue ?? [actual]
            return values.contains { v in expected.contains { equal(v, $0) } }
        }
    }

    /// The pattern, compiled once, matched in linear time (``LinearRegex``).
    private mutating func regexFor(_ pattern: String, range: SourceRange) throws(RuntimeError) -> LinearRegex {
        let key = (caseSensitive ? "s:" : "i:") + pattern
        if let cached = regexCache[key] { return cached }
        do {
            let regex = try LinearRegex(pattern, caseInsensitive: !caseSensitive)
            regexCache[key] = regex
            return regex
        } catch {
            throw .at(range, .invalidPattern, "invalid regular expression: \(error.message) (at character \(error.offset + 1) of the pattern)")
        }
    }

    func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if a.isNull || b.isNull { return a.isNull && b.isNull }
        if let order = JSONValue.compareNumbers(a, b) { return order == 0 }
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        case (.array, _), (.object, _), (_, .array), (_, .object): return a == b
        default:
            let x = text(a), y = text(b)
            return caseSensitive ? x == y : x.compare(y, options: [.caseInsensitive]) == .orderedSame
        }
    }

    /// -1, 0, 1; nil when the values cannot be ordered (a number against text, a list, an object, a boolean).
    func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        if let order = JSONValue.compareNumbers(a, b) { return order }
        switch (a, b) {
        case (.string, .string):
            let result = text(a).compare(text(b), options: caseSensitive ? [] : [.caseInsensitive])
            return result == .orderedAscending ? -1 : (result == .orderedDescending ? 1 : 0)
        default:
            return nil
        }
    }

    func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .integer(let i): return String(i)
        case .double(let d): return JSONWriter().string(.double(d))
        case .number(let text): return text
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        default: return JSONWriter().string(v)
        }
    }

    func describe(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return "the text \"\(s.prefix(40))\""
        case .integer, .double, .number: return "the number \(text(v))"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
