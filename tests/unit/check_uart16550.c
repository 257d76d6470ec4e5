/*
 * Unit tests for dev/uart16550 through its dev_ops on a bare machine:
 * reset values, DLAB, transmit to the backend, receive polled at character
 * times, FIFO trigger and timeout interrupts, IIR priority, loopback.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/chardev.h"
#include "core/machine.h"
#include "dev/uart16550.h"

enum { RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define FCR IIR
#define CORE_HZ 1000000000ull
#define CHAR_CYCLES (CORE_HZ / 11520)

struct probe {
    bool level;
    unsigned raises;
};

static void probe_set(void *sink, unsigned input, bool level)
{
    struct probe *p = sink;
    if (level && !p->level)
        p->raises++;
    p->level = level;
}

struct fixture {
    struct machine m;
    struct probe irq;
    struct chardev *ch;
    struct uart16550 *u;
    int in[2], out[2];
};

/* input: bytes queued on the backend, after which input ends. */
static struct fixture *fixture_new(const char *input)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct emu_err err = { "" };

    ck_assert_ptr_nonnull(f);
    f->m.cfg.core_hz = CORE_HZ;
    evq_init(&f->m.evq);
    ck_assert_int_eq(pipe(f->in), 0);
    ck_assert_int_eq(pipe(f->out), 0);
    ck_assert_int_eq(write(f->in[1], input, strlen(input)), (ssize_t)strlen(input));
    close(f->in[1]);
    f->ch = chardev_open_fds(f->in[0], f->out[1], &err);
    ck_assert_ptr_nonnull(f->ch);
    f->u = uart16550_create(&f->m, irq_line_make(probe_set, &f->irq, 10), f->ch);
    ck_assert_ptr_nonnull(f->u);
    return f;
}

static void fixture_free(struct fixture *f)
{
    uart16550_destroy(f->u);
    chardev_close(f->ch);
    evq_free(&f->m.evq);
    close(f->in[0]);
    close(f->out[0]);
    close(f->out[1]);
    free(f);
}

static uint8_t rd(struct fixture *f, unsigned reg)
{
    return (uint8_t)uart16550_ops.read(f->u, reg, 1);
}

static void wr(struct fixture *f, unsigned reg, uint8_t v)
{
    uart16550_ops.write(f->u, reg, v, 1);
}

/* Lets virtual time pass as the run loop does: event by event. */
static void advance(struct fixture *f, uint64_t cycles)
{
    uint64_t end = f->m.vclock + cycles;

    while (evq_next_time(&f->m.evq) <= end) {
        f->m.vclock = evq_next_time(&f->m.evq);
        evq_run_due(&f->m.evq, f->m.vclock);
    }
    f->m.vclock = end;
}

START_TEST(test_uart_reset_registers_have_datasheet_values)
{
    struct fixture *f = fixture_new("");

    ck_assert_uint_eq(rd(f, IER), 0x00);
    ck_assert_uint_eq(rd(f, IIR), 0x01);
    ck_assert_uint_eq(rd(f, LCR), 0x00);
    ck_assert_uint_eq(rd(f, MCR), 0x00);
    ck_assert_uint_eq(rd(f, LSR), 0x60);
    ck_assert_uint_eq(rd(f, MSR), 0xb0);
    ck_assert_uint_eq(rd(f, SCR), 0x00);
    ck_assert(!f->irq.level);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_dlab_selects_divisor_latch)
{
    struct fixture *f = fixture_new("");

    wr(f, IER, 0x05);
    wr(f, LCR, 0x83);
    wr(f, RBR, 0x01);
    wr(f, IER, 0x02);
    ck_assert_uint_eq(rd(f, RBR), 0x01);
    ck_assert_uint_eq(rd(f, IER), 0x02);
    wr(f, LCR, 0x03);
    ck_assert_uint_eq(rd(f, IER), 0x05);     /* IER untouched by DLM writes */
    ck_assert_uint_eq(rd(f, LCR), 0x03);
    wr(f, LCR, 0x80);
    ck_assert_uint_eq(rd(f, RBR), 0x01);
    ck_assert_uint_eq(rd(f, IER), 0x02);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_scratch_holds_value)
{
    struct fixture *f = fixture_new("");

    wr(f, SCR, 0xa5);
    ck_assert_uint_eq(rd(f, SCR), 0xa5);
    ck_assert_uint_eq(uart16550_ops.read(f->u, 0x20, 1), 0);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_thr_write_reaches_backend_at_once)
{
    struct fixture *f = fixture_new("");
    char buf[8] = { 0 };

    wr(f, RBR, 'h');
    wr(f, RBR, 'i');
    ck_assert_int_eq(read(f->out[0], buf, sizeof(buf)), 2);
    ck_assert_str_eq(buf, "hi");
    ck_assert_uint_eq(rd(f, LSR) & 0x60, 0x60);
    ck_assert_uint_eq(uart16550_get_stats(f->u).bytes_out, 2);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_fifo_enable_shows_in_iir)
{
    struct fixture *f = fixture_new("");

    wr(f, FCR, 0x07);
    ck_assert_uint_eq(rd(f, IIR), 0xc1);
    wr(f, FCR, 0x00);
    ck_assert_uint_eq(rd(f, IIR), 0x01);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_thre_interrupt_on_enable_cleared_by_iir_read)
{
    struct fixture *f = fixture_new("");

    wr(f, IER, 0x02);
    ck_assert(f->irq.level);
    ck_assert_uint_eq(rd(f, IIR), 0x02);
    ck_assert(!f->irq.level);
    ck_assert_uint_eq(rd(f, IIR), 0x01);
    wr(f, RBR, 'x');                         /* THR empties again */
    ck_assert(f->irq.level);
    wr(f, IER, 0x00);
    ck_assert(!f->irq.level);
    ck_assert_uint_eq(uart16550_get_stats(f->u).irqs_raised, 2);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_rx_byte_arrives_after_one_char_time)
{
    struct fixture *f = fixture_new("ab");

    wr(f, IER, 0x01);
    advance(f, CHAR_CYCLES - 1);
    ck_assert_uint_eq(rd(f, LSR) & 0x01, 0);
    ck_assert(!f->irq.level);
    advance(f, 1);
    ck_assert_uint_eq(rd(f, LSR) & 0x01, 1);
    ck_assert(f->irq.level);
    ck_assert_uint_eq(rd(f, IIR), 0x04);
    ck_assert_uint_eq(rd(f, RBR), 'a');
    ck_assert(!f->irq.level);
    ck_assert_uint_eq(rd(f, LSR) & 0x01, 0);
    advance(f, CHAR_CYCLES);
    ck_assert_uint_eq(rd(f, RBR), 'b');
    ck_assert_uint_eq(uart16550_get_stats(f->u).bytes_in, 2);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_rx_waits_until_guest_listens)
{
    struct fixture *f = fixture_new("xy");

    advance(f, 10 * CHAR_CYCLES);
    ck_assert_uint_eq(uart16550_get_stats(f->u).bytes_in, 0);
    ck_assert_uint_eq(rd(f, LSR) & 0x01, 0);      /* polling LSR starts listening */
    advance(f, CHAR_CYCLES);
    ck_assert_uint_eq(rd(f, LSR) & 0x01, 1);
    ck_assert_uint_eq(rd(f, RBR), 'x');
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_rx_fifo_reset_gives_scripted_input_back)
{
    struct fixture *f = fixture_new("pq");

    wr(f, FCR, 0x01);
    wr(f, IER, 0x01);
    advance(f, 5 * CHAR_CYCLES);
    ck_assert_uint_eq(uart16550_get_stats(f->u).bytes_in, 2);
    wr(f, FCR, 0x03);                             /* clear RX with both bytes unread */
    ck_assert_uint_eq(rd(f, LSR) & 0x01, 0);
    advance(f, 5 * CHAR_CYCLES);
    ck_assert_uint_eq(rd(f, RBR), 'p');
    ck_assert_uint_eq(rd(f, RBR), 'q');
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_rx_fifo_full_stops_reading_loses_nothing)
{
    const char *text = "0123456789abcdefghij";
    struct fixture *f = fixture_new(text);
    char got[21] = { 0 };

    wr(f, FCR, 0xc1);
    wr(f, IER, 0x01);                             /* listening: receive interrupt on */
    advance(f, 30 * CHAR_CYCLES);
    ck_assert_uint_eq(uart16550_get_stats(f->u).bytes_in, 16);
    ck_assert_uint_eq(rd(f, LSR) & 0x03, 0x01);   /* data ready, no overrun */
    for (int i = 0; i < 20; i++) {
        if (!(rd(f, LSR) & 0x01))
            advance(f, CHAR_CYCLES);
        ck_assert_uint_eq(rd(f, LSR) & 0x01, 1);
        got[i] = (char)rd(f, RBR);
    }
    ck_assert_str_eq(got, text);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_rx_trigger_level_raises_rda)
{
    struct fixture *f = fixture_new("wxyz");

    wr(f, FCR, 0x41);                        /* FIFO on, trigger 4 */
    wr(f, IER, 0x01);
    advance(f, 3 * CHAR_CYCLES);
    ck_assert(!f->irq.level);
    advance(f, CHAR_CYCLES);
    ck_assert(f->irq.level);
    ck_assert_uint_eq(rd(f, IIR), 0xc4);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_rx_below_trigger_times_out_after_four_chars)
{
    struct fixture *f = fixture_new("ab");

    wr(f, FCR, 0x81);                        /* FIFO on, trigger 8 */
    wr(f, IER, 0x01);
    advance(f, 2 * CHAR_CYCLES);
    ck_assert(!f->irq.level);
    advance(f, 3 * CHAR_CYCLES);
    ck_assert(!f->irq.level);
    advance(f, 4 * CHAR_CYCLES);
    ck_assert(f->irq.level);
    ck_assert_uint_eq(rd(f, IIR), 0xcc);
    ck_assert_uint_eq(rd(f, RBR), 'a');
    ck_assert(!f->irq.level);                /* reading restarts the timeout */
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_end_of_input_stops_polling)
{
    struct fixture *f = fixture_new("");

    advance(f, CHAR_CYCLES);
    ck_assert_uint_eq(evq_next_time(&f->m.evq), UINT64_MAX);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_iir_reports_line_status_before_data_before_thre)
{
    struct fixture *f = fixture_new("");

    wr(f, MCR, 0x10);                        /* loopback, no FIFO: 1-byte receiver */
    wr(f, RBR, '1');
    wr(f, RBR, '2');                         /* overrun */
    wr(f, IER, 0x07);
    ck_assert_uint_eq(rd(f, IIR), 0x06);
    ck_assert_uint_eq(rd(f, LSR) & 0x03, 0x03);
    ck_assert_uint_eq(rd(f, LSR) & 0x02, 0x00);   /* OE cleared by reading LSR */
    ck_assert_uint_eq(rd(f, IIR), 0x04);
    ck_assert_uint_eq(rd(f, RBR), '1');
    ck_assert_uint_eq(rd(f, IIR), 0x02);
    ck_assert_uint_eq(rd(f, IIR), 0x01);
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_loopback_returns_bytes_and_modem_lines)
{
    struct fixture *f = fixture_new("");
    char buf[4];

    wr(f, FCR, 0x01);
    wr(f, MCR, 0x1a);                        /* loop, OUT2, RTS */
    ck_assert_uint_eq(rd(f, MSR) & 0xf0, 0x90);
    wr(f, RBR, 'q');
    ck_assert_uint_eq(rd(f, RBR), 'q');
    ck_assert_uint_eq(uart16550_get_stats(f->u).bytes_out, 0);
    wr(f, MCR, 0x00);
    ck_assert_uint_eq(rd(f, MSR), 0xb0 | 0x02);   /* DSR came back: DDSR */
    ck_assert_uint_eq(rd(f, MSR), 0xb0);
    /* Nothing reached the backend. */
    wr(f, RBR, '!');
    ck_assert_int_eq(read(f->out[0], buf, sizeof(buf)), 1);
    ck_assert_int_eq(buf[0], '!');
    fixture_free(f);
}
END_TEST

START_TEST(test_uart_reset_clears_fifo_and_interrupt)
{
    struct fixture *f = fixture_new("k");

    wr(f, IER, 0x03);
    advance(f, CHAR_CYCLES);
    ck_assert(f->irq.level);
    uart16550_ops.reset(f->u);
    ck_assert(!f->irq.level);
    ck_assert_uint_eq(rd(f, LSR), 0x60);
    ck_assert_uint_eq(rd(f, IER), 0x00);
    fixture_free(f);
}
END_TEST

static Suite *uart_suite(void)
{
    Suite *s = suite_create("uart16550");
    TCase *tc = tcase_create("registers");
    tcase_add_test(tc, test_uart_reset_registers_have_datasheet_values);
    tcase_add_test(tc, test_uart_dlab_selects_divisor_latch);
    tcase_add_test(tc, test_uart_scratch_holds_value);
    tcase_add_test(tc, test_uart_thr_write_reaches_backend_at_once);
    tcase_add_test(tc, test_uart_fifo_enable_shows_in_iir);
    tcase_add_test(tc, test_uart_thre_interrupt_on_enable_cleared_by_iir_read);
    tcase_add_test(tc, test_uart_rx_byte_arrives_after_one_char_time);
    tcase_add_test(tc, test_uart_rx_fifo_full_stops_reading_loses_nothing);
    tcase_add_test(tc, test_uart_rx_waits_until_guest_listens);
    tcase_add_test(tc, test_uart_rx_fifo_reset_gives_scripted_input_back);
    tcase_add_test(tc, test_uart_rx_trigger_level_raises_rda);
    tcase_add_test(tc, test_uart_rx_below_trigger_times_out_after_four_chars);
    tcase_add_test(tc, test_uart_end_of_input_stops_polling);
    tcase_add_test(tc, test_uart_iir_reports_line_status_before_data_before_thre);
    tcase_add_test(tc, test_uart_loopback_returns_bytes_and_modem_lines);
    tcase_add_test(tc, test_uart_reset_clears_fifo_and_interrupt);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(uart_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
