/*
 * Unit tests for two-stage address translation in cpu-riscv (walk.c,
 * addrspace.c, insn_h.c): VS-stage Sv39 over G-stage Sv39x4 built in the
 * RAM of a test machine (RISC-V priv 1.12 §8.5), guest-page faults with
 * the guest physical address for htval, faults of the implicit G-stage
 * accesses of the VS-stage walk (§8.5.1) and their htinst
 * pseudoinstructions (§8.6.3), A/D updates at both stages, MXR and SUM,
 * the soft-TLB banks keyed by VMID and ASID with the fences that drop
 * them (§8.3.2, §8.5.3), and HLV/HLVX/HSV run through the engine.
 *
 * Guest physical page k (GPA 0x80000000 + k * 4 KiB) is mapped by the
 * G-stage to supervisor physical RAM_BASE + 0x200000 + k * 4 KiB:
 *   k = 0 VS root, 1 VS level 1, 2 VS level 0, 3 data, 4 code, 5 data 2.
 * GVA 0x40201000 maps to GPA page 3, 0x40202000 to page 4, 0x40203000 to 5.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "cpu-riscv/hart.h"
#include "cpu-riscv/regid.h"
#include "cpu-riscv/rv.h"
#include "rv_test_machine.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4u << 20)
#define G_ROOT (RAM_BASE + 0x10000)     /* 16 KiB aligned, 16 KiB */
#define G_L1 (RAM_BASE + 0x14000)
#define G_L0 (RAM_BASE + 0x15000)
#define GUEST_SPA (RAM_BASE + 0x200000)
#define GPA(k) (0x80000000ull + (uint64_t)(k) * 4096)
#define SPA(k) (GUEST_SPA + (uint64_t)(k) * 4096)
#define GVA_DATA 0x40201000ull
#define GVA_CODE 0x40202000ull
#define GVA_DATA2 0x40203000ull
#define VMID 5ull

#define V 0x01u
#define R 0x02u
#define W 0x04u
#define X 0x08u
#define U 0x10u
#define A 0x40u
#define D 0x80u

static struct machine *mach;
static struct rv_cpu *rv;
static struct cpu *cpu;

static void wr(unsigned csr, uint64_t v)
{
    ck_assert_int_eq(rv_csr_write(rv, csr, v), 0);
}

static uint64_t *at(uint64_t pa)
{
    uint64_t *p = (uint64_t *)memmap_host_ptr(&mach->map, pa, 8);
    ck_assert_ptr_nonnull(p);
    return p;
}

static uint64_t pte(uint64_t pa, uint64_t flags)
{
    return ((pa >> 12) << 10) | flags;
}

static uint64_t hgatp_sv39x4(uint64_t vmid)
{
    return (8ull << 60) | (vmid << 44) | (G_ROOT >> 12);
}

/* G-stage leaf for guest page k. */
static void g_map(unsigned k, uint64_t flags)
{
    *at(G_L0 + 8u * k) = pte(SPA(k), V | flags);
}

static void setup(void)
{
    mach = rv_test_machine_model(RAM_BASE, RAM_SIZE, 10, "rv64,h=on");
    cpu = mach->cpus[0];
    rv = rv_of(cpu);
    wr(0x3b0, ~0ull);           /* PMP entry 0: everything, RWX */
    wr(0x3a0, 0x1f);
    /* G-stage: GPA 0x80000000 (root index 2) -> G_L1[0] -> G_L0. */
    *at(G_ROOT + 8 * 2) = pte(G_L1, V);
    *at(G_L1) = pte(G_L0, V);
    for (unsigned k = 0; k < 6; k++)
        g_map(k, R | W | X | U);
    /* VS-stage: GVA 0x402xx000 -> root[1] -> L1[1] -> L0[1..3]. */
    *at(SPA(0) + 8) = pte(GPA(1), V);
    *at(SPA(1) + 8) = pte(GPA(2), V);
    *at(SPA(2) + 8) = pte(GPA(3), V | R | W);
    *at(SPA(2) + 16) = pte(GPA(4), V | R | X);
    *at(SPA(2) + 24) = pte(GPA(5), V | R | W | U);
    wr(0x680, hgatp_sv39x4(VMID));
    wr(0x280, (8ull << 60) | (1ull << 44) | (GPA(0) >> 12));
}

static void teardown(void)
{
    rv_test_machine_free(mach);
}

static uint64_t walks(void);

static int fill(uint64_t va, enum tlb_access acc, unsigned idx, struct tlb_fill *f)
{
    memset(f, 0, sizeof(*f));
    cpu->fault.pending = false;
    return rv_tlb_fill(cpu, va, acc, idx, f);
}

static void assert_fault(uint64_t va, enum tlb_access acc, unsigned idx, uint32_t code, uint64_t tval2)
{
    struct tlb_fill f;
    ck_assert_int_eq(fill(va, acc, idx, &f), -1);
    ck_assert(cpu->fault.pending);
    ck_assert_uint_eq(cpu->fault.code, code);
    ck_assert_uint_eq(cpu->fault.tval, va);
    ck_assert_uint_eq(cpu->fault.tval2, tval2);
    cpu->fault.pending = false;
}

/* ---- the walk ---- */

START_TEST(test_hwalk_two_stage_reaches_spa_and_sets_a)
{
    struct tlb_fill f;
    ck_assert_int_eq(fill(GVA_DATA + 0x123, TLB_READ, RV_MMU_VS, &f), 0);
    ck_assert_uint_eq(f.phys, SPA(3) + 0x123);
    ck_assert(f.allow[TLB_READ]);
    ck_assert(!f.allow[TLB_WRITE]);             /* D clear at both stages */
    ck_assert(!f.allow[TLB_EXEC]);
    ck_assert(*at(SPA(2) + 8) & A);             /* VS leaf */
    ck_assert(*at(G_L0 + 8 * 3) & A);           /* G leaf of the data */
    ck_assert(*at(G_L0 + 8 * 2) & A);           /* G leaf of the VS table: implicit read */
}
END_TEST

START_TEST(test_hwalk_store_sets_d_at_both_stages)
{
    struct tlb_fill f;
    ck_assert_int_eq(fill(GVA_DATA, TLB_WRITE, RV_MMU_VS, &f), 0);
    ck_assert(f.allow[TLB_WRITE]);
    ck_assert(*at(SPA(2) + 8) & D);
    ck_assert(*at(G_L0 + 8 * 3) & D);
    /* The VS A/D update was an implicit store to the VS table's page. */
    ck_assert(*at(G_L0 + 8 * 2) & D);
    ck_assert(!(*at(G_L0 + 8 * 1) & D));
}
END_TEST

START_TEST(test_hwalk_vs_page_fault_reports_gva)
{
    *at(SPA(2) + 8) = 0;
    assert_fault(GVA_DATA, TLB_READ, RV_MMU_VS, RV_EXC_LOAD_PAGE | RV_FAULT_GVA, 0);
    assert_fault(GVA_DATA, TLB_EXEC, RV_MMU_VU, RV_EXC_INSN_PAGE | RV_FAULT_GVA, 0);
}
END_TEST

START_TEST(test_hwalk_gstage_fault_on_final_gpa)
{
    *at(G_L0 + 8 * 3) = 0;
    assert_fault(GVA_DATA + 0x44, TLB_WRITE, RV_MMU_VS, RV_EXC_STORE_GUEST_PAGE | RV_FAULT_GVA,
                 (GPA(3) + 0x44) >> 2);
    assert_fault(GVA_DATA + 0x44, TLB_READ, RV_MMU_VS, RV_EXC_LOAD_GUEST_PAGE | RV_FAULT_GVA,
                 (GPA(3) + 0x44) >> 2);
}
END_TEST

START_TEST(test_hwalk_gstage_fault_on_vs_table_is_implicit)
{
    /* The level-1 table's guest page is unmapped: reading its PTE faults,
     * reported as the original (fetch) access, htval the PTE's GPA. */
    *at(G_L0 + 8 * 1) = 0;
    assert_fault(GVA_CODE, TLB_EXEC, RV_MMU_VS, RV_EXC_INSN_GUEST_PAGE | RV_FAULT_GVA | RV_FAULT_IMPLICIT,
                 (GPA(1) + 8) >> 2);
}
END_TEST

START_TEST(test_hwalk_ad_update_needs_gstage_write)
{
    /* The VS level-0 table is read-only at the G-stage: the A update of a
     * load is an implicit write that faults as a load guest-page fault. */
    g_map(2, R | U);
    assert_fault(GVA_DATA, TLB_READ, RV_MMU_VS, RV_EXC_LOAD_GUEST_PAGE | RV_FAULT_GVA | RV_FAULT_IMPLICIT_WRITE,
                 (GPA(2) + 8) >> 2);
    /* With A already set no write is needed. */
    *at(SPA(2) + 8) |= A;
    struct tlb_fill f;
    ck_assert_int_eq(fill(GVA_DATA, TLB_READ, RV_MMU_VS, &f), 0);
}
END_TEST

START_TEST(test_hwalk_gstage_leaf_needs_u)
{
    g_map(3, R | W | X);
    assert_fault(GVA_DATA, TLB_READ, RV_MMU_VS, RV_EXC_LOAD_GUEST_PAGE | RV_FAULT_GVA, GPA(3) >> 2);
}
END_TEST

START_TEST(test_hwalk_gpa_beyond_41_bits_faults)
{
    wr(0x280, 0);                               /* vsatp Bare: GPA = GVA */
    uint64_t gva = (1ull << 41) | 0x1000;
    assert_fault(gva, TLB_READ, RV_MMU_VS, RV_EXC_LOAD_GUEST_PAGE | RV_FAULT_GVA, gva >> 2);
    struct tlb_fill f;
    ck_assert_int_eq(fill(GPA(3) + 8, TLB_READ, RV_MMU_VS, &f), 0);
    ck_assert_uint_eq(f.phys, SPA(3) + 8);
}
END_TEST

START_TEST(test_hwalk_hgatp_bare_gpa_is_spa)
{
    wr(0x680, 0);
    /* VS tables now read at their GPAs as physical addresses. */
    *at(GPA(0) + 8) = pte(GPA(1), V);
    *at(GPA(1) + 8) = pte(GPA(2), V);
    *at(GPA(2) + 8) = pte(GPA(3), V | R);
    struct tlb_fill f;
    ck_assert_int_eq(fill(GVA_DATA + 4, TLB_READ, RV_MMU_VS, &f), 0);
    ck_assert_uint_eq(f.phys, GPA(3) + 4);
}
END_TEST

START_TEST(test_hwalk_mxr_vs_only_vs_stage)
{
    struct tlb_fill f;
    *at(SPA(2) + 8) = pte(GPA(3), V | X | A);
    g_map(3, X | U);
    assert_fault(GVA_DATA, TLB_READ, RV_MMU_VS, RV_EXC_LOAD_PAGE | RV_FAULT_GVA, 0);
    wr(0x200, RV_MSTATUS_MXR);                  /* vsstatus.MXR: VS-stage only */
    assert_fault(GVA_DATA, TLB_READ, RV_MMU_VS, RV_EXC_LOAD_GUEST_PAGE | RV_FAULT_GVA, GPA(3) >> 2);
    wr(0x200, 0);
    wr(0x300, RV_MSTATUS_MXR);                  /* mstatus.MXR: both stages */
    ck_assert_int_eq(fill(GVA_DATA, TLB_READ, RV_MMU_VS, &f), 0);
}
END_TEST

START_TEST(test_hwalk_vsstatus_sum_for_u_pages)
{
    struct tlb_fill f;
    assert_fault(GVA_DATA2, TLB_READ, RV_MMU_VS, RV_EXC_LOAD_PAGE | RV_FAULT_GVA, 0);
    ck_assert_int_eq(fill(GVA_DATA2, TLB_READ, RV_MMU_VS_SUM, &f), 0);
    ck_assert_int_eq(fill(GVA_DATA2, TLB_READ, RV_MMU_VU, &f), 0);
    assert_fault(GVA_DATA, TLB_READ, RV_MMU_VU, RV_EXC_LOAD_PAGE | RV_FAULT_GVA, 0);
    wr(0x200, RV_MSTATUS_SUM);
    ck_assert_uint_eq(rv_virt_mmu_idx(rv, RV_PRIV_S), RV_MMU_VS_SUM);
}
END_TEST

START_TEST(test_hwalk_mprv_mpv_uses_guest_regime)
{
    wr(0x300, RV_MSTATUS_MPRV | RV_MSTATUS_MPV | (1ull << 11));
    ck_assert_uint_eq(rv_data_mmu_idx(rv), RV_MMU_VS);
    wr(0x300, RV_MSTATUS_MPRV | (1ull << 11));
    ck_assert_uint_eq(rv_data_mmu_idx(rv), RV_MMU_S);
}
END_TEST

START_TEST(test_hwalk_trace_lists_both_stages_changes_nothing)
{
    /* Each VS-stage PTE is preceded by the G-stage walk of its GPA; the
     * data's GPA is walked last. Nothing is set, nothing is cached. */
    struct exec_walk_trace t;
    memset(&t, 0, sizeof(t));
    ck_assert_int_eq(rv_walk_trace(cpu, GVA_DATA, TLB_READ, RV_MMU_VS, &t), 0);
    const uint64_t want[] = {
        G_ROOT + 16, G_L1, G_L0 + 0 * 8, SPA(0) + 8,
        G_ROOT + 16, G_L1, G_L0 + 1 * 8, SPA(1) + 8,
        G_ROOT + 16, G_L1, G_L0 + 2 * 8, SPA(2) + 8,
        G_ROOT + 16, G_L1, G_L0 + 3 * 8,
    };
    ck_assert_uint_eq(t.npte, sizeof(want) / sizeof(want[0]));
    for (unsigned i = 0; i < t.npte; i++)
        ck_assert_msg(t.pte_pa[i] == want[i], "read %u at %#llx, want %#llx", i, (unsigned long long)t.pte_pa[i],
                      (unsigned long long)want[i]);
    ck_assert_uint_eq(t.page_size, 4096);
    ck_assert(!(*at(SPA(2) + 8) & A));
    ck_assert(!(*at(G_L0 + 8 * 3) & A));
    ck_assert_uint_eq(walks(), 0);
    ck_assert(!cpu->fault.pending);
    /* A fault is described, not raised. */
    *at(G_L0 + 8 * 3) = 0;
    memset(&t, 0, sizeof(t));
    ck_assert_int_eq(rv_walk_trace(cpu, GVA_DATA, TLB_READ, RV_MMU_VS, &t), -1);
    ck_assert(!cpu->fault.pending);
    /* M-mode does not translate. */
    ck_assert_int_eq(rv_walk_trace(cpu, RAM_BASE, TLB_READ, RV_MMU_M, &t), 0);
    ck_assert_uint_eq(t.npte, 0);
}
END_TEST

/* ---- soft-TLB banks and fences ---- */

/* G-stage walks so far (--stats "gstage_walks"). */
static uint64_t walks(void)
{
    return rv_hart_of(rv)->hyp.gstage_walks;
}

/* Loads GVA_DATA through the soft TLB as VS-mode. */
static uint64_t guest_load(void)
{
    uint64_t v = 0;
    ck_assert_int_eq(exec_load(cpu, GVA_DATA, IR_MO_64, RV_MMU_VS, &v), 0);
    return v;
}

static bool cached(uint64_t va, unsigned idx)
{
    return tlb_fast(&cpu->tlb, idx, va, 8, TLB_READ) != NULL;
}

START_TEST(test_hwalk_combined_entry_hits_without_walk)
{
    *at(SPA(3)) = 0x1122334455667788ull;
    ck_assert_uint_eq(guest_load(), 0x1122334455667788ull);
    /* Five G-stage walks: three VS table reads, the implicit store that
     * sets A in the VS leaf, and the final GPA. */
    ck_assert_uint_eq(walks(), 5);
    ck_assert(cached(GVA_DATA, RV_MMU_VS));
    ck_assert_ptr_eq(tlb_fast(&cpu->tlb, RV_MMU_VS, GVA_DATA, 8, TLB_READ), at(SPA(3)));
    ck_assert_uint_eq(guest_load(), 0x1122334455667788ull);
    ck_assert_uint_eq(walks(), 5);
}
END_TEST

START_TEST(test_hwalk_vmid_switch_keeps_both_contexts)
{
    guest_load();
    wr(0x680, hgatp_sv39x4(VMID + 1));
    ck_assert(!cached(GVA_DATA, RV_MMU_VS));    /* another VM's bank */
    guest_load();
    uint64_t before = walks();
    wr(0x680, hgatp_sv39x4(VMID));
    ck_assert(cached(GVA_DATA, RV_MMU_VS));     /* the first VM's entry survived */
    guest_load();
    ck_assert_uint_eq(walks(), before);
}
END_TEST

START_TEST(test_hwalk_hfence_gvma_drops_one_vmid)
{
    guest_load();
    wr(0x680, hgatp_sv39x4(VMID + 1));
    guest_load();
    rv_fence_gvma(rv, true, VMID);
    ck_assert(cached(GVA_DATA, RV_MMU_VS));     /* VMID + 1 is current and kept */
    wr(0x680, hgatp_sv39x4(VMID));
    ck_assert(!cached(GVA_DATA, RV_MMU_VS));
}
END_TEST

START_TEST(test_hwalk_hfence_vvma_asid_and_address)
{
    guest_load();
    rv_fence_vvma(rv, false, 0, true, 2);       /* another guest ASID */
    ck_assert(cached(GVA_DATA, RV_MMU_VS));
    rv_fence_vvma(rv, true, GVA_DATA + 0x1000, false, 0);
    ck_assert(cached(GVA_DATA, RV_MMU_VS));
    rv_fence_vvma(rv, true, GVA_DATA, true, 1);
    ck_assert(!cached(GVA_DATA, RV_MMU_VS));
}
END_TEST

START_TEST(test_hwalk_hs_sfence_keeps_guest_entries)
{
    guest_load();
    rv_fence_hs(rv, false, 0, false, 0);
    ck_assert(cached(GVA_DATA, RV_MMU_VS));
    wr(0x180, (8ull << 60) | (G_ROOT >> 12));   /* an HS satp change too */
    ck_assert(cached(GVA_DATA, RV_MMU_VS));
}
END_TEST

START_TEST(test_hwalk_vsstatus_mxr_flushes_guest_entries)
{
    guest_load();
    wr(0x200, RV_MSTATUS_MXR);
    ck_assert(!cached(GVA_DATA, RV_MMU_VS));
}
END_TEST

/* ---- HLV, HLVX, HSV through the engine (§8.3.1) ---- */

static void put32(uint64_t addr, uint32_t insn)
{
    uint8_t *p = memmap_host_ptr(&mach->map, addr, 4);
    ck_assert_ptr_nonnull(p);
    memcpy(p, &insn, 4);
}

static uint64_t reg(uint64_t id)
{
    uint64_t v;
    ck_assert_int_eq(cpu->ops->get_reg(cpu, id, &v), 0);
    return v;
}

static void set(uint64_t id, uint64_t v)
{
    ck_assert_int_eq(cpu->ops->set_reg(cpu, id, &v), 0);
}

static void run_at(uint64_t pc)
{
    set(RV_REG_PC, pc);
    cpu->halted = false;
    cpu->ops->run(cpu, cpu->cycles + 100000);
    ck_assert(cpu->halted);
}

START_TEST(test_hwalk_hlv_hsv_from_m)
{
    put32(RAM_BASE, 0x6c05c573);                /* hlv.d a0, (a1) */
    put32(RAM_BASE + 4, 0x6ed5c073);            /* hsv.d a3, (a1) */
    put32(RAM_BASE + 8, 0x6405c673);            /* hlv.h a2, (a1) */
    put32(RAM_BASE + 12, 0x10500073);           /* wfi */
    *at(SPA(3) + 0x10) = 0x8000000000001234ull;
    wr(0x600, RV_HSTATUS_SPVP);                 /* as VS-mode */
    set(RV_REG_X(11), GVA_DATA + 0x10);
    set(RV_REG_X(13), 0x5555aaaaffff8001ull);
    run_at(RAM_BASE);
    ck_assert_uint_eq(reg(RV_REG_X(10)), 0x8000000000001234ull);
    ck_assert_uint_eq(*at(SPA(3) + 0x10), 0x5555aaaaffff8001ull);
    ck_assert_uint_eq(reg(RV_REG_X(12)), 0xffffffffffff8001ull);  /* sign-extended half */
}
END_TEST

START_TEST(test_hwalk_hlv_spvp_selects_vu)
{
    /* A VU access to a supervisor page faults: the trap to M reports a
     * guest virtual address (GVA = 1) although V was 0. */
    put32(RAM_BASE, 0x6c05c573);                /* hlv.d a0, (a1) */
    put32(RAM_BASE + 0x100, 0x10500073);        /* wfi */
    wr(0x305, RAM_BASE + 0x100);
    set(RV_REG_X(11), GVA_DATA);
    run_at(RAM_BASE);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x342)), RV_EXC_LOAD_PAGE);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x343)), GVA_DATA);
    ck_assert(reg(RV_REG_CSR(0x300)) & RV_MSTATUS_GVA);
    ck_assert(!(reg(RV_REG_CSR(0x300)) & RV_MSTATUS_MPV));
}
END_TEST

START_TEST(test_hwalk_hlvx_needs_execute_not_read)
{
    put32(SPA(4) + 0x20, 0xcafe1234);
    *at(SPA(2) + 16) = pte(GPA(4), V | X);      /* execute-only code page */
    put32(RAM_BASE, 0x6835c573);                /* hlvx.wu a0, (a1) */
    put32(RAM_BASE + 4, 0x6805c673);            /* hlv.w a2, (a1) -> load page fault */
    put32(RAM_BASE + 0x100, 0x10500073);        /* wfi */
    wr(0x305, RAM_BASE + 0x100);
    wr(0x600, RV_HSTATUS_SPVP);
    set(RV_REG_X(11), GVA_CODE + 0x20);
    run_at(RAM_BASE);
    ck_assert_uint_eq(reg(RV_REG_X(10)), 0xcafe1234);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x342)), RV_EXC_LOAD_PAGE);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x341)), RAM_BASE + 4);
}
END_TEST

START_TEST(test_hwalk_hlvx_gstage_fault_is_load)
{
    g_map(4, R | W | U);                        /* not executable at the G-stage */
    put32(RAM_BASE, 0x6435c573);                /* hlvx.hu a0, (a1) */
    put32(RAM_BASE + 0x100, 0x10500073);
    wr(0x305, RAM_BASE + 0x100);
    wr(0x600, RV_HSTATUS_SPVP);
    set(RV_REG_X(11), GVA_CODE);
    run_at(RAM_BASE);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x342)), RV_EXC_LOAD_GUEST_PAGE);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x34b)), GPA(4) >> 2);        /* mtval2 */
}
END_TEST

START_TEST(test_hwalk_hlv_in_u_needs_hu)
{
    put32(RAM_BASE, 0x30200073);                /* mret to U at +0x10 */
    put32(RAM_BASE + 0x10, 0x6c05c573);         /* U: hlv.d a0, (a1) */
    put32(RAM_BASE + 0x14, 0x00000073);         /* U: ecall */
    put32(RAM_BASE + 0x100, 0x10500073);
    wr(0x305, RAM_BASE + 0x100);
    wr(0x341, RAM_BASE + 0x10);
    run_at(RAM_BASE);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x342)), RV_EXC_ILLEGAL_INSN);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x343)), 0x6c05c573);
    wr(0x600, RV_HSTATUS_SPVP | RV_HSTATUS_HU);
    wr(0x341, RAM_BASE + 0x10);
    wr(0x300, 0);
    set(RV_REG_X(11), GVA_DATA);
    *at(SPA(3)) = 42;
    run_at(RAM_BASE);
    ck_assert_uint_eq(reg(RV_REG_CSR(0x342)), RV_EXC_ECALL_U);
    ck_assert_uint_eq(reg(RV_REG_X(10)), 42);
}
END_TEST

static Suite *rv_hwalk_suite(void)
{
    Suite *s = suite_create("rv_hwalk");
    TCase *tc = tcase_create("walk");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_hwalk_two_stage_reaches_spa_and_sets_a);
    tcase_add_test(tc, test_hwalk_store_sets_d_at_both_stages);
    tcase_add_test(tc, test_hwalk_vs_page_fault_reports_gva);
    tcase_add_test(tc, test_hwalk_gstage_fault_on_final_gpa);
    tcase_add_test(tc, test_hwalk_gstage_fault_on_vs_table_is_implicit);
    tcase_add_test(tc, test_hwalk_ad_update_needs_gstage_write);
    tcase_add_test(tc, test_hwalk_gstage_leaf_needs_u);
    tcase_add_test(tc, test_hwalk_gpa_beyond_41_bits_faults);
    tcase_add_test(tc, test_hwalk_hgatp_bare_gpa_is_spa);
    tcase_add_test(tc, test_hwalk_mxr_vs_only_vs_stage);
    tcase_add_test(tc, test_hwalk_vsstatus_sum_for_u_pages);
    tcase_add_test(tc, test_hwalk_mprv_mpv_uses_guest_regime);
    tcase_add_test(tc, test_hwalk_trace_lists_both_stages_changes_nothing);
    suite_add_tcase(s, tc);
    TCase *tlb = tcase_create("tlb");
    tcase_add_checked_fixture(tlb, setup, teardown);
    tcase_add_test(tlb, test_hwalk_combined_entry_hits_without_walk);
    tcase_add_test(tlb, test_hwalk_vmid_switch_keeps_both_contexts);
    tcase_add_test(tlb, test_hwalk_hfence_gvma_drops_one_vmid);
    tcase_add_test(tlb, test_hwalk_hfence_vvma_asid_and_address);
    tcase_add_test(tlb, test_hwalk_hs_sfence_keeps_guest_entries);
    tcase_add_test(tlb, test_hwalk_vsstatus_mxr_flushes_guest_entries);
    suite_add_tcase(s, tlb);
    TCase *insn = tcase_create("hlv");
    tcase_add_checked_fixture(insn, setup, teardown);
    tcase_add_test(insn, test_hwalk_hlv_hsv_from_m);
    tcase_add_test(insn, test_hwalk_hlv_spvp_selects_vu);
    tcase_add_test(insn, test_hwalk_hlvx_needs_execute_not_read);
    tcase_add_test(insn, test_hwalk_hlvx_gstage_fault_is_load);
    tcase_add_test(insn, test_hwalk_hlv_in_u_needs_hu);
    suite_add_tcase(s, insn);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_hwalk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
