/*
 * The initramfs init of emu's Linux boot tests: mounts proc, sys and dev,
 * prints a banner with the kernel release and the number of online harts,
 * runs the guest-side checks named on the kernel command line
 * (emu.test=blk,net,...; checks.c lists them) with one PASS/FAIL line
 * each, and powers the machine off.
 *
 * emu.test=panic makes init exit instead, which panics the kernel
 * ("Attempted to kill init"): the test of how emu reports a guest panic.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checks.h"

static void mount_or_warn(const char *src, const char *dst, const char *type)
{
    if (mount(src, dst, type, 0, NULL) != 0)
        printf("emu-init: cannot mount %s on %s\n", type, dst);
}

static const struct guest_check *check_find(const char *name)
{
    for (const struct guest_check *c = guest_checks; c->name; c++) {
        if (!strcmp(c->name, name))
            return c;
    }
    return NULL;
}

/* Runs each check named in the comma-separated list; returns how many failed. */
static int run_checks(char *list)
{
    int failed = 0;
    for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
        char msg[256] = "";
        const struct guest_check *c = check_find(name);
        int rc = -1;
        if (c)
            rc = c->run(msg, sizeof(msg));
        else
            snprintf(msg, sizeof(msg), "no such check");
        printf("emu-check %s: %s %s\n", name, rc == 0 ? "PASS" : "FAIL", msg);
        fflush(stdout);
        failed += rc != 0;
    }
    return failed;
}

int main(void)
{
    struct utsname u;
    char tests[256];

    mount_or_warn("proc", "/proc", "proc");
    mount_or_warn("sysfs", "/sys", "sysfs");
    mount_or_warn("devtmpfs", "/dev", "devtmpfs");
    if (uname(&u) != 0)
        strcpy(u.release, "unknown");
    printf("emu-init: Linux %s, %ld harts online\n", u.release, sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
    if (guest_cmdline_value("emu.test", tests, sizeof(tests))) {
        if (!strcmp(tests, "panic")) {
            printf("emu-init: exiting, so the kernel panics\n");
            fflush(stdout);
            return 1;
        }
        int failed = run_checks(tests);
        printf("emu-init: %d check%s failed\n", failed, failed == 1 ? "" : "s");
    }
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 1;
}
