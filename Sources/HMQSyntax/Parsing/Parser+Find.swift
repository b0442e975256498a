extension Parser {
    /// `find [type] value, value, [type] value, ...`: a type word applies to the
    /// values after it until the next type word; `any` goes back to untyped.
    mutating func parseFind() throws(Recovery) -> FindSource {
        let findToken = advance()
        if (at(keyword: "csv") || at(keyword: "ndjson")), peek(1).kind == .string || peek(1).kind == .variable,
           isWord(peek(2), "by") || (isWord(peek(2), "delimiter") && isWord(peek(4), "by")) {
            let records = try parseRecords()
            return FindSource(items: [], range: findToken.range.union(records.range), records: records)
        }
        var items: [FindItem] = []
        var currentType: Identifier?
        var previousWasComma = false
        while true {
            var typeWritten = false
            var typeRange: SourceRange?
            if kind == .identifier, !isValueStart() {
                let word = text(current)
                try checkChannelType(word, at: current.range)
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
            let column = try parseColumn(after: "'column'")
            return .csv(path: path, column: column, range: token.range.union(column.range))
        default:
            throw fail(.expectedValue, "expected a value, found \(describeCurrent)")
        }
    }

    /// The words a `find` knows after it or a comma: the channel types `phone`,
    /// `email` and `any` (untyped), and the sources `file`, `csv` and `ndjson`.
    public static let findKeywords = ["phone", "email", "any", "file", "csv", "ndjson"]

    /// Words people write for a phone or an email that are not channel types.
    static let channelTypeSynonyms = ["mobile": "phone", "cell": "phone", "cellphone": "phone", "tel": "phone", "telephone": "phone",
                                      "sms": "phone", "number": "phone", "phones": "phone", "mail": "email", "e-mail": "email", "emails": "email"]

    /// Any name is a channel type (a future integration's too), but a slip of
    /// phone or email would search a type the server has no contact of, and
    /// every value would be "no contact": such a word is an error with the fix.
    mutating func checkChannelType(_ word: String, at range: SourceRange) throws(Recovery) {
        let lower = word.lowercased()
        guard !Self.findKeywords.contains(lower) else { return }
        let guess = Self.channelTypeSynonyms[lower] ?? Suggestion.closest(to: lower, among: ["phone", "email"])
        guard let guess else { return }
        throw fail(.expectedValue, "'\(word)' is no channel type hmq knows: did you mean '\(guess)'?", at: range,
                   suggestion: "phone, email, or any (untyped: the server infers the type)",
                   fixIt: .init(range: range, replacement: guess))
    }

    /// A column by header name (a string) or number from 1.
    mutating func parseColumn(after: String) throws(Recovery) -> ColumnReference {
        switch kind {
        case .string:
            let t = advance()
            return .name(StringLiteral(value: decoded(t), range: t.range))
        case .number:
            let t = advance()
            guard let n = Int(text(t)), n >= 1, n <= 1_000_000 else {
                let tooLarge = text(t).allSatisfy(\.isNumber) && text(t).count > 1 && text(t).first != "0"
                throw fail(.expectedValue, tooLarge ? "column \(text(t)) is past any sheet's last column" : "a column number counts from 1", at: t.range)
            }
            return .position(n, t.range)
        default:
            throw fail(.expectedValue, "expected a column name (a string) or number after \(after), found \(describeCurrent)")
        }
    }

    /// `csv "leads.csv" by phone "Phone", email 3` or `ndjson "leads.ndjson" by email "email"`:
    /// each key a channel type (`any`: untyped) and a column.
    mutating func parseRecords() throws(Recovery) -> RecordsSource {
        let formatToken = advance()
        let format: RecordsSource.Format = isWord(formatToken, "ndjson") ? .ndjson : .csv
        let path = try parseFilePath(after: "'\(format.rawValue)'")
        var delimiter: StringLiteral?
        if at(keyword: "delimiter") {
            let word = advance()
            guard format == .csv else { throw fail(.expectedToken, "an NDJSON file has no delimiter: one JSON object per line", at: word.range) }
            let literal = try parseStringLiteral(after: "'delimiter'")
            let value = literal.value == "tab" || literal.value == "\\t" ? "\t" : literal.value
            guard value.utf8.count == 1, let byte = value.utf8.first, byte != UInt8(ascii: "\""), byte != 0x0A, byte != 0x0D else {
                throw fail(.expectedValue, "a delimiter is one character other than a quote or a line break: \",\", \";\", \"\\t\" or \"|\"", at: literal.range)
            }
            delimiter = StringLiteral(value: value, range: literal.range)
        }
        advance()  // by
        var keys: [RecordsSource.Key] = []
        repeat {
            if !keys.isEmpty {
                advance()
                skipNewlines()
            }
            guard kind == .identifier else {
                throw fail(.expectedToken, "expected a channel type and a column after \(keys.isEmpty ? "'by'" : "','"), found \(describeCurrent)",
                           suggestion: "e.g. by phone \"Phone\", email \"Email\"")
            }
            let word = text(current)
            try checkChannelType(word, at: current.range)
            let typeToken = advance()
            let type = word.lowercased() == "any" ? nil : Identifier(name: word.lowercased(), range: typeToken.range)
            guard kind == .string || kind == .number else {
                throw fail(.expectedValue, "expected the column of '\(word)' (a header name in quotes, or a number), found \(describeCurrent)",
                           suggestion: "e.g. by \(word.lowercased()) \"\(word.prefix(1).uppercased() + word.dropFirst().lowercased())\"")
            }
            let column = try parseColumn(after: "'\(word)'")
            if keys.contains(where: { $0.type?.name == type?.name && source.text($0.column.range) == source.text(column.range) }) {
                throw fail(.expectedValue, "\(word) \(source.text(column.range)) is a key twice", at: typeToken.range.union(column.range))
            }
            keys.append(RecordsSource.Key(type: type, column: column, range: typeToken.range.union(column.range)))
        } while kind == .comma
        return RecordsSource(format: format, path: path, delimiter: delimiter, keys: keys, range: formatToken.range.union(keys[keys.count - 1].range))
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
