/*
 * Command-line parsing: one table of options, each with its handler.
 *
 * Options are spelt with one or two dashes interchangeably, as QEMU
 * accepts (-kernel, --kernel, -max-insns, --max-insns), and an argument
 * may follow as the next word or after '=' (--stats=out.json).
 */
#include "core/options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timing/model.h"

#include "core/monitor.h"
#include "core/record.h"

struct option_def {
    const char *name;           /* as shown in help, with its dashes */
    const char *alias;          /* a second spelling, or NULL */
    const char *arg;            /* argument placeholder, NULL for a flag */
    const char *help;
    int (*handle)(struct options *o, const char *opt, const char *arg, struct emu_err *err);
};

/* Parses a whole decimal (or 0x hex) unsigned number. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    /* Decimal, or hex with 0x; never octal, so "010" is ten. */
    int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* Bit shift of a size suffix; -1 when unknown. */
static int size_suffix_shift(char c)
{
    static const char units[] = "bkmgt";
    const char *p = strchr(units, c | 0x20);
    return (c && p) ? (int)(p - units) * 10 : -1;
}

int options_parse_size(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    int shift = 20;             /* a plain number is MiB, as in QEMU */
    if (*end) {
        shift = size_suffix_shift(*end++);
        if (shift < 0)
            return -1;
        /* "512M", "512MB", "512MiB"; bytes only as "4096B". */
        if (shift && (!strcmp(end, "B") || !strcmp(end, "iB")))
            end += strlen(end);
        if (*end)
            return -1;
    }
    if (v == 0 || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int opt_machine(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    /* QEMU users say "-M virt"; the ISA is riscv64 until other boards exist. */
    if (!strcmp(arg, "virt"))
        arg = "riscv-virt";
    if (!*arg)
        return emu_errf(err, "%s needs a board name (e.g. riscv-virt)", opt);
    o->cfg.board = arg;
    return 0;
}

static int opt_memory(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    uint64_t size;
    if (options_parse_size(arg, &size) < 0)
        return emu_errf(err, "%s '%s': expected a non-zero size such as 512, 512M or 2G", opt, arg);
    if (size % MEM_PAGE_SIZE)
        return emu_errf(err, "%s '%s': RAM size must be a multiple of 4 KiB", opt, arg);
    if (size > OPTIONS_MAX_RAM)
        return emu_errf(err, "%s '%s': RAM size is larger than 1 TiB", opt, arg);
    o->cfg.ram_size = size;
    return 0;
}

static int opt_smp(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    uint64_t n;
    if (parse_u64(arg, &n) < 0 || n < 1 || n > MACHINE_MAX_CPUS)
        return emu_errf(err, "%s '%s': expected a number of vCPUs from 1 to %d", opt, arg,
                        MACHINE_MAX_CPUS);
    o->cfg.ncpus = (unsigned)n;
    return 0;
}

static int opt_cpu(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    if (!*arg)
        return emu_errf(err, "%s needs a CPU model (e.g. rv64)", opt);
    o->cfg.cpu_model = arg;
    return 0;
}

/* Stores a file name; an empty name is always a mistake. */
static int set_path(const char **dst, const char *opt, const char *arg, struct emu_err *err)
{
    if (!*arg)
        return emu_errf(err, "%s needs a file name", opt);
    *dst = arg;
    return 0;
}

static int opt_bios(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return set_path(&o->cfg.bios, opt, arg, err);
}

static int opt_kernel(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return set_path(&o->cfg.kernel, opt, arg, err);
}

static int opt_initrd(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return set_path(&o->cfg.initrd, opt, arg, err);
}

static int opt_dtb(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return set_path(&o->cfg.dtb, opt, arg, err);
}

static int opt_append(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    o->cfg.append = arg;
    return 0;
}

static int opt_nographic(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    /* The serial console already defaults to stdio and there is no
     * display yet; accepted so QEMU command lines work unchanged. */
    o->nographic = true;
    return 0;
}

static int opt_serial(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    if (!strcmp(arg, "stdio") || !strcmp(arg, "mon:stdio")) {
        o->serial = OPTIONS_SERIAL_STDIO;
        o->serial_spec = "stdio";
    } else if (!strcmp(arg, "null") || !strcmp(arg, "none")) {
        o->serial = OPTIONS_SERIAL_NULL;
        o->serial_spec = "null";
    } else if (!strncmp(arg, "file:", 5) && arg[5]) {
        o->serial = OPTIONS_SERIAL_FILE;
        o->serial_path = arg + 5;
        o->serial_spec = arg;
    } else {
        return emu_errf(err, "%s '%s': expected stdio, file:PATH or null", opt, arg);
    }
    return 0;
}

static int opt_max_insns(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    uint64_t n;
    if (parse_u64(arg, &n) < 0)
        return emu_errf(err, "%s '%s': expected a number of instructions (0: no limit)", opt, arg);
    o->cfg.max_insns = n;
    return 0;
}

static int opt_quantum(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    uint64_t n;
    if (parse_u64(arg, &n) < 0 || n == 0)
        return emu_errf(err, "%s '%s': expected a non-zero number of cycles", opt, arg);
    o->cfg.quantum = n;
    return 0;
}

static int add_vdev(struct options *o, const char *opt, const char *arg, bool drive, struct emu_err *err)
{
    if (!*arg)
        return emu_errf(err, "%s needs an argument (see emu -device help)", opt);
    if (!drive && !strcmp(arg, "help")) {
        o->device_help = true;
        return 0;
    }
    if (o->cfg.nvdevs == MACHINE_MAX_VDEVS)
        return emu_errf(err, "%s %s: at most %d -device and -drive options", opt, arg, MACHINE_MAX_VDEVS);
    o->cfg.vdevs[o->cfg.nvdevs].spec = arg;
    o->cfg.vdevs[o->cfg.nvdevs].drive = drive;
    o->cfg.nvdevs++;
    return 0;
}

static int opt_device(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return add_vdev(o, opt, arg, false, err);
}

static int opt_drive(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return add_vdev(o, opt, arg, true, err);
}

/* Loads the model once here, so a bad file is a command-line error. */
static int opt_snapshot(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    o->cfg.snapshot_disks = true;
    return 0;
}

static int opt_timing(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    struct timing_model tm;
    if (!*arg)
        return emu_errf(err, "%s needs a model name or file (fast, inorder-small, u74)", opt);
    if (timing_model_load(arg, &tm, err) < 0)
        return -1;
    o->cfg.timing = arg;
    return 0;
}

static int opt_engine(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    if (strcmp(arg, "jit") == 0)
        o->cfg.interp_only = false;
    else if (strcmp(arg, "interp") == 0)
        o->cfg.interp_only = true;
    else
        return emu_errf(err, "%s '%s': expected jit or interp", opt, arg);
    return 0;
}

static int opt_seed(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    if (parse_u64(arg, &o->cfg.seed) < 0)
        return emu_errf(err, "%s '%s': expected a number", opt, arg);
    return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar:
 * count days in whole years from March, so the leap day falls last. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS", in UTC, as QEMU's -rtc base=. */
static int parse_datetime(const char *s, int64_t *out)
{
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    int n = 0;
    if (sscanf(s, "%4u-%2u-%2u%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    if (s[n] && (sscanf(s + n, "T%2u:%2u:%2u%n", &h, &mi, &sec, &n) != 3 || s[10 + n]))
        return -1;
    static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || sec > 59)
        return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    return 0;
}

static int opt_rtc(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    if (strncmp(arg, "base=", 5))
        return emu_errf(err, "%s '%s': expected base=YYYY-MM-DD[THH:MM:SS]", opt, arg);
    const char *v = arg + 5;
    if (!strcmp(v, "utc") || !strcmp(v, "localtime"))
        return emu_errf(err, "%s base=%s: the host clock would make runs differ; give a date", opt, v);
    if (parse_datetime(v, &o->cfg.rtc_base) < 0)
        return emu_errf(err, "%s '%s': expected base=YYYY-MM-DD[THH:MM:SS] (UTC, from 1970)", opt, arg);
    return 0;
}

static int opt_stats(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return set_path(&o->stats_path, opt, arg, err);
}

static int opt_stats_interval(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    if (parse_u64(arg, &o->stats_interval) < 0 || o->stats_interval == 0)
        return emu_errf(err, "%s '%s': expected a non-zero number of cycles", opt, arg);
    return 0;
}

static int opt_no_progress(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    o->no_progress = true;
    return 0;
}

static int opt_record(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return set_path(&o->record_path, opt, arg, err);
}

static int opt_replay(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return set_path(&o->replay_path, opt, arg, err);
}

static int opt_restore(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return set_path(&o->restore_path, opt, arg, err);
}

static int opt_state_hash(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    return set_path(&o->state_hash_path, opt, arg, err);
}

static int opt_snapshot_at(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    const char *colon = strchr(arg, ':');
    char cycles[32];
    if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(cycles) || !colon[1])
        return emu_errf(err, "%s '%s': expected CYCLES:FILE, e.g. 100000000:boot.snap", opt, arg);
    memcpy(cycles, arg, (size_t)(colon - arg));
    cycles[colon - arg] = '\0';
    if (parse_u64(cycles, &o->snapshot_at) < 0)
        return emu_errf(err, "%s '%s': '%s' is not a number of cycles", opt, arg, cycles);
    o->snapshot_path = colon + 1;
    return 0;
}

static int opt_hash_interval(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    if (parse_u64(arg, &o->hash_interval) < 0)
        return emu_errf(err, "%s '%s': expected a number of cycles (0: at the start and end only)", opt, arg);
    return 0;
}

static int opt_monitor(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    const char *path;
    size_t n;
    if (monitor_parse_spec(arg, &path, &n, err) < 0)
        return -1;
    o->monitor_spec = path ? arg : NULL;
    return 0;
}

static int opt_help(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    o->help = true;
    return 0;
}

static int opt_version(struct options *o, const char *opt, const char *arg, struct emu_err *err)
{
    o->version = true;
    return 0;
}

static const struct option_def option_table[] = {
    { "-M", "-machine", "BOARD", "board to emulate: riscv-virt (default; 'virt' is an alias; help lists them)", opt_machine },
    { "-m", NULL, "SIZE", "guest RAM: a number of MiB, or with a K/M/G suffix (default 256M)", opt_memory },
    { "-smp", NULL, "N", "number of vCPUs, 1 to 8 (default 1)", opt_smp },
    { "-cpu", NULL, "MODEL", "CPU model, e.g. rv64 or rv64,zbb=off,sstc=off (default rv64)", opt_cpu },
    { "-bios", NULL, "FILE|none", "firmware image (default: Debian's OpenSBI fw_jump.elf)", opt_bios },
    { "-kernel", NULL, "FILE", "kernel image (default with no -bios/-kernel: Debian's U-Boot S-mode)", opt_kernel },
    { "-initrd", NULL, "FILE", "initial ramdisk", opt_initrd },
    { "-append", NULL, "STRING", "kernel command line", opt_append },
    { "-dtb", NULL, "FILE", "device tree blob to use instead of the generated one", opt_dtb },
    { "-device", NULL, "NAME[,opt=val...]", "add a virtio device (help lists them)", opt_device },
    { "-drive", NULL, "file=PATH[,...]", "add a disk: file=PATH,format=raw[,readonly=on][,snapshot=on][,if=virtio|none][,id=ID]", opt_drive },
    { "-snapshot", NULL, NULL, "every disk keeps the guest's writes in memory, as with snapshot=on", opt_snapshot },
    { "-rtc", NULL, "base=DATE", "wall-clock time at power-on, UTC (default 2024-01-01T00:00:00)", opt_rtc },
    { "--timing", NULL, "MODEL|FILE", "timing model: fast (default), inorder-small, u74, or a model file (docs/timing.md)", opt_timing },
    { "--engine", NULL, "jit|interp", "back end: the x86-64 JIT where built (default), or the IR interpreter; both give identical runs", opt_engine },
    { "--seed", NULL, "N", "seed of the deterministic generators, e.g. virtio-rng (default 0)", opt_seed },
    { "-nographic", NULL, NULL, "no display; the serial console is on stdio", opt_nographic },
    { "-serial", NULL, "stdio|file:PATH|null", "backend of the first serial port (default stdio)", opt_serial },
    { "--max-insns", NULL, "N", "stop after N instructions in total (0: no limit)", opt_max_insns },
    { "--quantum", NULL, "N", "cycles a vCPU runs before the next one (default 10000)", opt_quantum },
    { "--stats", NULL, "FILE", "write statistics as JSON to FILE when the run ends", opt_stats },
    { "--stats-interval", NULL, "N", "add a time series to --stats: one sample every N cycles", opt_stats_interval },
    { "--no-progress", NULL, NULL, "no live progress line on stderr (shown when it is a terminal)", opt_no_progress },
    { "--record", NULL, "FILE", "log every input from outside, with state hashes, to FILE", opt_record },
    { "--replay", NULL, "FILE", "run again from a --record log, checking its state hashes", opt_replay },
    { "--hash-interval", NULL, "N", "cycles between state hashes (default 100000000; 0: start and end)", opt_hash_interval },
    { "--state-hash", NULL, "FILE", "write the state hashes as text to FILE ('-': stdout)", opt_state_hash },
    { "--snapshot-at", NULL, "CYCLES:FILE", "save the whole machine to FILE once CYCLES have run", opt_snapshot_at },
    { "--restore", NULL, "FILE", "continue from a snapshot (same command line as when it was saved)", opt_restore },
    { "-monitor", NULL, "unix:PATH|none", "run-time commands on a Unix socket (docs/monitor.md; default none)", opt_monitor },
    { "-h", "--help", NULL, "print this help and exit", opt_help },
    { "--version", NULL, NULL, "print the version and exit", opt_version },
};

#define OPTION_COUNT (sizeof(option_table) / sizeof(option_table[0]))

static const char *skip_dashes(const char *s)
{
    if (s[0] == '-' && s[1] == '-')
        return s + 2;
    return s[0] == '-' ? s + 1 : s;
}

/* Compares an option word (up to len chars) with a table spelling,
 * ignoring whether one or two dashes lead. */
static bool option_matches(const char *spelling, const char *word, size_t len)
{
    if (!spelling)
        return false;
    const char *a = skip_dashes(spelling);
    return strlen(a) == len && !strncmp(a, word, len);
}

static const struct option_def *option_find(const char *word, size_t len)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_def *d = &option_table[i];
        if (option_matches(d->name, word, len) || option_matches(d->alias, word, len))
            return d;
    }
    return NULL;
}

static void options_defaults(struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->cfg.board = OPTIONS_DEFAULT_BOARD;
    o->cfg.ram_size = OPTIONS_DEFAULT_RAM;
    o->cfg.ncpus = 1;
    o->cfg.cpu_model = OPTIONS_DEFAULT_CPU;
    o->cfg.quantum = OPTIONS_DEFAULT_QUANTUM;
    o->cfg.core_hz = OPTIONS_DEFAULT_HZ;
    o->cfg.rtc_base = OPTIONS_DEFAULT_RTC;
    o->serial = OPTIONS_SERIAL_STDIO;
    o->serial_spec = "stdio";
    o->hash_interval = RECORD_DEFAULT_INTERVAL;
}

/* Handles argv[*i] (and its argument); advances *i past what it used. */
static int options_parse_one(struct options *o, int argc, char **argv, int *i, struct emu_err *err)
{
    const char *word = argv[*i];
    if (word[0] != '-' || !word[1])
        return emu_errf(err, "unexpected argument '%s' (see emu -h)", word);
    const char *name = skip_dashes(word);
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct option_def *d = option_find(name, len);
    if (!d || (eq && !d->arg)) {
        int shown = (int)(name - word) + (int)len;
        return emu_errf(err, "unknown option '%.*s' (see emu -h)", shown, word);
    }
    const char *arg = NULL;
    if (eq) {
        arg = eq + 1;
    } else if (d->arg) {
        if (*i + 1 >= argc)
            return emu_errf(err, "option '%s' needs an argument %s (see emu -h)", word, d->arg);
        arg = argv[++*i];
    }
    (*i)++;
    return d->handle(o, d->name, arg, err);
}

int options_parse(struct options *o, int argc, char **argv, struct emu_err *err)
{
    options_defaults(o);
    for (int i = 1; i < argc;) {
        if (options_parse_one(o, argc, argv, &i, err) < 0)
            return -1;
    }
    if (o->record_path && o->replay_path)
        return emu_errf(err, "--record and --replay cannot be used together");
    if (o->stats_interval && !o->stats_path)
        return emu_errf(err, "--stats-interval needs --stats FILE to write the series to");
    /* With neither firmware nor kernel given, boot OpenSBI + U-Boot. */
    if (!o->cfg.bios && !o->cfg.kernel)
        o->cfg.kernel = OPTIONS_DEFAULT_KERNEL;
    if (!o->cfg.bios)
        o->cfg.bios = OPTIONS_DEFAULT_BIOS;
    return 0;
}

void options_print_help(FILE *f)
{
    fputs("usage: emu [options]\n"
          "With no options, boots OpenSBI and U-Boot on a riscv-virt board.\n\n", f);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_def *d = &option_table[i];
        char left[64];
        snprintf(left, sizeof(left), "%s%s%s%s%s", d->name, d->alias ? ", " : "",
                 d->alias ? d->alias : "", d->arg ? " " : "", d->arg ? d->arg : "");
        fprintf(f, "  %-32s %s\n", left, d->help);
    }
}
