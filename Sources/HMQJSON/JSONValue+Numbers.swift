extension JSONValue {
    /// True for a number (an integer, a double, or one kept as its text).
    public var isNumber: Bool {
        switch self {
        case .integer, .double, .number: return true
        default: return false
        }
    }

    /// Orders two JSON numbers exactly: integers at any size the JSON carries
    /// (`9007199254740993` is not `9007199254740992`, nor is
    /// `184467440737095516171` `184467440737095516170`), and a double as the
    /// shortest decimal that reads back as it (`0.1` is `0.1`, `5` is `5.0`).
    /// -1, 0 or 1; nil when either value is not a number.
    public static func compareNumbers(_ a: JSONValue, _ b: JSONValue) -> Int? {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.double(let x), .double(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        default:
            guard let x = DecimalNumber(a), let y = DecimalNumber(b) else { return nil }
            return x.compare(y)
        }
    }
}

/// A number as the decimal it is written as: ±0.d₁d₂… × 10^exponent, exact
/// for any decimal text (no digit is lost, whatever its length).
struct DecimalNumber {
    var negative: Bool
    /// The significant digits (0-9), no leading or trailing zero; empty for zero.
    var digits: [UInt8]
    var exponent: Int

    init?(_ value: JSONValue) {
        switch value {
        case .integer(let i): self.init(text: String(i))
        case .double(let d) where d.isFinite: self.init(text: d.description)
        case .number(let text): self.init(text: text)
        default: return nil
        }
    }

    /// Reads `-12.5e3`-style text (JSON's number grammar, and Swift's `Double.description`).
    init?(text: String) {
        var bytes = Array(text.utf8)[...]
        negative = bytes.first == UInt8(ascii: "-")
        if negative || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        var mantissa: [UInt8] = []
        var point: Int?
        while let c = bytes.first {
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
                mantissa.append(c - UInt8(ascii: "0"))
            } else if c == UInt8(ascii: "."), point == nil {
                point = mantissa.count
            } else {
                break
            }
            bytes = bytes.dropFirst()
        }
        guard !mantissa.isEmpty else { return nil }
        var power = 0
        if let e = bytes.first {
            guard e == UInt8(ascii: "e") || e == UInt8(ascii: "E") else { return nil }
            bytes = bytes.dropFirst()
            let minus = bytes.first == UInt8(ascii: "-")
            if minus || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            guard !bytes.isEmpty else { return nil }
            for c in bytes {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else { return nil }
                // Past a billion, every exponent orders the same way.
                if power < 1_000_000_000 { power = power * 10 + Int(c - UInt8(ascii: "0")) }
            }
            if minus { power = -power }
        }
        var at = point ?? mantissa.count
        let leading = mantissa.prefix { $0 == 0 }.count
        at -= leading
        digits = Array(mantissa.dropFirst(leading).reversed().drop { $0 == 0 }.reversed())
        if digits.isEmpty {
            negative = false
            exponent = 0
        } else {
            exponent = at + power
        }
    }

    func compare(_ other: DecimalNumber) -> Int {
        if digits.isEmpty || other.digits.isEmpty {
            if digits.isEmpty, other.digits.isEmpty { return 0 }
            if digits.isEmpty { return other.negative ? 1 : -1 }
            return negative ? -1 : 1
        }
        if negative != other.negative { return negative ? -1 : 1 }
        var magnitude = 0
        if exponent != other.exponent {
            magnitude = exponent < other.exponent ? -1 : 1
        } else if let (x, y) = zip(digits, other.digits).first(where: { $0 != $1 }) {
            magnitude = x < y ? -1 : 1
        } else if digits.count != other.digits.count {
            magnitude = digits.count < other.digits.count ? -1 : 1
        }
        return negative ? -magnitude : magnitude
    }
}
