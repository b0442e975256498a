import Foundation
import HMQSyntax

/// What Tab offers, by context: keywords at the start of a statement, only
/// stages after `|`, field names after `show`/`where`/`sort`/`unique`/`count by`
/// (including custom fields seen in this session's results), formats after
/// `format`, variables after `$`, channel types after `find` or `,`, setting
/// names after `set`, and file names only inside a quoted path.
public struct Completer {
    /// The settings, fields, formats and plugin stages of this hmq.
    public var vocabulary: LanguageVocabulary
    /// Field names seen in this session's results, beyond the vocabulary's contact fields.
    public var seenFields: () -> [String]
    /// Variable names, without `$`.
    public var variables: () -> [String]
    /// Where relative paths start.
    public var directory: String

    public init(vocabulary: LanguageVocabulary, seenFields: @escaping () -> [String] = { [] }, variables: @escaping () -> [String],
                directory: String = FileManager.default.currentDirectoryPath) {
        self.vocabulary = vocabulary
        self.seenFields = seenFields
        self.variables = variables
        self.directory = directory
    }

    /// Field names to offer (the contact's and those seen in results).
    func fields() -> [String] { vocabulary.contactFields + seenFields() }

    /// Characters that end a word for completion. A quote is one, so that the
    /// text of a path after `"` is the word. A line editor must break words
    /// at the same characters (the host gives them to libedit).
    public static let wordBreakCharacters = " \t\n\"'|,()=<>!;"

    /// The word being completed at the end of `text`.
    static func currentWord(_ text: String) -> Substring {
        let start = text.lastIndex { wordBreakCharacters.contains($0) }.map { text.index(after: $0) } ?? text.startIndex
        return text[start...]
    }

    /// The REPL's dot-commands (and psql's `\x`).
    public static let dotCommands = [".help", ".formats", ".plugins", ".vars", ".settings", ".history", ".timing", ".cache", ".output", ".once", ".pager",
                                     ".watch", ".read", ".quit", ".exit", "\\x"]
    static let conditionWords = ["and", "or", "not", "has", "contains", "matches", "in", "exists", "null", "true", "false"]

    /// Candidates for the word at the end of `text` (the statement so far,
    /// earlier lines included, up to the cursor).
    public func complete(_ text: String) -> Completions {
        let word = String(Self.currentWord(text))
        let before = String(text.dropLast(word.count))
        // Inside a quoted path: file names.
        if Self.insideQuote(before) { return files(matching: word) }
        let line = before.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? before
        // Dot-commands (and psql's \x), only at the start of a line.
        let started = line.trimmingCharacters(in: .whitespaces)
        if started.isEmpty, word.hasPrefix(".") || word.hasPrefix("\\") { return Completions(filter(Self.dotCommands, word)) }
        if started.hasPrefix(".") || started.hasPrefix("\\") {
            let command = started.split(separator: " ").first.map(String.init) ?? ""
            switch command.lowercased() {
            case ".read", ".output", ".once": return files(matching: word)
            case ".help": return Completions(filter(Help(vocabulary).topics.map(\.name), word))
            case ".timing": return Completions(filter(["on", "off"], word))
            case ".cache": return Completions(filter(["clear"], word))
            case "\\x": return Completions(filter(vocabulary.expandedDisplay, word))
            case ".pager": return Completions(filter(PagerMode.allCases.map(\.rawValue), word))
            default: return Completions([])
            }
        }
        if word.hasPrefix("$") { return Completions(filter(variables().map { "$" + $0 }, word)) }
        return Completions(filter(candidates(before: before), word))
    }

    /// The words that may come next after `before`.
    func candidates(before: String) -> [String] {
        let source = Source(name: "<tab>", text: before)
        let lexed = Lexer.tokenize(source)
        // The tokens of the statement being typed (after the last `;`).
        var statement: [Token] = []
        for token in lexed.tokens where token.kind != .end {
            if token.kind == .semicolon { statement = [] } else { statement.append(token) }
        }
        // A newline ends a statement unless the statement goes on (ends with | or ,).
        var tokens: [Token] = []
        for token in statement {
            if token.kind == .newline {
                if let last = tokens.last, last.kind == .pipe || last.kind == .comma { continue }
                tokens = []
            } else {
                tokens.append(token)
            }
        }
        func word(_ token: Token) -> String { source.text(token.range).lowercased() }
        // A statement starts with a keyword or a bound name (`$found | count`).
        guard let last = tokens.last else { return Parser.statementKeywords + variables().map { "$" + $0 } }
        if last.kind == .pipe { return StageName.all + vocabulary.pluginStages }
        // The clause being typed: from the last `|` (or the statement start).
        let clause = Array(tokens.suffix(from: (tokens.lastIndex { $0.kind == .pipe }).map { $0 + 1 } ?? 0))
        guard let head = clause.first else { return StageName.all }
        let headWord = word(head)
        let afterHead = clause.count == 1
        switch headWord {
        case "find":
            if afterHead || last.kind == .comma { return Parser.findKeywords }
            return []
        case "let":
            if clause.count >= 3, clause[2].kind == .equals { return clause.count == 3 ? ["find"] : candidatesAfterFind(clause) }
            return []
        case "set":
            if afterHead { return vocabulary.settings.map(\.name) }
            if clause.count == 2 {
                if word(clause[1]) == "format" { return vocabulary.formats }
                return vocabulary.setting(named: word(clause[1]))?.choices ?? []
            }
            return []
        case "explain":
            return afterHead ? ["find"] : []
        case "show", "sort", "unique":
            if afterHead || last.kind == .comma { return fields() + (headWord == "show" ? ["*"] : []) }
            if headWord == "sort", last.kind == .identifier { return ["asc", "desc"] }
            if headWord == "show", last.kind == .identifier { return ["as"] }
            return []
        case "where":
            if afterHead || ["and", "or", "not"].contains(word(last)) || last.kind == .leftParen { return fields() + ["not"] }
            return Self.conditionWords
        case "count":
            if afterHead { return ["by"] }
            if word(last) == "by" { return fields() }
            return []
        case "format":
            if afterHead { return vocabulary.formats }
            return vocabulary.formatOptions(word(clause[1]))
        case "save":
            return afterHead ? [] : ["--format"]
        default:
            return clause.count == 1 ? Parser.statementKeywords : []
        }
    }

    private func candidatesAfterFind(_ clause: [Token]) -> [String] {
        clause.count == 4 ? Parser.findKeywords : []
    }

    /// Whether `text` ends inside an unterminated quote.
    static func insideQuote(_ text: String) -> Bool {
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                break
            }
        }
        return quote != nil
    }

    /// Paths starting with `prefix` (directories end in `/`).
    func files(matching prefix: String) -> Completions {
        let expanded = prefix.hasPrefix("~/") ? NSHomeDirectory() + prefix.dropFirst(1) : prefix
        let slash = expanded.lastIndex(of: "/")
        let folderPart = slash.map { String(expanded[...$0]) } ?? ""
        let namePart = slash.map { String(expanded[expanded.index(after: $0)...]) } ?? expanded
        let folder = folderPart.hasPrefix("/") ? folderPart : (directory as NSString).appendingPathComponent(folderPart)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else { return Completions([]) }
        // The typed folder as typed (`~/` kept): the text up to the last `/`.
        let shownFolder = prefix.lastIndex(of: "/").map { String(prefix[...$0]) } ?? ""
        var matches: [String] = []
        for entry in entries.sorted() where entry.hasPrefix(namePart) && (namePart.hasPrefix(".") || !entry.hasPrefix(".")) {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(entry), isDirectory: &isDirectory)
            matches.append(shownFolder + entry + (isDirectory.boolValue ? "/" : ""))
        }
        return Completions(matches, appendSpace: false)
    }

    func filter(_ words: [String], _ prefix: String) -> [String] {
        var seen = Set<String>()
        return words.filter { $0.lowercased().hasPrefix(prefix.lowercased()) && seen.insert($0).inserted }.sorted()
    }
}
