/*
 * Unit tests for the hypervisor CSRs of cpu-riscv (csr.c, csr_h.c): the
 * V=1 substitution of VS CSRs for S CSRs (RISC-V priv 1.12 §8.2), the
 * virtual-instruction rules for CSR accesses (§8.6.1), the read-only and
 * WARL fields of hstatus, hedeleg, hideleg, mideleg and hgatp, the
 * interrupt views hvip/hip/hie/vsip/vsie and mip (§8.2.3, §8.4.3),
 * hcounteren and htimedelta, Sstc's vstimecmp, and the -cpu h=on model.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "cpu-riscv/rv.h"
#include "rv_test_machine.h"

#define RAM_BASE 0x80000000ull
#define TIME_RATIO 10u

/* CSR numbers (priv 1.12 tables 2.2-2.5). */
enum {
    SSTATUS = 0x100, SIE = 0x104, STVEC = 0x105, SSCRATCH = 0x140, SEPC = 0x141, SCAUSE = 0x142,
    SIP = 0x144, STIMECMP = 0x14d, SATP = 0x180, SCOUNTEREN = 0x106,
    VSSTATUS = 0x200, VSIE = 0x204, VSTVEC = 0x205, VSSCRATCH = 0x240, VSEPC = 0x241, VSIP = 0x244,
    VSTIMECMP = 0x24d, VSATP = 0x280,
    MSTATUS = 0x300, MEDELEG = 0x302, MIDELEG = 0x303, MIE = 0x304, MCOUNTEREN = 0x306, MENVCFG = 0x30a,
    MIP = 0x344, MTINST = 0x34a, MTVAL2 = 0x34b,
    HSTATUS = 0x600, HEDELEG = 0x602, HIDELEG = 0x603, HIE = 0x604, HTIMEDELTA = 0x605,
    HCOUNTEREN = 0x606, HGEIE = 0x607, HENVCFG = 0x60a, HIP = 0x644, HVIP = 0x645, HGATP = 0x680,
    HGEIP = 0xe12, CYCLE = 0xc00, TIME = 0xc01,
};

#define VSSIP (1ull << 2)
#define VSTIP (1ull << 6)
#define VSEIP (1ull << 10)
#define STCE (1ull << 63)

static struct machine *mach;
static struct rv_cpu *rv;

static void setup(void)
{
    mach = rv_test_machine_model(RAM_BASE, 1u << 20, TIME_RATIO, "rv64,h=on");
    rv = rv_of(mach->cpus[0]);
}

static void teardown(void)
{
    rv_test_machine_free(mach);
}

static uint64_t rd(unsigned csr)
{
    uint64_t v = 0xdeadbeef;
    ck_assert_msg(rv_csr_read(rv, csr, &v) == 0, "read of csr %#x failed", csr);
    return v;
}

static void wr(unsigned csr, uint64_t v)
{
    ck_assert_msg(rv_csr_write(rv, csr, v) == 0, "write of csr %#x failed", csr);
}

static int rd_status(unsigned csr)
{
    uint64_t v;
    return rv_csr_read(rv, csr, &v);
}

static int wr_status(unsigned csr, uint64_t v)
{
    return rv_csr_write(rv, csr, v);
}

/* Enter a mode as the hardware would (priv, V). */
static void mode(enum rv_priv p, bool virt)
{
    rv->priv = p;
    rv->virt = virt;
}

/* ---- V=1 substitution (§8.2) ---- */

START_TEST(test_hcsr_vs_sstatus_is_vsstatus)
{
    wr(MSTATUS, RV_MSTATUS_SIE);
    mode(RV_PRIV_S, true);
    ck_assert_uint_eq(rd(SSTATUS) & RV_MSTATUS_SIE, 0);     /* vsstatus, not mstatus */
    wr(SSTATUS, RV_MSTATUS_SUM | RV_MSTATUS_SPP);
    mode(RV_PRIV_M, false);
    ck_assert_uint_eq(rd(VSSTATUS) & (RV_MSTATUS_SUM | RV_MSTATUS_SPP), RV_MSTATUS_SUM | RV_MSTATUS_SPP);
    ck_assert_uint_eq(rd(MSTATUS) & (RV_MSTATUS_SUM | RV_MSTATUS_SPP | RV_MSTATUS_SIE), RV_MSTATUS_SIE);
    /* vsstatus.UXL reads 64-bit, like sstatus. */
    ck_assert_uint_eq((rd(VSSTATUS) >> 32) & 3, 2);
}
END_TEST

START_TEST(test_hcsr_vs_trap_csrs_alias)
{
    mode(RV_PRIV_S, true);
    wr(STVEC, 0x1000);
    wr(SSCRATCH, 0x1111);
    wr(SEPC, 0x2222);
    wr(SCAUSE, 0x3);
    mode(RV_PRIV_S, false);
    ck_assert_uint_eq(rd(STVEC), 0);
    ck_assert_uint_eq(rd(SSCRATCH), 0);
    ck_assert_uint_eq(rd(VSTVEC), 0x1000);
    ck_assert_uint_eq(rd(VSSCRATCH), 0x1111);
    ck_assert_uint_eq(rd(VSEPC), 0x2222);
    ck_assert_uint_eq(rd(0x242), 0x3);
}
END_TEST

START_TEST(test_hcsr_vs_satp_is_vsatp)
{
    uint64_t sv39 = (8ull << 60) | (5ull << 44) | 0x12345;
    mode(RV_PRIV_S, true);
    wr(SATP, sv39);
    mode(RV_PRIV_S, false);
    ck_assert_uint_eq(rd(VSATP), sv39);
    ck_assert_uint_eq(rd(SATP), 0);
}
END_TEST

START_TEST(test_hcsr_vs_satp_bad_mode_ignored)
{
    mode(RV_PRIV_S, true);
    wr(SATP, (8ull << 60) | 7);
    wr(SATP, (3ull << 60) | 9);         /* reserved MODE: no effect */
    ck_assert_uint_eq(rd(SATP), (8ull << 60) | 7);
}
END_TEST

START_TEST(test_hcsr_scounteren_not_replaced)
{
    /* senvcfg and scounteren have no VS copy: V=1 reaches the real one. */
    mode(RV_PRIV_S, true);
    wr(SCOUNTEREN, 5);
    mode(RV_PRIV_S, false);
    ck_assert_uint_eq(rd(SCOUNTEREN), 5);
}
END_TEST

/* ---- access rules (§8.6.1) ---- */

START_TEST(test_hcsr_vs_direct_vs_csr_virtual)
{
    mode(RV_PRIV_S, true);
    ck_assert_int_eq(rd_status(VSSTATUS), RV_CSR_VIRTUAL);
    ck_assert_int_eq(rd_status(HSTATUS), RV_CSR_VIRTUAL);
    ck_assert_int_eq(wr_status(HGATP, 0), RV_CSR_VIRTUAL);
}
END_TEST

START_TEST(test_hcsr_vs_readonly_or_m_csr_illegal)
{
    mode(RV_PRIV_S, true);
    /* Not HS-qualified: hgeip cannot be written in HS either. */
    ck_assert_int_eq(wr_status(HGEIP, 1), RV_CSR_ILLEGAL);
    ck_assert_int_eq(rd_status(HGEIP), RV_CSR_VIRTUAL);
    ck_assert_int_eq(rd_status(MSTATUS), RV_CSR_ILLEGAL);
    ck_assert_int_eq(rd_status(MTVAL2), RV_CSR_ILLEGAL);
}
END_TEST

START_TEST(test_hcsr_vu_s_csr_virtual_u_illegal)
{
    mode(RV_PRIV_U, true);
    ck_assert_int_eq(rd_status(SSTATUS), RV_CSR_VIRTUAL);
    ck_assert_int_eq(rd_status(HSTATUS), RV_CSR_VIRTUAL);
    mode(RV_PRIV_U, false);
    ck_assert_int_eq(rd_status(SSTATUS), RV_CSR_ILLEGAL);
    ck_assert_int_eq(rd_status(HSTATUS), RV_CSR_ILLEGAL);
}
END_TEST

START_TEST(test_hcsr_hs_reaches_h_and_vs_csrs)
{
    mode(RV_PRIV_S, false);
    ck_assert_int_eq(rd_status(HSTATUS), 0);
    ck_assert_int_eq(rd_status(VSSTATUS), 0);
    ck_assert_int_eq(rd_status(MTINST), RV_CSR_ILLEGAL);
}
END_TEST

START_TEST(test_hcsr_no_h_csrs_without_h)
{
    struct machine *m = rv_test_machine_model(RAM_BASE, 1u << 20, TIME_RATIO, "rv64,h=off");
    struct rv_cpu *r = rv_of(m->cpus[0]);
    uint64_t v;
    ck_assert_int_eq(rv_csr_read(r, HSTATUS, &v), RV_CSR_ILLEGAL);
    ck_assert_int_eq(rv_csr_read(r, MTVAL2, &v), RV_CSR_ILLEGAL);
    ck_assert_int_eq(rv_csr_read(r, VSATP, &v), RV_CSR_ILLEGAL);
    ck_assert_int_eq(rv_csr_read(r, MIDELEG, &v), 0);
    ck_assert_uint_eq(v, 0);
    rv_test_machine_free(m);
}
END_TEST

START_TEST(test_hcsr_vtvm_traps_vs_satp_not_tvm)
{
    wr(MSTATUS, RV_MSTATUS_TVM);
    mode(RV_PRIV_S, true);
    ck_assert_int_eq(rd_status(SATP), 0);              /* TVM only affects HS */
    mode(RV_PRIV_M, false);
    wr(HSTATUS, RV_HSTATUS_VTVM);
    mode(RV_PRIV_S, true);
    ck_assert_int_eq(rd_status(SATP), RV_CSR_VIRTUAL);
    mode(RV_PRIV_S, false);
    ck_assert_int_eq(rd_status(SATP), RV_CSR_ILLEGAL);
    ck_assert_int_eq(rd_status(HGATP), RV_CSR_ILLEGAL); /* TVM covers hgatp */
    ck_assert_int_eq(rd_status(VSATP), 0);              /* ... but not vsatp */
}
END_TEST

START_TEST(test_hcsr_counters_hcounteren_virtual_mcounteren_illegal)
{
    wr(MCOUNTEREN, 7);
    mode(RV_PRIV_S, true);
    ck_assert_int_eq(rd_status(CYCLE), RV_CSR_VIRTUAL);
    mode(RV_PRIV_M, false);
    wr(HCOUNTEREN, 1);
    mode(RV_PRIV_S, true);
    ck_assert_int_eq(rd_status(CYCLE), 0);
    mode(RV_PRIV_U, true);
    ck_assert_int_eq(rd_status(CYCLE), RV_CSR_VIRTUAL);  /* scounteren.CY = 0 */
    mode(RV_PRIV_M, false);
    wr(MCOUNTEREN, 0);
    mode(RV_PRIV_S, true);
    ck_assert_int_eq(rd_status(CYCLE), RV_CSR_ILLEGAL);
}
END_TEST

START_TEST(test_hcsr_fcsr_vsstatus_fs_off_illegal)
{
    wr(MSTATUS, RV_MSTATUS_FS);
    mode(RV_PRIV_S, true);
    /* Never a virtual-instruction exception for FS (§8.6.1). */
    ck_assert_int_eq(rd_status(0x003), RV_CSR_ILLEGAL);
    wr(SSTATUS, RV_MSTATUS_FS & (1ull << 13));
    ck_assert_int_eq(rd_status(0x003), 0);
}
END_TEST

START_TEST(test_hcsr_fs_dirty_marks_both_in_guest)
{
    wr(MSTATUS, 1ull << 13);
    wr(VSSTATUS, 1ull << 13);
    mode(RV_PRIV_S, true);
    rv_fs_dirty(rv);
    ck_assert_uint_eq(rv->mstatus & RV_MSTATUS_FS, RV_MSTATUS_FS);
    ck_assert_uint_eq(rv->vsstatus & RV_MSTATUS_FS, RV_MSTATUS_FS);
    ck_assert(rv->vsstatus & RV_MSTATUS_SD);
}
END_TEST

/* ---- WARL and read-only fields ---- */

START_TEST(test_hcsr_mideleg_vs_bits_read_only_one)
{
    wr(MIDELEG, 0);
    ck_assert_uint_eq(rd(MIDELEG), VSSIP | VSTIP | VSEIP);
    wr(MIDELEG, ~0ull);
    ck_assert_uint_eq(rd(MIDELEG), 0x222 | VSSIP | VSTIP | VSEIP);
}
END_TEST

START_TEST(test_hcsr_hideleg_hedeleg_masks)
{
    wr(HIDELEG, ~0ull);
    ck_assert_uint_eq(rd(HIDELEG), VSSIP | VSTIP | VSEIP);
    wr(HEDELEG, ~0ull);
    /* ecalls from HS/VS/M, guest-page faults, virtual instruction: zero. */
    ck_assert_uint_eq(rd(HEDELEG), 0xb1ff);
    wr(MEDELEG, ~0ull);
    ck_assert_uint_eq(rd(MEDELEG), 0xb3ff | (1u << 10) | (0xfull << 20));
}
END_TEST

START_TEST(test_hcsr_hstatus_fields)
{
    wr(HSTATUS, ~0ull);
    uint64_t h = rd(HSTATUS);
    ck_assert_uint_eq((h >> 32) & 3, 2);        /* VSXL = 64, fixed */
    ck_assert_uint_eq(h & RV_HSTATUS_VGEIN, 0); /* GEILEN = 0 */
    ck_assert_uint_eq(h & RV_HSTATUS_VSBE, 0);
    ck_assert(h & RV_HSTATUS_SPV);
    ck_assert(h & RV_HSTATUS_SPVP);
    ck_assert(h & RV_HSTATUS_VTSR);
    wr(HGEIE, ~0ull);
    ck_assert_uint_eq(rd(HGEIE), 0);
    ck_assert_uint_eq(rd(HGEIP), 0);
}
END_TEST

START_TEST(test_hcsr_hgatp_modes_vmid_ppn)
{
    uint64_t sv57x4 = 10ull << 60;
    wr(HGATP, sv57x4);
    ck_assert_uint_eq(rd(HGATP) >> 60, 10);
    /* VMID: all 14 bits implemented; PPN[1:0] read zero (16 KiB root). */
    wr(HGATP, (8ull << 60) | (0xffffull << 44) | 0x80007);
    ck_assert_uint_eq(rd(HGATP), (8ull << 60) | (0x3fffull << 44) | 0x80004);
    /* An unsupported MODE keeps the old one. */
    wr(HGATP, (5ull << 60) | 0x100);
    ck_assert_uint_eq(rd(HGATP) >> 60, 8);
}
END_TEST

START_TEST(test_hcsr_mstatus_mpv_gva_writable)
{
    wr(MSTATUS, RV_MSTATUS_MPV | RV_MSTATUS_GVA);
    ck_assert_uint_eq(rd(MSTATUS) & (RV_MSTATUS_MPV | RV_MSTATUS_GVA), RV_MSTATUS_MPV | RV_MSTATUS_GVA);
    /* sstatus does not show them. */
    ck_assert_uint_eq(rd(SSTATUS) & (RV_MSTATUS_MPV | RV_MSTATUS_GVA), 0);
}
END_TEST

/* ---- interrupt views (§8.2.3, §8.2.12, §8.4.3) ---- */

START_TEST(test_hcsr_vssip_alias_hvip_hip_mip)
{
    wr(HVIP, VSSIP);
    ck_assert_uint_eq(rd(HIP) & VSSIP, VSSIP);
    ck_assert_uint_eq(rd(MIP) & VSSIP, VSSIP);
    wr(HIP, 0);
    ck_assert_uint_eq(rd(HVIP), 0);
    wr(MIP, VSSIP);
    ck_assert_uint_eq(rd(HVIP), VSSIP);
    /* HS-level sip never shows VS bits. */
    ck_assert_uint_eq(rd(SIP) & VSSIP, 0);
}
END_TEST

START_TEST(test_hcsr_vsip_vsie_need_hideleg)
{
    wr(HVIP, VSSIP | VSTIP);
    wr(HIE, VSSIP | VSTIP);
    ck_assert_uint_eq(rd(VSIP), 0);
    ck_assert_uint_eq(rd(VSIE), 0);
    wr(HIDELEG, VSTIP);
    ck_assert_uint_eq(rd(VSIP), 1u << 5);       /* VSTIP shows as STIP */
    ck_assert_uint_eq(rd(VSIE), 1u << 5);
    mode(RV_PRIV_S, true);
    ck_assert_uint_eq(rd(SIP), 1u << 5);        /* sip is vsip when V=1 */
    wr(SIE, 0);
    mode(RV_PRIV_M, false);
    ck_assert_uint_eq(rd(HIE), VSSIP);          /* only the delegated bit cleared */
}
END_TEST

START_TEST(test_hcsr_vsip_ssip_writes_hvip)
{
    wr(HIDELEG, VSSIP);
    mode(RV_PRIV_S, true);
    wr(SIP, 1u << 1);
    mode(RV_PRIV_M, false);
    ck_assert_uint_eq(rd(HVIP), VSSIP);
}
END_TEST

START_TEST(test_hcsr_mie_vs_bits_writable)
{
    wr(MIE, ~0ull);
    ck_assert_uint_eq(rd(MIE), 0xaaa | VSSIP | VSTIP | VSEIP);  /* SGEIE: GEILEN = 0 */
    ck_assert_uint_eq(rd(HIE), VSSIP | VSTIP | VSEIP);
    ck_assert_uint_eq(rd(SIE) & (VSSIP | VSTIP | VSEIP), 0);
}
END_TEST

/* ---- time (§8.2.8) and Sstc's vstimecmp ---- */

START_TEST(test_hcsr_time_adds_htimedelta_in_guest)
{
    mach->cpus[0]->cycles = 1000 * TIME_RATIO;
    wr(MCOUNTEREN, 2);
    wr(HCOUNTEREN, 2);
    wr(HTIMEDELTA, (uint64_t)-400);
    mode(RV_PRIV_S, false);
    ck_assert_uint_eq(rd(TIME), 1000);
    mode(RV_PRIV_S, true);
    ck_assert_uint_eq(rd(TIME), 600);
}
END_TEST

START_TEST(test_hcsr_vstimecmp_drives_vstip)
{
    mach->cpus[0]->cycles = 1000 * TIME_RATIO;
    wr(HTIMEDELTA, 500);
    wr(VSTIMECMP, 1400);
    ck_assert_uint_eq(rd(HIP) & VSTIP, 0);      /* STCE off: no compare */
    wr(MENVCFG, STCE);
    wr(HENVCFG, STCE);
    ck_assert_uint_eq(rd(HIP) & VSTIP, VSTIP);  /* 1000 + 500 >= 1400 */
    wr(VSTIMECMP, 1600);
    ck_assert_uint_eq(rd(HIP) & VSTIP, 0);
    mach->cpus[0]->cycles = 1100 * TIME_RATIO;
    ck_assert_uint_eq(rd(HIP) & VSTIP, VSTIP);
}
END_TEST

START_TEST(test_hcsr_vstimecmp_event_at_guest_time)
{
    wr(MENVCFG, STCE);
    wr(HENVCFG, STCE);
    wr(HTIMEDELTA, 100);
    wr(VSTIMECMP, 250);                         /* guest time 250 = mtime 150 */
    ck_assert_uint_eq(evq_next_time(&mach->evq), 150 * TIME_RATIO);
}
END_TEST

START_TEST(test_hcsr_henvcfg_stce_needs_menvcfg)
{
    wr(HENVCFG, STCE);
    ck_assert_uint_eq(rd(HENVCFG) & STCE, 0);
    wr(MENVCFG, STCE);
    wr(HENVCFG, STCE);
    ck_assert_uint_eq(rd(HENVCFG) & STCE, STCE);
    wr(MENVCFG, 0);
    ck_assert_uint_eq(rd(HENVCFG) & STCE, 0);
}
END_TEST

START_TEST(test_hcsr_vs_stimecmp_rules)
{
    wr(MCOUNTEREN, 2);
    mode(RV_PRIV_S, true);
    ck_assert_int_eq(rd_status(STIMECMP), RV_CSR_ILLEGAL);   /* menvcfg.STCE = 0 */
    mode(RV_PRIV_M, false);
    wr(MENVCFG, STCE);
    mode(RV_PRIV_S, true);
    ck_assert_int_eq(rd_status(STIMECMP), RV_CSR_VIRTUAL);   /* henvcfg.STCE = 0 */
    mode(RV_PRIV_M, false);
    wr(HENVCFG, STCE);
    wr(HCOUNTEREN, 2);
    mode(RV_PRIV_S, true);
    wr(STIMECMP, 77);
    mode(RV_PRIV_M, false);
    ck_assert_uint_eq(rd(VSTIMECMP), 77);
    ck_assert_uint_eq(rd(STIMECMP), UINT64_MAX);
}
END_TEST

/* ---- the -cpu model ---- */

START_TEST(test_hcsr_model_h_on_isa_and_misa)
{
    struct rv_ext ext;
    struct emu_err err;
    char isa[256];
    ck_assert_int_eq(rv_parse_cpu_model("rv64,h=on", &ext, &err), 0);
    rv_isa_string(&ext, isa, sizeof(isa));
    ck_assert_ptr_nonnull(strstr(isa, "rv64imafdch_"));
    ck_assert(rv->misa & (1u << ('H' - 'A')));
    ck_assert_int_eq(rv_parse_cpu_model("rv64,h=on,zicsr=off,f=off,d=off,zicntr=off,zihpm=off,sstc=off", &ext,
                                        &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "h requires zicsr"));
}
END_TEST

static Suite *rv_hcsr_suite(void)
{
    Suite *s = suite_create("rv_hcsr");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_hcsr_vs_sstatus_is_vsstatus);
    tcase_add_test(tc, test_hcsr_vs_trap_csrs_alias);
    tcase_add_test(tc, test_hcsr_vs_satp_is_vsatp);
    tcase_add_test(tc, test_hcsr_vs_satp_bad_mode_ignored);
    tcase_add_test(tc, test_hcsr_scounteren_not_replaced);
    tcase_add_test(tc, test_hcsr_vs_direct_vs_csr_virtual);
    tcase_add_test(tc, test_hcsr_vs_readonly_or_m_csr_illegal);
    tcase_add_test(tc, test_hcsr_vu_s_csr_virtual_u_illegal);
    tcase_add_test(tc, test_hcsr_hs_reaches_h_and_vs_csrs);
    tcase_add_test(tc, test_hcsr_no_h_csrs_without_h);
    tcase_add_test(tc, test_hcsr_vtvm_traps_vs_satp_not_tvm);
    tcase_add_test(tc, test_hcsr_counters_hcounteren_virtual_mcounteren_illegal);
    tcase_add_test(tc, test_hcsr_fcsr_vsstatus_fs_off_illegal);
    tcase_add_test(tc, test_hcsr_fs_dirty_marks_both_in_guest);
    tcase_add_test(tc, test_hcsr_mideleg_vs_bits_read_only_one);
    tcase_add_test(tc, test_hcsr_hideleg_hedeleg_masks);
    tcase_add_test(tc, test_hcsr_hstatus_fields);
    tcase_add_test(tc, test_hcsr_hgatp_modes_vmid_ppn);
    tcase_add_test(tc, test_hcsr_mstatus_mpv_gva_writable);
    tcase_add_test(tc, test_hcsr_vssip_alias_hvip_hip_mip);
    tcase_add_test(tc, test_hcsr_vsip_vsie_need_hideleg);
    tcase_add_test(tc, test_hcsr_vsip_ssip_writes_hvip);
    tcase_add_test(tc, test_hcsr_mie_vs_bits_writable);
    tcase_add_test(tc, test_hcsr_time_adds_htimedelta_in_guest);
    tcase_add_test(tc, test_hcsr_vstimecmp_drives_vstip);
    tcase_add_test(tc, test_hcsr_vstimecmp_event_at_guest_time);
    tcase_add_test(tc, test_hcsr_henvcfg_stce_needs_menvcfg);
    tcase_add_test(tc, test_hcsr_vs_stimecmp_rules);
    tcase_add_test(tc, test_hcsr_model_h_on_isa_and_misa);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_hcsr_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
