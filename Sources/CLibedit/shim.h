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
#include <editline/readline.h>

// SIGINT is counted, never fatal: at the prompt it makes readline() return
// (the handler is installed without SA_RESTART, so the blocked read fails with
// EINTR), and while a query runs the REPL sees the count change and cancels it.
// The signal may land on any thread (hmq has network threads); it is passed on
// to the thread that reads lines, so that its blocked read is the one interrupted.
static volatile sig_atomic_t hmq_interrupts = 0;
static pthread_t hmq_reading_thread = 0;

static void hmq_on_sigint(int signal) {
    if (!pthread_equal(pthread_self(), hmq_reading_thread)) {
        pthread_kill(hmq_reading_thread, signal);
        return;
    }
    hmq_interrupts++;
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

// Called before each read: this thread is the one to interrupt, and it must not
// block SIGINT (threads made by Dispatch block every signal).
static inline void hmq_prepare_reading_thread(void) {
    hmq_reading_thread = pthread_self();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

// libedit restarts a read that a signal interrupted, and in its raw mode the
// terminal may deliver Ctrl-C as a character instead of a signal; either way
// Ctrl-C alone would not end readline() (and an EOF mid-line is ignored).
// This reader ends the line instead: Ctrl-C reads as Enter, readline() returns
// the line, and the caller, seeing the interrupt count changed, drops it. It also decodes UTF-8, since libedit takes what it
// returns as one character (a code point), not a byte.
static int hmq_read_byte(FILE *stream, unsigned char *c) {
    for (;;) {
        sig_atomic_t before = hmq_interrupts;
        ssize_t n = read(fileno(stream), c, 1);
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
    int got = hmq_read_byte(stream, &c);
    if (got < 0) return '\n';  // interrupted: end the line
    if (got == 0) return EOF;
    if (c < 0x80) return c;
    int length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (length == 1) return 0xFFFD;  // a stray continuation byte
    int code = c & (0x7F >> length);
    for (int i = 1; i < length; i++) {
        got = hmq_read_byte(stream, &c);
        if (got < 0) return '\n';
        if (got == 0) return EOF;
        if ((c & 0xC0) != 0x80) return 0xFFFD;
        code = (code << 6) | (c & 0x3F);
    }
    return code;
}

static inline void hmq_use_interruptible_getc(void) { rl_getc_function = hmq_getc; }

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
