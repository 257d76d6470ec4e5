/*
 * World switch of the test hypervisor, and the guest's entry and trap
 * vector (RISC-V priv 1.12 §8.6.4: SRET with hstatus.SPV = 1 enters the
 * guest; a trap taken into HS-mode leaves it).
 *
 * hyp_enter_guest(pc) saves the hypervisor's callee-saved state and enters
 * the guest at pc with SRET (the caller has set hstatus.SPV/SPVP and
 * sstatus.SPP). Guest traps land in test_strap_entry (start.S) on the
 * guest's own stack, which is identity-mapped at both stages; when the
 * guest asks to exit, the trap handler calls hyp_leave_guest(result),
 * which returns from hyp_enter_guest with that result.
 */

#define CTX_WORDS 14

    .text
    .align  2
    .globl  hyp_enter_guest
hyp_enter_guest:
    la      t0, hyp_ctx
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
    csrw    sepc, a0
    sret

    .globl  hyp_leave_guest
hyp_leave_guest:
    la      t0, hyp_ctx
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

/* The guest starts here in VS-mode: its own stack and trap vector. */
    .globl  guest_start
guest_start:
    la      sp, guest_stack_top
    la      t0, guest_vector
    csrw    stvec, t0                       /* vstvec, since V = 1 */
    call    guest_main
1:  j       1b

/* VS-mode trap vector: caller-saved registers, guest_trap(scause). */
    .align  2
guest_vector:
    addi    sp, sp, -18*8
    sd      ra, 0*8(sp)
    sd      t0, 1*8(sp)
    sd      t1, 2*8(sp)
    sd      t2, 3*8(sp)
    sd      a0, 4*8(sp)
    sd      a1, 5*8(sp)
    sd      a2, 6*8(sp)
    sd      a3, 7*8(sp)
    sd      a4, 8*8(sp)
    sd      a5, 9*8(sp)
    sd      a6, 10*8(sp)
    sd      a7, 11*8(sp)
    sd      t3, 12*8(sp)
    sd      t4, 13*8(sp)
    sd      t5, 14*8(sp)
    sd      t6, 15*8(sp)
    csrr    a0, scause                      /* vscause */
    call    guest_trap
    ld      ra, 0*8(sp)
    ld      t0, 1*8(sp)
    ld      t1, 2*8(sp)
    ld      t2, 3*8(sp)
    ld      a0, 4*8(sp)
    ld      a1, 5*8(sp)
    ld      a2, 6*8(sp)
    ld      a3, 7*8(sp)
    ld      a4, 8*8(sp)
    ld      a5, 9*8(sp)
    ld      a6, 10*8(sp)
    ld      a7, 11*8(sp)
    ld      t3, 12*8(sp)
    ld      t4, 13*8(sp)
    ld      t5, 14*8(sp)
    ld      t6, 15*8(sp)
    addi    sp, sp, 18*8
    sret

    .bss
    .align  4
hyp_ctx:
    .space  CTX_WORDS * 8
    .align  4
guest_stack:
    .space  16384
guest_stack_top:
