/*
 * The live progress line (core/progress.h). The host clock read here
 * goes to the terminal and nowhere else.
 */
#include "core/progress.h"

#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/machine.h"
#include "exec/exec.h"

static int64_t progress_host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t progress_insns(const struct machine *m)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->cpus[i])
            n += m->cpus[i]->insns;
    return n;
}

bool progress_wanted(int err_fd, int console_fd)
{
    if (!isatty(err_fd))
        return false;
    if (console_fd < 0 || !isatty(console_fd))
        return true;
    struct stat a, b;
    if (fstat(err_fd, &a) < 0 || fstat(console_fd, &b) < 0)
        return false;
    return a.st_rdev != b.st_rdev;
}

/* "1.02 G": three significant digits and an SI prefix. */
static void progress_count(uint64_t n, char *buf, size_t len)
{
    static const char prefixes[] = " kMGTPE";
    double v = (double)n;
    unsigned p = 0;
    while (v >= 1000.0 && p + 1 < sizeof(prefixes) - 1) {
        v /= 1000.0;
        p++;
    }
    if (p == 0)
        snprintf(buf, len, "%llu", (unsigned long long)n);
    else
        snprintf(buf, len, "%.*f %c", v < 10 ? 2 : v < 100 ? 1 : 0, v, prefixes[p]);
}

int progress_format(const struct progress *p, const struct machine *m, int64_t now_ns, char *buf, size_t len)
{
    uint64_t insns = progress_insns(m);
    int64_t dt = now_ns - p->printed_ns;
    double mips = dt > 0 ? (double)(insns - p->printed_insns) * 1000.0 / (double)dt : 0.0;
    double vsec = m->cfg.core_hz ? (double)m->vclock / (double)m->cfg.core_hz : 0.0;
    char count[32];
    progress_count(insns, count, sizeof(count));
    return snprintf(buf, len, "emu: %.3f s virtual, %s instructions, %.1f MIPS", vsec, count, mips);
}

/* The next multiple of the period after vclock. */
static uint64_t progress_next(uint64_t vclock)
{
    uint64_t k = vclock / PROGRESS_PERIOD_CYCLES + 1;
    return k > UINT64_MAX / PROGRESS_PERIOD_CYCLES ? UINT64_MAX : k * PROGRESS_PERIOD_CYCLES;
}

static uint64_t progress_observe(struct machine *m, void *opaque)
{
    struct progress *p = opaque;
    uint64_t next = progress_next(m->vclock);
    int64_t now = progress_host_ns();
    if (now - p->printed_ns < PROGRESS_REFRESH_NS)
        return next;
    char line[128];
    int n = progress_format(p, m, now, line, sizeof(line));
    if (n < 0)
        return next;
    if (n >= (int)sizeof(line))
        n = (int)sizeof(line) - 1;
    /* A line that wraps would not be rewritten by \r: keep it narrower
     * than the terminal. */
    struct winsize ws;
    if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) {
        if (n >= ws.ws_col) {
            n = ws.ws_col - 1;
            line[n] = '\0';
        }
        if (p->width >= ws.ws_col)
            p->width = ws.ws_col - 1;
    }
    /* Spaces over what is left of a longer previous line. */
    fprintf(p->out, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
    fflush(p->out);
    if (n > p->width)
        p->width = n;
    p->printed_ns = now;
    p->printed_insns = progress_insns(m);
    return next;
}

int progress_start(struct progress *p, struct machine *m, FILE *out, struct emu_err *err)
{
    memset(p, 0, sizeof(*p));
    p->printed_ns = progress_host_ns();
    p->printed_insns = progress_insns(m);
    if (machine_add_observer(m, progress_next(m->vclock), progress_observe, p) < 0)
        return emu_errf(err, "progress line: too many observers of the run");
    p->out = out;
    return 0;
}

void progress_finish(struct progress *p)
{
    if (!p->out || p->width == 0)
        return;
    fprintf(p->out, "\r%*s\r", p->width, "");
    fflush(p->out);
    p->width = 0;
}
