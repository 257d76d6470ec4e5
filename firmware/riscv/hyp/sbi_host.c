/*
 * The test hypervisor as an SBI implementation for a supervisor payload
 * (RISC-V priv 1.12 ch. 8; SBI spec 1.0): runs tests/guest/kvm_payload.S,
 * embedded by payload_blob.S, as its VS-mode guest, the same payload that
 * Linux KVM runs as its L2 guest in tests/boot/kvm.sh.
 *
 * The G-stage (Sv39x4, VMID 1) maps this image and the RAM after it
 * identity in 2 MiB pages; the payload runs with vsatp Bare where it was
 * loaded. Its SBI calls arrive as ECALLs from VS (cause 10):
 *   legacy console putchar   the character goes to the UART
 *   TIME set_timer           vstimecmp (Sstc, henvcfg.STCE), as KVM does
 *   SRST / legacy shutdown   the guest is done
 * anything else returns SBI_ERR_NOT_SUPPORTED. Checks on what the payload
 * printed become PASS/FAIL lines; the run ends through the test device.
 */
#include <stdbool.h>
#include <stddef.h>

#include "hyp_lib.h"
#include "test.h"

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_SRST 0x53525354
#define SBI_ERR_NOT_SUPPORTED (-2l)
#define GUEST_VMID 1ul
#define OUT_MAX 2048

static uint64_t g_root[2048] __attribute__((aligned(16384)));
static uint64_t g_l1[512] __attribute__((aligned(4096)));

/* payload_blob.S */
extern void payload_start(void);

static char out[OUT_MAX];
static unsigned out_len, sbi_calls;

static bool printed(const char *s)
{
    for (unsigned i = 0; i < out_len; i++) {
        unsigned j = 0;
        while (s[j] && i + j < out_len && out[i + j] == s[j])
            j++;
        if (!s[j])
            return true;
    }
    return false;
}

/* One SBI call; returns false when the guest is done. */
static bool sbi_call(struct test_trap_frame *f)
{
    uint64_t ext = f->x[17], fid = f->x[16], a0 = f->x[10];
    sbi_calls++;
    switch (ext) {
    case SBI_EXT_LEGACY_PUTCHAR:
        test_putc((char)a0);
        if (out_len < OUT_MAX - 1)
            out[out_len++] = (char)a0;
        f->x[10] = 0;
        return true;
    case SBI_EXT_TIME:
        if (fid != 0)
            break;
        HCSR_WRITE(CSR_VSTIMECMP, a0);
        f->x[10] = 0;
        f->x[11] = 0;
        return true;
    case SBI_EXT_SRST:
    case SBI_EXT_LEGACY_SHUTDOWN:
        return false;
    default:
        break;
    }
    f->x[10] = (uint64_t)SBI_ERR_NOT_SUPPORTED;
    f->x[11] = 0;
    return true;
}

static bool host_trap(struct test_trap_frame *f)
{
    if (!(HCSR_READ(CSR_HSTATUS) & HSTATUS_SPV) || f->cause != CAUSE_ECALL_VS)
        return false;
    if (!sbi_call(f))
        hyp_leave_guest(0);
    f->epc += 4;
    return true;
}

static uint64_t host_main(uint64_t arg)
{
    hyp_map_image(g_root, g_l1);
    HCSR_WRITE(CSR_HGATP, HGATP_SV39X4 | (GUEST_VMID << 44) | ((uintptr_t)g_root >> 12));
    hfence_gvma(0, 0);
    HCSR_WRITE(CSR_VSATP, 0);
    HCSR_WRITE(CSR_HEDELEG, 0);
    HCSR_WRITE(CSR_HIDELEG, HVIP_VSTIP);    /* the payload takes its timer itself */
    HCSR_WRITE(CSR_HCOUNTEREN, 7);
    HCSR_WRITE(CSR_HENVCFG, ENVCFG_STCE);
    HCSR_WRITE(CSR_HTIMEDELTA, 0);
    HCSR_WRITE(CSR_VSTIMECMP, ~0ul);
    HCSR_WRITE(CSR_HSTATUS, HSTATUS_SPV | HSTATUS_SPVP);
    CSR_SET(sstatus, MSTATUS_SPP);
    CSR_WRITE(stvec, (uint64_t)(uintptr_t)test_strap_entry);
    test_strap_hook = host_trap;
    hyp_enter_guest(payload_start);
    test_strap_hook = NULL;
    test_check("payload_greets_through_sbi_putchar", printed("payload: hello from supervisor mode\n"));
    test_check("payload_timer_interrupt_from_vstimecmp", printed("payload: timer interrupt taken\n"));
    test_check("payload_done_then_system_reset", printed("payload: done\n"));
    test_check("payload_made_sbi_calls", sbi_calls > 3);
    return 0;
}

int test_main(unsigned long hartid, unsigned long dtb)
{
    CSR_WRITE(medeleg, 1ul << CAUSE_ECALL_VS);
    CSR_WRITE(mideleg, MIP_SSIP | MIP_STIP | MIP_SEIP);
    CSR_WRITE(mcounteren, 7);
    HCSR_WRITE(CSR_MENVCFG, ENVCFG_STCE);
    test_run_lower(TEST_PRIV_S, host_main, 0);
    return 0;
}
