/*
 * Hypervisor-extension CSRs (RISC-V privileged spec 1.12 ch. 8): the
 * hypervisor CSRs (§8.2), the virtual-supervisor CSRs that replace the S
 * CSRs while V=1 (§8.2.11-19), mtval2 and mtinst (§8.4.4-5), and Sstc's
 * vstimecmp. The access rules (level 2 needs HS-mode; V=1 redirects and
 * virtual-instruction exceptions) are applied by csr.c.
 *
 * Interrupt views (§8.2.3, §8.2.12): hip/hie are mip/mie restricted to the
 * VS bits; vsip/vsie show the VS bits that hideleg delegates, moved down
 * one position to where VS-mode expects the S bits (VSSIP 2 -> SSIP 1).
 * GEILEN is 0 (the PLIC has no guest interrupt files): hgeip, hgeie and
 * hstatus.VGEIN read zero and SGEIP never pends.
 *
 * Register map:
 *   0x200 vsstatus  0x204 vsie      0x205 vstvec    0x240 vsscratch
 *   0x241 vsepc     0x242 vscause   0x243 vstval    0x244 vsip
 *   0x24d vstimecmp 0x280 vsatp
 *   0x34a mtinst    0x34b mtval2
 *   0x600 hstatus   0x602 hedeleg   0x603 hideleg   0x604 hie
 *   0x605 htimedelta 0x606 hcounteren 0x607 hgeie   0x60a henvcfg
 *   0x643 htval     0x644 hip       0x645 hvip      0x64a htinst
 *   0x680 hgatp     0xe12 hgeip
 */
#include <stddef.h>

#include "core/machine.h"
#include "cpu-riscv/csr.h"

/* hedeleg: exceptions 0-8, 12, 13, 15 may go to VS; ecalls from HS, VS
 * and M, guest-page faults and virtual instruction may not (table 8.2). */
#define RV_HEDELEG_MASK 0xb1ffull

/* Writable hstatus fields; VSBE is zero (little-endian only), VSXL fixed 64. */
#define RV_HSTATUS_WMASK (RV_HSTATUS_GVA | RV_HSTATUS_SPV | RV_HSTATUS_SPVP | RV_HSTATUS_HU | RV_HSTATUS_VTVM | \
                          RV_HSTATUS_VTW | RV_HSTATUS_VTSR)
#define RV_HSTATUS_VSXL_64 (2ull << 32)

/* VS interrupt bit i (2, 6, 10) appears at i - 1 in vsip/vsie. */
static uint64_t rv_vs_down(uint64_t bits)
{
    return (bits & RV_MIP_VS_BITS) >> 1;
}

static uint64_t rv_vs_up(uint64_t bits)
{
    return (bits << 1) & RV_MIP_VS_BITS;
}

bool rv_vstimer_pending(const struct rv_cpu *rv)
{
    if (!rv_stce_active(rv) || !(rv->henvcfg & RV_ENVCFG_STCE))
        return false;
    return rv_mtime(rv) + rv->htimedelta >= rv->vstimecmp;
}

unsigned rv_csr_vs_alias(unsigned csr)
{
    switch (csr) {
    case RV_CSR_SSTATUS: case RV_CSR_SIE: case RV_CSR_STVEC: case RV_CSR_SSCRATCH: case RV_CSR_SEPC:
    case RV_CSR_SCAUSE: case RV_CSR_STVAL: case RV_CSR_SIP: case RV_CSR_STIMECMP: case RV_CSR_SATP:
        return csr + 0x100;
    default:
        return 0;
    }
}

/* ---- checks ---- */

static int rv_check_hgatp(const struct rv_cpu *rv, unsigned csr, struct rv_csr_mode m)
{
    /* §8.2.10: mstatus.TVM traps HS-mode hgatp accesses. */
    return m.priv == RV_PRIV_S && !m.virt && !m.qualify && (rv->mstatus & RV_MSTATUS_TVM) ? RV_CSR_ILLEGAL : 0;
}

static int rv_check_vstimecmp(const struct rv_cpu *rv, unsigned csr, struct rv_csr_mode m)
{
    /* Sstc: below M, menvcfg.STCE and mcounteren.TM. */
    if (!rv->ext.sstc)
        return RV_CSR_ILLEGAL;
    if (m.priv == RV_PRIV_M)
        return 0;
    return (rv->menvcfg & RV_ENVCFG_STCE) && (rv->mcounteren & RV_CNT_TM) ? 0 : RV_CSR_ILLEGAL;
}

/* ---- hstatus, delegation (§8.2.1-2) ---- */

static uint64_t rv_read_hstatus(struct rv_cpu *rv, unsigned csr)
{
    return rv->hstatus;
}

static void rv_write_hstatus(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv->hstatus = (val & RV_HSTATUS_WMASK) | RV_HSTATUS_VSXL_64;
}

static uint64_t rv_read_hdeleg(struct rv_cpu *rv, unsigned csr)
{
    return csr == RV_CSR_HEDELEG ? rv->hedeleg : rv->hideleg;
}

static void rv_write_hdeleg(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    if (csr == RV_CSR_HEDELEG) {
        rv->hedeleg = val & RV_HEDELEG_MASK;
    } else {
        /* Only the VS interrupts can be delegated on to VS-mode. */
        rv->hideleg = val & RV_MIP_VS_BITS;
        rv_update_irq(rv);
    }
}

/* ---- hvip, hip, hie (§8.2.3) ---- */

static uint64_t rv_read_hvip(struct rv_cpu *rv, unsigned csr)
{
    return rv->hvip & RV_MIP_VS_BITS;
}

static void rv_write_hvip(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv->hvip = val & RV_MIP_VS_BITS;
    rv_update_irq(rv);
}

static uint64_t rv_read_hip(struct rv_cpu *rv, unsigned csr)
{
    return rv_mip_visible(rv) & RV_MIP_VS_BITS;
}

static void rv_write_hip(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    /* Only VSSIP is writable here: an alias of hvip.VSSIP. */
    uint64_t vssip = 1ull << RV_IRQ_VSSI;
    rv->hvip = (rv->hvip & ~vssip) | (val & vssip);
    rv_update_irq(rv);
}

static uint64_t rv_read_hie(struct rv_cpu *rv, unsigned csr)
{
    return rv->mie & RV_MIP_VS_BITS;
}

static void rv_write_hie(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv->mie = (rv->mie & ~RV_MIP_VS_BITS) | (val & RV_MIP_VS_BITS);
    rv_update_irq(rv);
}

/* ---- counters, time, environment (§8.2.5-8) ---- */

static uint64_t rv_read_hcounteren(struct rv_cpu *rv, unsigned csr)
{
    return rv->hcounteren;
}

static void rv_write_hcounteren(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv->hcounteren = val & 0xffffffffull;
}

static uint64_t rv_read_htimedelta(struct rv_cpu *rv, unsigned csr)
{
    return rv->htimedelta;
}

static void rv_write_htimedelta(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv->htimedelta = val;
    rv_stimer_update(rv);
    rv_update_irq(rv);
}

static uint64_t rv_read_henvcfg(struct rv_cpu *rv, unsigned csr)
{
    return rv->henvcfg;
}

static void rv_write_henvcfg(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    uint64_t mask = rv_envcfg_wmask(rv, true);
    /* STCE and PBMTE are read-only zero while menvcfg has them clear. */
    mask &= ~((RV_ENVCFG_STCE | RV_ENVCFG_PBMTE) & ~rv->menvcfg);
    uint64_t old = rv->henvcfg;
    uint64_t nv = (old & ~mask) | (val & mask);
    if (((nv & RV_ENVCFG_CBIE) >> 4) == 2)
        nv = (nv & ~RV_ENVCFG_CBIE) | (old & RV_ENVCFG_CBIE);
    rv->henvcfg = nv;
    if ((old ^ nv) & RV_ENVCFG_PBMTE)
        rv_tlb_flush_guest(rv);
    if ((old ^ nv) & RV_ENVCFG_STCE) {
        rv_stimer_update(rv);
        rv_update_irq(rv);
    }
}

/* ---- hgatp (§8.2.10) ---- */

static uint64_t rv_read_hgatp(struct rv_cpu *rv, unsigned csr)
{
    return rv->hgatp;
}

static void rv_write_hgatp(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    unsigned mode = (unsigned)(val >> RV_SATP_MODE_SHIFT);
    /* WARL: an unsupported MODE keeps the old one. The root table of the
     * x4 modes is 16 KiB aligned, so PPN[1:0] read as zero. */
    if (mode != RV_SATP_MODE_BARE && mode != RV_SATP_MODE_SV39 && mode != RV_SATP_MODE_SV48 &&
        mode != RV_SATP_MODE_SV57)
        mode = (unsigned)(rv->hgatp >> RV_SATP_MODE_SHIFT);
    uint64_t vmid = (val >> RV_HGATP_VMID_SHIFT) & RV_HGATP_VMID_MASK;
    rv->hgatp = ((uint64_t)mode << RV_SATP_MODE_SHIFT) | (vmid << RV_HGATP_VMID_SHIFT) |
                (val & RV_SATP_PPN_MASK & ~3ull);
    rv_tlb_ctx_update(rv);
}

/* ---- VS CSRs (§8.2.11-19) ---- */

static uint64_t rv_vsstatus_wmask(const struct rv_cpu *rv)
{
    uint64_t m = RV_MSTATUS_SIE | RV_MSTATUS_SPIE | RV_MSTATUS_SPP | RV_MSTATUS_SUM | RV_MSTATUS_MXR;
    return rv->ext.f ? m | RV_MSTATUS_FS : m;
}

static uint64_t rv_read_vsstatus(struct rv_cpu *rv, unsigned csr)
{
    return rv->vsstatus;
}

static void rv_write_vsstatus(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    uint64_t old = rv->vsstatus;
    rv->vsstatus = rv_sstatus_legal(old, val, rv_vsstatus_wmask(rv));
    /* vsstatus.MXR changes what guest regimes may read; vsstatus.SUM
     * selects another regime (rv_data_mmu_idx). */
    if ((old ^ rv->vsstatus) & RV_MSTATUS_MXR)
        rv_tlb_flush_guest(rv);
    rv_update_irq(rv);
}

static uint64_t rv_read_vsie(struct rv_cpu *rv, unsigned csr)
{
    return rv_vs_down(rv->mie & rv->hideleg);
}

static void rv_write_vsie(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    uint64_t mask = rv->hideleg & RV_MIP_VS_BITS;
    rv->mie = (rv->mie & ~mask) | (rv_vs_up(val) & mask);
    rv_update_irq(rv);
}

static uint64_t rv_read_vsip(struct rv_cpu *rv, unsigned csr)
{
    return rv_vs_down(rv_mip_visible(rv) & rv->hideleg);
}

static void rv_write_vsip(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    /* SSIP (hvip.VSSIP) is the only writable bit, when delegated. */
    uint64_t mask = rv->hideleg & (1ull << RV_IRQ_VSSI);
    rv->hvip = (rv->hvip & ~mask) | (rv_vs_up(val) & mask);
    rv_update_irq(rv);
}

static uint64_t rv_read_vstvec(struct rv_cpu *rv, unsigned csr)
{
    return rv->vstvec;
}

static void rv_write_vstvec(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    /* MODE is WARL as in stvec: Direct or Vectored. */
    if ((val & 3) >= 2)
        val = (val & ~3ull) | (rv->vstvec & 3);
    rv->vstvec = val;
}

static uint64_t rv_read_vsepc(struct rv_cpu *rv, unsigned csr)
{
    return rv->ext.c ? rv->vsepc : rv->vsepc & ~3ull;
}

static void rv_write_vsepc(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv->vsepc = val & ~1ull;
}

static uint64_t rv_read_vsatp(struct rv_cpu *rv, unsigned csr)
{
    return rv->vsatp;
}

static void rv_write_vsatp(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    unsigned mode = (unsigned)(val >> RV_SATP_MODE_SHIFT);
    /* §8.2.18: an unsupported MODE is ignored, as for satp. */
    if (mode != RV_SATP_MODE_BARE && mode != RV_SATP_MODE_SV39 && mode != RV_SATP_MODE_SV48 &&
        mode != RV_SATP_MODE_SV57)
        return;
    rv->vsatp = val;
    rv_tlb_ctx_update(rv);
}

static uint64_t rv_read_vstimecmp(struct rv_cpu *rv, unsigned csr)
{
    return rv->vstimecmp;
}

static void rv_write_vstimecmp(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv->vstimecmp = val;
    rv_stimer_update(rv);
    rv_update_irq(rv);
}

static const struct rv_csr_def rv_csr_table_h[] = {
    { RV_CSR_VSSTATUS, 1, NULL, rv_read_vsstatus, rv_write_vsstatus },
    { RV_CSR_VSIE, 1, NULL, rv_read_vsie, rv_write_vsie },
    { RV_CSR_VSTVEC, 1, NULL, rv_read_vstvec, rv_write_vstvec },
    { RV_CSR_VSSCRATCH, 1, NULL, rv_read_plain, rv_write_plain },
    { RV_CSR_VSEPC, 1, NULL, rv_read_vsepc, rv_write_vsepc },
    { RV_CSR_VSCAUSE, 2, NULL, rv_read_plain, rv_write_plain },     /* vscause, vstval */
    { RV_CSR_VSIP, 1, NULL, rv_read_vsip, rv_write_vsip },
    { RV_CSR_VSTIMECMP, 1, rv_check_vstimecmp, rv_read_vstimecmp, rv_write_vstimecmp },
    { RV_CSR_VSATP, 1, NULL, rv_read_vsatp, rv_write_vsatp },
    { RV_CSR_MTINST, 2, NULL, rv_read_plain, rv_write_plain },      /* mtinst, mtval2 */
    { RV_CSR_HSTATUS, 1, NULL, rv_read_hstatus, rv_write_hstatus },
    { RV_CSR_HEDELEG, 2, NULL, rv_read_hdeleg, rv_write_hdeleg },       /* hedeleg, hideleg */
    { RV_CSR_HIE, 1, NULL, rv_read_hie, rv_write_hie },
    { RV_CSR_HTIMEDELTA, 1, NULL, rv_read_htimedelta, rv_write_htimedelta },
    { RV_CSR_HCOUNTEREN, 1, NULL, rv_read_hcounteren, rv_write_hcounteren },
    { RV_CSR_HGEIE, 1, NULL, rv_read_zero, rv_write_ignore },
    { RV_CSR_HENVCFG, 1, NULL, rv_read_henvcfg, rv_write_henvcfg },
    { RV_CSR_HTVAL, 1, NULL, rv_read_plain, rv_write_plain },
    { RV_CSR_HIP, 1, NULL, rv_read_hip, rv_write_hip },
    { RV_CSR_HVIP, 1, NULL, rv_read_hvip, rv_write_hvip },
    { RV_CSR_HTINST, 1, NULL, rv_read_plain, rv_write_plain },
    { RV_CSR_HGATP, 1, rv_check_hgatp, rv_read_hgatp, rv_write_hgatp },
    { RV_CSR_HGEIP, 1, NULL, rv_read_zero, NULL },
};

const struct rv_csr_def *rv_csr_find_h(unsigned csr)
{
    for (size_t i = 0; i < sizeof(rv_csr_table_h) / sizeof(rv_csr_table_h[0]); i++) {
        const struct rv_csr_def *d = &rv_csr_table_h[i];
        if (csr >= d->num && csr < (unsigned)d->num + d->count)
            return d;
    }
    return NULL;
}

void rv_csr_reset_h(struct rv_cpu *rv)
{
    struct rv_hart *h = rv_hart_of(rv);
    if (h->vstimer_event && rv->cpu.m)
        evq_cancel(&rv->cpu.m->evq, h->vstimer_event);
    h->vstimer_event = 0;
    rv_set_virt(rv, false);
    rv->hstatus = RV_HSTATUS_VSXL_64;
    rv->hedeleg = rv->hideleg = rv->hvip = rv->hgeie = rv->htval = rv->htinst = rv->hgatp = 0;
    rv->hcounteren = rv->htimedelta = rv->henvcfg = 0;
    rv->vsstatus = RV_UXL_64;
    rv->vstvec = rv->vsscratch = rv->vsepc = rv->vscause = rv->vstval = rv->vsatp = 0;
    rv->vstimecmp = UINT64_MAX;
    rv->mtval2 = rv->mtinst = 0;
}
