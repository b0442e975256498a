/// A regex of the small dialect libphonenumber's metadata is written in (digits, `\d`,
/// `[2-9]` classes, `(…)` and `(?:…)` groups, `|`, `?`, `{n}`, `{n,m}` and `$`), matched
/// over digits the way Python's `re` matches it: by backtracking, leftmost alternative and
/// greedy repetition first. Compiled once to a little program; no Foundation, Sendable.
struct DigitPattern: Sendable, Hashable {
    enum Instruction: Sendable, Hashable {
        /// One digit of the set (bit `d` for digit `d`).
        case digit(UInt16)
        /// Try `first`, then `second`.
        case split(Int, Int)
        case jump(Int)
        /// Record the position in slot `n` (group `n / 2`, start or end).
        case save(Int)
        /// `$`: the end of the digits.
        case end
        case match
    }

    let program: [Instruction]
    /// Capturing groups, not counting the whole match.
    let groups: Int
    /// The digits a match can start with (all ten when it can be empty): a quick refusal.
    let first: UInt16

    /// The pattern compiled, or nil when it uses what this dialect lacks.
    init?(_ pattern: String) {
        var parser = Parser(text: Array(pattern.utf8))
        guard let node = parser.alternation(), parser.at == parser.text.count else { return nil }
        var program: [Instruction] = []
        Self.emit(node, into: &program)
        program.append(.match)
        self.program = program
        groups = parser.groups
        // Follow splits, jumps and saves from the start to the first digits read.
        var first: UInt16 = 0
        var seen = Set<Int>()
        var pending = [0]
        while let pc = pending.popLast() {
            guard seen.insert(pc).inserted else { continue }
            switch program[pc] {
            case .digit(let set): first |= set
            case .split(let a, let b): pending += [a, b]
            case .jump(let target): pending.append(target)
            case .save: pending.append(pc + 1)
            case .end, .match: first = 0x3FF
            }
        }
        self.first = first
    }

    /// Where a match at the start of `digits` ends and what each group captured
    /// (Python's `re.match`), or nil.
    func prefixMatch(_ digits: [UInt8]) -> (end: Int, groups: [Range<Int>?])? {
        if let d = digits.first, first & (1 << UInt16(d)) == 0 { return nil }
        // Whether it matches at all, before keeping captures (most do not).
        guard matching(digits, whole: false, slots: 0, { _ in 0 }) != nil else { return nil }
        let groups = self.groups
        return matching(digits, whole: false, slots: 2 * (groups + 1)) { slots in
            groups == 0 ? [] : (1...groups).map { g -> Range<Int>? in
                let (start, stop) = (slots[2 * g], slots[2 * g + 1])
                return start >= 0 && stop >= start ? start..<stop : nil
            }
        }.map { (end: $0.end, groups: $0.value) }
    }

    /// Whether the pattern matches all of `digits` (Python's `re.fullmatch`).
    func wholeMatch(_ digits: [UInt8]) -> Bool {
        if let d = digits.first, first & (1 << UInt16(d)) == 0 { return false }
        return matching(digits, whole: true, slots: 0, { _ in 0 }) != nil
    }

    /// Runs the program over `digits` with `slots` capture slots, and reads them on a match.
    private func matching<T>(_ digits: [UInt8], whole: Bool, slots count: Int, _ read: (UnsafeMutableBufferPointer<Int>) -> T) -> (end: Int, value: T)? {
        program.withUnsafeBufferPointer { program in
            digits.withUnsafeBufferPointer { digits in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: max(count, 1)) { slots in
                    slots.initialize(repeating: -1)
                    let machine = Machine(program: program, digits: digits, slots: UnsafeMutableBufferPointer(rebasing: slots[0..<count]), whole: whole)
                    guard let end = machine.run(0, 0) else { return nil }
                    return (end, read(machine.slots))
                }
            }
        }
    }

    /// The backtracking matcher, over buffers (no reference counting in the loop).
    private struct Machine {
        let program: UnsafeBufferPointer<Instruction>
        let digits: UnsafeBufferPointer<UInt8>
        let slots: UnsafeMutableBufferPointer<Int>
        let whole: Bool

        func run(_ start: Int, _ position: Int) -> Int? {
            var pc = start, sp = position
            while true {
                switch program[pc] {
                case .digit(let set):
                    guard sp < digits.count, set & (1 << UInt16(digits[sp])) != 0 else { return nil }
                    pc += 1
                    sp += 1
                case .split(let first, let second):
                    if let end = run(first, sp) { return end }
                    pc = second
                case .jump(let target):
                    pc = target
                case .save(let slot):
                    guard slot < slots.count else {
                        pc += 1
                        continue
                    }
                    let old = slots[slot]
                    slots[slot] = sp
                    if let end = run(pc + 1, sp) { return end }
                    slots[slot] = old
                    return nil
                case .end:
                    guard sp == digits.count else { return nil }
                    pc += 1
                case .match:
                    return !whole || sp == digits.count ? sp : nil
                }
            }
        }
    }

    indirect enum Node {
        case digit(UInt16)
        case sequence([Node])
        case alternatives([Node])
        case group(Int?, Node)
        case repeated(Node, min: Int, max: Int)
        case end
    }

    struct Parser {
        let text: [UInt8]
        var at = 0
        var groups = 0

        mutating func alternation() -> Node? {
            var branches: [Node] = []
            while true {
                guard let branch = sequence() else { return nil }
                branches.append(branch)
                guard at < text.count, text[at] == UInt8(ascii: "|") else { break }
                at += 1
            }
            return branches.count == 1 ? branches[0] : .alternatives(branches)
        }

        mutating func sequence() -> Node? {
            var items: [Node] = []
            while at < text.count, text[at] != UInt8(ascii: "|"), text[at] != UInt8(ascii: ")") {
                guard var atom = atom() else { return nil }
                while at < text.count {
                    if text[at] == UInt8(ascii: "?") {
                        at += 1
                        atom = .repeated(atom, min: 0, max: 1)
                    } else if text[at] == UInt8(ascii: "{") {
                        guard let (low, high) = count() else { return nil }
                        atom = .repeated(atom, min: low, max: high)
                    } else {
                        break
                    }
                }
                items.append(atom)
            }
            return .sequence(items)
        }

        mutating func count() -> (Int, Int)? {
            at += 1  // {
            guard let low = number() else { return nil }
            var high = low
            if at < text.count, text[at] == UInt8(ascii: ",") {
                at += 1
                guard let value = number() else { return nil }
                high = value
            }
            guard at < text.count, text[at] == UInt8(ascii: "}"), high >= low, high <= 100 else { return nil }
            at += 1
            return (low, high)
        }

        mutating func number() -> Int? {
            var value: Int?
            while at < text.count, let d = Self.digit(text[at]) {
                value = (value ?? 0) * 10 + Int(d)
                at += 1
            }
            return value
        }

        static func digit(_ byte: UInt8) -> UInt8? {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? byte - UInt8(ascii: "0") : nil
        }

        mutating func atom() -> Node? {
            let c = text[at]
            at += 1
            if let d = Self.digit(c) { return .digit(1 << UInt16(d)) }
            switch c {
            case UInt8(ascii: "\\"):
                guard at < text.count, text[at] == UInt8(ascii: "d") else { return nil }
                at += 1
                return .digit(0x3FF)
            case UInt8(ascii: "$"):
                return .end
            case UInt8(ascii: "["):
                var set: UInt16 = 0
                while at < text.count, text[at] != UInt8(ascii: "]") {
                    if text[at] == UInt8(ascii: "\\"), at + 1 < text.count, text[at + 1] == UInt8(ascii: "d") {
                        set |= 0x3FF
                        at += 2
                        continue
                    }
                    guard let low = Self.digit(text[at]) else { return nil }
                    at += 1
                    var high = low
                    if at + 1 < text.count, text[at] == UInt8(ascii: "-"), let value = Self.digit(text[at + 1]) {
                        high = value
                        at += 2
                    }
                    guard high >= low else { return nil }
                    for d in low...high { set |= 1 << UInt16(d) }
                }
                guard at < text.count else { return nil }
                at += 1  // ]
                return .digit(set)
            case UInt8(ascii: "("):
                var index: Int?
                if at + 1 < text.count, text[at] == UInt8(ascii: "?") {
                    guard text[at + 1] == UInt8(ascii: ":") else { return nil }
                    at += 2
                } else {
                    groups += 1
                    index = groups
                }
                guard let inner = alternation(), at < text.count, text[at] == UInt8(ascii: ")") else { return nil }
                at += 1
                return .group(index, inner)
            default:
                return nil
            }
        }
    }

    static func emit(_ node: Node, into program: inout [Instruction]) {
        switch node {
        case .digit(let set):
            program.append(.digit(set))
        case .end:
            program.append(.end)
        case .sequence(let items):
            for item in items { emit(item, into: &program) }
        case .group(let index, let inner):
            if let index { program.append(.save(2 * index)) }
            emit(inner, into: &program)
            if let index { program.append(.save(2 * index + 1)) }
        case .alternatives(let branches):
            // split(b1, next) b1 jump(end) next: split(b2, next2) ... bn
            var jumps: [Int] = []
            for (i, branch) in branches.enumerated() {
                if i < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    emit(branch, into: &program)
                    jumps.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    emit(branch, into: &program)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repeated(let inner, let low, let high):
            for _ in 0..<low { emit(inner, into: &program) }
            // Each optional copy, greedy: split(copy, out); the outs all lead past the last copy.
            var splits: [Int] = []
            for _ in low..<high {
                splits.append(program.count)
                program.append(.split(program.count + 1, -1))
                emit(inner, into: &program)
            }
            for split in splits { program[split] = .split(split + 1, program.count) }
        }
    }
}
