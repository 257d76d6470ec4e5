/*
 * Unit tests for dev/goldfish_rtc: the clock reads base + virtual time in
 * nanoseconds, TIME_HIGH holds what the last TIME_LOW read latched,
 * setting the clock the way Linux does (HIGH then LOW), the alarm raising
 * the interrupt at the exact cycle, masking, acknowledging, disarming and
 * reset.
 */
#include <check.h>
#include <stdlib.h>

#include "core/machine.h"
#include "dev/goldfish_rtc.h"

/* Register offsets, as Linux's rtc-goldfish driver names them. */
enum {
    R_TIME_LOW = 0x00, R_TIME_HIGH = 0x04, R_ALARM_LOW = 0x08, R_ALARM_HIGH = 0x0c,
    R_IRQ_ENABLED = 0x10, R_CLEAR_ALARM = 0x14, R_ALARM_STATUS = 0x18, R_CLEAR_INTERRUPT = 0x1c,
};

#define BASE_S 1700000000ll     /* 2023-11-14 22:13:20 UTC */
#define NS 1000000000ull

struct tm {
    struct machine m;
    struct goldfish_rtc *rtc;
    bool irq;
    unsigned edges;
};

static void irq_sink(void *sink, unsigned input, bool level)
{
    struct tm *t = sink;
    ck_assert_uint_eq(input, 11);
    if (level && !t->irq)
        t->edges++;
    t->irq = level;
}

/* A machine with only a clock and an event queue, at core_hz. */
static struct tm *tm_new(uint64_t core_hz, int64_t base)
{
    struct tm *t = calloc(1, sizeof(*t));
    ck_assert_ptr_nonnull(t);
    t->m.cfg.core_hz = core_hz;
    evq_init(&t->m.evq);
    t->rtc = goldfish_rtc_create(&t->m, base, irq_line_make(irq_sink, t, 11));
    ck_assert_ptr_nonnull(t->rtc);
    return t;
}

static void tm_free(struct tm *t)
{
    goldfish_rtc_destroy(t->rtc);
    evq_free(&t->m.evq);
    free(t);
}

/* Virtual time moves to cycle c and the due events run, as in machine_run. */
static void tm_advance_to(struct tm *t, uint64_t c)
{
    t->m.vclock = c;
    evq_run_due(&t->m.evq, c);
}

static uint32_t rd(struct tm *t, uint64_t off)
{
    return (uint32_t)goldfish_rtc_ops.read(t->rtc, off, 4);
}

static void wr(struct tm *t, uint64_t off, uint32_t v)
{
    goldfish_rtc_ops.write(t->rtc, off, v, 4);
}

/* Linux's read order: TIME_LOW, then TIME_HIGH. */
static uint64_t rd_time(struct tm *t)
{
    uint64_t lo = rd(t, R_TIME_LOW);
    return lo | (uint64_t)rd(t, R_TIME_HIGH) << 32;
}

/* Linux's write order: TIME_HIGH, then TIME_LOW. */
static void wr_time(struct tm *t, uint64_t ns)
{
    wr(t, R_TIME_HIGH, (uint32_t)(ns >> 32));
    wr(t, R_TIME_LOW, (uint32_t)ns);
}

static void wr_alarm(struct tm *t, uint64_t ns)
{
    wr(t, R_ALARM_HIGH, (uint32_t)(ns >> 32));
    wr(t, R_ALARM_LOW, (uint32_t)ns);
}

START_TEST(test_goldfish_rtc_time_is_base_plus_virtual_time)
{
    struct tm *t = tm_new(1000000000, BASE_S);
    ck_assert_uint_eq(rd_time(t), BASE_S * NS);
    tm_advance_to(t, 2500000000ull);    /* 2.5 s at 1 GHz */
    ck_assert_uint_eq(rd_time(t), BASE_S * NS + 2500000000ull);
    ck_assert_uint_eq(goldfish_rtc_time_ns(t->rtc), BASE_S * NS + 2500000000ull);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_time_scales_with_core_clock)
{
    /* At 10 MHz a cycle is 100 ns; at 3 GHz, 1/3 ns (rounded down). */
    struct tm *t = tm_new(10000000, 0);
    tm_advance_to(t, 12345);
    ck_assert_uint_eq(rd_time(t), 1234500);
    tm_free(t);
    t = tm_new(3000000000ull, 0);
    tm_advance_to(t, 3000000000ull * 7 + 5);
    ck_assert_uint_eq(rd_time(t), 7 * NS + 1);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_time_high_is_latched_by_time_low_read)
{
    struct tm *t = tm_new(1000000000, 0);
    tm_advance_to(t, 0xfffffff0ull);
    ck_assert_uint_eq(rd(t, R_TIME_LOW), 0xfffffff0u);
    tm_advance_to(t, 0x100000010ull);   /* the running clock's high half is 1 now */
    ck_assert_uint_eq(rd(t, R_TIME_HIGH), 0);
    ck_assert_uint_eq(rd(t, R_TIME_LOW), 0x10);
    ck_assert_uint_eq(rd(t, R_TIME_HIGH), 1);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_set_time_then_runs_from_it)
{
    struct tm *t = tm_new(1000000000, BASE_S);
    tm_advance_to(t, 1000);
    uint64_t when = 1234567890123456789ull;
    wr_time(t, when);
    ck_assert_uint_eq(rd_time(t), when);
    tm_advance_to(t, 1000 + 777);
    ck_assert_uint_eq(rd_time(t), when + 777);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_set_time_exact_when_low_half_wraps_between_writes)
{
    /* The running clock's low half wraps between the two writes. */
    struct tm *t = tm_new(1000000000, 0);
    tm_advance_to(t, 0xffffff00ull);
    wr(t, R_TIME_HIGH, 5);
    ck_assert_uint_eq(rd_time(t), 0xffffff00ull);     /* waits for TIME_LOW */
    tm_advance_to(t, 0xffffff00ull + 0x200);
    wr(t, R_TIME_LOW, 7);
    ck_assert_uint_eq(rd_time(t), (5ull << 32) | 7);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_lone_time_low_write_keeps_high_half)
{
    struct tm *t = tm_new(1000000000, 0);
    tm_advance_to(t, (3ull << 32) | 0x1000);
    wr(t, R_TIME_LOW, 0x42);
    ck_assert_uint_eq(rd_time(t), (3ull << 32) | 0x42);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_alarm_raises_irq_at_exact_cycle)
{
    /* 10 MHz: an alarm 250 ns ahead is due at the third cycle (300 ns). */
    struct tm *t = tm_new(10000000, BASE_S);
    tm_advance_to(t, 50);
    uint64_t now = rd_time(t);
    wr(t, R_IRQ_ENABLED, 1);
    wr_alarm(t, now + 250);
    ck_assert_uint_eq(rd(t, R_ALARM_STATUS), 1);
    ck_assert_uint_eq(rd(t, R_ALARM_LOW), (uint32_t)(now + 250));
    ck_assert_uint_eq(rd(t, R_ALARM_HIGH), (uint32_t)((now + 250) >> 32));
    ck_assert_uint_eq(evq_next_time(&t->m.evq), 53);
    tm_advance_to(t, 52);
    ck_assert(!t->irq);
    ck_assert_uint_eq(rd(t, R_ALARM_STATUS), 1);
    tm_advance_to(t, 53);
    ck_assert(t->irq);
    ck_assert_uint_eq(rd(t, R_ALARM_STATUS), 0);
    ck_assert_uint_ge(rd_time(t), now + 250);
    /* Acknowledge: the line drops and stays down. */
    wr(t, R_CLEAR_INTERRUPT, 1);
    ck_assert(!t->irq);
    tm_advance_to(t, 1000);
    ck_assert(!t->irq);
    ck_assert_uint_eq(t->edges, 1);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_alarm_in_the_past_fires_at_once)
{
    struct tm *t = tm_new(1000000000, BASE_S);
    wr(t, R_IRQ_ENABLED, 1);
    wr_alarm(t, BASE_S * NS - 1);
    ck_assert(t->irq);
    ck_assert_uint_eq(rd(t, R_ALARM_STATUS), 0);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_irq_enabled_masks_fired_alarm)
{
    struct tm *t = tm_new(1000000000, 0);
    wr_alarm(t, 100);
    tm_advance_to(t, 100);
    ck_assert(!t->irq);                 /* fired, but masked */
    ck_assert_uint_eq(rd(t, R_ALARM_STATUS), 0);
    wr(t, R_IRQ_ENABLED, 1);
    ck_assert_uint_eq(rd(t, R_IRQ_ENABLED), 1);
    ck_assert(t->irq);                  /* still pending until acknowledged */
    wr(t, R_IRQ_ENABLED, 0);
    ck_assert(!t->irq);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_clear_alarm_disarms)
{
    struct tm *t = tm_new(1000000000, 0);
    wr(t, R_IRQ_ENABLED, 1);
    wr_alarm(t, 5000);
    ck_assert_uint_eq(rd(t, R_ALARM_STATUS), 1);
    wr(t, R_CLEAR_ALARM, 1);
    ck_assert_uint_eq(rd(t, R_ALARM_STATUS), 0);
    ck_assert_uint_eq(evq_next_time(&t->m.evq), UINT64_MAX);
    tm_advance_to(t, 100000);
    ck_assert(!t->irq);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_setting_clock_reaims_armed_alarm)
{
    struct tm *t = tm_new(1000000000, BASE_S);
    wr(t, R_IRQ_ENABLED, 1);
    wr_alarm(t, (BASE_S + 60) * NS);   /* a minute from now */
    tm_advance_to(t, 1000);
    wr_time(t, (BASE_S + 60) * NS - 300);
    tm_advance_to(t, 1299);
    ck_assert(!t->irq);
    tm_advance_to(t, 1300);
    ck_assert(t->irq);
    /* Setting the clock past an armed alarm fires it at once. */
    wr(t, R_CLEAR_INTERRUPT, 1);
    wr_alarm(t, (BASE_S + 120) * NS);
    ck_assert(!t->irq);
    wr_time(t, (BASE_S + 121) * NS);
    ck_assert(t->irq);
    ck_assert_uint_eq(rd(t, R_ALARM_STATUS), 0);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_reset_disarms_and_keeps_time)
{
    struct tm *t = tm_new(1000000000, BASE_S);
    wr_time(t, 42 * NS);
    wr(t, R_IRQ_ENABLED, 1);
    wr_alarm(t, 0);                     /* fires at once */
    ck_assert(t->irq);
    wr_alarm(t, 43 * NS);
    goldfish_rtc_ops.reset(t->rtc);
    ck_assert(!t->irq);
    ck_assert_uint_eq(rd(t, R_IRQ_ENABLED), 0);
    ck_assert_uint_eq(rd(t, R_ALARM_STATUS), 0);
    ck_assert_uint_eq(evq_next_time(&t->m.evq), UINT64_MAX);
    ck_assert_uint_eq(rd_time(t), 42 * NS);
    tm_free(t);
}
END_TEST

START_TEST(test_goldfish_rtc_narrow_access_is_ignored)
{
    struct tm *t = tm_new(1000000000, BASE_S);
    ck_assert_uint_eq(goldfish_rtc_ops.read(t->rtc, R_TIME_LOW, 2), 0);
    goldfish_rtc_ops.write(t->rtc, R_TIME_LOW, 0, 1);
    goldfish_rtc_ops.write(t->rtc, R_IRQ_ENABLED + 2, 1, 4);
    ck_assert_uint_eq(rd_time(t), BASE_S * NS);
    ck_assert_uint_eq(rd(t, R_IRQ_ENABLED), 0);
    ck_assert_uint_eq(rd(t, 0x20), 0);
    tm_free(t);
}
END_TEST

static Suite *goldfish_rtc_suite(void)
{
    Suite *s = suite_create("goldfish_rtc");
    TCase *tc = tcase_create("clock");
    tcase_add_test(tc, test_goldfish_rtc_time_is_base_plus_virtual_time);
    tcase_add_test(tc, test_goldfish_rtc_time_scales_with_core_clock);
    tcase_add_test(tc, test_goldfish_rtc_time_high_is_latched_by_time_low_read);
    tcase_add_test(tc, test_goldfish_rtc_set_time_then_runs_from_it);
    tcase_add_test(tc, test_goldfish_rtc_set_time_exact_when_low_half_wraps_between_writes);
    tcase_add_test(tc, test_goldfish_rtc_lone_time_low_write_keeps_high_half);
    tcase_add_test(tc, test_goldfish_rtc_narrow_access_is_ignored);
    suite_add_tcase(s, tc);
    TCase *al = tcase_create("alarm");
    tcase_add_test(al, test_goldfish_rtc_alarm_raises_irq_at_exact_cycle);
    tcase_add_test(al, test_goldfish_rtc_alarm_in_the_past_fires_at_once);
    tcase_add_test(al, test_goldfish_rtc_irq_enabled_masks_fired_alarm);
    tcase_add_test(al, test_goldfish_rtc_clear_alarm_disarms);
    tcase_add_test(al, test_goldfish_rtc_setting_clock_reaims_armed_alarm);
    tcase_add_test(al, test_goldfish_rtc_reset_disarms_and_keeps_time);
    suite_add_tcase(s, al);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(goldfish_rtc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
