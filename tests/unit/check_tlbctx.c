/*
 * Unit tests for mmu/tlbctx: soft-TLB banks per address-space context.
 * A group of regimes switches banks together, keeps the entries of the
 * context it left, reuses the least recently used bank for a new context
 * (emptied, under a new context number), and fences drop one bank, the
 * banks a predicate names, or the 4 KiB pieces of one leaf.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/tlb.h"
#include "mmu/tlbctx.h"

#define IDX_A 1u
#define IDX_B 2u
#define IDX_OTHER 5u
#define GROUP ((1u << IDX_A) | (1u << IDX_B))

static struct tlb tlb;
static struct tlb_ctx g;

static void setup(void)
{
    memset(&tlb, 0, sizeof(tlb));
    tlb_reset(&tlb);
    tlb_ctx_init(&g, &tlb, GROUP, 100, 0);
}

/* Makes va readable at idx in the bank selected now. */
static void put(unsigned idx, uint64_t va)
{
    struct tlb_entry *e = &tlb_table(&tlb, idx)[tlb_index(va)];
    e->tag[TLB_READ] = va & TLB_PAGE_MASK;
    e->addend = 0x10;
}

static bool hit(unsigned idx, uint64_t va)
{
    return tlb_fast(&tlb, idx, va, 8, TLB_READ) != NULL;
}

START_TEST(test_tlbctx_switch_keeps_left_context)
{
    put(IDX_A, 0x5000);
    ck_assert(tlb_ctx_switch(&g, &tlb, 200, 0));
    ck_assert(!hit(IDX_A, 0x5000));
    put(IDX_A, 0x5000);
    ck_assert(tlb_ctx_switch(&g, &tlb, 100, 0));
    ck_assert(hit(IDX_A, 0x5000));
    ck_assert(!tlb_ctx_switch(&g, &tlb, 100, 0));      /* same context: nothing changes */
}
END_TEST

START_TEST(test_tlbctx_group_switches_together_others_stay)
{
    put(IDX_B, 0x7000);
    put(IDX_OTHER, 0x7000);
    tlb_ctx_switch(&g, &tlb, 200, 0);
    ck_assert(!hit(IDX_B, 0x7000));
    ck_assert(hit(IDX_OTHER, 0x7000));
}
END_TEST

START_TEST(test_tlbctx_new_context_reuses_lru_bank_emptied)
{
    put(IDX_A, 0x1000);                 /* context 100 */
    tlb_ctx_switch(&g, &tlb, 200, 0);
    put(IDX_A, 0x2000);                 /* context 200 */
    tlb_ctx_switch(&g, &tlb, 300, 0);   /* evicts 100, the least recent */
    ck_assert(!hit(IDX_A, 0x1000));
    ck_assert(!hit(IDX_A, 0x2000));
    tlb_ctx_switch(&g, &tlb, 200, 0);
    ck_assert(hit(IDX_A, 0x2000));
    tlb_ctx_switch(&g, &tlb, 100, 0);   /* gone: comes back empty */
    ck_assert(!hit(IDX_A, 0x1000));
}
END_TEST

START_TEST(test_tlbctx_second_key_word_counts)
{
    put(IDX_A, 0x3000);
    ck_assert(tlb_ctx_switch(&g, &tlb, 100, 1));
    ck_assert(!hit(IDX_A, 0x3000));
}
END_TEST

START_TEST(test_tlbctx_id_names_contexts)
{
    uint32_t first = tlb_ctx_id(&g);
    tlb_ctx_switch(&g, &tlb, 200, 0);
    uint32_t second = tlb_ctx_id(&g);
    ck_assert_uint_ne(second, first);
    tlb_ctx_switch(&g, &tlb, 100, 0);
    ck_assert_uint_eq(tlb_ctx_id(&g), first);       /* a kept context keeps its number */
    tlb_ctx_switch(&g, &tlb, 300, 0);               /* reuses 200's bank */
    ck_assert_uint_ne(tlb_ctx_id(&g), second);
    ck_assert_uint_ne(tlb_ctx_id(&g), first);
}
END_TEST

static bool key_is(const uint64_t key[2], uint64_t arg)
{
    return key[0] == arg;
}

START_TEST(test_tlbctx_flush_matching_names_banks)
{
    put(IDX_A, 0x4000);
    tlb_ctx_switch(&g, &tlb, 200, 0);
    put(IDX_A, 0x4000);
    tlb_ctx_flush_matching(&g, &tlb, key_is, 100);
    ck_assert(hit(IDX_A, 0x4000));      /* 200 kept */
    tlb_ctx_switch(&g, &tlb, 100, 0);
    ck_assert(!hit(IDX_A, 0x4000));
    tlb_ctx_flush_matching(&g, &tlb, NULL, 0);
    tlb_ctx_switch(&g, &tlb, 200, 0);
    ck_assert(!hit(IDX_A, 0x4000));
}
END_TEST

START_TEST(test_tlbctx_flush_block_drops_leaf_pieces)
{
    /* Pieces of the 2 MiB leaf at 0x40200000, and the page just after it. */
    put(IDX_A, 0x40201000);
    put(IDX_A, 0x40345000);
    put(IDX_A, 0x40400000);
    tlb_ctx_flush_block(&g, &tlb, g.cur, 0x40333000, 2u << 20);
    ck_assert(!hit(IDX_A, 0x40201000));
    ck_assert(!hit(IDX_A, 0x40345000));
    ck_assert(hit(IDX_A, 0x40400000));
    tlb_ctx_flush_block(&g, &tlb, g.cur, 0x40400000, 4096);
    ck_assert(!hit(IDX_A, 0x40400000));
}
END_TEST

static Suite *tlbctx_suite(void)
{
    Suite *s = suite_create("tlbctx");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_tlbctx_switch_keeps_left_context);
    tcase_add_test(tc, test_tlbctx_group_switches_together_others_stay);
    tcase_add_test(tc, test_tlbctx_new_context_reuses_lru_bank_emptied);
    tcase_add_test(tc, test_tlbctx_second_key_word_counts);
    tcase_add_test(tc, test_tlbctx_id_names_contexts);
    tcase_add_test(tc, test_tlbctx_flush_matching_names_banks);
    tcase_add_test(tc, test_tlbctx_flush_block_drops_leaf_pieces);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tlbctx_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
