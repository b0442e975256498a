/// Turns an AST back into canonical hmq text (for `hmq fmt` and round-trip tests):
/// one statement per line, ` | ` between stages, `, ` between items, strings in
/// double quotes, a channel type written only where it changes, comments kept.
public struct ASTPrinter: Sendable {
    /// A pipeline longer than this is printed with one stage per line (`  | stage`).
    public var lineWidth: Int

    public init(lineWidth: Int = 100) { self.lineWidth = lineWidth }

    public func print(_ script: Script) -> String {
        var lines: [String] = []
        for item in script.items {
            switch item {
            case .statement(let statement, let comment):
                lines.append(print(statement) + (comment.map { "  " + $0 } ?? ""))
            case .comment(let text, _):
                lines.append(text)
            case .blankLine:
                lines.append("")
            }
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    public func print(_ statement: Statement) -> String {
        switch statement {
        case .pipeline(let p): return print(p)
        case .let(let l): return "let \(l.name.name) = \(print(l.pipeline))"
        case .set(let s): return "set \(s.name.name) \(print(s.value))"
        case .explain(let e): return "explain \(print(e.pipeline))"
        }
    }

    public func print(_ pipeline: Pipeline) -> String {
        let parts = [print(pipeline.source)] + pipeline.stages.map(print)
        let oneLine = parts.joined(separator: " | ")
        guard oneLine.count > lineWidth, parts.count > 1 else { return oneLine }
        return parts.joined(separator: "\n  | ")
    }

    func print(_ source: PipelineSource) -> String {
        switch source {
        case .variable(let v): return "$" + v.name
        case .find(let find):
            if let records = find.records {
                let keys = records.keys.map { key in (key.type?.name ?? "any") + " " + print(key.column) }
                let delimiter = records.delimiter.map { " delimiter " + Self.quote($0.value) } ?? ""
                return "find \(records.format.rawValue) \(Self.path(records.path))\(delimiter) by " + keys.joined(separator: ", ")
            }
            var parts: [String] = []
            var currentType: String?? = .none
            for item in find.items {
                let type = item.type?.name
                var text = ""
                if currentType == .none ? type != nil : currentType! != type {
                    text = (type ?? "any") + " "
                }
                currentType = .some(type)
                parts.append(text + print(item.value))
            }
            return "find " + parts.joined(separator: ", ")
        }
    }

    func print(_ value: ValueExpression) -> String {
        switch value {
        case .number(let n, _), .email(let n, _): return n
        case .string(let s, _): return Self.quote(s)
        case .variable(let v): return "$" + v.name
        case .file(let path, _): return "file " + Self.path(path)
        case .csv(let path, let column, _): return "csv \(Self.path(path)) column " + print(column)
        }
    }

    public func print(_ column: ColumnReference) -> String {
        switch column {
        case .name(let name): Self.quote(name.value)
        case .position(let n, _): String(n)
        }
    }

    static func path(_ path: PathExpression) -> String {
        switch path {
        case .literal(let s): quote(s.value)
        case .variable(let v): "$" + v.name
        }
    }

    public func print(_ stage: Stage) -> String {
        switch stage {
        case .show(let s):
            return "show " + s.columns.map { column in
                switch column {
                case .all: return "*"
                case .allOf(let path, _): return path.dotted + ".*"
                case .field(let path, let alias):
                    return path.dotted + (alias.map { " as " + Self.name($0.name) } ?? "")
                }
            }.joined(separator: ", ")
        case .where(let w): return "where " + print(w.condition)
        case .sort(let s):
            return "sort " + s.keys.map { $0.path.dotted + ($0.descending ? " desc" : "") }.joined(separator: ", ")
        case .limit(let l): return "\(l.keyword) \(l.count)"
        case .count(let c): return c.by.map { "count by " + $0.dotted } ?? "count"
        case .unique(let u): return u.paths.isEmpty ? "unique" : "unique " + u.paths.map(\.dotted).joined(separator: ", ")
        case .format(let f): return "format " + f.name.name + print(f.options)
        case .save(let s): return "save " + Self.quote(s.path.value) + print(s.options)
        case .unmatched: return "unmatched"
        case .diff(let d): return "diff " + Self.path(d.path) + (d.key.map { " by " + $0.dotted } ?? "") + print(d.options)
        case .plugin(let p): return p.name.name + print(p.options)
        }
    }

    private func print(_ options: [FormatStage.Option]) -> String {
        options.map { " --" + $0.name + ($0.value.map { " " + print($0) } ?? "") }.joined()
    }

    public func print(_ expression: Condition) -> String {
        switch expression {
        case .or(let a, let b, _):
            return print(a) + " or " + print(b)
        case .and(let a, let b, _):
            return wrapIfOr(a) + " and " + wrapIfOr(b)
        case .not(.in(let path, let values, _), _):
            return path.dotted + " not in [" + values.map(print).joined(separator: ", ") + "]"
        case .not(let operand, _):
            switch operand {
            case .and, .or: return "not (" + print(operand) + ")"
            default: return "not " + print(operand)
            }
        case .comparison(let path, let op, let value, _):
            return "\(path.dotted) \(op.rawValue) \(print(value))"
        case .contains(let path, let value, _): return "\(path.dotted) contains \(print(value))"
        case .has(let path, let value, _): return "\(path.dotted) has \(print(value))"
        case .matches(let path, let value, _): return "\(path.dotted) matches \(print(value))"
        case .in(let path, let values, _):
            return path.dotted + " in [" + values.map(print).joined(separator: ", ") + "]"
        case .exists(let path, _): return path.dotted + " exists"
        case .truthy(let path, _): return path.dotted
        case .group(let inner, _): return "(" + print(inner) + ")"
        }
    }

    private func wrapIfOr(_ e: Condition) -> String {
        if case .or = e { return "(" + print(e) + ")" }
        return print(e)
    }

    public func print(_ literal: Literal) -> String {
        switch literal {
        case .number(let n, _), .email(let n, _), .word(let n, _): return n
        case .string(let s, _): return Self.quote(s)
        case .bool(let b, _): return b ? "true" : "false"
        case .null: return "null"
        case .emptyList: return "[]"
        case .variable(let v): return "$" + v.name
        }
    }

    /// A double-quoted string literal with escapes.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A column name: bare when it lexes as one word, quoted otherwise.
    static func name(_ s: String) -> String {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, Lexer.isIdentifierStart(first), bytes.allSatisfy({ Lexer.isIdentifierContinue($0) }),
            String(validating: bytes, as: UTF8.self) != nil
        else { return quote(s) }
        return s
    }
}
