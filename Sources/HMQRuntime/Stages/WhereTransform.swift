import HMQSyntax

/// `where`: keeps the rows the condition holds for.
final class WhereTransform: RowTransform, FieldChecking, NoteProducing {
    private let condition: Condition
    private var tester: ConditionEvaluator
    var fieldCheck: FieldCheck

    init(_ stage: WhereStage, caseSensitive: Bool, literals: LiteralResolver) {
        condition = stage.condition
        tester = ConditionEvaluator(caseSensitive: caseSensitive) { literal throws(RuntimeError) in try literals.value(literal) }
        fieldCheck = FieldCheck(Self.paths(in: stage.condition))
    }

    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try checkFields(rows, columns: columns)
        var kept: [Row] = []
        for row in rows {
            // Ctrl-C stops a long evaluation too, not only the requests.
            try Task.checkCancellation()
            if try tester.test(condition, row) { kept.append(row) }
        }
        return kept
    }

    func columns(after input: [String]?) -> [String]? { input }

    /// One note per test that met values of the wrong shape.
    var notes: [Diagnostic] {
        tester.mismatches.map { m in
            Diagnostic(id: .typeMismatch, severity: .note, range: m.range,
                       message: "\(m.count) row\(m.count == 1 ? "" : "s") did not match: \(m.message)")
        }
    }

    /// Every path a condition reads.
    static func paths(in condition: Condition) -> [FieldPath] {
        switch condition {
        case .and(let a, let b, _), .or(let a, let b, _): return paths(in: a) + paths(in: b)
        case .not(let a, _), .group(let a, _): return paths(in: a)
        case .comparison(let p, _, _, _), .contains(let p, _, _), .has(let p, _, _), .matches(let p, _, _), .in(let p, _, _),
            .exists(let p, _), .truthy(let p, _):
            return [p]
        }
    }
}
