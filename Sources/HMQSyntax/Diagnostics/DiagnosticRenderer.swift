import TextWidth

/// Renders diagnostics like compilers do:
///
///     script.hmq:3:16: error: unknown stage 'shwo'
///       3 | find phone 1 | shwo name
///         |                ^~~~ did you mean 'show'?
///
/// Columns count characters; the caret is padded by display width, so it sits
/// under the right character after `é` or `李`. Colour is a decorator, on only
/// when asked (see ``colorByDefault(environment:isTerminal:)``).
public struct DiagnosticRenderer: Sendable {
    public var useColor: Bool

    public init(useColor: Bool = false) { self.useColor = useColor }

    /// Colour when `FORCE_COLOR` is set (and not `0`), or when the stream is a
    /// terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    public static func colorByDefault(environment: [String: String], isTerminal: Bool) -> Bool {
        if let force = environment["FORCE_COLOR"], !force.isEmpty, force != "0" { return true }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isTerminal
    }

    /// All diagnostics, each followed by a blank line.
    public func render(_ diagnostics: [Diagnostic], in source: Source) -> String {
        diagnostics.map { render($0, in: source) }.joined(separator: "\n")
    }

    /// One diagnostic: the location line, the source line, the caret line.
    public func render(_ diagnostic: Diagnostic, in source: Source) -> String {
        let start = source.location(of: diagnostic.range.start)
        let severityColor: String
        switch diagnostic.severity {
        case .error: severityColor = "1;31"
        case .warning: severityColor = "1;33"
        case .note: severityColor = "1;36"
        }
        var out = paint("\(source.name):\(start.line):\(start.column):", "1") + " "
            + paint("\(diagnostic.severity.rawValue):", severityColor) + " "
            + paint(Self.visible(diagnostic.message), "1") + "\n"
        let lineText = source.line(start.line)
        let gutter = String(start.line)
        let pad = String(repeating: " ", count: gutter.count)

        // The caret covers the range on this line (at least one column).
        let lineStart = source.lineStart(start.line)
        let lineBytes = Array(lineText.utf8)
        let startInLine = min(lineBytes.count, diagnostic.range.start - lineStart)
        let endInLine = min(lineBytes.count, max(startInLine, diagnostic.range.end - lineStart))
        var before = Self.visible(String(decoding: lineBytes[0..<startInLine], as: UTF8.self))
        var marked = Self.visible(String(decoding: lineBytes[startInLine..<endInLine], as: UTF8.self))
        var after = Self.visible(String(decoding: lineBytes[endInLine...], as: UTF8.self))
        // A very long line (thousands of inline values) is shown as a window
        // around the range, cut with `…`, so the caret stays on screen.
        if DisplayWidth.of(before) + DisplayWidth.of(marked) + DisplayWidth.of(after) > Self.longLine {
            before = Self.keep(before, columns: Self.context, fromEnd: true)
            marked = Self.keep(marked, columns: Self.longLine - 2 * Self.context, fromEnd: false)
            after = Self.keep(after, columns: Self.context, fromEnd: false)
        }
        out += paint(" \(gutter) |", "34") + " " + before + marked + after + "\n"
        let indent = before.map { $0 == "\t" ? "\t" : String(repeating: " ", count: DisplayWidth.of($0)) }.joined()
        let width = max(1, DisplayWidth.of(marked))
        var caret = "^" + String(repeating: "~", count: width - 1)
        if let suggestion = diagnostic.suggestion { caret += " " + Self.visible(suggestion) }
        out += paint(" \(pad) |", "34") + " " + indent + paint(caret, "1;32") + "\n"
        for note in diagnostic.notes {
            out += paint(" \(pad) =", "34") + " " + Self.visible(note) + "\n"
        }
        return out
    }

    /// Lines wider than this are shown as a window around the range.
    static let longLine = 160
    /// Columns of context kept on each side of the range in such a window.
    static let context = 40

    /// At most `columns` display columns of `text` (its end when `fromEnd`), with `…` where it was cut.
    static func keep(_ text: String, columns: Int, fromEnd: Bool) -> String {
        guard DisplayWidth.of(text) > columns else { return text }
        var kept: [Character] = []
        var used = 1  // the `…`
        for character in fromEnd ? Array(text.reversed()) : Array(text) {
            let w = DisplayWidth.of(character)
            if used + w > columns { break }
            kept.append(character)
            used += w
        }
        return fromEnd ? "…" + String(kept.reversed()) : String(kept) + "…"
    }

    /// Control characters shown as a visible replacement so the line stays one
    /// line and text from a server or a file cannot drive the terminal.
    public static func visible(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { s in
            (s.value < 0x20 && s != "\t") || (0x7F...0x9F).contains(s.value) ? "\u{FFFD}" : s
        }))
    }

    private func paint(_ text: String, _ code: String) -> String {
        useColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
