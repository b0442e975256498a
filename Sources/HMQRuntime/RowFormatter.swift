import HMQJSON
import Heymarket

/// A streaming formatter: `begin(columns:)`, then `row(_:)` per row, then `end()`,
/// so a large result is never held twice.
///
/// A value is `nil` when the row has no such field (formats that name fields
/// leave it out) and `.null` when the field is null or was asked for and missing.
public protocol RowFormatter: AnyObject {
    func begin(columns: [String]) throws
    func row(_ values: [JSONValue?]) throws
    func end() throws
    /// Columns first seen after `begin` (rows are printed as they come, and
    /// without `show` the columns are the fields of the rows). Later rows carry
    /// values for them at the end. Formats with a header already written throw.
    func add(columns: [String]) throws
}

extension RowFormatter {
    /// Refuses: the header is written. A format that names fields per row (json) overrides this.
    public func add(columns: [String]) throws {
        let list = columns.map { "'\($0)'" }.joined(separator: ", ")
        throw FormatterOptionError("field \(list) first appears after the header was written; name the columns with '| show ...'")
    }
}

/// What the output is attached to, for formats that adapt (table width, colour, pretty JSON).
public struct OutputContext: Sendable, Hashable {
    /// Output goes to a terminal (not a file or a pipe).
    public var isTerminal: Bool
    /// The terminal's width in columns, when known.
    public var width: Int?
    /// The terminal shows UTF-8 (box drawing, `…`); otherwise ASCII stand-ins.
    public var unicode: Bool
    /// ANSI colour is wanted.
    public var color: Bool
    /// The terminal's height in lines, when known (the REPL's pager reads it).
    public var height: Int?
    /// Whether `table` draws one block per row (the REPL's `\x`).
    public var expanded: ExpandedDisplay

    public init(isTerminal: Bool = false, width: Int? = nil, unicode: Bool = true, color: Bool = false, height: Int? = nil, expanded: ExpandedDisplay = .off) {
        self.isTerminal = isTerminal
        self.width = width
        self.unicode = unicode
        self.color = color
        self.height = height
        self.expanded = expanded
    }

    /// A file or a pipe: no width, no colour, UTF-8.
    public static let file = OutputContext()
}

/// psql's expanded display (`\x` in the REPL): whether `table` draws a block
/// of `field | value` lines per row instead of a table.
public enum ExpandedDisplay: String, Sendable, Hashable, CaseIterable {
    /// A table, its widest columns cut to fit the terminal; blocks only when even that cannot fit.
    case off
    /// Blocks, always.
    case on
    /// Blocks whenever the table would be wider than the terminal (before anything is cut).
    case auto
}
