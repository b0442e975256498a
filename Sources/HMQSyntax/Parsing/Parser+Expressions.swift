extension Parser {
    /// `or` binds loosest, then `and`, then `not`, then a predicate or `( ... )`.
    mutating func parseCondition() throws(Recovery) -> Condition {
        try enterNesting()
        defer { depth -= 1 }
        var left = try parseAnd()
        while at(keyword: "or") {
            advance()
            skipNewlines()
            let right = try parseAnd()
            left = .or(left, right, left.range.union(right.range))
        }
        return left
    }

    private mutating func enterNesting() throws(Recovery) {
        depth += 1
        if depth > Self.maximumNesting {
            throw fail(.nestingTooDeep, "condition is nested too deeply (more than \(Self.maximumNesting) levels)")
        }
    }

    private mutating func parseAnd() throws(Recovery) -> Condition {
        var left = try parseNot()
        while at(keyword: "and") {
            advance()
            skipNewlines()
            let right = try parseNot()
            left = .and(left, right, left.range.union(right.range))
        }
        return left
    }

    private mutating func parseNot() throws(Recovery) -> Condition {
        if at(keyword: "not") {
            let keyword = advance()
            try enterNesting()
            defer { depth -= 1 }
            let operand = try parseNot()
            return .not(operand, keyword.range.union(operand.range))
        }
        return try parsePredicate()
    }

    private mutating func parsePredicate() throws(Recovery) -> Condition {
        if kind == .leftParen {
            let open = advance()
            skipNewlines()
            let inner = try parseCondition()
            skipNewlines()
            guard kind == .rightParen else {
                throw fail(.expectedToken, "expected ')' to close the '(' at column \(source.location(of: open.range.start).column), found \(describeCurrent)")
            }
            let close = advance()
            return .group(inner, open.range.union(close.range))
        }
        guard kind == .identifier else {
            throw fail(.expectedExpression, "expected a field name in the condition, found \(describeCurrent)")
        }
        let path = try parsePath(after: "'where'")
        let operatorToken = current
        switch kind {
        case .equalEqual, .equals, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            advance()
            let op: ComparisonOperator
            switch operatorToken.kind {
            case .equalEqual, .equals: op = .equal
            case .notEqual: op = .notEqual
            case .less: op = .less
            case .lessEqual: op = .lessOrEqual
            case .greater: op = .greater
            default: op = .greaterOrEqual
            }
            if kind == .leftBracket {
                let list = try parseEmptyList(after: op)
                return .comparison(path, op, list, path.range.union(list.range))
            }
            let value = try requireLiteral(after: "'\(text(operatorToken))'")
            return .comparison(path, op, value, path.range.union(value.range))
        case .identifier:
            let word = text(current).lowercased()
            switch word {
            case "contains", "has", "matches":
                advance()
                let value = try requireLiteral(after: "'\(word)'")
                let range = path.range.union(value.range)
                if word == "contains" { return .contains(path, value, range) }
                if word == "has" { return .has(path, value, range) }
                guard case .string = value else {
                    throw fail(.expectedValue, "'matches' takes a regular expression in quotes", at: value.range)
                }
                return .matches(path, value, range)
            case "exists":
                let t = advance()
                return .exists(path, path.range.union(t.range))
            case "in":
                advance()
                let (values, close) = try parseList()
                return .in(path, values, path.range.union(close))
            case "not" where isWord(peek(1), "in"):
                let notToken = advance()
                advance()
                let (values, close) = try parseList()
                return .not(.in(path, values, path.range.union(close)), notToken.range.union(close))
            default:
                break
            }
        case .newline, .end, .pipe, .semicolon, .rightParen:
            return .truthy(path, path.range)
        default:
            break
        }
        if at(keyword: "and") || at(keyword: "or") { return .truthy(path, path.range) }
        throw fail(.expectedExpression, "expected a comparison after '\(path.dotted)', found \(describeCurrent)",
                   suggestion: "==, !=, <, <=, >, >=, contains, has, matches, in [...], exists")
    }

    /// `[]` after `==` or `!=`: a list field with no elements (`where tags == []`).
    /// A list with elements is refused: what a list holds is tested with `has` or `in`.
    private mutating func parseEmptyList(after op: ComparisonOperator) throws(Recovery) -> Literal {
        let open = advance()
        skipNewlines()
        guard kind == .rightBracket else {
            throw fail(.expectedToken, "'\(op.rawValue)' takes no list but the empty one, '[]'; found \(describeCurrent) after '['",
                       suggestion: "test what a list holds with 'has' (tags has \"vip\"), or a value against several with 'in [...]'")
        }
        let range = open.range.union(advance().range)
        guard op == .equal || op == .notEqual else {
            throw fail(.expectedValue, "'\(op.rawValue)' cannot compare with a list; '[]' goes with == or !=", at: range)
        }
        return .emptyList(range)
    }

    private mutating func parseList() throws(Recovery) -> ([Literal], SourceRange) {
        guard kind == .leftBracket else {
            throw fail(.expectedToken, "expected '[' after 'in', found \(describeCurrent)", suggestion: "e.g. in [\"Pro\", \"Enterprise\"]")
        }
        advance()
        skipNewlines()
        var values: [Literal] = []
        while kind != .rightBracket {
            if !values.isEmpty {
                guard kind == .comma else {
                    throw fail(.expectedToken, "expected ',' or ']' in the list, found \(describeCurrent)")
                }
                advance()
                skipNewlines()
            }
            values.append(try requireLiteral(after: values.isEmpty ? "'['" : "','"))
            skipNewlines()
        }
        return (values, advance().range)
    }

    private mutating func requireLiteral(after: String) throws(Recovery) -> Literal {
        if let literal = try parseLiteral(allowWord: false) { return literal }
        if kind == .identifier {
            let word = text(current)
            throw fail(.expectedValue, "expected a value after \(after), found '\(word)'; quote text values",
                       suggestion: "write \"\(word)\"", fixIt: .init(range: current.range, replacement: "\"\(word)\""))
        }
        throw fail(.expectedValue, "expected a value after \(after), found \(describeCurrent)")
    }

    /// A literal, or nil if the current token cannot start one. With `allowWord`,
    /// a bare word is a value (settings and options: `set format csv`).
    mutating func parseLiteral(allowWord: Bool) throws(Recovery) -> Literal? {
        let t = current
        switch kind {
        case .number:
            advance()
            return .number(text(t), t.range)
        case .string:
            advance()
            return .string(decoded(t), t.range)
        case .email:
            advance()
            return .email(text(t), t.range)
        case .variable:
            advance()
            return .variable(VariableReference(name: String(text(t).dropFirst()), range: t.range))
        case .identifier:
            if at(keyword: "true") { advance(); return .bool(true, t.range) }
            if at(keyword: "false") { advance(); return .bool(false, t.range) }
            if at(keyword: "null") { advance(); return .null(t.range) }
            if allowWord {
                advance()
                return .word(text(t), t.range)
            }
            return nil
        default:
            return nil
        }
    }
}
