/*
 * Unit tests for core/evq: order by (time, priority, sequence), cancel,
 * events posted from inside a running event.
 */
#include <check.h>
#include <stdlib.h>

#include "core/evq.h"

#define LOG_MAX 64

struct trace {
    struct evq *q;
    int log[LOG_MAX];
    uint64_t when[LOG_MAX];
    size_t n;
};

struct mark {
    struct trace *t;
    int id;
    /* When set, running this event posts a follow-up at chain_time. */
    struct mark *chain;
    uint64_t chain_time;
    enum evq_prio chain_prio;
};

static void record(void *opaque, uint64_t now)
{
    struct mark *m = opaque;
    ck_assert_uint_lt(m->t->n, LOG_MAX);
    m->t->log[m->t->n] = m->id;
    m->t->when[m->t->n] = now;
    m->t->n++;
    if (m->chain)
        evq_post(m->t->q, m->chain_time, m->chain_prio, record, m->chain);
}

static void trace_init(struct trace *t, struct evq *q)
{
    evq_init(q);
    t->q = q;
    t->n = 0;
}

START_TEST(test_evq_empty_next_time_is_max)
{
    struct evq q;
    evq_init(&q);
    ck_assert_uint_eq(evq_next_time(&q), UINT64_MAX);
    ck_assert_uint_eq(evq_run_due(&q, UINT64_MAX), 0);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_different_times_run_in_time_order)
{
    struct evq q;
    struct trace t;
    trace_init(&t, &q);
    struct mark a = { .t = &t, .id = 1 }, b = { .t = &t, .id = 2 }, c = { .t = &t, .id = 3 };
    evq_post(&q, 300, EVQ_PRIO_DEVICE, record, &c);
    evq_post(&q, 100, EVQ_PRIO_DEVICE, record, &a);
    evq_post(&q, 200, EVQ_PRIO_DEVICE, record, &b);
    ck_assert_uint_eq(evq_next_time(&q), 100);
    ck_assert_uint_eq(evq_run_due(&q, 1000), 3);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_int_eq(t.log[0], 1);
    ck_assert_int_eq(t.log[1], 2);
    ck_assert_int_eq(t.log[2], 3);
    ck_assert_uint_eq(t.when[0], 100);
    ck_assert_uint_eq(t.when[2], 300);
    ck_assert_uint_eq(evq_next_time(&q), UINT64_MAX);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_same_time_lower_priority_value_first)
{
    struct evq q;
    struct trace t;
    trace_init(&t, &q);
    struct mark obs = { .t = &t, .id = 3 }, dev = { .t = &t, .id = 2 }, tim = { .t = &t, .id = 1 }, in = { .t = &t, .id = 0 };
    evq_post(&q, 50, EVQ_PRIO_OBSERVE, record, &obs);
    evq_post(&q, 50, EVQ_PRIO_DEVICE, record, &dev);
    evq_post(&q, 50, EVQ_PRIO_TIMER, record, &tim);
    evq_post(&q, 50, EVQ_PRIO_INPUT, record, &in);
    evq_run_due(&q, 50);
    ck_assert_uint_eq(t.n, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(t.log[i], i);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_same_time_and_priority_run_in_post_order)
{
    struct evq q;
    struct trace t;
    trace_init(&t, &q);
    struct mark m[40];
    for (int i = 0; i < 40; i++) {
        m[i] = (struct mark){ .t = &t, .id = i };
        evq_post(&q, 7, EVQ_PRIO_DEVICE, record, &m[i]);
    }
    ck_assert_uint_eq(evq_run_due(&q, 7), 40);
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(t.log[i], i);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_future_events_stay_pending)
{
    struct evq q;
    struct trace t;
    trace_init(&t, &q);
    struct mark a = { .t = &t, .id = 1 }, b = { .t = &t, .id = 2 };
    evq_post(&q, 10, EVQ_PRIO_TIMER, record, &a);
    evq_post(&q, 11, EVQ_PRIO_TIMER, record, &b);
    ck_assert_uint_eq(evq_run_due(&q, 9), 0);
    ck_assert_uint_eq(evq_run_due(&q, 10), 1);
    ck_assert_uint_eq(evq_next_time(&q), 11);
    ck_assert_uint_eq(t.n, 1);
    ck_assert_int_eq(t.log[0], 1);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_cancel_removes_only_that_event)
{
    struct evq q;
    struct trace t;
    trace_init(&t, &q);
    struct mark a = { .t = &t, .id = 1 }, b = { .t = &t, .id = 2 }, c = { .t = &t, .id = 3 };
    uint64_t ida = evq_post(&q, 5, EVQ_PRIO_DEVICE, record, &a);
    uint64_t idb = evq_post(&q, 6, EVQ_PRIO_DEVICE, record, &b);
    uint64_t idc = evq_post(&q, 7, EVQ_PRIO_DEVICE, record, &c);
    ck_assert_uint_ne(ida, 0);
    ck_assert_uint_ne(ida, idb);
    ck_assert_uint_ne(idb, idc);
    evq_cancel(&q, ida);
    ck_assert_uint_eq(evq_next_time(&q), 6);
    ck_assert_uint_eq(evq_run_due(&q, 100), 2);
    ck_assert_int_eq(t.log[0], 2);
    ck_assert_int_eq(t.log[1], 3);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_stale_cancel_ignored)
{
    struct evq q;
    struct trace t;
    trace_init(&t, &q);
    struct mark a = { .t = &t, .id = 1 }, b = { .t = &t, .id = 2 };
    uint64_t ida = evq_post(&q, 5, EVQ_PRIO_DEVICE, record, &a);
    evq_run_due(&q, 5);
    evq_post(&q, 9, EVQ_PRIO_DEVICE, record, &b);
    evq_cancel(&q, ida);          /* already ran */
    evq_cancel(&q, 0);
    evq_cancel(&q, 123456);
    ck_assert_uint_eq(evq_next_time(&q), 9);
    ck_assert_uint_eq(evq_run_due(&q, 9), 1);
    ck_assert_uint_eq(t.n, 2);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_posted_while_running_due_runs_same_call)
{
    struct evq q;
    struct trace t;
    trace_init(&t, &q);
    struct mark late = { .t = &t, .id = 3 };
    struct mark follow = { .t = &t, .id = 2 };
    struct mark first = { .t = &t, .id = 1, .chain = &follow, .chain_time = 8, .chain_prio = EVQ_PRIO_DEVICE };
    struct mark other = { .t = &t, .id = 4, .chain = &late, .chain_time = 50, .chain_prio = EVQ_PRIO_DEVICE };
    evq_post(&q, 5, EVQ_PRIO_DEVICE, record, &first);
    evq_post(&q, 9, EVQ_PRIO_DEVICE, record, &other);
    /* first (5) posts follow (8): it is due and runs before other (9);
     * other posts late (50), which is not due yet. */
    ck_assert_uint_eq(evq_run_due(&q, 10), 3);
    ck_assert_int_eq(t.log[0], 1);
    ck_assert_int_eq(t.log[1], 2);
    ck_assert_int_eq(t.log[2], 4);
    ck_assert_uint_eq(t.when[1], 8);
    ck_assert_uint_eq(evq_next_time(&q), 50);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_posted_for_same_time_runs_after_pending_peers)
{
    struct evq q;
    struct trace t;
    trace_init(&t, &q);
    struct mark chained = { .t = &t, .id = 3 };
    struct mark a = { .t = &t, .id = 1, .chain = &chained, .chain_time = 20, .chain_prio = EVQ_PRIO_DEVICE };
    struct mark b = { .t = &t, .id = 2 };
    evq_post(&q, 20, EVQ_PRIO_DEVICE, record, &a);
    evq_post(&q, 20, EVQ_PRIO_DEVICE, record, &b);
    ck_assert_uint_eq(evq_run_due(&q, 20), 3);
    ck_assert_int_eq(t.log[0], 1);
    ck_assert_int_eq(t.log[1], 2);
    ck_assert_int_eq(t.log[2], 3);
    evq_free(&q);
}
END_TEST

START_TEST(test_evq_many_events_stay_sorted)
{
    struct evq q;
    struct trace t;
    trace_init(&t, &q);
    struct mark m[LOG_MAX];
    /* A fixed permutation of times 0..63 with duplicates broken by prio. */
    for (int i = 0; i < LOG_MAX; i++) {
        m[i] = (struct mark){ .t = &t, .id = i };
        evq_post(&q, (uint64_t)((i * 37) % LOG_MAX) / 2, (enum evq_prio)(i % 4), record, &m[i]);
    }
    ck_assert_uint_eq(evq_run_due(&q, UINT64_MAX), LOG_MAX);
    for (size_t i = 1; i < t.n; i++)
        ck_assert_uint_le(t.when[i - 1], t.when[i]);
    evq_free(&q);
}
END_TEST

static Suite *evq_suite(void)
{
    Suite *s = suite_create("evq");
    TCase *tc = tcase_create("queue");
    tcase_add_test(tc, test_evq_empty_next_time_is_max);
    tcase_add_test(tc, test_evq_different_times_run_in_time_order);
    tcase_add_test(tc, test_evq_same_time_lower_priority_value_first);
    tcase_add_test(tc, test_evq_same_time_and_priority_run_in_post_order);
    tcase_add_test(tc, test_evq_future_events_stay_pending);
    tcase_add_test(tc, test_evq_cancel_removes_only_that_event);
    tcase_add_test(tc, test_evq_stale_cancel_ignored);
    tcase_add_test(tc, test_evq_posted_while_running_due_runs_same_call);
    tcase_add_test(tc, test_evq_posted_for_same_time_runs_after_pending_peers);
    tcase_add_test(tc, test_evq_many_events_stay_sorted);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(evq_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
