import CLibedit
import Foundation

/// Line editing, history and completion with libedit.
///
/// The known traps, and where each is handled (and checked):
/// - Without a UTF-8 `LC_CTYPE`, libedit drops non-ASCII input: ``useUTF8Locale()``
///   (the tmux test types `José 李` and reads it back).
/// - Without a SIGINT handler Ctrl-C kills the process and loses history; with
///   one, libedit restarts the interrupted read and the line never ends. The C
///   shim counts SIGINT, passes it to the reading thread (Dispatch threads block
///   signals), and its character reader ends the line (tmux test: Ctrl-C at the
///   prompt and during a query).
/// - libedit takes a new terminal size only in its own SIGWINCH handler, which
///   is off with the rest of its signal handling: a resize left editing on the
///   old width (the line drawn over the prompt). The shim counts SIGWINCH, and
///   a resize at the prompt redraws the line at the new width; one during a
///   query is taken up before the next prompt (tmux test: resize at the prompt).
/// - Completion must set `rl_attempted_completion_over`, or libedit falls back
///   to file names: ``completeWord`` sets it on every call.
/// - `rl_readline_name` must never be nil: set to "hmq" here.
/// - libedit is not thread-safe: every call happens on the main actor.
@MainActor
public final class LibeditLineReader: LineReader {
    public var completer: WordCompleter?
    /// The reader whose completer Tab calls (libedit takes a C function).
    fileprivate static var current: LibeditLineReader?
    private let name: UnsafeMutablePointer<CChar>
    private let wordBreaks: UnsafeMutablePointer<CChar>

    /// Sets libedit up. `name` is what `~/.editrc` sections match (never nil);
    /// a word for completion ends at any of `wordBreakCharacters`.
    public init(name: String = "hmq", wordBreakCharacters: String) {
        Self.useUTF8Locale()
        self.name = strdup(name)
        hmq_set_readline_name(self.name)
        wordBreaks = strdup(wordBreakCharacters)
        hmq_set_word_break_characters(wordBreaks)
        hmq_disable_libedit_signals()
        hmq_install_sigint_handler()
        hmq_use_interruptible_getc()
        hmq_set_completion_function(completeWord)
        using_history()
        rl_initialize()
        // After rl_initialize, which starts libedit afresh.
        hmq_install_sigwinch_handler()
        hmq_bind_resize_key()
        Self.current = self
    }

    /// libedit reads multibyte input only under a UTF-8 locale; without one,
    /// non-ASCII input is silently dropped. Use the environment's locale when
    /// it is UTF-8, else C.UTF-8.
    static func useUTF8Locale() {
        setlocale(LC_CTYPE, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        if codeset.uppercased().replacingOccurrences(of: "-", with: "") != "UTF8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
    }

    /// The number of Ctrl-Cs so far (the REPL watches it while a query runs).
    public static var interruptCount: Int { hmq_interrupt_count() }

    public func readLine(prompt: String) -> LineReadResult {
        hmq_prepare_reading_thread()
        hmq_apply_pending_resize()
        let before = hmq_interrupt_count()
        guard let pointer = CLibedit.readline(prompt) else {
            return hmq_interrupt_count() != before ? .interrupted : .endOfInput
        }
        defer { free(pointer) }
        if hmq_interrupt_count() != before { return .interrupted }
        return .line(String(cString: pointer))
    }

    public func addHistory(_ entry: String) {
        add_history(entry)
    }
}

/// Tab: asks the current reader's completer, and returns libedit's array
/// (the common prefix, then each match, then NULL; malloc'ed, libedit frees it).
private func completeWord(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    // Never fall back to completing file names.
    hmq_set_completion_over(1)
    guard let buffer = hmq_line_buffer() else { return nil }
    let line = Array(UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: strlen(buffer)))
    let point = min(max(0, Int(hmq_point())), line.count)
    let before = String(decoding: line[0..<point], as: UTF8.self)
    let completions = MainActor.assumeIsolated { LibeditLineReader.current?.completer?(before) }
    guard let completions, !completions.candidates.isEmpty else { return nil }
    do {
        // The space after a single match is part of the match: libedit's own append
        // character was sometimes not applied under a UTF-8 locale (`show` then `disp` typed became `showdisp`).
        hmq_set_completion_append_character(0)
        let matches = completions.candidates.count == 1
            ? completions.candidates.map { completions.appendSpace ? $0 + " " : $0 }
            : [commonPrefix(completions.candidates)] + completions.candidates
        let size = MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (matches.count + 1)
        let array = malloc(size)!.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: matches.count + 1)
        for (i, match) in matches.enumerated() { array[i] = strdup(match) }
        array[matches.count] = nil
        return array
    }
}

private func commonPrefix(_ strings: [String]) -> String {
    guard var prefix = strings.first else { return "" }
    for string in strings.dropFirst() {
        while !string.hasPrefix(prefix) { prefix.removeLast() }
    }
    return prefix
}
