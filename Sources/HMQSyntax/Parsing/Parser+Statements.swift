extension Parser {
    /// The words a statement starts with (besides a variable): what completion offers there too.
    public static let statementKeywords = ["find", "let", "set", "explain"]

    /// Parses statements until the end, recovering after each error at the next
    /// statement boundary. Comments and blank lines are placed among the
    /// statements as they go (a comment on a statement's last line is its
    /// trailing comment; one inside a multi-line statement goes before it).
    mutating func parseScript() -> Script {
        var items: [Script.Item] = []
        var nextComment = 0
        var previousEnd = -1
        while true {
            while kind == .newline || kind == .semicolon { advance() }
            if kind == .end { break }
            let start = consumed
            do {
                let statement = try parseStatement()
                try expectStatementEnd(statement)
                let range = statement.range
                while nextComment < comments.count, comments[nextComment].range.start < range.end {
                    appendComment(comments[nextComment], to: &items, previousEnd: &previousEnd)
                    nextComment += 1
                }
                appendBlankLineIfNeeded(before: range.start, to: &items, previousEnd: previousEnd)
                var trailing: String?
                if nextComment < comments.count, !bytes[range.end..<comments[nextComment].range.start].contains(0x0A) {
                    trailing = text(comments[nextComment])
                    previousEnd = comments[nextComment].range.end
                    nextComment += 1
                } else {
                    previousEnd = max(previousEnd, range.end)
                }
                items.append(.statement(statement, trailingComment: trailing))
            } catch {
                recover()
                if consumed == start { advance() }
            }
        }
        while nextComment < comments.count {
            appendComment(comments[nextComment], to: &items, previousEnd: &previousEnd)
            nextComment += 1
        }
        return Script(items: items, range: SourceRange(start: 0, end: source.bytes.count))
    }

    private func appendComment(_ comment: Token, to items: inout [Script.Item], previousEnd: inout Int) {
        appendBlankLineIfNeeded(before: comment.range.start, to: &items, previousEnd: previousEnd)
        items.append(.comment(text(comment), comment.range))
        previousEnd = max(previousEnd, comment.range.end)
    }

    /// Two or more line breaks since the last item make one blank line.
    private func appendBlankLineIfNeeded(before start: Int, to items: inout [Script.Item], previousEnd: Int) {
        guard previousEnd >= 0, start > previousEnd else { return }
        var newlines = 0
        for i in previousEnd..<min(start, source.bytes.count) where bytes[i] == 0x0A {
            newlines += 1
            if newlines == 2 {
                items.append(.blankLine)
                return
            }
        }
    }

    mutating func parseStatement() throws(Recovery) -> Statement {
        if at(keyword: "let") { return .let(try parseLet()) }
        if at(keyword: "set") { return .set(try parseSet()) }
        if at(keyword: "explain") {
            let start = advance().range
            skipNewlines()
            guard at(keyword: "find") || kind == .variable else {
                throw fail(.expectedToken, "expected a pipeline after 'explain', found \(describeCurrent)", suggestion: "e.g. explain find phone 14155551234")
            }
            let pipeline = try parsePipeline()
            return .explain(ExplainStatement(pipeline: pipeline, range: start.union(pipeline.range)))
        }
        return .pipeline(try parsePipeline())
    }

    /// A statement ends at a newline, `;` or the end; anything else is an error.
    mutating func expectStatementEnd(_ statement: Statement) throws(Recovery) {
        switch kind {
        case .newline, .semicolon, .end: return
        case .number where isFindValueContext(statement), .email where isFindValueContext(statement),
            .string where isFindValueContext(statement), .variable where isFindValueContext(statement):
            throw fail(.unexpectedToken, "expected ',' between values, found \(describeCurrent)",
                       at: SourceRange(start: previousRange.end, end: current.range.start), suggestion: "insert ','",
                       fixIt: .init(range: SourceRange(start: previousRange.end, end: previousRange.end), replacement: ","))
        default:
            throw fail(.unexpectedToken, "unexpected \(describeCurrent) after the statement; stages are separated by '|' and statements by a new line or ';'")
        }
    }

    private func isFindValueContext(_ statement: Statement) -> Bool {
        let pipeline: Pipeline
        switch statement {
        case .pipeline(let p): pipeline = p
        case .explain(let e): pipeline = e.pipeline
        case .let(let l): pipeline = l.pipeline
        case .set: return false
        }
        if case .find = pipeline.source, pipeline.stages.isEmpty { return true }
        return false
    }

    mutating func parseLet() throws(Recovery) -> LetStatement {
        let start = advance().range
        guard kind == .identifier else {
            throw fail(.expectedToken, "expected a name after 'let', found \(describeCurrent)")
        }
        let name = Identifier(name: text(current), range: advance().range)
        guard kind == .equals else {
            throw fail(.expectedToken, "expected '=' after 'let \(name.name)', found \(describeCurrent)")
        }
        advance()
        skipNewlines()
        guard kind != .end, kind != .semicolon else {
            throw fail(.expectedToken, "expected a pipeline after 'let \(name.name) ='")
        }
        let pipeline = try parsePipeline()
        return LetStatement(name: name, pipeline: pipeline, range: start.union(pipeline.range))
    }

    mutating func parseSet() throws(Recovery) -> SetStatement {
        let start = advance().range
        guard kind == .identifier else {
            throw fail(.expectedToken, "expected a setting name after 'set', found \(describeCurrent)")
        }
        let name = Identifier(name: text(current), range: advance().range)
        guard let value = try parseLiteral(allowWord: true) else {
            throw fail(.expectedValue, "expected a value after 'set \(name.name)', found \(describeCurrent)")
        }
        return SetStatement(name: name, value: value, range: start.union(value.range))
    }

    /// A pipeline: a source, then stages after `|` (a `|` may start the next line).
    mutating func parsePipeline() throws(Recovery) -> Pipeline {
        let source = try parseSource()
        var stages: [Stage] = []
        while true {
            if kind == .newline {
                // A line that starts with `|` continues the statement.
                var ahead = 0
                while peek(ahead).kind == .newline { ahead += 1 }
                guard peek(ahead).kind == .pipe else { break }
                skipNewlines()
            }
            guard kind == .pipe else { break }
            let pipe = advance()
            skipNewlines()
            let stage = try parseStage(after: pipe)
            if let save = stages.last, case .save = save {
                throw fail(.stageAfterSave, "nothing can follow 'save': it writes the rows and ends the pipeline", at: stage.range,
                           suggestion: "put this stage before 'save' (a 'format' before it chooses the file's format)")
            }
            stages.append(stage)
        }
        let end = stages.last?.range ?? source.range
        return Pipeline(source: source, stages: stages, range: source.range.union(end))
    }

    mutating func parseSource() throws(Recovery) -> PipelineSource {
        if at(keyword: "find") { return .find(try parseFind()) }
        if kind == .variable {
            let token = advance()
            return .variable(VariableReference(name: String(text(token).dropFirst()), range: token.range))
        }
        switch kind {
        case .pipe:
            throw fail(.expectedStage, "a pipeline must start with 'find' or a variable, not '|'")
        case .identifier:
            let word = text(current)
            if StageName.all.contains(word.lowercased()) {
                throw fail(.stageBeforeSource, "'\(word)' is a stage; a pipeline must start with 'find' or a variable",
                           suggestion: "write 'find <values> | \(word) ...'")
            }
            if let guess = Suggestion.closest(to: word, among: Self.statementKeywords) {
                throw fail(.unknownStatement, "unknown statement '\(word)'", suggestion: "did you mean '\(guess)'?",
                           fixIt: .init(range: current.range, replacement: guess))
            }
            throw fail(.unknownStatement, "unknown statement '\(word)'; expected find, let, set or explain")
        case .invalid:
            throw Recovery()
        default:
            throw fail(.unknownStatement, "expected a statement (find, let, set or explain), found \(describeCurrent)")
        }
    }
}
