/*
 * The CSR table format shared by csr.c (machine, supervisor, user CSRs)
 * and csr_h.c (hypervisor and VS CSRs). Private to those two files.
 *
 * A row covers CSRs num .. num + count - 1. Its check applies the dynamic
 * access rules beyond priv 1.12 §2.1 (FS, counter enables, TVM/VTVM,
 * STCE) for the mode given; it returns 0, RV_CSR_ILLEGAL or
 * RV_CSR_VIRTUAL. When the mode has qualify set, the check answers "would
 * this access be allowed in HS-mode with mstatus.TVM = 0" (§8.6.1), and
 * must not return RV_CSR_VIRTUAL.
 */
#ifndef EMU_CPU_RISCV_CSR_H
#define EMU_CPU_RISCV_CSR_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu-riscv/hart.h"

/* The mode an access is judged in. */
struct rv_csr_mode {
    enum rv_priv priv;
    bool virt;
    bool qualify;           /* HS-qualification: as HS-mode, ignoring TVM */
};

typedef int (*rv_csr_check_fn)(const struct rv_cpu *rv, unsigned csr, struct rv_csr_mode m);
typedef uint64_t (*rv_csr_read_fn)(struct rv_cpu *rv, unsigned csr);
typedef void (*rv_csr_write_fn)(struct rv_cpu *rv, unsigned csr, uint64_t val);

struct rv_csr_def {
    uint16_t num, count;
    rv_csr_check_fn check;      /* NULL: §2.1 rules only */
    rv_csr_read_fn read;
    rv_csr_write_fn write;      /* NULL: read-only */
};

/* csr.c helpers csr_h.c uses. */
bool rv_stce_active(const struct rv_cpu *rv);
/* A CSR that is plain storage (scratch, cause, tval, htval, htinst,
 * mtval2, mtinst and their VS copies), and one that reads zero and
 * ignores writes. */
uint64_t rv_read_plain(struct rv_cpu *rv, unsigned csr);
void rv_write_plain(struct rv_cpu *rv, unsigned csr, uint64_t val);
uint64_t rv_read_zero(struct rv_cpu *rv, unsigned csr);
void rv_write_ignore(struct rv_cpu *rv, unsigned csr, uint64_t val);
/* The TM counter-enable bit (§3.1.11), which Sstc also reads; the
 * counters themselves are in hpm.h. */
#define RV_CNT_TM (1u << 1)
/* The envcfg fields writable in menvcfg (machine) or senvcfg/henvcfg. */
uint64_t rv_envcfg_wmask(const struct rv_cpu *rv, bool machine);
/* Installs a new status value into *reg under wmask, legalising it as
 * sstatus/vsstatus (SD, UXL). */
uint64_t rv_sstatus_legal(uint64_t old, uint64_t val, uint64_t wmask);
#define RV_SSTATUS_VIEW (RV_MSTATUS_SIE | RV_MSTATUS_SPIE | RV_MSTATUS_UBE | RV_MSTATUS_SPP | RV_MSTATUS_FS | \
                         RV_MSTATUS_XS | RV_MSTATUS_SUM | RV_MSTATUS_MXR | RV_MSTATUS_UXL | RV_MSTATUS_SD)
#define RV_UXL_64 (2ull << 32)

#endif
