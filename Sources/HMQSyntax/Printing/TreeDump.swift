/// The syntax tree as indented text, one node a line with its kind, its
/// parts and its range (`@start..end`, in bytes), so that a test compares a
/// parse with the tree it expects as text rather than matching cases:
///
/// ```
/// pipeline @0..53
///   find @0..22
///     phone (written) 14155551234 @5..22
///   where @25..53
///     or @31..53
///       a == 1 @31..37
///       b exists @41..53
/// ```
public struct TreeDump {
    /// With `ranges` false, the ranges are left out (for trees whose shape is the point).
    public var ranges: Bool

    public init(ranges: Bool = true) { self.ranges = ranges }

    public func dump(_ script: Script) -> String { script.statements.map(dump).joined() }

    public func dump(_ statement: Statement) -> String {
        var out = Lines(ranges: ranges)
        switch statement {
        case .pipeline(let p): out.pipeline(p, 0)
        case .let(let l):
            out.line(0, "let \(l.name.name)", l.range)
            out.pipeline(l.pipeline, 1)
        case .set(let s):
            out.line(0, "set \(s.name.name) \(ASTPrinter().print(s.value))", s.range)
        case .explain(let e):
            out.line(0, "explain", e.range)
            out.pipeline(e.pipeline, 1)
        }
        return out.text
    }

    private struct Lines {
        let ranges: Bool
        var text = ""

        mutating func line(_ depth: Int, _ what: String, _ range: SourceRange) {
            text += String(repeating: "  ", count: depth) + what + (ranges ? " @\(range.start)..\(range.end)" : "") + "\n"
        }

        mutating func pipeline(_ p: Pipeline, _ depth: Int) {
            let printer = ASTPrinter()
            line(depth, "pipeline", p.range)
            switch p.source {
            case .variable(let v): line(depth + 1, "$\(v.name)", v.range)
            case .find(let f):
                if let records = f.records {
                    line(depth + 1, "find \(records.format.rawValue) \(ASTPrinter.path(records.path))"
                         + (records.delimiter.map { " delimiter \(ASTPrinter.quote($0.value))" } ?? ""), f.range)
                    for key in records.keys { line(depth + 2, "by \(key.type?.name ?? "any") \(printer.print(key.column))", key.range) }
                } else {
                    line(depth + 1, "find", f.range)
                    for item in f.items {
                        line(depth + 2, "\(item.type?.name ?? "untyped")\(item.typeWritten ? " (written)" : "") \(printer.print(item.value))", item.range)
                    }
                }
            }
            for stage in p.stages {
                switch stage {
                case .show(let s):
                    line(depth + 1, "show", s.range)
                    for column in s.columns {
                        switch column {
                        case .field(let path, let alias): line(depth + 2, path.dotted + (alias.map { " as \($0.name)" } ?? ""), path.range)
                        case .all(let r): line(depth + 2, "*", r)
                        case .allOf(let path, let r): line(depth + 2, path.dotted + ".*", r)
                        }
                    }
                case .where(let w):
                    line(depth + 1, "where", w.range)
                    condition(w.condition, depth + 2)
                default:
                    // The other stages are leaves: as they are printed.
                    line(depth + 1, printer.print(stage), stage.range)
                }
            }
        }

        mutating func condition(_ c: Condition, _ depth: Int) {
            switch c {
            case .and(let a, let b, let r), .or(let a, let b, let r):
                line(depth, { if case .and = c { "and" } else { "or" } }(), r)
                condition(a, depth + 1)
                condition(b, depth + 1)
            case .not(let inner, let r):
                line(depth, "not", r)
                condition(inner, depth + 1)
            case .group(let inner, let r):
                line(depth, "group", r)
                condition(inner, depth + 1)
            default:
                // A test on a field is a leaf: as it is printed.
                line(depth, ASTPrinter().print(c), c.range)
            }
        }
    }
}
