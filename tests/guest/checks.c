/* The table of guest checks, and the command-line lookup they share. */
#include "checks.h"

#include <stdio.h>
#include <string.h>

const struct guest_check guest_checks[] = {
    { "blk", check_blk },
    { "net", check_net },
    { "rng", check_rng },
    { "console", check_console },
    { "rtc", check_rtc },
    { "balloon", check_balloon },
    { "kvm", check_kvm },
    { "perf", check_perf },
    { NULL, NULL },
};

const char *guest_cmdline_value(const char *key, char *buf, size_t len)
{
    static const char path[] = "/proc/cmdline";
    char line[4096];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    size_t klen = strlen(key);
    for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
        if (!strncmp(tok, key, klen) && tok[klen] == '=') {
            snprintf(buf, len, "%s", tok + klen + 1);
            return buf;
        }
    }
    return NULL;
}
