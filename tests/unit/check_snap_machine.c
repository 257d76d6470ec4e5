/*
 * Unit tests for core/snapshot, core/memmap_snap, the event-queue part of
 * snapshots (core/evq) and cpu-riscv/snapshot: a machine saved and
 * restored into a freshly built one holds the same RAM, device registers,
 * pending events in the same order, and hart CSRs; state hashes follow
 * the guest's memory, never which host pages are resident; a snapshot of
 * another configuration, or one a device fails to restore fully, is refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/machine.h"
#include "core/memmap.h"
#include "core/snap.h"
#include "core/snapshot.h"
#include "core/statehash.h"
#include "cpu-riscv/hart.h"
#include "cpu-riscv/snapshot.h"
#include "dev/uart16550.h"
#include "rv_test_machine.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4ull << 20)

static char path[64];

static void setup(void)
{
    snprintf(path, sizeof(path), "/tmp/check_snap_machine.%d", (int)getpid());
}

static void teardown(void)
{
    remove(path);
}

/* ---- events ---- */

struct mark {
    int id;
    int *log;
    int *n;
};

static void mark_fire(void *opaque, uint64_t now)
{
    struct mark *m = opaque;
    m->log[(*m->n)++] = m->id;
}

START_TEST(test_evq_restored_events_keep_their_order)
{
    struct emu_err err;
    struct evq q;
    int log[4], n = 0;
    struct mark a = { 1, log, &n }, b = { 2, log, &n };
    evq_init(&q);
    /* Same time and priority: a was posted first, so it runs first. */
    uint64_t ida = evq_post(&q, 500, EVQ_PRIO_DEVICE, mark_fire, &a);
    uint64_t idb = evq_post(&q, 500, EVQ_PRIO_DEVICE, mark_fire, &b);
    uint64_t next_seq = q.next_seq;
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    snap_begin(s, "dev");
    /* Saved (and so loaded) b first: the order must come from the sequence. */
    evq_snap(&q, s, "b", &idb, mark_fire, &b);
    evq_snap(&q, s, "a", &ida, mark_fire, &a);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    evq_free(&q);

    evq_init(&q);
    q.next_seq = next_seq;
    uint64_t la = 0, lb = 0;
    s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    ck_assert_ptr_nonnull(s);
    snap_begin(s, "dev");
    ck_assert_int_eq(evq_snap(&q, s, "b", &lb, mark_fire, &b), 0);
    ck_assert_int_eq(evq_snap(&q, s, "a", &la, mark_fire, &a), 0);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    /* The owners' ids are what they were. */
    ck_assert_uint_eq(la, ida);
    ck_assert_uint_eq(lb, idb);
    ck_assert_uint_eq(evq_run_due(&q, 500), 2);
    ck_assert_int_eq(log[0], 1);
    ck_assert_int_eq(log[1], 2);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_reposted_event_takes_saved_place_and_time_checked)
{
    struct emu_err err;
    struct evq q;
    int log[2], n = 0;
    struct mark a = { 1, log, &n };
    evq_init(&q);
    uint64_t id = evq_post(&q, 700, EVQ_PRIO_TIMER, mark_fire, &a);
    uint64_t next_seq = q.next_seq;
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    snap_begin(s, "dev");
    evq_snap_reposted(&q, s, "timer", &id);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    evq_free(&q);

    /* The owner re-posts from its state, then the event takes its place. */
    for (int attempt = 0; attempt < 2; attempt++) {
        evq_init(&q);
        q.next_seq = next_seq;
        uint64_t fresh = evq_post(&q, attempt == 0 ? 700 : 701, EVQ_PRIO_TIMER, mark_fire, &a);
        ck_assert_uint_ne(fresh, id);
        s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
        snap_begin(s, "dev");
        int rc = evq_snap_reposted(&q, s, "timer", &fresh);
        if (attempt == 0) {
            ck_assert_int_eq(rc, 0);
            ck_assert_uint_eq(fresh, id);
            struct evq_event e;
            ck_assert(evq_lookup(&q, id, &e));
            ck_assert_uint_eq(e.time, 700);
        } else {
            ck_assert_int_eq(rc, -1);
            ck_assert_ptr_nonnull(strstr(snap_error(s), "restored for cycle 701, saved for cycle 700"));
        }
        snap_free(s);
        evq_free(&q);
    }
}
END_TEST

/* ---- a machine with RAM, a UART and a device that forgets an event ---- */

struct forgetful {
    struct machine *m;
    uint64_t event;
    bool save_event;            /* false: its save leaves the event out */
};

static void forgetful_fire(void *opaque, uint64_t now)
{
    ((struct forgetful *)opaque)->event = 0;
}

static int forgetful_snap(void *dev, struct snap *s)
{
    struct forgetful *f = dev;
    uint64_t dummy = 42;
    snap_u64(s, "dummy", &dummy);
    if (f->save_event)
        evq_snap(&f->m->evq, s, "tick", &f->event, forgetful_fire, f);
    return snap_status(s);
}

static const struct dev_ops forgetful_ops = { .save = forgetful_snap, .load = forgetful_snap };

struct rig {
    struct machine m;
    struct uart16550 *u;
    struct forgetful f;
};

static void rig_init(struct rig *r, uint64_t ram, bool save_event)
{
    struct emu_err err;
    struct machine_config cfg = { .board = "snap-test", .ram_size = ram, .quantum = 10000 };
    memset(r, 0, sizeof(*r));
    ck_assert_int_eq(machine_init(&r->m, &cfg, &err), 0);
    ck_assert_int_eq(memmap_add_ram(&r->m.map, RAM_BASE, ram, "ram", &err), 0);
    r->u = uart16550_create(&r->m, irq_line_make(NULL, NULL, 0), NULL);
    ck_assert_ptr_nonnull(r->u);
    machine_add_device(&r->m, "uart0", &uart16550_ops, r->u, uart16550_destroy);
    r->f = (struct forgetful){ .m = &r->m, .save_event = save_event };
    machine_add_device(&r->m, "forgetful", &forgetful_ops, &r->f, NULL);
}

static uint8_t *ram(struct rig *r)
{
    return memmap_host_ptr(&r->m.map, RAM_BASE, RAM_SIZE);
}

START_TEST(test_snapshot_restores_ram_devices_and_events)
{
    struct emu_err err;
    struct rig a, b;
    rig_init(&a, RAM_SIZE, true);
    memcpy(ram(&a) + 0x1234, "saved in RAM", 12);
    ram(&a)[RAM_SIZE - 1] = 0x77;
    uart16550_ops.write(a.u, 3, 0x83, 1);       /* LCR with DLAB */
    uart16550_ops.write(a.u, 0, 0x01, 1);       /* DLL */
    uart16550_ops.write(a.u, 3, 0x03, 1);
    uart16550_ops.write(a.u, 7, 0x5a, 1);       /* SCR */
    a.f.event = evq_post(&a.m.evq, 90000, EVQ_PRIO_DEVICE, forgetful_fire, &a.f);
    a.m.vclock = 50000;
    struct statehash ha, hb;
    ck_assert_int_eq(statehash_compute(&a.m, &ha, &err), 0);
    ck_assert_int_eq(snapshot_save(&a.m, path, &err), 0);

    rig_init(&b, RAM_SIZE, true);
    memset(ram(&b), 0xee, 8192);                /* what the restore must clear */
    int rc = snapshot_restore(&b.m, path, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_int_eq(memcmp(ram(&b) + 0x1234, "saved in RAM", 12), 0);
    ck_assert_uint_eq(ram(&b)[0], 0);
    ck_assert_uint_eq(ram(&b)[RAM_SIZE - 1], 0x77);
    ck_assert_uint_eq(uart16550_ops.read(b.u, 7, 1), 0x5a);
    ck_assert_uint_eq(uart16550_ops.read(b.u, 3, 1), 0x03);
    ck_assert_uint_eq(b.m.vclock, 50000);
    ck_assert_uint_eq(b.f.event, a.f.event);
    ck_assert_uint_eq(evq_next_time(&b.m.evq), 90000);
    ck_assert_uint_eq(b.m.evq.next_seq, a.m.evq.next_seq);
    ck_assert_int_eq(statehash_compute(&b.m, &hb, &err), 0);
    ck_assert_uint_eq(hb.n, ha.n);
    for (size_t i = 0; i < ha.n; i++) {
        ck_assert_str_eq(hb.name[i], ha.name[i]);
        ck_assert_msg(hb.value[i] == ha.value[i], "section %s differs after restore", ha.name[i]);
    }
    ck_assert_uint_eq(hb.total, ha.total);
    statehash_free(&ha);
    statehash_free(&hb);
    machine_destroy(&a.m);
    machine_destroy(&b.m);
}
END_TEST

START_TEST(test_snapshot_device_losing_an_event_refused)
{
    struct emu_err err;
    struct rig a, b;
    rig_init(&a, RAM_SIZE, false);
    a.f.event = evq_post(&a.m.evq, 90000, EVQ_PRIO_DEVICE, forgetful_fire, &a.f);
    ck_assert_int_eq(snapshot_save(&a.m, path, &err), 0);
    rig_init(&b, RAM_SIZE, false);
    ck_assert_int_eq(snapshot_restore(&b.m, path, &err), -1);
    ck_assert_msg(strstr(err.msg, "1 events were pending, 0 after loading") != NULL, "%s", err.msg);
    machine_destroy(&a.m);
    machine_destroy(&b.m);
}
END_TEST

START_TEST(test_snapshot_other_ram_size_refused)
{
    struct emu_err err;
    struct rig a, b;
    rig_init(&a, RAM_SIZE, true);
    ck_assert_int_eq(snapshot_save(&a.m, path, &err), 0);
    rig_init(&b, 2 * RAM_SIZE, true);
    ck_assert_int_eq(snapshot_restore(&b.m, path, &err), -1);
    ck_assert_msg(strstr(err.msg, "ram_size=4194304 there, ram_size=8388608 here") != NULL, "%s", err.msg);
    machine_destroy(&a.m);
    machine_destroy(&b.m);
}
END_TEST

START_TEST(test_snapshot_sparse_ram_stays_small)
{
    struct emu_err err;
    struct rig a;
    rig_init(&a, 256ull << 20, true);
    uint8_t *h = memmap_host_ptr(&a.m.map, RAM_BASE, 256ull << 20);
    for (int i = 0; i < 8; i++)
        h[(uint64_t)i * (32 << 20) + 100] = (uint8_t)(i + 1);
    ck_assert_int_eq(snapshot_save(&a.m, path, &err), 0);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    /* 8 pages of 65536 in use: the file holds those, not the rest. */
    ck_assert_int_lt(size, 64 * 1024);
    machine_destroy(&a.m);
}
END_TEST

/* The hash of RAM depends on its contents: a page read but never written,
 * or written with zeroes, hashes as an untouched one. */
START_TEST(test_state_hash_ignores_host_residency)
{
    struct emu_err err;
    struct rig a;
    struct statehash h0, h1, h2, h3;
    rig_init(&a, RAM_SIZE, true);
    ck_assert_int_eq(statehash_compute(&a.m, &h0, &err), 0);
    volatile uint8_t *p = ram(&a);
    uint8_t sum = 0;
    for (uint64_t i = 0; i < RAM_SIZE; i += 4096)
        sum = (uint8_t)(sum + p[i]);             /* maps the zero page everywhere */
    ck_assert_uint_eq(sum, 0);
    memset(ram(&a) + 8192, 0, 4096);            /* a written page of zeroes */
    ck_assert_int_eq(statehash_compute(&a.m, &h1, &err), 0);
    ck_assert_uint_eq(h1.total, h0.total);
    ram(&a)[8192 + 5] = 1;
    ck_assert_int_eq(statehash_compute(&a.m, &h2, &err), 0);
    ck_assert_uint_ne(h2.total, h0.total);
    /* Only the slice holding the page changed. */
    unsigned changed = 0;
    for (size_t i = 0; i < h2.n; i++) {
        if (h2.value[i] != h0.value[i]) {
            changed++;
            ck_assert_str_eq(h2.name[i], "ram@0x80000000");
        }
    }
    ck_assert_uint_eq(changed, 1);
    ram(&a)[8192 + 5] = 0;
    ck_assert_int_eq(statehash_compute(&a.m, &h3, &err), 0);
    ck_assert_uint_eq(h3.total, h0.total);
    statehash_free(&h0);
    statehash_free(&h1);
    statehash_free(&h2);
    statehash_free(&h3);
    machine_destroy(&a.m);
}
END_TEST

/* ---- a riscv hart ---- */

static const unsigned hart_csrs[] = {
    RV_CSR_MSTATUS, RV_CSR_MIE, RV_CSR_MTVEC, RV_CSR_MSCRATCH, RV_CSR_MEPC, RV_CSR_MCAUSE, RV_CSR_MTVAL,
    RV_CSR_MEDELEG, RV_CSR_MIDELEG, RV_CSR_MENVCFG, RV_CSR_STVEC, RV_CSR_SSCRATCH, RV_CSR_SEPC,
    RV_CSR_SATP, RV_CSR_STIMECMP, RV_CSR_PMPADDR0, RV_CSR_PMPCFG0, RV_CSR_FCSR,
    RV_CSR_HSTATUS, RV_CSR_HEDELEG, RV_CSR_HIDELEG, RV_CSR_HGATP, RV_CSR_VSATP, RV_CSR_VSTVEC,
    RV_CSR_VSSCRATCH, RV_CSR_HTIMEDELTA, RV_CSR_MCYCLE, RV_CSR_MINSTRET,
};

static void hart_set(struct rv_cpu *rv, unsigned csr, uint64_t v)
{
    ck_assert_msg(rv_csr_set(rv, csr, v) == 0, "csr 0x%x", csr);
}

START_TEST(test_rv_hart_csrs_and_timer_round_trip)
{
    struct emu_err err;
    struct machine *m = rv_test_machine_model(RAM_BASE, 1 << 20, 10, "rv64,h=on");
    struct rv_cpu *rv = rv_of(m->cpus[0]);
    m->cpus[0]->r[RV_SLOT_X(5)] = 0x1122334455667788ull;
    m->cpus[0]->r[RV_SLOT_PC] = 0x80001000ull;
    hart_set(rv, RV_CSR_MTVEC, 0x80000100);
    hart_set(rv, RV_CSR_MSCRATCH, 0xabcdef);
    hart_set(rv, RV_CSR_MEPC, 0x80002000);
    hart_set(rv, RV_CSR_MEDELEG, 0xb1ff);
    hart_set(rv, RV_CSR_SATP, (8ull << 60) | 0x80123);
    hart_set(rv, RV_CSR_HGATP, (8ull << 60) | (5ull << 44) | 0x80456);
    hart_set(rv, RV_CSR_VSATP, (8ull << 60) | 0x80789);
    hart_set(rv, RV_CSR_HTIMEDELTA, 12345);
    hart_set(rv, RV_CSR_VSSCRATCH, 0x5a5a);
    hart_set(rv, RV_CSR_PMPADDR0, 0x20001fff);
    hart_set(rv, RV_CSR_PMPCFG0, 0x1f);
    hart_set(rv, RV_CSR_MENVCFG, 1ull << 63);   /* Sstc on: stimecmp arms an event */
    hart_set(rv, RV_CSR_STIMECMP, 5000);
    struct rv_hart *hh = rv_hart_of(rv);
    ck_assert_uint_ne(hh->stimer_event, 0);
    uint64_t want[sizeof(hart_csrs) / sizeof(hart_csrs[0])];
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_int_eq(rv_csr_get(rv, hart_csrs[i], &want[i]), 0);
    uint64_t next_seq = m->evq.next_seq;

    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    snap_begin(s, "cpu0");
    ck_assert_int_eq(rv_snapshot_save(m->cpus[0], s), 0);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);

    struct machine *m2 = rv_test_machine_model(RAM_BASE, 1 << 20, 10, "rv64,h=on");
    struct rv_cpu *rv2 = rv_of(m2->cpus[0]);
    evq_clear(&m2->evq);                        /* as core/snapshot.c does */
    m2->evq.next_seq = next_seq;
    s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    snap_begin(s, "cpu0");
    int rc = rv_snapshot_load(m2->cpus[0], s);
    ck_assert_msg(rc == 0, "%s", snap_error(s));
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint64_t v;
        ck_assert_int_eq(rv_csr_get(rv2, hart_csrs[i], &v), 0);
        ck_assert_msg(v == want[i], "csr 0x%x: 0x%llx, want 0x%llx", hart_csrs[i], (unsigned long long)v,
                      (unsigned long long)want[i]);
    }
    /* The Sstc compare is pending again, at the same cycle, with its id. */
    ck_assert_uint_eq(rv_hart_of(rv2)->stimer_event, hh->stimer_event);
    struct evq_event e1, e2;
    ck_assert(evq_lookup(&m->evq, hh->stimer_event, &e1));
    ck_assert(evq_lookup(&m2->evq, rv_hart_of(rv2)->stimer_event, &e2));
    ck_assert_uint_eq(e2.time, e1.time);
    rv_test_machine_free(m);
    rv_test_machine_free(m2);
}
END_TEST

START_TEST(test_rv_hart_other_extensions_refused)
{
    struct emu_err err;
    struct machine *m = rv_test_machine_model(RAM_BASE, 1 << 20, 10, "rv64,h=on");
    struct snap *s = snap_create(path, SNAP_KIND_SNAPSHOT, 1, &err);
    snap_begin(s, "cpu0");
    rv_snapshot_save(m->cpus[0], s);
    snap_end(s);
    ck_assert_int_eq(snap_close(s, &err), 0);
    struct machine *m2 = rv_test_machine_model(RAM_BASE, 1 << 20, 10, "rv64,h=off");
    evq_clear(&m2->evq);
    s = snap_open(path, SNAP_KIND_SNAPSHOT, &err);
    snap_begin(s, "cpu0");
    ck_assert_int_eq(rv_snapshot_load(m2->cpus[0], s), -1);
    ck_assert_ptr_nonnull(strstr(snap_error(s), "saved with other -cpu extensions"));
    snap_free(s);
    rv_test_machine_free(m);
    rv_test_machine_free(m2);
}
END_TEST

static Suite *snap_machine_suite(void)
{
    Suite *s = suite_create("snap_machine");
    TCase *tc = tcase_create("machine");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_evq_restored_events_keep_their_order);
    tcase_add_test(tc, test_evq_reposted_event_takes_saved_place_and_time_checked);
    tcase_add_test(tc, test_snapshot_restores_ram_devices_and_events);
    tcase_add_test(tc, test_snapshot_device_losing_an_event_refused);
    tcase_add_test(tc, test_snapshot_other_ram_size_refused);
    tcase_add_test(tc, test_snapshot_sparse_ram_stays_small);
    tcase_add_test(tc, test_state_hash_ignores_host_residency);
    tcase_add_test(tc, test_rv_hart_csrs_and_timer_round_trip);
    tcase_add_test(tc, test_rv_hart_other_extensions_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(snap_machine_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
