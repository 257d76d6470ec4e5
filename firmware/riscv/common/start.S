/*
 * Reset entry, per-hart stacks, parking of secondary harts, trap entries
 * and the privilege-drop helper for the bare-metal tests.
 *
 * Boot contract (QEMU virt with -bios none, and emu's riscv-virt): every
 * hart starts at _start in M-mode with a0 = mhartid, a1 = DTB address.
 *
 * Hart 0 clears .bss and calls test_main(hartid, dtb), then test_exit().
 * Other harts park in a WFI loop with only mie.MSIE enabled and
 * mstatus.MIE clear, so an IPI (CLINT msip) wakes them without a trap
 * (RISC-V priv 1.12 §3.3.3: WFI resumes on a pending enabled interrupt
 * whatever mstatus.MIE says). A woken hart clears its msip and calls the
 * function in test_secondary_fn, then parks again.
 */

/* Keep in step with test.h. */
#define MAX_HARTS     8
#define STACK_SHIFT   14                    /* 16 KiB per hart */
#define CLINT_BASE    0x2000000
#define MIP_MSIP      (1 << 3)
#define MSTATUS_FS_INITIAL (1 << 13)
#define MSTATUS_MPP_SHIFT  11
#define ECALL_RETURN  0x7e57                /* a7 of the ecall ending test_run_lower */
#define FRAME_SIZE    (36 * 8)              /* struct test_trap_frame */
#define CTX_SHIFT     7                     /* 128 bytes of saved context per hart */

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    mv      s0, a0                          /* hartid */
    mv      s1, a1                          /* dtb */
    csrw    mie, zero
    /* Until the real vector is in place, skip any CSR this hart lacks. */
    la      t0, early_trap
    csrw    mtvec, t0
    /* FP on (Initial) so tests may use F/D (priv 1.12 §3.1.6.6). */
    li      t0, MSTATUS_FS_INITIAL
    csrs    mstatus, t0
    /* One NAPOT PMP entry over all memory, RWX: S and U may access
     * everything (priv 1.12 §3.7.1; without a matching entry S/U fail). */
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f                        /* A=NAPOT, X, W, R */
    csrw    pmpcfg0, t0
    csrw    satp, zero
    li      t0, MAX_HARTS
    bgeu    s0, t0, no_stack
    la      sp, __stacks_end
    slli    t0, s0, STACK_SHIFT
    sub     sp, sp, t0
    la      t0, test_mtrap_entry
    csrw    mtvec, t0
    bnez    s0, park

    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  fence
    mv      a0, s0
    mv      a1, s1
    call    test_main
    call    test_exit
3:  wfi
    j       3b

/* A secondary hart waits for an IPI, then runs test_secondary_fn. */
park:
    li      t0, MIP_MSIP
    csrs    mie, t0
1:  wfi
    csrr    t0, mip
    andi    t0, t0, MIP_MSIP
    beqz    t0, 1b
    li      t1, CLINT_BASE
    slli    t2, s0, 2
    add     t1, t1, t2
    sw      zero, 0(t1)
    /* The msip line may take a moment to drop: wait so one IPI runs the
     * function once. */
2:  csrr    t0, mip
    andi    t0, t0, MIP_MSIP
    bnez    t0, 2b
    fence   r, rw
    la      t0, test_secondary_fn
    ld      t0, 0(t0)
    beqz    t0, 1b
    mv      a0, s0
    jalr    t0
    j       park

no_stack:
    wfi
    j       no_stack

    .align  2
early_trap:
    csrr    t0, mepc
    addi    t0, t0, 4
    csrw    mepc, t0
    mret

/*
 * Trap entries: save x1-x31 and the trap CSRs on the current stack as a
 * struct test_trap_frame, call the C dispatcher, restore (epc from the
 * frame) and return. Tests keep the stack identity-mapped, so the same sp
 * is valid from every mode.
 */
.macro SAVE_REGS
    addi    sp, sp, -FRAME_SIZE
    sd      zero, 0*8(sp)
    sd      x1, 1*8(sp)
    sd      x3, 3*8(sp)
    sd      x4, 4*8(sp)
    sd      x5, 5*8(sp)
    sd      x6, 6*8(sp)
    sd      x7, 7*8(sp)
    sd      x8, 8*8(sp)
    sd      x9, 9*8(sp)
    sd      x10, 10*8(sp)
    sd      x11, 11*8(sp)
    sd      x12, 12*8(sp)
    sd      x13, 13*8(sp)
    sd      x14, 14*8(sp)
    sd      x15, 15*8(sp)
    sd      x16, 16*8(sp)
    sd      x17, 17*8(sp)
    sd      x18, 18*8(sp)
    sd      x19, 19*8(sp)
    sd      x20, 20*8(sp)
    sd      x21, 21*8(sp)
    sd      x22, 22*8(sp)
    sd      x23, 23*8(sp)
    sd      x24, 24*8(sp)
    sd      x25, 25*8(sp)
    sd      x26, 26*8(sp)
    sd      x27, 27*8(sp)
    sd      x28, 28*8(sp)
    sd      x29, 29*8(sp)
    sd      x30, 30*8(sp)
    sd      x31, 31*8(sp)
    addi    t0, sp, FRAME_SIZE
    sd      t0, 2*8(sp)
.endm

.macro RESTORE_REGS
    ld      x1, 1*8(sp)
    ld      x3, 3*8(sp)
    ld      x4, 4*8(sp)
    ld      x5, 5*8(sp)
    ld      x6, 6*8(sp)
    ld      x7, 7*8(sp)
    ld      x8, 8*8(sp)
    ld      x9, 9*8(sp)
    ld      x10, 10*8(sp)
    ld      x11, 11*8(sp)
    ld      x12, 12*8(sp)
    ld      x13, 13*8(sp)
    ld      x14, 14*8(sp)
    ld      x15, 15*8(sp)
    ld      x16, 16*8(sp)
    ld      x17, 17*8(sp)
    ld      x18, 18*8(sp)
    ld      x19, 19*8(sp)
    ld      x20, 20*8(sp)
    ld      x21, 21*8(sp)
    ld      x22, 22*8(sp)
    ld      x23, 23*8(sp)
    ld      x24, 24*8(sp)
    ld      x25, 25*8(sp)
    ld      x26, 26*8(sp)
    ld      x27, 27*8(sp)
    ld      x28, 28*8(sp)
    ld      x29, 29*8(sp)
    ld      x30, 30*8(sp)
    ld      x31, 31*8(sp)
    ld      x2, 2*8(sp)
.endm

    .text
    .align  2
    .globl  test_mtrap_entry
test_mtrap_entry:
    SAVE_REGS
    csrr    t0, mcause
    sd      t0, 32*8(sp)
    csrr    t0, mepc
    sd      t0, 33*8(sp)
    csrr    t0, mtval
    sd      t0, 34*8(sp)
    csrr    t0, mstatus
    sd      t0, 35*8(sp)
    mv      a0, sp
    call    test_mtrap_dispatch
    ld      t0, 33*8(sp)
    csrw    mepc, t0
    RESTORE_REGS
    mret

    .align  2
    .globl  test_strap_entry
test_strap_entry:
    SAVE_REGS
    csrr    t0, scause
    sd      t0, 32*8(sp)
    csrr    t0, sepc
    sd      t0, 33*8(sp)
    csrr    t0, stval
    sd      t0, 34*8(sp)
    csrr    t0, sstatus
    sd      t0, 35*8(sp)
    mv      a0, sp
    call    test_strap_dispatch
    ld      t0, 33*8(sp)
    csrw    sepc, t0
    RESTORE_REGS
    sret

/*
 * uint64_t test_run_lower(priv a0, fn a1, arg a2): save the callee-saved
 * state of this hart, mret into fn(arg) at privilege priv with ra pointing
 * at lower_return. Its ecall lands in test_mtrap_dispatch, which calls
 * test_lower_resume(result) to come back here as a normal return.
 */
    .globl  test_run_lower
test_run_lower:
    csrr    t0, mhartid
    slli    t0, t0, CTX_SHIFT
    la      t1, test_lower_ctx
    add     t0, t0, t1
    sd      ra, 0*8(t0)
    sd      sp, 1*8(t0)
    sd      s0, 2*8(t0)
    sd      s1, 3*8(t0)
    sd      s2, 4*8(t0)
    sd      s3, 5*8(t0)
    sd      s4, 6*8(t0)
    sd      s5, 7*8(t0)
    sd      s6, 8*8(t0)
    sd      s7, 9*8(t0)
    sd      s8, 10*8(t0)
    sd      s9, 11*8(t0)
    sd      s10, 12*8(t0)
    sd      s11, 13*8(t0)
    li      t1, (3 << MSTATUS_MPP_SHIFT)
    csrc    mstatus, t1
    andi    a0, a0, 3
    slli    a0, a0, MSTATUS_MPP_SHIFT
    csrs    mstatus, a0
    csrw    mepc, a1
    mv      a0, a2
    la      ra, lower_return
    mret

lower_return:
    li      a7, ECALL_RETURN
    ecall
1:  j       1b

    .globl  test_lower_resume
test_lower_resume:
    csrr    t0, mhartid
    slli    t0, t0, CTX_SHIFT
    la      t1, test_lower_ctx
    add     t0, t0, t1
    ld      ra, 0*8(t0)
    ld      sp, 1*8(t0)
    ld      s0, 2*8(t0)
    ld      s1, 3*8(t0)
    ld      s2, 4*8(t0)
    ld      s3, 5*8(t0)
    ld      s4, 6*8(t0)
    ld      s5, 7*8(t0)
    ld      s6, 8*8(t0)
    ld      s7, 9*8(t0)
    ld      s8, 10*8(t0)
    ld      s9, 11*8(t0)
    ld      s10, 12*8(t0)
    ld      s11, 13*8(t0)
    ret

    .bss
    .align  4
    .globl  test_lower_ctx
test_lower_ctx:
    .space  MAX_HARTS << CTX_SHIFT
