/*
 * Control and status registers of the riscv hart (RISC-V privileged spec
 * 1.12, ch. 2-4; Zicsr and Zicntr from the unprivileged spec ch. 9-10;
 * Sstc; Zicbom/Zicboz and Svpbmt fields of menvcfg/senvcfg). The
 * hypervisor and VS CSRs are in csr_h.c; the access rules for all of them
 * are here.
 *
 * One table row per CSR (or per run of numbered CSRs such as pmpaddr0-63):
 * a check for the dynamic access rules beyond §2.1 (FS, counter enables,
 * TVM, STCE), a read and a write function. Writes legalise WARL fields
 * here, so the rest of emu only ever sees legal values.
 *
 * Access rules (§2.1): bits 9:8 of the number are the lowest privilege
 * that may access it (2: hypervisor CSRs, HS-mode); bits 11:10 == 3 mark it
 * read-only. Any violation, or a number not in the table, is an
 * illegal-instruction exception, which is what OpenSBI relies on when it
 * probes optional CSRs under a trap handler. With V=1 (§8.2, §8.6.1) the
 * S CSRs that have a VS replica are redirected to it, and an access that
 * HS-mode could make raises a virtual-instruction exception instead.
 */
#include <stddef.h>

#include "core/machine.h"
#include "cpu-riscv/csr.h"
#include "cpu-riscv/hpm.h"

#define RV_MSTATUS_FS_DIRTY (3ull << 13)
#define RV_UXL_SXL_64 ((2ull << 32) | (2ull << 34))
#define RV_PMP_ADDR_MASK ((1ull << 54) - 1)   /* 56-bit physical addresses, §3.7.1 */

/* PMP configuration byte fields (§3.7.1). */
#define RV_PMP_R 0x01u
#define RV_PMP_W 0x02u
#define RV_PMP_A 0x18u
#define RV_PMP_A_TOR 0x08u
#define RV_PMP_L 0x80u

bool rv_stce_active(const struct rv_cpu *rv)
{
    return rv->ext.sstc && (rv->menvcfg & RV_ENVCFG_STCE);
}

uint64_t rv_mtime(const struct rv_cpu *rv)
{
    return rv->cpu.cycles / (rv->time_ratio ? rv->time_ratio : 1);
}

uint64_t rv_time_now(const struct rv_cpu *rv)
{
    /* §8.2.8: VS and VU read time + htimedelta, wrapping. */
    return rv_mtime(rv) + (rv->virt ? rv->htimedelta : 0);
}

uint64_t rv_mip_implemented(const struct rv_cpu *rv)
{
    /* GEILEN = 0 (no guest external interrupt lines): SGEIP never pends. */
    return RV_MIP_ALL | (rv->ext.h ? RV_MIP_VS_BITS : 0);
}

uint64_t rv_mip_visible(const struct rv_cpu *rv)
{
    uint64_t mip = (rv->mip | rv->mip_lines) & RV_MIP_ALL;
    if (rv_stce_active(rv)) {
        /* Sstc: STIP is the comparison itself, read-only. */
        mip &= ~(1ull << RV_IRQ_STI);
        if (rv_mtime(rv) >= rv->stimecmp)
            mip |= 1ull << RV_IRQ_STI;
    }
    if (rv->ext.h) {
        /* §8.2.3: VSSIP is hvip's; VSTIP and VSEIP are hvip's OR-ed with
         * vstimecmp and the hgeip bit VGEIN selects (none: GEILEN = 0). */
        mip |= rv->hvip & RV_MIP_VS_BITS;
        if (rv_vstimer_pending(rv))
            mip |= 1ull << RV_IRQ_VSTI;
    }
    return mip;
}

void rv_fs_dirty(struct rv_cpu *rv)
{
    rv->mstatus |= RV_MSTATUS_FS_DIRTY | RV_MSTATUS_SD;
    /* §8.2.11: with V=1 both FS fields become Dirty. */
    if (rv->virt)
        rv_vsstatus_fs_dirty(rv);
}

void rv_vsstatus_fs_dirty(struct rv_cpu *rv)
{
    rv->vsstatus |= RV_MSTATUS_FS_DIRTY | RV_MSTATUS_SD;
}

/* ---- Sstc timer event ---- */

static void rv_stimer_fire(void *opaque, uint64_t now)
{
    struct rv_cpu *rv = opaque;
    rv_hart_of(rv)->stimer_event = 0;
    rv_update_irq(rv);
}

static void rv_vstimer_fire(void *opaque, uint64_t now)
{
    struct rv_cpu *rv = opaque;
    rv_hart_of(rv)->vstimer_event = 0;
    rv_update_irq(rv);
}

/* Posts fire at the cycle mtime reaches mtime_at; *id holds the event. */
static void rv_timer_post(struct rv_cpu *rv, uint64_t *id, bool armed, uint64_t mtime_at,
                          void (*fire)(void *, uint64_t))
{
    struct machine *m = rv->cpu.m;
    if (*id) {
        evq_cancel(&m->evq, *id);
        *id = 0;
    }
    uint64_t ratio = rv->time_ratio ? rv->time_ratio : 1;
    if (!armed || mtime_at > UINT64_MAX / ratio)
        return;     /* nothing to wait for, or beyond the end of modelled time */
    *id = evq_post(&m->evq, mtime_at * ratio, EVQ_PRIO_TIMER, fire, rv);
}

void rv_stimer_update(struct rv_cpu *rv)
{
    struct rv_hart *h = rv_hart_of(rv);
    if (!rv->cpu.m)
        return;
    uint64_t now = rv_mtime(rv);
    rv_timer_post(rv, &h->stimer_event, rv_stce_active(rv) && now < rv->stimecmp, rv->stimecmp, rv_stimer_fire);
    /* vstimecmp compares with time + htimedelta (wrapping): it is reached
     * after vstimecmp - (now + htimedelta) more ticks. */
    uint64_t vnow = now + rv->htimedelta;
    bool varmed = rv->ext.h && !rv_vstimer_pending(rv) && (rv->henvcfg & RV_ENVCFG_STCE) && rv_stce_active(rv);
    uint64_t wait = rv->vstimecmp - vnow;
    rv_timer_post(rv, &h->vstimer_event, varmed && now + wait >= now, now + wait, rv_vstimer_fire);
}

/* ---- checks (dynamic access rules) ---- */

static int rv_check_fp(const struct rv_cpu *rv, unsigned csr, struct rv_csr_mode m)
{
    /* Unpriv spec §11.2, priv §3.1.6.6: FS = Off makes fcsr inaccessible;
     * with V=1 vsstatus.FS too, and always as illegal (§8.6.1). */
    if (!rv->ext.f || !(rv->mstatus & RV_MSTATUS_FS))
        return RV_CSR_ILLEGAL;
    return m.virt && !(rv->vsstatus & RV_MSTATUS_FS) ? RV_CSR_ILLEGAL : 0;
}

/* Counter enables: priv 1.12 §3.1.11 (mcounteren), §4.1.4 (scounteren),
 * §8.2.7 (hcounteren). */
static int rv_check_counter(const struct rv_cpu *rv, unsigned csr, struct rv_csr_mode m)
{
    unsigned idx = csr & 31;
    bool present = idx < 3 ? rv->ext.zicntr : rv->ext.zihpm;
    if (!present)
        return RV_CSR_ILLEGAL;
    if (m.priv == RV_PRIV_M)
        return 0;
    if (!((rv->mcounteren >> idx) & 1))
        return RV_CSR_ILLEGAL;
    if (m.virt) {
        if (!((rv->hcounteren >> idx) & 1))
            return RV_CSR_VIRTUAL;
        if (m.priv == RV_PRIV_U && !((rv->scounteren >> idx) & 1))
            return RV_CSR_VIRTUAL;
        return 0;
    }
    return m.priv == RV_PRIV_U && !((rv->scounteren >> idx) & 1) ? RV_CSR_ILLEGAL : 0;
}

static int rv_check_satp(const struct rv_cpu *rv, unsigned csr, struct rv_csr_mode m)
{
    /* §3.1.6.5: TVM traps HS-mode satp accesses; §8.2.1: VTVM those of VS. */
    if (m.priv != RV_PRIV_S || m.qualify)
        return 0;
    if (m.virt)
        return (rv->hstatus & RV_HSTATUS_VTVM) ? RV_CSR_VIRTUAL : 0;
    return (rv->mstatus & RV_MSTATUS_TVM) ? RV_CSR_ILLEGAL : 0;
}

static int rv_check_stimecmp(const struct rv_cpu *rv, unsigned csr, struct rv_csr_mode m)
{
    /* Sstc: below M, stimecmp needs menvcfg.STCE and mcounteren.TM; with
     * V=1 (vstimecmp behind it) also henvcfg.STCE and hcounteren.TM. */
    if (!rv->ext.sstc)
        return RV_CSR_ILLEGAL;
    if (m.priv == RV_PRIV_M)
        return 0;
    if (!(rv->menvcfg & RV_ENVCFG_STCE) || !(rv->mcounteren & RV_CNT_TM))
        return RV_CSR_ILLEGAL;
    if (m.virt && (!(rv->henvcfg & RV_ENVCFG_STCE) || !(rv->hcounteren & RV_CNT_TM)))
        return RV_CSR_VIRTUAL;
    return 0;
}

static int rv_check_pmpcfg(const struct rv_cpu *rv, unsigned csr, struct rv_csr_mode m)
{
    /* §3.7.1: RV64 has only the even-numbered pmpcfg registers. */
    return (csr & 1) ? RV_CSR_ILLEGAL : 0;
}

/* ---- plain storage ---- */

static uint64_t *rv_csr_field(struct rv_cpu *rv, unsigned csr)
{
    switch (csr) {
    case RV_CSR_MSCRATCH: return &rv->mscratch;
    case RV_CSR_MCAUSE: return &rv->mcause;
    case RV_CSR_MTVAL: return &rv->mtval;
    case RV_CSR_SSCRATCH: return &rv->sscratch;
    case RV_CSR_SCAUSE: return &rv->scause;
    case RV_CSR_STVAL: return &rv->stval;
    case RV_CSR_HTVAL: return &rv->htval;
    case RV_CSR_HTINST: return &rv->htinst;
    case RV_CSR_VSSCRATCH: return &rv->vsscratch;
    case RV_CSR_VSCAUSE: return &rv->vscause;
    case RV_CSR_VSTVAL: return &rv->vstval;
    case RV_CSR_MTVAL2: return &rv->mtval2;
    case RV_CSR_MTINST: return &rv->mtinst;
    default: return NULL;
    }
}

uint64_t rv_read_plain(struct rv_cpu *rv, unsigned csr)
{
    return *rv_csr_field(rv, csr);
}

void rv_write_plain(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    *rv_csr_field(rv, csr) = val;
}

uint64_t rv_read_zero(struct rv_cpu *rv, unsigned csr)
{
    return 0;
}

void rv_write_ignore(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
}

/* ---- floating-point CSRs (unpriv spec §11.2) ---- */

static uint64_t rv_read_fcsr(struct rv_cpu *rv, unsigned csr)
{
    switch (csr) {
    case RV_CSR_FFLAGS: return rv->fflags & 0x1f;
    case RV_CSR_FRM: return rv->frm & 7;
    default: return ((rv->frm & 7) << 5) | (rv->fflags & 0x1f);
    }
}

static void rv_write_fcsr(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    switch (csr) {
    case RV_CSR_FFLAGS: rv->fflags = val & 0x1f; break;
    case RV_CSR_FRM: rv->frm = val & 7; break;
    default:
        rv->fflags = val & 0x1f;
        rv->frm = (val >> 5) & 7;
        break;
    }
    rv_fs_dirty(rv);
}

/* ---- mstatus / sstatus (§3.1.6, §4.1.1, §8.4.1) ---- */

static uint64_t rv_mstatus_wmask(const struct rv_cpu *rv)
{
    uint64_t m = RV_MSTATUS_SIE | RV_MSTATUS_MIE | RV_MSTATUS_SPIE | RV_MSTATUS_MPIE | RV_MSTATUS_SPP |
                 RV_MSTATUS_MPP | RV_MSTATUS_MPRV | RV_MSTATUS_SUM | RV_MSTATUS_MXR | RV_MSTATUS_TVM |
                 RV_MSTATUS_TW | RV_MSTATUS_TSR;
    if (rv->ext.f)
        m |= RV_MSTATUS_FS;
    if (rv->ext.h)
        m |= RV_MSTATUS_MPV | RV_MSTATUS_GVA;
    return m;
}

uint64_t rv_sstatus_legal(uint64_t old, uint64_t val, uint64_t wmask)
{
    uint64_t nv = (old & ~wmask) | (val & wmask);
    nv &= ~(RV_MSTATUS_SD | RV_MSTATUS_UXL);
    if ((nv & RV_MSTATUS_FS) == RV_MSTATUS_FS)
        nv |= RV_MSTATUS_SD;
    return nv | RV_UXL_64;
}

/* Installs a new mstatus value, keeping read-only fields and legal MPP. */
static void rv_mstatus_set(struct rv_cpu *rv, uint64_t val, uint64_t wmask)
{
    uint64_t old = rv->mstatus;
    uint64_t nv = (old & ~wmask) | (val & wmask);
    /* MPP is WARL: 2 (reserved) keeps the old mode. */
    if (((nv & RV_MSTATUS_MPP) >> 11) == 2)
        nv = (nv & ~RV_MSTATUS_MPP) | (old & RV_MSTATUS_MPP);
    nv &= ~RV_MSTATUS_SD;
    if ((nv & RV_MSTATUS_FS) == RV_MSTATUS_FS)
        nv |= RV_MSTATUS_SD;
    nv = (nv & ~(RV_MSTATUS_UXL | RV_MSTATUS_SXL)) | RV_UXL_SXL_64;
    rv->mstatus = nv;
    /* MXR changes what every regime may read; SUM and MPRV select another
     * mmu_idx instead (rv_data_mmu_idx), so they need no flush. */
    if ((old ^ nv) & RV_MSTATUS_MXR)
        exec_flush_tlb(&rv->cpu);
    rv_update_irq(rv);
}

static uint64_t rv_read_mstatus(struct rv_cpu *rv, unsigned csr)
{
    return rv->mstatus;
}

static void rv_write_mstatus(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv_mstatus_set(rv, val, rv_mstatus_wmask(rv));
}

static uint64_t rv_read_sstatus(struct rv_cpu *rv, unsigned csr)
{
    return rv->mstatus & RV_SSTATUS_VIEW;
}

static void rv_write_sstatus(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv_mstatus_set(rv, val, rv_mstatus_wmask(rv) & RV_SSTATUS_VIEW);
}

/* ---- misa, delegation, interrupt enables and pending (§3.1.1, §3.1.8-9) ---- */

static uint64_t rv_read_misa(struct rv_cpu *rv, unsigned csr)
{
    return rv->misa;
}

static uint64_t rv_read_deleg(struct rv_cpu *rv, unsigned csr)
{
    return csr == RV_CSR_MEDELEG ? rv->medeleg : rv->mideleg;
}

static void rv_write_deleg(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    if (csr == RV_CSR_MEDELEG) {
        /* Exceptions 0-9, 12, 13, 15; ecall from M (11) never delegates.
         * With H also ecall from VS (10), guest-page faults and virtual
         * instruction (20-23, §8.6.2). */
        uint64_t mask = 0xb3ffull;
        if (rv->ext.h)
            mask |= (1ull << RV_EXC_ECALL_VS) | (0xfull << RV_EXC_INSN_GUEST_PAGE);
        rv->medeleg = val & mask;
    } else {
        /* §8.4.2: the VS bits are read-only one. */
        rv->mideleg = (val & RV_MIP_S_BITS) | (rv->ext.h ? RV_MIP_VS_BITS : 0);
        rv_update_irq(rv);
    }
}

/* The bits sie/sip show at HS level: delegated S bits, never the VS bits,
 * which live in hie/hip (§8.2.3). */
static uint64_t rv_s_view_mask(const struct rv_cpu *rv)
{
    return rv->mideleg & RV_MIP_S_BITS;
}

static uint64_t rv_read_mie(struct rv_cpu *rv, unsigned csr)
{
    return csr == RV_CSR_MIE ? rv->mie : rv->mie & rv_s_view_mask(rv);
}

static void rv_write_mie(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    uint64_t mask = csr == RV_CSR_MIE ? rv_mip_implemented(rv) : rv_s_view_mask(rv);
    rv->mie = (rv->mie & ~mask) | (val & mask);
    rv_update_irq(rv);
}

static uint64_t rv_read_mip(struct rv_cpu *rv, unsigned csr)
{
    uint64_t mip = rv_mip_visible(rv);
    return csr == RV_CSR_MIP ? mip : mip & rv_s_view_mask(rv);
}

static void rv_write_mip(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    uint64_t mask;
    if (csr == RV_CSR_MIP) {
        mask = (1ull << RV_IRQ_SSI) | (1ull << RV_IRQ_SEI);
        if (!rv_stce_active(rv))
            mask |= 1ull << RV_IRQ_STI;
        /* §8.4.3: mip.VSSIP is an alias of hvip.VSSIP. */
        if (rv->ext.h) {
            uint64_t vssip = 1ull << RV_IRQ_VSSI;
            rv->hvip = (rv->hvip & ~vssip) | (val & vssip);
        }
    } else {
        /* §4.1.3: only SSIP is writable through sip, when delegated. */
        mask = (1ull << RV_IRQ_SSI) & rv->mideleg;
    }
    rv->mip = (rv->mip & ~mask) | (val & mask);
    rv_update_irq(rv);
}

/* ---- trap setup and handling ---- */

static uint64_t rv_read_tvec(struct rv_cpu *rv, unsigned csr)
{
    return csr == RV_CSR_MTVEC ? rv->mtvec : rv->stvec;
}

static void rv_write_tvec(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    uint64_t *reg = csr == RV_CSR_MTVEC ? &rv->mtvec : &rv->stvec;
    /* §3.1.7: MODE is WARL, Direct (0) and Vectored (1) only. */
    if ((val & 3) >= 2)
        val = (val & ~3ull) | (*reg & 3);
    *reg = val;
}

static uint64_t rv_read_epc(struct rv_cpu *rv, unsigned csr)
{
    uint64_t v = csr == RV_CSR_MEPC ? rv->mepc : rv->sepc;
    /* §3.1.14: with IALIGN = 32, bit 1 reads as zero. */
    return rv->ext.c ? v : v & ~3ull;
}

static void rv_write_epc(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    *(csr == RV_CSR_MEPC ? &rv->mepc : &rv->sepc) = val & ~1ull;
}

static uint64_t rv_read_counteren(struct rv_cpu *rv, unsigned csr)
{
    return csr == RV_CSR_MCOUNTEREN ? rv->mcounteren : rv->scounteren;
}

static void rv_write_counteren(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    *(csr == RV_CSR_MCOUNTEREN ? &rv->mcounteren : &rv->scounteren) = val & 0xffffffffull;
}

/* ---- environment configuration (§3.1.18, §4.1.5) ---- */

uint64_t rv_envcfg_wmask(const struct rv_cpu *rv, bool machine)
{
    uint64_t m = RV_ENVCFG_FIOM;
    if (rv->ext.zicbom)
        m |= RV_ENVCFG_CBIE | RV_ENVCFG_CBCFE;
    if (rv->ext.zicboz)
        m |= RV_ENVCFG_CBZE;
    if (machine && rv->ext.svpbmt)
        m |= RV_ENVCFG_PBMTE;
    if (machine && rv->ext.sstc)
        m |= RV_ENVCFG_STCE;
    return m;
}

static uint64_t rv_read_envcfg(struct rv_cpu *rv, unsigned csr)
{
    return csr == RV_CSR_MENVCFG ? rv->menvcfg : rv->senvcfg;
}

static void rv_write_envcfg(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    bool machine = csr == RV_CSR_MENVCFG;
    uint64_t *reg = machine ? &rv->menvcfg : &rv->senvcfg;
    uint64_t mask = rv_envcfg_wmask(rv, machine);
    uint64_t old = *reg;
    uint64_t nv = (old & ~mask) | (val & mask);
    /* Zicbom: CBIE = 2 is reserved; keep the old value. */
    if (((nv & RV_ENVCFG_CBIE) >> 4) == 2)
        nv = (nv & ~RV_ENVCFG_CBIE) | (old & RV_ENVCFG_CBIE);
    *reg = nv;
    if ((old ^ nv) & RV_ENVCFG_PBMTE)
        exec_flush_tlb(&rv->cpu);
    if ((old ^ nv) & RV_ENVCFG_STCE) {
        /* henvcfg.STCE reads zero while menvcfg.STCE is clear. */
        if (machine && !(nv & RV_ENVCFG_STCE))
            rv->henvcfg &= ~RV_ENVCFG_STCE;
        rv_stimer_update(rv);
        rv_update_irq(rv);
    }
    if (machine && !(nv & RV_ENVCFG_PBMTE))
        rv->henvcfg &= ~RV_ENVCFG_PBMTE;
}

/* ---- Sstc ---- */

static uint64_t rv_read_stimecmp(struct rv_cpu *rv, unsigned csr)
{
    return rv->stimecmp;
}

static void rv_write_stimecmp(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv->stimecmp = val;
    rv_stimer_update(rv);
    rv_update_irq(rv);
}

/* ---- address translation (§4.1.11) ---- */

static uint64_t rv_read_satp(struct rv_cpu *rv, unsigned csr)
{
    return rv->satp;
}

static void rv_write_satp(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    unsigned mode = (unsigned)(val >> RV_SATP_MODE_SHIFT);
    /* WARL: a write selecting an unsupported mode has no effect. */
    if (mode != RV_SATP_MODE_BARE && mode != RV_SATP_MODE_SV39 && mode != RV_SATP_MODE_SV48 &&
        mode != RV_SATP_MODE_SV57)
        return;
    rv->satp = val;
    /* §4.1.11: no fence is implied; the soft TLB switches to the bank of
     * this address space (addrspace.c). */
    rv_tlb_ctx_update(rv);
}

/* ---- counters (§3.1.10-13, unpriv ch. 10; the counting is in hpm.c) ---- */

static uint64_t rv_read_counter(struct rv_cpu *rv, unsigned csr)
{
    unsigned idx = csr & 31;
    return idx == RV_CTR_TM ? rv_time_now(rv) : rv_counter_read(rv, idx);
}

static void rv_write_mcounter(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv_counter_write(rv, csr & 31, val);
}

static uint64_t rv_read_mhpmevent(struct rv_cpu *rv, unsigned csr)
{
    return rv->mhpmevent[csr & 31];
}

static void rv_write_mhpmevent(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv_hpmevent_write(rv, csr & 31, val);
}

static uint64_t rv_read_mcountinhibit(struct rv_cpu *rv, unsigned csr)
{
    return rv->mcountinhibit;
}

static void rv_write_mcountinhibit(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    rv_countinhibit_write(rv, val);
}

/* ---- PMP (§3.7.1) ---- */

static uint64_t rv_read_pmpcfg(struct rv_cpu *rv, unsigned csr)
{
    unsigned first = (csr - RV_CSR_PMPCFG0) * 4;
    uint64_t v = 0;
    for (unsigned i = 0; i < 8 && first + i < RV_NPMP; i++)
        v |= (uint64_t)rv->pmpcfg[first + i] << (8 * i);
    return v;
}

static uint8_t rv_pmpcfg_legal(uint8_t cfg)
{
    cfg &= (uint8_t)~0x60u;                 /* bits 6:5 are reserved zero */
    if ((cfg & (RV_PMP_R | RV_PMP_W)) == RV_PMP_W)
        cfg &= (uint8_t)~RV_PMP_W;          /* R=0, W=1 is reserved */
    return cfg;
}

static void rv_write_pmpcfg(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    unsigned first = (csr - RV_CSR_PMPCFG0) * 4;
    for (unsigned i = 0; i < 8 && first + i < RV_NPMP; i++) {
        if (rv->pmpcfg[first + i] & RV_PMP_L)
            continue;                       /* §3.7.1.3: locked entries ignore writes */
        rv->pmpcfg[first + i] = rv_pmpcfg_legal((uint8_t)(val >> (8 * i)));
    }
    exec_flush_tlb(&rv->cpu);
}

static uint64_t rv_read_pmpaddr(struct rv_cpu *rv, unsigned csr)
{
    unsigned n = csr - RV_CSR_PMPADDR0;
    return n < RV_NPMP ? rv->pmpaddr[n] : 0;
}

static void rv_write_pmpaddr(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    unsigned n = csr - RV_CSR_PMPADDR0;
    if (n >= RV_NPMP || (rv->pmpcfg[n] & RV_PMP_L))
        return;
    /* A locked TOR entry also locks the address below it. */
    if (n + 1 < RV_NPMP && (rv->pmpcfg[n + 1] & RV_PMP_L) && (rv->pmpcfg[n + 1] & RV_PMP_A) == RV_PMP_A_TOR)
        return;
    rv->pmpaddr[n] = val & RV_PMP_ADDR_MASK;
    exec_flush_tlb(&rv->cpu);
}

/* ---- machine information (§3.1.2-5) ---- */

static uint64_t rv_read_mhartid(struct rv_cpu *rv, unsigned csr)
{
    return rv->hartid;
}

static uint64_t rv_read_tinfo(struct rv_cpu *rv, unsigned csr)
{
    return 1;   /* debug spec §5.7.6: no trigger types (type 0 only) */
}

static const struct rv_csr_def rv_csr_table[] = {
    { RV_CSR_FFLAGS, 3, rv_check_fp, rv_read_fcsr, rv_write_fcsr },
    { RV_CSR_SSTATUS, 1, NULL, rv_read_sstatus, rv_write_sstatus },
    { RV_CSR_SIE, 1, NULL, rv_read_mie, rv_write_mie },
    { RV_CSR_STVEC, 1, NULL, rv_read_tvec, rv_write_tvec },
    { RV_CSR_SCOUNTEREN, 1, NULL, rv_read_counteren, rv_write_counteren },
    { RV_CSR_SENVCFG, 1, NULL, rv_read_envcfg, rv_write_envcfg },
    { RV_CSR_SSCRATCH, 1, NULL, rv_read_plain, rv_write_plain },
    { RV_CSR_SEPC, 1, NULL, rv_read_epc, rv_write_epc },
    { RV_CSR_SCAUSE, 2, NULL, rv_read_plain, rv_write_plain },     /* scause, stval */
    { RV_CSR_SIP, 1, NULL, rv_read_mip, rv_write_mip },
    { RV_CSR_STIMECMP, 1, rv_check_stimecmp, rv_read_stimecmp, rv_write_stimecmp },
    { RV_CSR_SATP, 1, rv_check_satp, rv_read_satp, rv_write_satp },
    { RV_CSR_MSTATUS, 1, NULL, rv_read_mstatus, rv_write_mstatus },
    { RV_CSR_MISA, 1, NULL, rv_read_misa, rv_write_ignore },
    { RV_CSR_MEDELEG, 2, NULL, rv_read_deleg, rv_write_deleg },    /* medeleg, mideleg */
    { RV_CSR_MIE, 1, NULL, rv_read_mie, rv_write_mie },
    { RV_CSR_MTVEC, 1, NULL, rv_read_tvec, rv_write_tvec },
    { RV_CSR_MCOUNTEREN, 1, NULL, rv_read_counteren, rv_write_counteren },
    { RV_CSR_MENVCFG, 1, NULL, rv_read_envcfg, rv_write_envcfg },
    { RV_CSR_MCOUNTINHIBIT, 1, NULL, rv_read_mcountinhibit, rv_write_mcountinhibit },
    { RV_CSR_MHPMEVENT3, 29, NULL, rv_read_mhpmevent, rv_write_mhpmevent },
    { RV_CSR_MSCRATCH, 1, NULL, rv_read_plain, rv_write_plain },
    { RV_CSR_MEPC, 1, NULL, rv_read_epc, rv_write_epc },
    { RV_CSR_MCAUSE, 2, NULL, rv_read_plain, rv_write_plain },     /* mcause, mtval */
    { RV_CSR_MIP, 1, NULL, rv_read_mip, rv_write_mip },
    { RV_CSR_PMPCFG0, 16, rv_check_pmpcfg, rv_read_pmpcfg, rv_write_pmpcfg },
    { RV_CSR_PMPADDR0, 64, NULL, rv_read_pmpaddr, rv_write_pmpaddr },
    { RV_CSR_MSECCFG, 1, NULL, rv_read_zero, rv_write_ignore },
    { RV_CSR_TSELECT, 4, NULL, rv_read_zero, rv_write_ignore },    /* tselect, tdata1-3 */
    { RV_CSR_TINFO, 1, NULL, rv_read_tinfo, rv_write_ignore },
    { RV_CSR_MCYCLE, 1, NULL, rv_read_counter, rv_write_mcounter },
    { RV_CSR_MINSTRET, 1, NULL, rv_read_counter, rv_write_mcounter },
    { RV_CSR_MHPMCOUNTER3, 29, NULL, rv_read_counter, rv_write_mcounter },
    { RV_CSR_CYCLE, 32, rv_check_counter, rv_read_counter, NULL },
    { RV_CSR_MVENDORID, 3, NULL, rv_read_zero, NULL },             /* mvendorid, marchid, mimpid */
    { RV_CSR_MHARTID, 1, NULL, rv_read_mhartid, NULL },
    { RV_CSR_MCONFIGPTR, 1, NULL, rv_read_zero, NULL },
};

static const struct rv_csr_def *rv_csr_find(const struct rv_cpu *rv, unsigned csr)
{
    for (size_t i = 0; i < sizeof(rv_csr_table) / sizeof(rv_csr_table[0]); i++) {
        const struct rv_csr_def *d = &rv_csr_table[i];
        if (csr >= d->num && csr < (unsigned)d->num + d->count)
            return d;
    }
    return rv->ext.h ? rv_csr_find_h(csr) : NULL;
}

static int rv_csr_check(const struct rv_cpu *rv, const struct rv_csr_def *d, unsigned csr, struct rv_csr_mode m)
{
    return d->check ? d->check(rv, csr, m) : 0;
}

/*
 * §2.1 privilege and read-only rules, the V=1 rules of §8.6.1, then the
 * CSR's own check. Returns 0 with *out the row and *eff the CSR to act on
 * (the VS replica when V=1 redirects), or RV_CSR_ILLEGAL/RV_CSR_VIRTUAL.
 */
static int rv_csr_access(const struct rv_cpu *rv, unsigned csr, bool write, const struct rv_csr_def **out,
                         unsigned *eff)
{
    csr &= 0xfff;
    const struct rv_csr_def *d = rv_csr_find(rv, csr);
    unsigned level = (csr >> 8) & 3;
    struct rv_csr_mode m = { .priv = rv->priv, .virt = rv->virt };
    if (!d || (write && (((csr >> 10) & 3) == 3 || !d->write)))
        return RV_CSR_ILLEGAL;
    *out = d;
    *eff = csr;
    if (rv->priv == RV_PRIV_M)
        return rv_csr_check(rv, d, csr, m);
    if (!rv->virt) {
        /* Level 2 (hypervisor, VS) CSRs need HS-mode. */
        unsigned need = level == 2 ? RV_PRIV_S : level;
        return need > (unsigned)rv->priv ? RV_CSR_ILLEGAL : rv_csr_check(rv, d, csr, m);
    }
    if (level == 3)
        return RV_CSR_ILLEGAL;
    if (level == 2 || (level == 1 && rv->priv == RV_PRIV_U)) {
        /* Above the guest's privilege: virtual instruction when HS-mode
         * could make the access (the CSR is HS-qualified), else illegal. */
        struct rv_csr_mode hs = { .priv = RV_PRIV_S, .qualify = true };
        return rv_csr_check(rv, d, csr, hs) ? RV_CSR_ILLEGAL : RV_CSR_VIRTUAL;
    }
    int r = rv_csr_check(rv, d, csr, m);
    if (r)
        return r;
    unsigned vs = level == 1 ? rv_csr_vs_alias(csr) : 0;
    if (vs) {
        *out = rv_csr_find(rv, vs);
        *eff = vs;
    }
    return 0;
}

int rv_csr_read(struct rv_cpu *rv, unsigned csr, uint64_t *val)
{
    const struct rv_csr_def *d;
    unsigned eff;
    int r = rv_csr_access(rv, csr, false, &d, &eff);
    if (r)
        return r;
    *val = d->read(rv, eff);
    return 0;
}

int rv_csr_write(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    const struct rv_csr_def *d;
    unsigned eff;
    int r = rv_csr_access(rv, csr, true, &d, &eff);
    if (r)
        return r;
    d->write(rv, eff, val);
    return 0;
}

int rv_csr_get(struct rv_cpu *rv, unsigned csr, uint64_t *val)
{
    const struct rv_csr_def *d = csr > 0xfff ? NULL : rv_csr_find(rv, csr);
    if (!d)
        return -1;
    *val = d->read(rv, csr);
    return 0;
}

int rv_csr_set(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    const struct rv_csr_def *d = csr > 0xfff ? NULL : rv_csr_find(rv, csr);
    if (!d || !d->write)
        return -1;
    d->write(rv, csr, val);
    return 0;
}

/* ---- Zicsr instructions (unpriv spec ch. 9) ---- */

/* imm: RV_CSR_IMM(csr, rd != 0, src != 0), the instruction word in bits 63:32. */
static unsigned rv_imm_csr(int64_t imm) { return (unsigned)((uint64_t)imm >> 8) & 0xfff; }
static bool rv_imm_rd(int64_t imm) { return (imm & 2) != 0; }
static bool rv_imm_src(int64_t imm) { return (imm & 1) != 0; }
static uint64_t rv_imm_insn(int64_t imm) { return (uint64_t)imm >> 32; }

static uint64_t rv_csr_trap(struct rv_cpu *rv, int64_t imm, int why)
{
    rv_raise_insn(rv, why == RV_CSR_VIRTUAL, rv_imm_insn(imm));
    return 0;
}

uint64_t rv_helper_csrrw(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned csr = rv_imm_csr(imm);
    uint64_t old = 0;
    int r;
    /* CSRRW with rd = x0 does not read (no read side effects). */
    if (rv_imm_rd(imm) && (r = rv_csr_read(rv, csr, &old)) != 0)
        return rv_csr_trap(rv, imm, r);
    if ((r = rv_csr_write(rv, csr, a)) != 0)
        return rv_csr_trap(rv, imm, r);
    return old;
}

/* The value a set/clear modifies: for mip, the software SEIP bit rather
 * than its OR with the external line (priv 1.12 §3.1.9). */
static uint64_t rv_csr_rmw_base(struct rv_cpu *rv, unsigned csr, uint64_t old)
{
    if (csr != RV_CSR_MIP)
        return old;
    uint64_t seip = 1ull << RV_IRQ_SEI;
    return (old & ~seip) | (rv->mip & seip);
}

static uint64_t rv_csr_setclear(struct cpu *cpu, uint64_t a, int64_t imm, bool set)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned csr = rv_imm_csr(imm);
    uint64_t old;
    int r;
    if ((r = rv_csr_read(rv, csr, &old)) != 0)
        return rv_csr_trap(rv, imm, r);
    /* With rs1 = x0 (or uimm = 0) there is no write: read-only CSRs are fine. */
    if (rv_imm_src(imm)) {
        uint64_t base = rv_csr_rmw_base(rv, csr, old);
        if ((r = rv_csr_write(rv, csr, set ? base | a : base & ~a)) != 0)
            return rv_csr_trap(rv, imm, r);
    }
    return old;
}

uint64_t rv_helper_csrrs(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return rv_csr_setclear(cpu, a, imm, true);
}

uint64_t rv_helper_csrrc(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    return rv_csr_setclear(cpu, a, imm, false);
}

/* ---- reset (§3.4) ---- */

static uint64_t rv_misa_value(const struct rv_ext *e)
{
    uint64_t v = 2ull << 62;                    /* MXL = 64 */
    const struct { bool on; char letter; } bits[] = {
        { true, 'I' }, { e->m, 'M' }, { e->a, 'A' }, { e->f, 'F' }, { e->d, 'D' },
        { e->c, 'C' }, { true, 'S' }, { true, 'U' }, { e->h, 'H' },
    };
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (bits[i].on)
            v |= 1ull << (bits[i].letter - 'A');
    return v;
}

void rv_csr_reset(struct rv_cpu *rv)
{
    struct rv_hart *h = rv_hart_of(rv);
    if (h->stimer_event && rv->cpu.m)
        evq_cancel(&rv->cpu.m->evq, h->stimer_event);
    h->stimer_event = 0;
    for (unsigned i = 0; i < RV_CTR_COUNT; i++)
        h->ctr_base[i] = 0;
    rv->misa = rv_misa_value(&rv->ext);
    rv->mstatus = RV_UXL_SXL_64;                /* FS = Off, MIE = 0, MPRV = 0, MPV = 0 */
    rv->medeleg = rv->mie = rv->mip = 0;
    rv->mideleg = rv->ext.h ? RV_MIP_VS_BITS : 0;
    rv->mtvec = rv->mscratch = rv->mepc = rv->mcause = rv->mtval = 0;
    rv->mcounteren = rv->mcountinhibit = rv->menvcfg = rv->mseccfg = 0;
    for (unsigned i = 0; i < 32; i++)
        rv->mhpmevent[i] = 0;
    rv->stvec = rv->sscratch = rv->sepc = rv->scause = rv->stval = 0;
    rv->satp = rv->scounteren = rv->senvcfg = 0;
    rv->stimecmp = UINT64_MAX;
    rv->fflags = rv->frm = 0;
    for (unsigned i = 0; i < RV_NPMP; i++) {
        rv->pmpcfg[i] = 0;                      /* §3.7.1: A = OFF, L = 0 at reset */
        rv->pmpaddr[i] = 0;
    }
    rv_csr_reset_h(rv);
    rv_tlb_ctx_reset(rv);
}
