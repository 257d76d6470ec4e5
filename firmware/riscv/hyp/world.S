/*
 * World switch of the test hypervisors (RISC-V priv 1.12 §8.6.4: SRET
 * with hstatus.SPV = 1 enters the guest; a trap taken into HS-mode
 * leaves it).
 *
 * hyp_enter_guest(pc) saves the hypervisor's callee-saved state and enters
 * the guest at pc with SRET (the caller has set hstatus.SPV/SPVP and
 * sstatus.SPP). Guest traps land in test_strap_entry (start.S) on the
 * guest's own stack, which is identity-mapped at both stages; when the
 * guest is done, the trap handler calls hyp_leave_guest(result), which
 * returns from hyp_enter_guest with that result.
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

    .bss
    .align  4
hyp_ctx:
    .space  CTX_WORDS * 8
