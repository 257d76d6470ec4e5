/*
 * Bare-metal test library for the riscv-virt board (QEMU virt memory map).
 *
 * A test defines test_main(); start.S runs it on hart 0 in M-mode with a
 * stack, a trap vector and PMP opened for S/U. Other harts park until a
 * test hands them a function with test_start_secondaries().
 *
 *   int test_main(unsigned long hartid, unsigned long dtb)
 *   {
 *       test_check("add", 1 + 1 == 2);
 *       test_check_eq("sub", 3 - 1, 2);
 *       return 0;                   // start.S then calls test_exit()
 *   }
 *
 * Output is one line per check, "PASS name" or "FAIL name ...", then a
 * "DONE passed=N failed=M" summary; the run ends through the sifive_test
 * device: pass (exit 0) iff no check failed.
 *
 * Traps: every M-mode trap lands in test_mtrap_dispatch(); a test that
 * expects traps sets test_mtrap_hook (and test_strap_hook for traps it
 * delegates to S) and returns true from it when it handled the trap. An
 * unhandled trap is reported as a FAIL and ends the test.
 */
#ifndef FW_TEST_H
#define FW_TEST_H

#include <stdbool.h>
#include <stdint.h>

/* riscv-virt / QEMU virt devices. */
#define TEST_UART_BASE      0x10000000ul
#define TEST_SIFIVE_TEST    0x100000ul
#define TEST_CLINT_BASE     0x2000000ul
#define TEST_CLINT_MSIP(h)  (TEST_CLINT_BASE + 4ul * (h))
#define TEST_CLINT_MTIMECMP(h) (TEST_CLINT_BASE + 0x4000ul + 8ul * (h))
#define TEST_CLINT_MTIME    (TEST_CLINT_BASE + 0xbff8ul)
#define TEST_MAX_HARTS      8

/* mstatus fields (RISC-V priv 1.12 §3.1.6). */
#define MSTATUS_SIE   (1ul << 1)
#define MSTATUS_MIE   (1ul << 3)
#define MSTATUS_SPIE  (1ul << 5)
#define MSTATUS_MPIE  (1ul << 7)
#define MSTATUS_SPP   (1ul << 8)
#define MSTATUS_MPP   (3ul << 11)
#define MSTATUS_FS    (3ul << 13)
#define MSTATUS_MPRV  (1ul << 17)
#define MSTATUS_SUM   (1ul << 18)
#define MSTATUS_MXR   (1ul << 19)
#define MSTATUS_TVM   (1ul << 20)
#define MSTATUS_TW    (1ul << 21)
#define MSTATUS_TSR   (1ul << 22)

/* Interrupt bits of mip/mie (priv 1.12 §3.1.9). */
#define MIP_SSIP (1ul << 1)
#define MIP_MSIP (1ul << 3)
#define MIP_STIP (1ul << 5)
#define MIP_MTIP (1ul << 7)
#define MIP_SEIP (1ul << 9)
#define MIP_MEIP (1ul << 11)

#define CAUSE_INTERRUPT (1ul << 63)

/* a7 of the ecall that ends test_run_lower (start.S uses the same). */
#define TEST_ECALL_RETURN 0x7e57

enum test_priv { TEST_PRIV_U = 0, TEST_PRIV_S = 1, TEST_PRIV_M = 3 };

#define CSR_READ(csr) ({ uint64_t v_; \
    __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define CSR_WRITE(csr, val) \
    __asm__ volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory")
#define CSR_SET(csr, val) \
    __asm__ volatile("csrs " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory")
#define CSR_CLEAR(csr, val) \
    __asm__ volatile("csrc " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory")
#define CSR_SWAP(csr, val) ({ uint64_t v_; \
    __asm__ volatile("csrrw %0, " #csr ", %1" : "=r"(v_) : "rK"((uint64_t)(val)) : "memory"); v_; })

/*
 * One instruction on register operands, so the test exercises exactly the
 * instruction named, not whatever the compiler would pick.
 */
#define INSN_RR(op, a, b) ({ uint64_t r_; \
    __asm__ volatile(op " %0, %1, %2" : "=r"(r_) \
                     : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })
#define INSN_RI(op, a, imm) ({ uint64_t r_; \
    __asm__ volatile(op " %0, %1, %2" : "=r"(r_) \
                     : "r"((uint64_t)(a)), "i"(imm)); r_; })
#define INSN_R(op, a) ({ uint64_t r_; \
    __asm__ volatile(op " %0, %1" : "=r"(r_) : "r"((uint64_t)(a))); r_; })

#define MMIO32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define MMIO64(addr) (*(volatile uint64_t *)(uintptr_t)(addr))

/*
 * What the trap entry saved: x[0..31] as they were at the trap (x[2] is the
 * interrupted sp), cause/epc/tval and status of the level that took it.
 * The handler may change x[] and epc; both are restored on return. status
 * is a snapshot: change mstatus/sstatus with CSR_* instead.
 */
struct test_trap_frame {
    uint64_t x[32];
    uint64_t cause, epc, tval, status;
};

typedef bool (*test_trap_fn)(struct test_trap_frame *f);

/* Set by tests; NULL means "no trap expected". */
extern test_trap_fn test_mtrap_hook;
extern test_trap_fn test_strap_hook;

/* Defined by each test. Its return value is ignored: checks decide. */
int test_main(unsigned long hartid, unsigned long dtb);

/* Console (ns16550a THR, polled) and checks; safe from any hart. */
void test_putc(char c);
void test_puts(const char *s);
void test_putx(uint64_t v);          /* "0x" and 16 hex digits */
void test_putd(uint64_t v);          /* decimal */
bool test_check(const char *name, bool ok);
bool test_check_eq(const char *name, uint64_t got, uint64_t want);
unsigned test_failures(void);
_Noreturn void test_exit(void);

/*
 * Run fn(arg) at privilege priv (S or U) with translation as currently set
 * in satp, and return its result. fn returns through an ecall that the M
 * trap dispatcher recognises, so ecalls from the lower level must not be
 * delegated to S while fn runs. Interrupt-enable state on return: MIE=0.
 */
uint64_t test_run_lower(enum test_priv priv, uint64_t (*fn)(uint64_t), uint64_t arg);

/* Wake the parked harts in mask: each calls fn(hartid) then parks again. */
void test_start_secondaries(uint64_t mask, void (*fn)(unsigned long hartid));
void test_send_ipi(unsigned long hartid);

/* Entry points in start.S, for tests that install their own vectors. */
void test_mtrap_entry(void);
void test_strap_entry(void);

#endif
