/*
 * Entry and trap vector of the VS-mode guest of hyp.c (guest.c): its own
 * stack, and guest_trap(vscause) for the traps delegated to VS-mode.
 */

    .text
    .align  2
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
guest_stack:
    .space  16384
guest_stack_top:
