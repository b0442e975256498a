import HMQJSON
import HMQSyntax
import Heymarket

/// Reads the literals of a script: text, numbers, and the variables it may
/// read (`$1`, `--var` names, `$env.NAME`). Values are bound, never spliced
/// into query text. A `let` result is not a value: the names of those are
/// known only to say so.
struct LiteralResolver: Sendable {
    var inputs: ScriptInputs
    /// Names bound with `let` (results, not values).
    var boundNames: Set<String> = []

    /// The text of a variable, or nil when unset.
    func text(_ v: VariableReference) -> String? {
        if let position = v.position {
            return position >= 1 && position <= inputs.arguments.count ? inputs.arguments[position - 1] : nil
        }
        if let name = v.environmentName { return inputs.confinement.readsEnvironment ? inputs.environment[name] : nil }
        return inputs.variables[v.name]
    }

    /// The text of a variable, or the error that says why there is none.
    func require(_ v: VariableReference) throws(RuntimeError) -> String {
        if let text = text(v) { return text }
        if let position = v.position {
            throw .at(v.range, .unsetVariable, "$\(position) is not set: the script was given \(inputs.arguments.count) argument\(inputs.arguments.count == 1 ? "" : "s")")
        }
        if let name = v.environmentName {
            if !inputs.confinement.readsEnvironment {
                throw .at(v.range, .notPermitted, "$env is not available to \(inputs.confinement.caller): the environment holds the user's secrets")
            }
            if inputs.withheldEnvironment.contains(name) {
                throw .at(v.range, .notPermitted, "$env.\(name) holds a credential, which scripts cannot read")
            }
            throw .at(v.range, .unsetVariable, "the environment variable \(name) is not set")
        }
        if boundNames.contains(v.name) { throw .at(v.range, .misusedVariable, "$\(v.name) is a result, not a value; start a pipeline with it: $\(v.name) | ...") }
        throw .at(v.range, .unsetVariable, "$\(v.name) is not set", suggestion: "pass it with --var \(v.name)=VALUE")
    }

    /// A literal as text (for `set` and options).
    func text(_ literal: Literal) throws(RuntimeError) -> String {
        switch literal {
        case .number(let s, _), .string(let s, _), .email(let s, _), .word(let s, _): return s
        case .bool(let b, _): return b ? "true" : "false"
        case .null: return "null"
        case .emptyList: return "[]"
        case .variable(let v): return try require(v)
        }
    }

    /// A literal as a value for conditions.
    func value(_ literal: Literal) throws(RuntimeError) -> JSONValue {
        switch literal {
        case .number(let s, _):
            // Kept as JSON keeps it: an integer beyond Int64 (or a number beyond a Double) as its digits.
            if let number = try? JSONParser.parse(s), number.isNumber { return number }
            if let i = Int64(s) { return .integer(i) }
            return Double(s).map(JSONValue.double) ?? .string(s)
        case .string(let s, _), .email(let s, _), .word(let s, _): return .string(s)
        case .bool(let b, _): return .bool(b)
        case .null: return .null
        case .emptyList: return .array([])
        case .variable(let v):
            let text = try require(v)
            if let i = Int64(text) { return .integer(i) }
            return .string(text)
        }
    }
}
