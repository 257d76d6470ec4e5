/*
 * Character backends: stdio (raw terminal or scripted stdin), file, null.
 *
 * Raw mode (POSIX termios, IEEE 1003.1 "General Terminal Interface"):
 * input is taken byte by byte without echo or signal keys, so Ctrl-C and
 * Ctrl-Z reach the guest as on a serial line; output processing is left as
 * the user had it. VMIN = VTIME = 0 makes read() return at once when no
 * byte is waiting, without touching O_NONBLOCK (which stdout may share).
 *
 * The one piece of process-wide state: a terminal left in raw mode makes
 * the user's shell unusable, so the saved settings must be reachable from
 * a signal handler and from atexit(), neither of which takes an argument.
 * term_saved/term_raw below hold them; only one terminal (stdin) can be in
 * raw mode at a time, and chardev_close clears them.
 */
#include "core/chardev.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/snap.h"

#define CHARDEV_ESCAPE 0x01u /* Ctrl-A */
#define CHARDEV_INBUF 4096

#define CHARDEV_BACK 64

struct chardev {
    int in_fd;                 /* -1: no input */
    FILE *out;                 /* NULL: discard */
    bool own_out;
    bool interactive;
    bool raw_set;
    bool eof;
    bool quit;
    bool escape_pending;
    /* Scripted: in_buf[in_pos..in_len) not yet read. Terminal: a ring of
     * in_len cooked bytes starting at in_pos. */
    size_t in_pos, in_len;
    uint8_t in_buf[CHARDEV_INBUF];
    /* Bytes a device handed back (chardev_unread), returned first, last first. */
    uint8_t back[CHARDEV_BACK];
    size_t nback;
    /* Record/replay hooks. */
    chardev_tap_fn tap;
    void *tap_opaque;
    chardev_source_fn source;
    void *source_opaque;
};

/* See the file comment: reachable from signal handlers and atexit. */
static struct termios term_saved;
static volatile sig_atomic_t term_raw;

static const int term_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };
static struct sigaction term_old_actions[sizeof(term_signals) / sizeof(term_signals[0])];

static void term_restore(void)
{
    if (term_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
        term_raw = 0;
    }
}

/* Restores the terminal, then dies of the same signal as it would have. */
static void term_on_signal(int sig)
{
    term_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void term_install_handlers(void)
{
    static bool atexit_done;   /* atexit cannot be undone; register once */
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = term_on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(term_signals) / sizeof(term_signals[0]); i++)
        sigaction(term_signals[i], &sa, &term_old_actions[i]);
    if (!atexit_done && atexit(term_restore) == 0)
        atexit_done = true;
}

static void term_remove_handlers(void)
{
    for (size_t i = 0; i < sizeof(term_signals) / sizeof(term_signals[0]); i++)
        sigaction(term_signals[i], &term_old_actions[i], NULL);
}

static bool term_make_raw(void)
{
    struct termios t;

    if (term_raw || tcgetattr(STDIN_FILENO, &term_saved) != 0)
        return false;
    t = term_saved;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    term_install_handlers();
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) != 0) {
        term_remove_handlers();
        return false;
    }
    term_raw = 1;
    return true;
}

static struct chardev *chardev_alloc(int in_fd, FILE *out, bool own_out)
{
    struct chardev *ch = calloc(1, sizeof(*ch));

    if (!ch)
        return NULL;
    ch->in_fd = in_fd;
    ch->out = out;
    ch->own_out = own_out;
    ch->eof = in_fd < 0;
    return ch;
}

static struct chardev *chardev_open_stdio(struct emu_err *err)
{
    struct chardev *ch = chardev_alloc(STDIN_FILENO, stdout, false);

    if (!ch) {
        emu_errf(err, "out of memory for the serial backend");
        return NULL;
    }
    ch->interactive = isatty(STDIN_FILENO) == 1;
    if (ch->interactive)
        ch->raw_set = term_make_raw();
    return ch;
}

static struct chardev *chardev_open_file(const char *path, struct emu_err *err)
{
    FILE *f;
    struct chardev *ch;

    if (!*path) {
        emu_errf(err, "serial backend file: needs a path (file:PATH)");
        return NULL;
    }
    f = fopen(path, "wb");
    if (!f) {
        emu_errf(err, "cannot open serial output file '%s': %s", path, strerror(errno));
        return NULL;
    }
    ch = chardev_alloc(-1, f, true);
    if (!ch) {
        fclose(f);
        emu_errf(err, "out of memory for the serial backend");
    }
    return ch;
}

struct chardev *chardev_open(const char *spec, struct emu_err *err)
{
    struct chardev *ch;

    if (!spec || !strcmp(spec, "stdio"))
        return chardev_open_stdio(err);
    if (!strncmp(spec, "file:", 5))
        return chardev_open_file(spec + 5, err);
    if (!strcmp(spec, "null")) {
        ch = chardev_alloc(-1, NULL, false);
        if (!ch)
            emu_errf(err, "out of memory for the serial backend");
        return ch;
    }
    emu_errf(err, "unknown serial backend '%s' (use stdio, null or file:PATH)", spec);
    return NULL;
}

struct chardev *chardev_open_fds(int in_fd, int out_fd, struct emu_err *err)
{
    FILE *out = NULL;
    struct chardev *ch;

    if (out_fd >= 0) {
        int fd = dup(out_fd);
        if (fd < 0 || !(out = fdopen(fd, "wb"))) {
            if (fd >= 0)
                close(fd);
            emu_errf(err, "cannot use descriptor %d for serial output: %s", out_fd, strerror(errno));
            return NULL;
        }
    }
    ch = chardev_alloc(in_fd, out, out != NULL);
    if (!ch) {
        if (out)
            fclose(out);
        emu_errf(err, "out of memory for the serial backend");
    }
    return ch;
}

void chardev_close(struct chardev *ch)
{
    if (!ch)
        return;
    if (ch->raw_set) {
        term_restore();
        term_remove_handlers();
    }
    if (ch->out) {
        if (ch->own_out)
            fclose(ch->out);
        else
            fflush(ch->out);
    }
    free(ch);
}

void chardev_write(struct chardev *ch, const void *buf, size_t n)
{
    if (!ch || !ch->out || n == 0)
        return;
    fwrite(buf, 1, n, ch->out);
    fflush(ch->out);
}

/* Scripted input: blocks until a byte or the end of input. */
static int chardev_fill_blocking(struct chardev *ch)
{
    ssize_t r;

    do
        r = read(ch->in_fd, ch->in_buf, sizeof(ch->in_buf));
    while (r < 0 && errno == EINTR);
    if (r <= 0) {
        ch->eof = true;
        return -1;
    }
    ch->in_pos = 0;
    ch->in_len = (size_t)r;
    return 1;
}

static void chardev_print_help(struct chardev *ch)
{
    static const char help[] =
        "\r\nC-a h    print this help\r\n"
        "C-a x    exit emu\r\n"
        "C-a C-a  send C-a to the guest\r\n";
    if (ch->out) {
        fputs(help, ch->out);
        fflush(ch->out);
    } else {
        fputs(help, stderr);
    }
}

/* Ctrl-A <key> on a terminal; returns true when b is for the guest. */
static bool chardev_filter_escape(struct chardev *ch, uint8_t b)
{
    if (!ch->escape_pending) {
        if (b != CHARDEV_ESCAPE)
            return true;
        ch->escape_pending = true;
        return false;
    }
    ch->escape_pending = false;
    switch (b) {
    case CHARDEV_ESCAPE:
        return true;
    case 'x': case 'X':
        ch->quit = true;
        return false;
    case 'h': case 'H': case '?':
        chardev_print_help(ch);
        return false;
    default:
        return false;
    }
}

/* Moves what the user typed into the cooked ring, acting on escape keys.
 * When the guest does not read, further typing is dropped as on a real
 * serial line, but escape keys still work. */
void chardev_poll(struct chardev *ch)
{
    uint8_t buf[256];
    ssize_t r;

    if (!ch || !ch->interactive || ch->in_fd < 0 || ch->source)
        return;
    while ((r = read(ch->in_fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < r; i++) {
            if (!chardev_filter_escape(ch, buf[i]) || ch->in_len == CHARDEV_INBUF)
                continue;
            ch->in_buf[(ch->in_pos + ch->in_len) % CHARDEV_INBUF] = buf[i];
            ch->in_len++;
        }
    }
}

static int chardev_read_interactive(struct chardev *ch, uint8_t *byte)
{
    chardev_poll(ch);
    if (ch->in_len == 0)
        return 0;
    *byte = ch->in_buf[ch->in_pos];
    ch->in_pos = (ch->in_pos + 1) % CHARDEV_INBUF;
    ch->in_len--;
    return 1;
}

void chardev_unread(struct chardev *ch, const uint8_t *buf, size_t n)
{
    if (!ch)
        return;
    for (size_t i = n; i-- > 0 && ch->nback < CHARDEV_BACK;)
        ch->back[ch->nback++] = buf[i];
}

static int chardev_read_host(struct chardev *ch, uint8_t *byte)
{
    if (ch->in_fd < 0)
        return -1;
    if (ch->interactive)
        return chardev_read_interactive(ch, byte);
    if (ch->in_pos == ch->in_len && (ch->eof || chardev_fill_blocking(ch) < 0))
        return -1;
    *byte = ch->in_buf[ch->in_pos++];
    return 1;
}

int chardev_read(struct chardev *ch, uint8_t *byte)
{
    if (!ch)
        return -1;
    if (ch->nback) {
        *byte = ch->back[--ch->nback];
        return 1;
    }
    if (ch->source)
        return ch->source(ch->source_opaque, byte);
    int r = chardev_read_host(ch, byte);
    if (r != 0 && ch->tap)
        ch->tap(ch->tap_opaque, r, r == 1 ? *byte : 0);
    return r;
}

void chardev_set_tap(struct chardev *ch, chardev_tap_fn fn, void *opaque)
{
    ch->tap = fn;
    ch->tap_opaque = opaque;
}

void chardev_set_source(struct chardev *ch, chardev_source_fn fn, void *opaque, bool interactive)
{
    ch->source = fn;
    ch->source_opaque = opaque;
    ch->interactive = interactive;
}

int chardev_snap(struct chardev *ch, struct snap *s)
{
    uint32_t n = (uint32_t)ch->nback;
    snap_u32(s, "unread", &n);
    if (snap_loading(s) && n > CHARDEV_BACK)
        return snap_fail(s, "%u bytes handed back, at most %u", n, CHARDEV_BACK);
    snap_bytes(s, "unread_bytes", ch->back, n);
    if (snap_loading(s) && snap_status(s) == 0)
        ch->nback = n;
    return snap_status(s);
}

bool chardev_quit_requested(const struct chardev *ch)
{
    return ch && ch->quit;
}

bool chardev_is_interactive(const struct chardev *ch)
{
    return ch && ch->interactive;
}
