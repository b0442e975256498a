extension Parser {
    /// `find [type] value, value, [type] value, ...`: a type word applies to the
    /// values after it until the next type word; `any` goes back to untyped.
    mutating func parseFind() throws(Recovery) -> FindSource {
        let findToken = advance()
        var items: [FindItem] = []
        var currentType: Identifier?
        var previousWasComma = false
        while true {
            var typeWritten = false
            var typeRange: SourceRange?
            if kind == .identifier, !isValueStart() {
                let word = text(current)
                let wordToken = advance()
                typeWritten = true
                typeRange = wordToken.range
                currentType = word.lowercased() == "any" ? nil : Identifier(name: word.lowercased(), range: wordToken.range)
                guard isValueStart() else {
                    if word.lowercased() == "file" || word.lowercased() == "csv" {
                        throw fail(.expectedToken, "expected a quoted path or a $variable after '\(word)', found \(describeCurrent)",
                                   suggestion: "e.g. \(word.lowercased()) \"phones.txt\", \(word.lowercased()) $1, or \(word.lowercased()) \"-\" for stdin")
                    }
                    let what = word.lowercased() == "any" ? "'any'" : "channel type '\(word)'"
                    if kind == .identifier {
                        throw fail(.expectedValue, "expected a value after \(what), found '\(text(current))'; quote text values",
                                   suggestion: "write \"\(text(current))\"", fixIt: .init(range: current.range, replacement: "\"\(text(current))\""))
                    }
                    throw fail(.expectedValue, "expected a value after \(what), found \(describeCurrent)")
                }
            } else if !isValueStart() {
                if items.isEmpty, !previousWasComma {
                    throw fail(.expectedValue, "expected a value after 'find', found \(describeCurrent)",
                               suggestion: kind == .end || kind == .newline ? "e.g. find phone 14155551234" : nil)
                }
                throw fail(.expectedValue, "expected a value after ',', found \(describeCurrent)")
            }
            let value = try parseValue()
            let start = typeRange ?? value.range
            items.append(FindItem(type: currentType, typeWritten: typeWritten, value: value, range: start.union(value.range)))
            guard kind == .comma else { break }
            advance()
            skipNewlines()
            previousWasComma = true
        }
        let end = items.last?.range ?? findToken.range
        return FindSource(items: items, range: findToken.range.union(end))
    }

    /// True when the current token can start a value (a number, email, string,
    /// variable, or `file`/`csv` followed by a string or a variable).
    mutating func isValueStart() -> Bool {
        switch kind {
        case .number, .email, .string, .variable: return true
        case .identifier:
            guard at(keyword: "file") || at(keyword: "csv") else { return false }
            return peek(1).kind == .string || peek(1).kind == .variable
        default: return false
        }
    }

    mutating func parseValue() throws(Recovery) -> ValueExpression {
        let token = current
        switch kind {
        case .number:
            advance()
            return .number(text(token), token.range)
        case .email:
            advance()
            return .email(text(token), token.range)
        case .string:
            advance()
            return .string(decoded(token), token.range)
        case .variable:
            advance()
            return .variable(VariableReference(name: String(text(token).dropFirst()), range: token.range))
        case .identifier where at(keyword: "file"):
            advance()
            let path = try parseFilePath(after: "'file'")
            return .file(path: path, range: token.range.union(path.range))
        case .identifier where at(keyword: "csv"):
            advance()
            let path = try parseFilePath(after: "'csv'")
            guard at(keyword: "column") else {
                let written = source.text(path.range)
                throw fail(.expectedToken, "expected 'column' after csv \(written), found \(describeCurrent)",
                           suggestion: "e.g. csv \(written) column \"Phone\"")
            }
            advance()
            let column: ColumnReference
            switch kind {
            case .string:
                let t = advance()
                column = .name(StringLiteral(value: decoded(t), range: t.range))
            case .number:
                let t = advance()
                guard let n = Int(text(t)), n >= 1 else {
                    throw fail(.expectedValue, "a column number counts from 1", at: t.range)
                }
                column = .position(n, t.range)
            default:
                throw fail(.expectedValue, "expected a column name (a string) or number after 'column', found \(describeCurrent)")
            }
            let end: SourceRange
            switch column {
            case .name(let s): end = s.range
            case .position(_, let r): end = r
            }
            return .csv(path: path, column: column, range: token.range.union(end))
        default:
            throw fail(.expectedValue, "expected a value, found \(describeCurrent)")
        }
    }

    /// A quoted path (`save "out.csv"`).
    mutating func parseStringLiteral(after: String) throws(Recovery) -> StringLiteral {
        guard kind == .string else {
            throw fail(.expectedToken, "expected a quoted path after \(after), found \(describeCurrent)")
        }
        let t = advance()
        return StringLiteral(value: decoded(t), range: t.range)
    }

    /// A quoted path, or a variable holding one (`file $1`).
    mutating func parseFilePath(after: String) throws(Recovery) -> PathExpression {
        switch kind {
        case .string:
            let t = advance()
            return .literal(StringLiteral(value: decoded(t), range: t.range))
        case .variable:
            let t = advance()
            return .variable(VariableReference(name: String(text(t).dropFirst()), range: t.range))
        default:
            throw fail(.expectedToken, "expected a quoted path or a $variable after \(after), found \(describeCurrent)",
                       suggestion: "e.g. \(after.dropFirst().dropLast()) \"phones.txt\", or \(after.dropFirst().dropLast()) \"-\" for stdin")
        }
    }
}
