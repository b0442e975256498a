import HMQSyntax

/// hmq text as every front end reads it (the CLI, `hmq check`, the REPL, the
/// servers): parsed, then checked for what is wrong whatever the data, before
/// anything runs. Today that is the regular expressions of `matches`, which
/// must compile (``LinearRegex``): a bad pattern is reported with the syntax
/// errors, so nothing is sent for a query that could never run.
public enum ScriptCheck {
    public static func parse(_ source: Source, pluginStages: Set<String>) -> ParseResult {
        var result = Parser.parse(source, pluginStages: pluginStages)
        result.diagnostics += patternErrors(in: result.script)
        return result
    }

    /// A diagnostic for each `matches` pattern written as text that does not compile.
    static func patternErrors(in script: Script) -> [Diagnostic] {
        var found: [Diagnostic] = []
        func visit(_ condition: Condition) {
            switch condition {
            case .and(let a, let b, _), .or(let a, let b, _):
                visit(a)
                visit(b)
            case .not(let c, _), .group(let c, _):
                visit(c)
            case .matches(_, .string(let pattern, let range), _):
                do {
                    _ = try LinearRegex(pattern)
                } catch {
                    found.append(Diagnostic(id: .invalidPattern, range: range,
                                            message: "invalid regular expression: \(error.message) (at character \(error.offset + 1) of the pattern)"))
                }
            default:
                break
            }
        }
        for statement in script.statements {
            let pipeline: Pipeline
            switch statement {
            case .pipeline(let p): pipeline = p
            case .let(let l): pipeline = l.pipeline
            case .explain(let e): pipeline = e.pipeline
            case .set: continue
            }
            for case .where(let w) in pipeline.stages { visit(w.condition) }
        }
        return found
    }
}
