/// The regular expressions of `where ... matches`, matched in time linear in
/// the text (a Thompson NFA run as a Pike VM, as RE2 does), so no pattern can
/// make a match take exponential time (`^(a+)+$` on "aaaa…b" is as fast as any).
///
/// Syntax: literals and `\` escapes, `.` (not a line break), `[...]` and
/// `[^...]` with ranges, `\d \D \w \W \s \S`, `^ $` (the whole text), `\b \B`,
/// groups `(...)`, `(?:...)`, `(?<name>...)`, alternation `|`, and the
/// quantifiers `* + ? {n} {n,} {n,m}` (lazy forms too: for a yes/no match they
/// are the same). Backreferences and lookaround cannot be matched in linear
/// time and are refused, as are repetitions over 1,000 and patterns that
/// compile to more than 20,000 steps.
public struct LinearRegex: Sendable {
    /// A pattern that cannot be compiled, and where.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public var description: String { message }
    }

    enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        case set(CharacterSet, negated: Bool)
        case any
        case split(Int, Int)
        case jump(Int)
        case textStart, textEnd
        case wordBoundary(Bool)
        case match
    }

    /// A set of scalars: ranges and shorthand classes.
    struct CharacterSet: Sendable {
        var ranges: [ClosedRange<UInt32>] = []
        var classes: [Shorthand] = []

        func contains(_ s: Unicode.Scalar, caseInsensitive: Bool) -> Bool {
            if containsExactly(s) { return true }
            guard caseInsensitive else { return false }
            for other in LinearRegex.caseVariants(s) where other != s && containsExactly(other) { return true }
            return false
        }

        private func containsExactly(_ s: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(s.value) } || classes.contains { $0.contains(s) }
        }
    }

    enum Shorthand: Sendable {
        case digit, word, space
        case notDigit, notWord, notSpace

        func contains(_ s: Unicode.Scalar) -> Bool {
            switch self {
            case .digit: return s.properties.numericType == .decimal
            case .word: return LinearRegex.isWord(s)
            case .space: return s.properties.isWhitespace
            case .notDigit: return s.properties.numericType != .decimal
            case .notWord: return !LinearRegex.isWord(s)
            case .notSpace: return !s.properties.isWhitespace
            }
        }
    }

    let program: [Instruction]
    public let caseInsensitive: Bool

    public init(_ pattern: String, caseInsensitive: Bool = false) throws(SyntaxError) {
        var compiler = Compiler(pattern: Array(pattern.unicodeScalars))
        program = try compiler.compile()
        self.caseInsensitive = caseInsensitive
    }

    /// Whether the pattern matches anywhere in `text`.
    public func matches(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var current = ThreadList(count: program.count)
        var next = ThreadList(count: program.count)
        for position in 0...scalars.count {
            // A new attempt starts at every position (the match is unanchored).
            if add(0, at: position, in: scalars, to: &current) { return true }
            guard position < scalars.count, !current.isEmpty else {
                if position < scalars.count { current.clear(); continue }
                break
            }
            let s = scalars[position]
            next.clear()
            for pc in current.items {
                let advances: Bool
                switch program[pc] {
                case .scalar(let expected): advances = expected == s || (caseInsensitive && Self.sameIgnoringCase(expected, s))
                case .set(let set, let negated): advances = set.contains(s, caseInsensitive: caseInsensitive) != negated
                case .any: advances = s != "\n" && s != "\r"
                default: advances = false
                }
                if advances, add(pc + 1, at: position + 1, in: scalars, to: &next) { return true }
            }
            swap(&current, &next)
        }
        return false
    }

    /// Adds the thread at `pc` and every one its empty steps reach; true when one of them matches.
    private func add(_ pc: Int, at position: Int, in scalars: [Unicode.Scalar], to list: inout ThreadList) -> Bool {
        var stack = [pc]
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            switch program[pc] {
            case .match: return true
            case .jump(let target): stack.append(target)
            case .split(let a, let b): stack.append(b); stack.append(a)
            case .textStart: if position == 0 { stack.append(pc + 1) }
            case .textEnd: if position == scalars.count { stack.append(pc + 1) }
            case .wordBoundary(let wanted):
                let before = position > 0 && Self.isWord(scalars[position - 1])
                let after = position < scalars.count && Self.isWord(scalars[position])
                if (before != after) == wanted { stack.append(pc + 1) }
            case .scalar, .set, .any: list.keep(pc)
            }
        }
        return false
    }

    /// The threads of one step: a sparse set of program counters.
    struct ThreadList {
        private var seen: [Bool]
        private(set) var items: [Int] = []
        private var marked: [Int] = []

        init(count: Int) { seen = Array(repeating: false, count: count) }

        var isEmpty: Bool { items.isEmpty }

        /// Marks `pc` visited in this step; false when it was already.
        mutating func insert(_ pc: Int) -> Bool {
            if seen[pc] { return false }
            seen[pc] = true
            marked.append(pc)
            return true
        }

        /// Keeps `pc` as a thread waiting for the next scalar.
        mutating func keep(_ pc: Int) { items.append(pc) }

        mutating func clear() {
            for pc in marked { seen[pc] = false }
            marked.removeAll(keepingCapacity: true)
            items.removeAll(keepingCapacity: true)
        }
    }

    static func isWord(_ s: Unicode.Scalar) -> Bool {
        s == "_" || s.properties.isAlphabetic || s.properties.numericType == .decimal
    }

    static func caseVariants(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
        var variants = [s]
        for mapped in [s.properties.lowercaseMapping, s.properties.uppercaseMapping] {
            let scalars = Array(mapped.unicodeScalars)
            if scalars.count == 1, !variants.contains(scalars[0]) { variants.append(scalars[0]) }
        }
        return variants
    }

    static func sameIgnoringCase(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        caseVariants(a).contains(b)
    }
}

extension LinearRegex {
    /// A parsed pattern.
    indirect enum Node {
        case scalar(Unicode.Scalar)
        case set(CharacterSet, negated: Bool)
        case any, textStart, textEnd
        case wordBoundary(Bool)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, low: Int, high: Int?)
    }

    /// Recursive descent over the pattern, then the program for the tree.
    struct Compiler {
        let pattern: [Unicode.Scalar]
        var index = 0
        var program: [Instruction] = []
        static let maximumSteps = 20_000
        static let maximumRepeat = 1_000

        init(pattern: [Unicode.Scalar]) { self.pattern = pattern }

        mutating func compile() throws(SyntaxError) -> [Instruction] {
            let tree = try alternation()
            if let c = current { throw fail(c == ")" ? "unbalanced ')'" : "unexpected '\(c)'") }
            try emit(tree)
            try append(.match)
            return program
        }

        func fail(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: index) }

        var current: Unicode.Scalar? { index < pattern.count ? pattern[index] : nil }

        // MARK: Parsing

        /// a|b|c
        mutating func alternation() throws(SyntaxError) -> Node {
            var branches = [try sequence()]
            while current == "|" {
                index += 1
                branches.append(try sequence())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func sequence() throws(SyntaxError) -> Node {
            var items: [Node] = []
            while let c = current, c != "|", c != ")" { items.append(try repetition()) }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        /// An atom and its quantifier.
        mutating func repetition() throws(SyntaxError) -> Node {
            var node = try atom()
            while let c = current, c == "*" || c == "+" || c == "?" || c == "{" {
                var (low, high): (Int, Int?)
                switch c {
                case "*": (low, high) = (0, nil); index += 1
                case "+": (low, high) = (1, nil); index += 1
                case "?": (low, high) = (0, 1); index += 1
                default:
                    guard let bounds = try braces() else { return node }
                    (low, high) = bounds
                }
                if let high, high < low { throw fail("{\(low),\(high)}: the maximum is below the minimum") }
                if current == "?" { index += 1 }  // lazy: the same for a yes/no match
                if current == "+" { throw fail("possessive quantifiers are not supported") }
                node = .repetition(node, low: low, high: high)
            }
            return node
        }

        /// `{n}`, `{n,}`, `{n,m}`; nil (and nothing consumed) when `{` is a literal.
        mutating func braces() throws(SyntaxError) -> (Int, Int?)? {
            var i = index + 1
            func number() -> Int? {
                var value = 0, digits = 0
                while i < pattern.count, ("0"..."9").contains(pattern[i]) {
                    value = min(value * 10 + Int(pattern[i].value - 48), 1_000_000)
                    digits += 1
                    i += 1
                }
                return digits == 0 ? nil : value
            }
            guard let low = number() else { return nil }
            var high: Int? = low
            if i < pattern.count, pattern[i] == "," {
                i += 1
                high = number()
            }
            guard i < pattern.count, pattern[i] == "}" else { return nil }
            guard max(low, high ?? 0) <= Self.maximumRepeat else { throw fail("repetition over \(Self.maximumRepeat) is not supported") }
            index = i + 1
            return (low, high)
        }

        mutating func atom() throws(SyntaxError) -> Node {
            guard let c = current else { throw fail("the pattern ends too soon") }
            switch c {
            case "(":
                index += 1
                if current == "?" {
                    let next = index + 1 < pattern.count ? pattern[index + 1] : " "
                    if next == ":" {
                        index += 2
                    } else if next == "<", index + 2 < pattern.count, pattern[index + 2] != "=", pattern[index + 2] != "!" {
                        // A named group: its name does not matter for a yes/no match.
                        while let n = current, n != ">" { index += 1 }
                        guard current == ">" else { throw fail("unclosed group name") }
                        index += 1
                    } else {
                        throw fail("lookaround and inline options are not supported (they cannot be matched in linear time)")
                    }
                }
                let inner = try alternation()
                guard current == ")" else { throw fail("missing ')'") }
                index += 1
                return inner
            case ".": index += 1; return .any
            case "^": index += 1; return .textStart
            case "$": index += 1; return .textEnd
            case "[": return try characterClass()
            case "\\": return try escape(inClass: false)
            case "*", "+", "?": throw fail("'\(c)' has nothing to repeat")
            case "{":
                var probe = self
                if (try? probe.braces()) != nil { throw fail("'{' has nothing to repeat") }
                index += 1
                return .scalar("{")
            default: index += 1; return .scalar(c)
            }
        }

        mutating func characterClass() throws(SyntaxError) -> Node {
            index += 1
            var negated = false
            if current == "^" { negated = true; index += 1 }
            var set = CharacterSet()
            var first = true
            while let c = current, c != "]" || first {
                first = false
                let low: Unicode.Scalar
                if c == "\\" {
                    switch try escape(inClass: true) {
                    case .scalar(let s): low = s
                    case .set(let inner, _): set.ranges += inner.ranges; set.classes += inner.classes; continue
                    default: throw fail("this escape cannot be in a class")
                    }
                } else {
                    low = c
                    index += 1
                }
                if current == "-", index + 1 < pattern.count, pattern[index + 1] != "]" {
                    index += 1
                    let high: Unicode.Scalar
                    if current == "\\" {
                        guard case .scalar(let s) = try escape(inClass: true) else { throw fail("a range needs a character at its end") }
                        high = s
                    } else {
                        guard let h = current else { throw fail("unclosed '['") }
                        high = h
                        index += 1
                    }
                    guard low.value <= high.value else { throw fail("range \(low)-\(high) is out of order") }
                    set.ranges.append(low.value...high.value)
                } else {
                    set.ranges.append(low.value...low.value)
                }
            }
            guard current == "]" else { throw fail("unclosed '['") }
            index += 1
            return .set(set, negated: negated)
        }

        mutating func escape(inClass: Bool) throws(SyntaxError) -> Node {
            index += 1
            guard let c = current else { throw fail("a pattern cannot end with '\\'") }
            index += 1
            func shorthand(_ s: Shorthand) -> Node { .set(CharacterSet(classes: [s]), negated: false) }
            switch c {
            case "d": return shorthand(.digit)
            case "D": return shorthand(.notDigit)
            case "w": return shorthand(.word)
            case "W": return shorthand(.notWord)
            case "s": return shorthand(.space)
            case "S": return shorthand(.notSpace)
            case "n": return .scalar("\n")
            case "t": return .scalar("\t")
            case "r": return .scalar("\r")
            case "b" where !inClass: return .wordBoundary(true)
            case "B" where !inClass: return .wordBoundary(false)
            case "A" where !inClass: return .textStart
            case "z" where !inClass, "Z" where !inClass: return .textEnd
            case "1"..."9": throw fail("backreferences are not supported (they cannot be matched in linear time)")
            default:
                if c.isASCII, c.properties.isAlphabetic { throw fail("unknown escape '\\\(c)'") }
                return .scalar(c)
            }
        }

        // MARK: Emitting

        mutating func append(_ instruction: Instruction) throws(SyntaxError) {
            guard program.count < Self.maximumSteps else { throw fail("the pattern is too large (over \(Self.maximumSteps) steps)") }
            program.append(instruction)
        }

        mutating func emit(_ node: Node) throws(SyntaxError) {
            switch node {
            case .scalar(let s): try append(.scalar(s))
            case .set(let set, let negated): try append(.set(set, negated: negated))
            case .any: try append(.any)
            case .textStart: try append(.textStart)
            case .textEnd: try append(.textEnd)
            case .wordBoundary(let b): try append(.wordBoundary(b))
            case .sequence(let items): for item in items { try emit(item) }
            case .alternation(let branches):
                var jumps: [Int] = []
                for (i, branch) in branches.enumerated() {
                    if i < branches.count - 1 {
                        let split = program.count
                        try append(.split(0, 0))
                        try emit(branch)
                        jumps.append(program.count)
                        try append(.jump(0))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repetition(let inner, let low, let high):
                for _ in 0..<low { try emit(inner) }
                if let high {
                    var splits: [Int] = []
                    for _ in low..<high {
                        splits.append(program.count)
                        try append(.split(0, 0))
                        try emit(inner)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    try append(.split(0, 0))
                    try emit(inner)
                    try append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}
