/*
 * The goldfish RTC from inside: /dev/rtc0 must read the time the test gave
 * emu with -rtc base=, passed to the guest as emu.rtc=YYYY-MM-DDTHH:MM:SS,
 * plus the few seconds of virtual time since power-on.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "checks.h"

/* Seconds since 1970 of a UTC date (days counted from a March-based year). */
static long long utc_seconds(int y, int mo, int d, int h, int mi, int s)
{
    y -= mo <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    long long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return days * 86400 + h * 3600 + mi * 60 + s;
}

int check_rtc(char *msg, size_t len)
{
    char want[64];
    int y, mo, d, h, mi, s;
    if (!guest_cmdline_value("emu.rtc", want, sizeof(want)) ||
        sscanf(want, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) {
        snprintf(msg, len, "no emu.rtc=YYYY-MM-DDTHH:MM:SS on the command line");
        return -1;
    }
    struct rtc_time t;
    int fd = open("/dev/rtc0", O_RDONLY);
    if (fd < 0 || ioctl(fd, RTC_RD_TIME, &t) < 0) {
        snprintf(msg, len, "reading /dev/rtc0: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    long long base = utc_seconds(y, mo, d, h, mi, s);
    long long now = utc_seconds(t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
    snprintf(msg, len, "rtc0 reads %04d-%02d-%02dT%02d:%02d:%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
             t.tm_hour, t.tm_min, t.tm_sec);
    if (now < base || now > base + 60) {
        snprintf(msg + strlen(msg), len - strlen(msg), ", not within a minute after %s", want);
        return -1;
    }
    return 0;
}
