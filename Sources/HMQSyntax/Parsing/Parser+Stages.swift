extension Parser {
    mutating func parseStage(after pipe: Token) throws(Recovery) -> Stage {
        guard kind == .identifier else {
            throw fail(.expectedStage, "expected a stage after '|', found \(describeCurrent)",
                       suggestion: "stages: " + StageName.all.joined(separator: ", "))
        }
        let keyword = current
        let word = text(keyword).lowercased()
        switch word {
        case "show": return .show(try parseShow())
        case "where":
            advance()
            guard kind != .newline, kind != .end, kind != .pipe, kind != .semicolon else {
                throw fail(.expectedExpression, "expected a condition after 'where', found \(describeCurrent)",
                           suggestion: "e.g. where tags has \"vip\"")
            }
            let condition = try parseCondition()
            return .where(WhereStage(condition: condition, range: keyword.range.union(condition.range)))
        case "sort": return .sort(try parseSort())
        case "limit", "first":
            advance()
            if kind == .number {
                let t = advance()
                guard let n = Int(text(t)), n >= 0 else {
                    throw fail(.expectedValue, "'\(word)' takes a whole number of rows, found '\(text(t))'", at: t.range)
                }
                return .limit(LimitStage(keyword: word, count: n, range: keyword.range.union(t.range)))
            }
            if word == "first", [.newline, .end, .pipe, .semicolon].contains(kind) {
                return .limit(LimitStage(keyword: word, count: 1, range: keyword.range))
            }
            if word == "first" {
                throw fail(.expectedValue, "expected a number of rows after 'first', found \(describeCurrent)", suggestion: "e.g. first 3")
            }
            throw fail(.expectedValue, "expected a number of rows after 'limit', found \(describeCurrent)", suggestion: "e.g. limit 10")
        case "count":
            advance()
            if at(keyword: "by") {
                advance()
                let path = try parsePath(after: "'count by'")
                return .count(CountStage(by: path, range: keyword.range.union(path.range)))
            }
            return .count(CountStage(by: nil, range: keyword.range))
        case "unique":
            advance()
            var paths: [FieldPath] = []
            if kind == .identifier {
                paths.append(try parsePath(after: "'unique'"))
                while kind == .comma {
                    advance()
                    skipNewlines()
                    paths.append(try parsePath(after: "','"))
                }
            }
            return .unique(UniqueStage(paths: paths, range: keyword.range.union(paths.last?.range ?? keyword.range)))
        case "format":
            advance()
            guard kind == .identifier else {
                throw fail(.expectedToken, "expected a format name after 'format', found \(describeCurrent)",
                           suggestion: "e.g. format csv")
            }
            let name = Identifier(name: text(current).lowercased(), range: advance().range)
            let options = try parseOptions()
            return .format(FormatStage(name: name, options: options, range: keyword.range.union(options.last?.range ?? name.range)))
        case "save":
            advance()
            let path = try parseStringLiteral(after: "'save'")
            let options = try parseOptions()
            return .save(SaveStage(path: path, options: options, range: keyword.range.union(options.last?.range ?? path.range)))
        case "unmatched":
            advance()
            return .unmatched(keyword.range)
        case "diff":
            advance()
            let path = try parseFilePath(after: "'diff'")
            var key: FieldPath?
            if at(keyword: "by") {
                advance()
                key = try parsePath(after: "'diff by'")
            }
            let options = try parseOptions()
            let end = options.last?.range ?? key?.range ?? path.range
            return .diff(DiffStage(path: path, key: key, options: options, range: keyword.range.union(end)))
        default:
            if pluginStages.contains(word) {
                advance()
                let options = try parseOptions()
                return .plugin(PluginStage(name: Identifier(name: word, range: keyword.range), options: options,
                                           range: keyword.range.union(options.last?.range ?? keyword.range)))
            }
            if let guess = Suggestion.closest(to: word, among: StageName.all + pluginStages.sorted()) {
                throw fail(.unknownStage, "unknown stage '\(text(keyword))'", suggestion: "did you mean '\(guess)'?",
                           fixIt: .init(range: keyword.range, replacement: guess))
            }
            if Self.statementKeywords.contains(word) {
                throw fail(.unknownStage, "'\(text(keyword))' starts a statement, not a stage; put it on a new line or after ';'")
            }
            throw fail(.unknownStage, "unknown stage '\(text(keyword))'", suggestion: "stages: " + (StageName.all + pluginStages.sorted()).joined(separator: ", "))
        }
    }

    mutating func parseShow() throws(Recovery) -> ShowStage {
        let keyword = advance()
        var columns: [ShowStage.Column] = []
        repeat {
            if !columns.isEmpty {
                advance()
                skipNewlines()
            }
            if kind == .star {
                columns.append(.all(advance().range))
                continue
            }
            guard kind == .identifier else {
                throw fail(.expectedToken, "expected a field after \(columns.isEmpty ? "'show'" : "','"), found \(describeCurrent)",
                           suggestion: columns.isEmpty ? "e.g. show name, phone, tags" : nil)
            }
            let path = try parsePath(after: "'show'")
            if kind == .dot, peek(1).kind == .star {
                advance()
                let star = advance()
                columns.append(.allOf(path, path.range.union(star.range)))
                continue
            }
            var alias: Identifier?
            if at(keyword: "as") {
                advance()
                switch kind {
                case .identifier: alias = Identifier(name: text(current), range: advance().range)
                case .string:
                    let t = advance()
                    alias = Identifier(name: decoded(t), range: t.range)
                default:
                    throw fail(.expectedToken, "expected a column name after 'as', found \(describeCurrent)")
                }
            }
            let name = alias?.name ?? path.dotted
            let named = columns.contains { if case .field(let p, let a) = $0 { (a?.name ?? p.dotted) == name } else { false } }
            if named {
                _ = fail(.duplicateColumn, "column '\(name)' appears twice in this show", at: alias?.range ?? path.range,
                         suggestion: "give one another name with 'as'")
            }
            columns.append(.field(path, alias: alias))
        } while kind == .comma
        let end: SourceRange
        switch columns.last {
        case .field(let p, let a)?: end = a?.range ?? p.range
        case .all(let r)?, .allOf(_, let r)?: end = r
        case nil: end = keyword.range
        }
        return ShowStage(columns: columns, range: keyword.range.union(end))
    }

    mutating func parseSort() throws(Recovery) -> SortStage {
        let keyword = advance()
        var keys: [SortStage.Key] = []
        repeat {
            if !keys.isEmpty {
                advance()
                skipNewlines()
            }
            guard kind == .identifier else {
                throw fail(.expectedToken, "expected a field to sort by, found \(describeCurrent)", suggestion: "e.g. sort name desc")
            }
            let path = try parsePath(after: "'sort'")
            var descending = false
            var range = path.range
            if at(keyword: "desc") || at(keyword: "asc") {
                descending = at(keyword: "desc")
                range = range.union(advance().range)
            }
            keys.append(SortStage.Key(path: path, descending: descending, range: range))
        } while kind == .comma
        return SortStage(keys: keys, range: keyword.range.union(keys.last?.range ?? keyword.range))
    }

    /// `--name [value]` options of `format` and `save`.
    mutating func parseOptions() throws(Recovery) -> [FormatStage.Option] {
        var options: [FormatStage.Option] = []
        while kind == .option {
            let t = advance()
            let name = String(text(t).dropFirst(2))
            var value: Literal?
            if kind == .number || kind == .string || kind == .identifier || kind == .email || kind == .variable {
                value = try parseLiteral(allowWord: true)
            }
            options.append(.init(name: name, value: value, range: t.range.union(value?.range ?? t.range)))
        }
        return options
    }

    /// `name`, `custom.12`, `note.text`. Keywords are fine as field names.
    mutating func parsePath(after: String) throws(Recovery) -> FieldPath {
        guard kind == .identifier else {
            throw fail(.expectedToken, "expected a field name after \(after), found \(describeCurrent)")
        }
        var components = [Identifier(name: text(current), range: advance().range)]
        // `input.*` ends at the star (show reads it).
        while kind == .dot, peek(1).kind != .star {
            let dot = advance()
            switch kind {
            case .identifier:
                components.append(Identifier(name: text(current), range: advance().range))
            case .number:
                // `custom.12`, or `note.0.text` lexed as the number `0.5`-style: split on dots.
                let t = advance()
                var offset = t.range.start
                for part in text(t).split(separator: ".", omittingEmptySubsequences: false) {
                    components.append(Identifier(name: String(part), range: SourceRange(start: offset, end: offset + part.utf8.count)))
                    offset += part.utf8.count + 1
                }
            default:
                throw fail(.expectedToken, "expected a field name after '.', found \(describeCurrent)", at: kind == .end || kind == .newline ? dot.range : nil)
            }
        }
        return FieldPath(components: components, range: components[0].range.union(components[components.count - 1].range))
    }
}
