/*
 * The initramfs init of emu's Linux boot tests: mounts proc, sys and dev,
 * prints a banner with the kernel release and the number of online harts,
 * and powers the machine off. Guest-side checks named on the kernel
 * command line (emu.test=...) will be added here, one PASS/FAIL line each.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <unistd.h>

static void mount_or_warn(const char *src, const char *dst, const char *type)
{
    if (mount(src, dst, type, 0, NULL) != 0)
        printf("emu-init: cannot mount %s on %s\n", type, dst);
}

int main(void)
{
    struct utsname u;

    mount_or_warn("proc", "/proc", "proc");
    mount_or_warn("sysfs", "/sys", "sysfs");
    mount_or_warn("devtmpfs", "/dev", "devtmpfs");
    if (uname(&u) != 0)
        strcpy(u.release, "unknown");
    printf("emu-init: Linux %s, %ld harts online\n", u.release, sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 1;
}
