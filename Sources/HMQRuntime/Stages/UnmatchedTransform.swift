/// `unmatched`: instead of the contacts, the input values that found none.
final class UnmatchedTransform: RowTransform {
    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] { [] }
    func finish(_ end: StreamEnd) throws -> [Row] { end.unmatched }
    func columns(after input: [String]?) -> [String]? { Relation.unmatchedColumns }
}
