/*
 * Control and status registers of the riscv hart (RISC-V privileged spec
 * 1.12, ch. 2-4; Zicsr and Zicntr from the unprivileged spec ch. 9-10;
 * Sstc; Zicbom/Zicboz and Svpbmt fields of menvcfg/senvcfg).
 *
 * One table row per CSR (or per run of numbered CSRs such as pmpaddr0-63):
 * a check for the dynamic access rules beyond §2.1 (FS, counter enables,
 * TVM, STCE), a read and a write function. Writes legalise WARL fields
 * here, so the rest of emu only ever sees legal values.
 *
 * Access rules (§2.1): bits 9:8 of the number are the lowest privilege
 * that may access it; bits 11:10 == 3 mark it read-only. Any violation, or
 * a number not in the table, is an illegal-instruction exception, which is
 * what OpenSBI relies on when it probes optional CSRs under a trap handler.
 */
#include <stddef.h>

#include "core/machine.h"
#include "cpu-riscv/hart.h"

typedef int (*rv_csr_check_fn)(const struct rv_cpu *rv, unsigned csr);
typedef uint64_t (*rv_csr_read_fn)(struct rv_cpu *rv, unsigned csr);
typedef void (*rv_csr_write_fn)(struct rv_cpu *rv, unsigned csr, uint64_t val);

struct rv_csr_def {
    uint16_t num, count;        /* CSRs num .. num + count - 1 */
    rv_csr_check_fn check;      /* NULL: §2.1 rules only; else 0 or -1 */
    rv_csr_read_fn read;
    rv_csr_write_fn write;      /* NULL: read-only */
};

#define RV_MSTATUS_FS_DIRTY (3ull << 13)
#define RV_UXL_SXL_64 ((2ull << 32) | (2ull << 34))
#define RV_PMP_ADDR_MASK ((1ull << 54) - 1)   /* 56-bit physical addresses, §3.7.1 */

/* PMP configuration byte fields (§3.7.1). */
#define RV_PMP_R 0x01u
#define RV_PMP_W 0x02u
#define RV_PMP_A 0x18u
#define RV_PMP_A_TOR 0x08u
#define RV_PMP_L 0x80u

/* mcountinhibit / mcounteren bits (§3.1.11-13). */
#define RV_CNT_CY (1u << 0)
#define RV_CNT_TM (1u << 1)
#define RV_CNT_IR (1u << 2)

static bool rv_stce_active(const struct rv_cpu *rv)
{
    return rv->ext.sstc && (rv->menvcfg & RV_ENVCFG_STCE);
}

uint64_t rv_mtime(const struct rv_cpu *rv)
{
    return rv->cpu.cycles / (rv->time_ratio ? rv->time_ratio : 1);
}

uint64_t rv_mip_visible(const struct rv_cpu *rv)
{
    uint64_t mip = rv->mip | rv->mip_lines;
    if (rv_stce_active(rv)) {
        /* Sstc: STIP is the comparison itself, read-only. */
        mip &= ~(1ull << RV_IRQ_STI);
        if (rv_mtime(rv) >= rv->stimecmp)
            mip |= 1ull << RV_IRQ_STI;
    }
    return mip & RV_MIP_ALL;
}

void rv_fs_dirty(struct rv_cpu *rv)
{
    rv->mstatus |= RV_MSTATUS_FS_DIRTY | RV_MSTATUS_SD;
}

/* ---- Sstc timer event ---- */

static void rv_stimer_fire(void *opaque, uint64_t now)
{
    struct rv_cpu *rv = opaque;
    rv_hart_of(rv)->stimer_event = 0;
    rv_update_irq(rv);
}

void rv_stimer_update(struct rv_cpu *rv)
{
    struct rv_hart *h = rv_hart_of(rv);
    struct machine *m = rv->cpu.m;
    if (!m)
        return;
    if (h->stimer_event) {
        evq_cancel(&m->evq, h->stimer_event);
        h->stimer_event = 0;
    }
    if (!rv_stce_active(rv) || rv_mtime(rv) >= rv->stimecmp)
        return;
    uint64_t ratio = rv->time_ratio ? rv->time_ratio : 1;
    if (rv->stimecmp > UINT64_MAX / ratio)
        return;     /* beyond the end of modelled time */
    h->stimer_event = evq_post(&m->evq, rv->stimecmp * ratio, EVQ_PRIO_TIMER, rv_stimer_fire, rv);
}

/* ---- checks (dynamic access rules) ---- */

static int rv_check_fp(const struct rv_cpu *rv, unsigned csr)
{
    /* Unpriv spec §11.2, priv §3.1.6.6: FS = Off makes fcsr inaccessible. */
    return rv->ext.f && (rv->mstatus & RV_MSTATUS_FS) ? 0 : -1;
}

/* Counter enables: priv 1.12 §3.1.11 (mcounteren), §4.1.4 (scounteren). */
static int rv_counter_enabled(const struct rv_cpu *rv, unsigned idx)
{
    if (rv->priv == RV_PRIV_M)
        return 0;
    if (!((rv->mcounteren >> idx) & 1))
        return -1;
    if (rv->priv == RV_PRIV_U && !((rv->scounteren >> idx) & 1))
        return -1;
    return 0;
}

static int rv_check_counter(const struct rv_cpu *rv, unsigned csr)
{
    unsigned idx = csr & 31;
    bool present = idx < 3 ? rv->ext.zicntr : rv->ext.zihpm;
    if (!present)
        return -1;
    return rv_counter_enabled(rv, idx);
}

static int rv_check_satp(const struct rv_cpu *rv, unsigned csr)
{
    /* §3.1.6.5: TVM traps S-mode satp accesses. */
    return rv->priv == RV_PRIV_S && (rv->mstatus & RV_MSTATUS_TVM) ? -1 : 0;
}

static int rv_check_stimecmp(const struct rv_cpu *rv, unsigned csr)
{
    /* Sstc: S-mode needs menvcfg.STCE and mcounteren.TM. */
    if (!rv->ext.sstc)
        return -1;
    if (rv->priv == RV_PRIV_S && (!(rv->menvcfg & RV_ENVCFG_STCE) || !(rv->mcounteren & RV_CNT_TM)))
        return -1;
    return 0;
}

static int rv_check_pmpcfg(const struct rv_cpu *rv, unsigned csr)
{
    /* §3.7.1: RV64 has only the even-numbered pmpcfg registers. */
    return (csr & 1) ? -1 : 0;
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
    default: return NULL;
    }
}

static uint64_t rv_read_plain(struct rv_cpu *rv, unsigned csr)
{
    return *rv_csr_field(rv, csr);
}

static void rv_write_plain(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    *rv_csr_field(rv, csr) = val;
}

static uint64_t rv_read_zero(struct rv_cpu *rv, unsigned csr)
{
    return 0;
}

static void rv_write_ignore(struct rv_cpu *rv, unsigned csr, uint64_t val)
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

/* ---- mstatus / sstatus (§3.1.6, §4.1.1) ---- */

static uint64_t rv_mstatus_wmask(const struct rv_cpu *rv)
{
    uint64_t m = RV_MSTATUS_SIE | RV_MSTATUS_MIE | RV_MSTATUS_SPIE | RV_MSTATUS_MPIE | RV_MSTATUS_SPP |
                 RV_MSTATUS_MPP | RV_MSTATUS_MPRV | RV_MSTATUS_SUM | RV_MSTATUS_MXR | RV_MSTATUS_TVM |
                 RV_MSTATUS_TW | RV_MSTATUS_TSR;
    if (rv->ext.f)
        m |= RV_MSTATUS_FS;
    return m;
}

#define RV_SSTATUS_VIEW (RV_MSTATUS_SIE | RV_MSTATUS_SPIE | RV_MSTATUS_UBE | RV_MSTATUS_SPP | RV_MSTATUS_FS | \
                         RV_MSTATUS_XS | RV_MSTATUS_SUM | RV_MSTATUS_MXR | RV_MSTATUS_UXL | RV_MSTATUS_SD)

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
        /* Exceptions 0-9, 12, 13, 15; ecall from M (11) never delegates. */
        rv->medeleg = val & 0xb3ffull;
    } else {
        rv->mideleg = val & RV_MIP_S_BITS;
        rv_update_irq(rv);
    }
}

static uint64_t rv_read_mie(struct rv_cpu *rv, unsigned csr)
{
    return csr == RV_CSR_MIE ? rv->mie : rv->mie & rv->mideleg;
}

static void rv_write_mie(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    uint64_t mask = csr == RV_CSR_MIE ? RV_MIP_ALL : rv->mideleg;
    rv->mie = (rv->mie & ~mask) | (val & mask);
    rv_update_irq(rv);
}

static uint64_t rv_read_mip(struct rv_cpu *rv, unsigned csr)
{
    uint64_t mip = rv_mip_visible(rv);
    return csr == RV_CSR_MIP ? mip : mip & rv->mideleg;
}

static void rv_write_mip(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    uint64_t mask;
    if (csr == RV_CSR_MIP) {
        mask = (1ull << RV_IRQ_SSI) | (1ull << RV_IRQ_SEI);
        if (!rv_stce_active(rv))
            mask |= 1ull << RV_IRQ_STI;
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

static uint64_t rv_envcfg_wmask(const struct rv_cpu *rv, bool machine)
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
        rv_stimer_update(rv);
        rv_update_irq(rv);
    }
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
    /* The soft TLB carries no ASID tags: any satp change flushes it. */
    exec_flush_tlb(&rv->cpu);
}

/* ---- counters (§3.1.10-13, unpriv ch. 10) ---- */

static uint64_t rv_mcycle_now(struct rv_cpu *rv)
{
    struct rv_hart *h = rv_hart_of(rv);
    return (rv->mcountinhibit & RV_CNT_CY) ? h->mcycle_base : rv->cpu.cycles + h->mcycle_base;
}

static uint64_t rv_minstret_now(struct rv_cpu *rv)
{
    struct rv_hart *h = rv_hart_of(rv);
    return (rv->mcountinhibit & RV_CNT_IR) ? h->minstret_base : rv->cpu.insns + h->minstret_base;
}

static uint64_t rv_read_counter(struct rv_cpu *rv, unsigned csr)
{
    switch (csr & 31) {
    case 0: return rv_mcycle_now(rv);
    case 1: return rv_mtime(rv);
    case 2: return rv_minstret_now(rv);
    default: return 0;      /* hpmcounter3-31: no events implemented */
    }
}

static void rv_write_mcounter(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    struct rv_hart *h = rv_hart_of(rv);
    if (csr == RV_CSR_MCYCLE)
        h->mcycle_base = (rv->mcountinhibit & RV_CNT_CY) ? val : val - rv->cpu.cycles;
    else if (csr == RV_CSR_MINSTRET)
        h->minstret_base = (rv->mcountinhibit & RV_CNT_IR) ? val : val - rv->cpu.insns;
}

static uint64_t rv_read_mcountinhibit(struct rv_cpu *rv, unsigned csr)
{
    return rv->mcountinhibit;
}

static void rv_write_mcountinhibit(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    uint64_t cycle = rv_mcycle_now(rv), instret = rv_minstret_now(rv);
    /* Only CY and IR count here; TM and the zero hpm counters are fixed. */
    rv->mcountinhibit = val & (RV_CNT_CY | RV_CNT_IR);
    rv_write_mcounter(rv, RV_CSR_MCYCLE, cycle);
    rv_write_mcounter(rv, RV_CSR_MINSTRET, instret);
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
    { RV_CSR_MHPMEVENT3, 29, NULL, rv_read_zero, rv_write_ignore },
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
    { RV_CSR_MHPMCOUNTER3, 29, NULL, rv_read_zero, rv_write_ignore },
    { RV_CSR_CYCLE, 32, rv_check_counter, rv_read_counter, NULL },
    { RV_CSR_MVENDORID, 3, NULL, rv_read_zero, NULL },             /* mvendorid, marchid, mimpid */
    { RV_CSR_MHARTID, 1, NULL, rv_read_mhartid, NULL },
    { RV_CSR_MCONFIGPTR, 1, NULL, rv_read_zero, NULL },
};

static const struct rv_csr_def *rv_csr_find(unsigned csr)
{
    for (size_t i = 0; i < sizeof(rv_csr_table) / sizeof(rv_csr_table[0]); i++) {
        const struct rv_csr_def *d = &rv_csr_table[i];
        if (csr >= d->num && csr < (unsigned)d->num + d->count)
            return d;
    }
    return NULL;
}

/* §2.1 privilege and read-only rules, then the CSR's own check. */
static const struct rv_csr_def *rv_csr_access(const struct rv_cpu *rv, unsigned csr, bool write)
{
    const struct rv_csr_def *d = rv_csr_find(csr & 0xfff);
    if (!d)
        return NULL;
    if (((csr >> 8) & 3) > (unsigned)rv->priv)
        return NULL;
    if (write && ((csr >> 10) & 3) == 3)
        return NULL;
    if (d->check && d->check(rv, csr))
        return NULL;
    return d;
}

int rv_csr_read(struct rv_cpu *rv, unsigned csr, uint64_t *val)
{
    const struct rv_csr_def *d = rv_csr_access(rv, csr, false);
    if (!d)
        return -1;
    *val = d->read(rv, csr);
    return 0;
}

int rv_csr_write(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    const struct rv_csr_def *d = rv_csr_access(rv, csr, true);
    if (!d || !d->write)
        return -1;
    d->write(rv, csr, val);
    return 0;
}

int rv_csr_get(struct rv_cpu *rv, unsigned csr, uint64_t *val)
{
    const struct rv_csr_def *d = rv_csr_find(csr);
    if (!d || csr > 0xfff)
        return -1;
    *val = d->read(rv, csr);
    return 0;
}

int rv_csr_set(struct rv_cpu *rv, unsigned csr, uint64_t val)
{
    const struct rv_csr_def *d = rv_csr_find(csr);
    if (!d || !d->write || csr > 0xfff)
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

static uint64_t rv_csr_illegal(struct rv_cpu *rv, int64_t imm)
{
    rv_raise(rv, RV_EXC_ILLEGAL_INSN, rv_imm_insn(imm));
    return 0;
}

uint64_t rv_helper_csrrw(struct cpu *cpu, uint64_t a, uint64_t b, uint64_t c, int64_t imm)
{
    struct rv_cpu *rv = rv_of(cpu);
    unsigned csr = rv_imm_csr(imm);
    uint64_t old = 0;
    /* CSRRW with rd = x0 does not read (no read side effects). */
    if (rv_imm_rd(imm) && rv_csr_read(rv, csr, &old))
        return rv_csr_illegal(rv, imm);
    if (rv_csr_write(rv, csr, a))
        return rv_csr_illegal(rv, imm);
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
    if (rv_csr_read(rv, csr, &old))
        return rv_csr_illegal(rv, imm);
    /* With rs1 = x0 (or uimm = 0) there is no write: read-only CSRs are fine. */
    if (rv_imm_src(imm)) {
        uint64_t base = rv_csr_rmw_base(rv, csr, old);
        if (rv_csr_write(rv, csr, set ? base | a : base & ~a))
            return rv_csr_illegal(rv, imm);
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
    h->mcycle_base = h->minstret_base = 0;
    rv->misa = rv_misa_value(&rv->ext);
    rv->mstatus = RV_UXL_SXL_64;                /* FS = Off, MIE = 0, MPRV = 0 */
    rv->medeleg = rv->mideleg = rv->mie = rv->mip = 0;
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
    exec_flush_tlb(&rv->cpu);
}
