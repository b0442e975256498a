import HMQSyntax

/// A stage with something to tell the user once it has run.
protocol NoteProducing {
    var notes: [Diagnostic] { get }
}

/// The stages of a pipeline, driven chunk by chunk.
final class StageChain {
    private let stages: [any RowTransform]
    private let sourceColumns: [String]?

    /// `sourceFields`: fields the source's rows may have beside a contact's
    /// (a records source's `input`, `outcome`, ...), known to the field checks.
    init(_ stages: [any RowTransform], sourceColumns: [String]?, sourceFields: [String] = []) {
        self.stages = stages
        self.sourceColumns = sourceColumns
        if !sourceFields.isEmpty {
            for case let stage as any FieldChecking in stages { stage.fieldCheck.sourceFields = sourceFields }
        }
    }

    /// The columns after stage `index` (after the source for -1).
    private func columns(through index: Int) -> [String]? {
        var columns = sourceColumns
        for stage in stages.prefix(index + 1) { columns = stage.columns(after: columns) }
        return columns
    }

    /// The columns of the chain's output (nil: every field).
    var outputColumns: [String]? { columns(through: stages.count - 1) }

    /// True when no more source rows can change the output.
    var saturated: Bool { stages.contains { $0.isSaturated } }

    /// True when the chain may want no more rows before the source ends (it has a `limit`).
    var mayStop: Bool { stages.contains { $0 is LimitTransform } }

    /// Runs source rows through every stage; returns what comes out.
    func push(_ rows: [Row]) throws -> [Row] {
        try push(rows, from: 0)
    }

    private func push(_ rows: [Row], from first: Int) throws -> [Row] {
        var rows = rows
        var columns = columns(through: first - 1)
        for stage in stages[first...] {
            if rows.isEmpty { return [] }
            rows = try stage.accept(rows, columns: columns)
            columns = stage.columns(after: columns)
        }
        return rows
    }

    /// Aggregates whose output ``finish(_:)`` withheld.
    private(set) var withheld: [String] = []

    /// What the stages have to tell the user (values of the wrong shape).
    var notes: [Diagnostic] { stages.flatMap { ($0 as? NoteProducing)?.notes ?? [] } }

    /// Ends the input: each blocking stage gives its rows to the stages after
    /// it. When a batch failed, an aggregate's rows are withheld (see ``RowTransform/aggregateName``).
    func finish(_ end: StreamEnd) throws -> [Row] {
        var out: [Row] = []
        for (index, stage) in stages.enumerated() {
            try (stage as? FieldChecking)?.checkFieldsIfUnchecked(columns: columns(through: index - 1))
            var rows = try stage.finish(end)
            if end.incomplete, let name = stage.aggregateName {
                if !withheld.contains(name) { withheld.append(name) }
                rows = []
            }
            out += try push(rows, from: index + 1)
        }
        return out
    }
}
