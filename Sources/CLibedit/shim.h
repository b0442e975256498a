// libedit through its readline-compatible interface. The header is included as
// <editline/readline.h>, never <readline/readline.h>: the latter silently picks
// up GNU readline's headers when they are installed, whose declarations differ.
#ifndef HMQ_CLIBEDIT_SHIM_H
#define HMQ_CLIBEDIT_SHIM_H

#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <locale.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <wchar.h>
#include <sys/select.h>
#include <editline/readline.h>

// SIGINT is counted, never fatal: at the prompt it makes readline() return
// (the handler is installed without SA_RESTART, so the blocked read fails with
// EINTR), and while a query runs the REPL sees the count change and cancels it.
// The signal may land on any thread (hmq has network threads); it is passed on
// to the thread that reads lines, so that its blocked read is the one interrupted.
static volatile sig_atomic_t hmq_interrupts = 0;
static pthread_t hmq_reading_thread = 0;
// SIGWINCH is counted the same way; the count changing while a line is read
// redraws it at the new width (see hmq_on_resize_key).
static volatile sig_atomic_t hmq_resizes = 0;
static sig_atomic_t hmq_resizes_applied = 0;

static void hmq_on_sigint(int signal) {
    if (!pthread_equal(pthread_self(), hmq_reading_thread)) {
        pthread_kill(hmq_reading_thread, signal);
        return;
    }
    hmq_interrupts++;
}

static void hmq_on_sigwinch(int signal) {
    if (!pthread_equal(pthread_self(), hmq_reading_thread)) {
        pthread_kill(hmq_reading_thread, signal);
        return;
    }
    hmq_resizes++;
}

static inline void hmq_prepare_reading_thread(void);

static inline int hmq_install_sigint_handler(void) {
    hmq_prepare_reading_thread();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = hmq_on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR
    return sigaction(SIGINT, &action, NULL);
}

static inline long hmq_interrupt_count(void) { return (long)hmq_interrupts; }

// libedit learns a new terminal size only from its own SIGWINCH handler, which
// hmq turns off with the rest of libedit's signal handling (hmq_disable_libedit_signals):
// without this, a resize left editing on the old width and the line was drawn
// over the prompt. Installed without SA_RESTART, so a read blocked at the prompt
// returns EINTR and the line is redrawn at once.
static inline int hmq_install_sigwinch_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = hmq_on_sigwinch;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(SIGWINCH, &action, NULL);
}

static inline long hmq_resize_count(void) { return (long)hmq_resizes; }

// Called before each read: this thread is the one to interrupt, and it must not
// block SIGINT or SIGWINCH (threads made by Dispatch block every signal).
static inline void hmq_prepare_reading_thread(void) {
    hmq_reading_thread = pthread_self();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGWINCH);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

// libedit restarts a read that a signal interrupted, and in its raw mode the
// terminal may deliver Ctrl-C as a character instead of a signal; either way
// Ctrl-C alone would not end readline() (and an EOF mid-line is ignored).
// This reader ends the line instead: Ctrl-C reads as Enter, readline() returns
// the line, and the caller, seeing the interrupt count changed, drops it. It also decodes UTF-8, since libedit takes what it
// returns as one character (a code point), not a byte.
//
// A resize while waiting for the first byte of a character returns the key
// bound to hmq_on_resize_key (HMQ_RESIZE_KEY), so libedit redraws the line.
#define HMQ_RESIZE_KEY 0x1E  /* Ctrl-^, unbound in libedit's emacs keymap */

static int hmq_read_byte(FILE *stream, unsigned char *c, int resizable) {
    int fd = fileno(stream);
    for (;;) {
        sig_atomic_t before = hmq_interrupts;
        if (resizable) {
            // The resize count is checked with SIGWINCH blocked, then input is
            // awaited with it unblocked in one step (pselect): a resize arriving
            // between the check and the wait is not missed.
            sigset_t blocked, previous, waiting;
            sigemptyset(&blocked);
            sigaddset(&blocked, SIGWINCH);
            pthread_sigmask(SIG_BLOCK, &blocked, &previous);
            if (hmq_resizes != hmq_resizes_applied) {
                pthread_sigmask(SIG_SETMASK, &previous, NULL);
                return -2;
            }
            fd_set readable;
            FD_ZERO(&readable);
            FD_SET(fd, &readable);
            waiting = previous;
            sigdelset(&waiting, SIGWINCH);
            int ready = pselect(fd + 1, &readable, NULL, NULL, NULL, &waiting);
            pthread_sigmask(SIG_SETMASK, &previous, NULL);
            if (ready < 0) {
                if (errno != EINTR) return 0;
                if (hmq_interrupts != before) return -1;
                continue;
            }
        }
        ssize_t n = read(fd, c, 1);
        if (n == 1) {
            if (*c == 3) {  // Ctrl-C as a character
                hmq_interrupts++;
                return -1;
            }
            return 1;
        }
        if (n < 0 && errno == EINTR) {
            if (hmq_interrupts != before) return -1;
            continue;
        }
        return 0;
    }
}

static int hmq_getc(FILE *stream) {
    unsigned char c;
    int got = hmq_read_byte(stream, &c, 1);
    if (got == -2) return HMQ_RESIZE_KEY;
    if (got < 0) return '\n';  // interrupted: end the line
    if (got == 0) return EOF;
    if (c < 0x80) return c;
    int length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (length == 1) return 0xFFFD;  // a stray continuation byte
    int code = c & (0x7F >> length);
    for (int i = 1; i < length; i++) {
        got = hmq_read_byte(stream, &c, 0);
        if (got < 0) return '\n';
        if (got == 0) return EOF;
        if ((c & 0xC0) != 0x80) return 0xFFFD;
        code = (code << 6) | (c & 0x3F);
    }
    return code;
}

static inline void hmq_use_interruptible_getc(void) { rl_getc_function = hmq_getc; }

// The display width of the first `bytes` bytes of UTF-8 `text` (a control
// character counts as 2, as libedit draws it: ^X).
static size_t hmq_display_width(const char *text, size_t bytes) {
    mbstate_t state;
    memset(&state, 0, sizeof state);
    size_t width = 0, offset = 0;
    while (offset < bytes && text[offset] != '\0') {
        wchar_t wc;
        size_t n = mbrtowc(&wc, text + offset, bytes - offset, &state);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            memset(&state, 0, sizeof state);
            n = 1;
            wc = L'?';
        }
        int w = wcwidth(wc);
        width += w < 0 ? 2 : (size_t)w;
        offset += n;
    }
    return width;
}

// Takes up the terminal's new size and draws the prompt and the line again
// at the new width. The cursor is first moved to where the prompt starts: the
// terminal has rewrapped the old line at the new width (tmux, VTE, iTerm2 and
// kitty do), so the cursor's row within it is its offset over the new width.
// Then everything below is cleared and libedit redraws from there.
static int hmq_on_resize_key(int count, int key) {
    (void)count;
    (void)key;
    hmq_resizes_applied = hmq_resizes;
    rl_resize_terminal();
    int rows = 0, columns = 0;
    rl_get_screen_size(&rows, &columns);
    FILE *out = rl_outstream ? rl_outstream : stdout;
    if (columns > 0) {
        size_t offset = (rl_prompt ? hmq_display_width(rl_prompt, strlen(rl_prompt)) : 0);
        if (rl_line_buffer && rl_point > 0) offset += hmq_display_width(rl_line_buffer, (size_t)rl_point);
        size_t row = offset / (size_t)columns;
        fputs("\r", out);
        if (row > 0) fprintf(out, "\033[%zuA", row);
        fputs("\033[J", out);
        fflush(out);
    }
    rl_forced_update_display();
    return 0;
}

// Binds HMQ_RESIZE_KEY to the redraw (after rl_initialize).
static inline void hmq_bind_resize_key(void) { rl_add_defun("hmq-resize", hmq_on_resize_key, HMQ_RESIZE_KEY); }

// A resize while no line was being read (a query ran): libedit takes up the
// new size before the next prompt is drawn.
static inline void hmq_apply_pending_resize(void) {
    if (hmq_resizes != hmq_resizes_applied) {
        hmq_resizes_applied = hmq_resizes;
        rl_resize_terminal();
    }
}

// libedit keeps the completion flag as a global int; Swift cannot always
// import such globals from a system header, so set it through a function.
static inline void hmq_set_completion_over(int over) { rl_attempted_completion_over = over; }

static inline void hmq_set_completion_function(char **(*function)(const char *, int, int)) {
    rl_attempted_completion_function = function;
}

// libedit's readline() installs its own signal handling unless told not to; hmq
// handles SIGINT itself.
static inline void hmq_disable_libedit_signals(void) { rl_catch_signals = 0; }

static inline void hmq_set_readline_name(const char *name) { rl_readline_name = name; }

static inline void hmq_set_completion_append_character(int c) { rl_completion_append_character = c; }

static inline void hmq_set_word_break_characters(const char *characters) {
    rl_completer_word_break_characters = (char *)characters;
    rl_basic_word_break_characters = characters;
}

static inline const char *hmq_line_buffer(void) { return rl_line_buffer; }
static inline int hmq_point(void) { return rl_point; }

#endif
