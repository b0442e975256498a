import HMQSyntax
import Heymarket

/// Field names get the same verdict whatever the data. After `show` (or
/// `count`, `unmatched`) the fields are the columns: any other name is an
/// error. On contacts, a documented field, a virtual one or one a row has is
/// fine; any other name is an error only when it is close to one of those
/// (a typo: `nmae`), and otherwise a field these contacts lack (null).
///
/// A stage checks its names once: on the first rows it sees, or at the end
/// when none came, so a typo is an error however many rows there are.
struct FieldCheck {
    let paths: [FieldPath]
    private var checked = false
    /// Fields the source's rows may have beside a contact's (see ``StageChain``).
    var sourceFields: [String] = []

    init(_ paths: [FieldPath]) { self.paths = paths }

    mutating func check(_ rows: [Row], columns: [String]?) throws(RuntimeError) {
        guard !checked, !rows.isEmpty else { return }
        checked = true
        try Self.check(paths, rows: rows, columns: columns, sourceFields: sourceFields)
    }

    mutating func checkIfUnchecked(columns: [String]?) throws(RuntimeError) {
        guard !checked else { return }
        checked = true
        try Self.check(paths, rows: [], columns: columns, sourceFields: sourceFields)
    }

    /// Fields every contact can answer: those the API documents, and the virtual ones.
    static let contactFields = Contact.documentedFields + Row.virtualFields

    static func check(_ paths: [FieldPath], rows: [Row], columns: [String]?, sourceFields: [String] = []) throws(RuntimeError) {
        for path in paths {
            let head = path.components[0].name
            var known: [String]
            if let columns {
                known = columns
                if known.contains(head) { continue }
            } else {
                if contactFields.contains(head) || sourceFields.contains(head) || rows.contains(where: { $0.fields[head] != nil }) { continue }
                known = contactFields + sourceFields
                for row in rows { for key in row.fields.keys where !known.contains(key) { known.append(key) } }
                guard Suggestion.closest(to: head, among: known) != nil else { continue }
            }
            let guess = Suggestion.closest(to: head, among: known)
            throw .at(path.components[0].range, .unknownField, "unknown field '\(head)'",
                      suggestion: guess.map { "did you mean '\($0)'?" } ?? "fields: " + known.prefix(12).joined(separator: ", "))
        }
    }
}

/// A stage that checks field names (``FieldCheck``).
protocol FieldChecking: AnyObject {
    var fieldCheck: FieldCheck { get set }
}

extension FieldChecking {
    func checkFields(_ rows: [Row], columns: [String]?) throws(RuntimeError) { try fieldCheck.check(rows, columns: columns) }
    func checkFieldsIfUnchecked(columns: [String]?) throws(RuntimeError) { try fieldCheck.checkIfUnchecked(columns: columns) }
}
