/*
 * A bare-metal supervisor-mode payload that talks only SBI (SBI spec 1.0:
 * legacy console putchar, TIME set_timer, SRST system reset): the L2 guest
 * of tests/guest/kvm_vmm.c under Linux KVM, and the workload the
 * hypervisor benchmark runs in three places (bare under OpenSBI, as the
 * VS guest of firmware/riscv/hyp, as the L2 guest under KVM).
 *
 * It prints a greeting, asks for a timer interrupt 1 ms ahead and waits
 * for it with WFI (100 ms at most), then runs loop_iters iterations of a
 * 20-instruction integer loop (ALU, shifts, an equal-length branch, a load
 * and a store over a 4 KiB buffer; the loop of bench/riscv-int.c) between
 * "loop start" and "loop end" lines, prints "done" and shuts down.
 *
 * Position-independent (every address is pc-relative), so it runs
 * wherever it is loaded. Everything, the buffer and stack included, is
 * in .text, so the flat binary is the whole image (about 13 KiB).
 * loop_iters is LOOP_ITERS (default 0: no loop), a 64-bit word at offset
 * 8, right after the entry jump.
 *
 *   riscv64-linux-gnu-gcc -nostdlib -nostartfiles -march=rv64gc -mabi=lp64d \
 *       -Wl,-Ttext=0x80000000 -o payload.elf kvm_payload.S
 *   riscv64-linux-gnu-objcopy -O binary payload.elf payload.bin
 */

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_LEGACY_SHUTDOWN 0x08
#define SIE_STIE (1 << 5)
#define SSTATUS_SIE (1 << 1)
#define TICKS_1MS 10000                 /* 10 MHz timebase (riscv-virt, QEMU virt) */
#define TICKS_100MS 1000000
#ifndef LOOP_ITERS
#define LOOP_ITERS 0
#endif

    .option norelax
    .text
    .globl  _start
_start:
    j       entry
    .balign 8
loop_iters:
    .dword  LOOP_ITERS

entry:
    lla     sp, stack_top
    lla     t0, trap_vector
    csrw    stvec, t0
    lla     a0, msg_hello
    call    puts

    /* A timer interrupt 1 ms from now, waited for with WFI. */
    rdtime  a0
    li      t0, TICKS_1MS
    add     a0, a0, t0
    call    set_timer
    li      t0, SIE_STIE
    csrs    sie, t0
    csrsi   sstatus, SSTATUS_SIE
    rdtime  s1
    li      t0, TICKS_100MS
    add     s1, s1, t0
    /* The interrupt may already have come: look before each WFI. */
1:  lla     t0, timer_irqs
    lw      t0, 0(t0)
    bnez    t0, 2f
    rdtime  t1
    bgeu    t1, s1, 5f
    wfi
    j       1b
5:  lla     a0, msg_no_timer
    call    puts
    j       shutdown
2:  csrci   sstatus, SSTATUS_SIE
    lla     a0, msg_timer
    call    puts

    /* The integer loop, when asked for. */
    lla     t0, loop_iters
    ld      s2, 0(t0)
    beqz    s2, 3f
    lla     a0, msg_loop_start
    call    puts
    mv      a0, s2
    lla     a1, loop_buf
    call    int_loop
    mv      s3, a0
    lla     a0, msg_loop_end
    call    puts
    mv      a0, s3
    call    puthex
    li      a0, '\n'
    call    putchar
3:  lla     a0, msg_done
    call    puts

shutdown:
    li      a7, SBI_EXT_SRST
    li      a6, 0                           /* system_reset */
    li      a0, 0                           /* shutdown */
    li      a1, 0                           /* no reason */
    ecall
    li      a7, SBI_EXT_LEGACY_SHUTDOWN
    ecall
4:  wfi
    j       4b

/* a0 = iterations (> 0), a1 = 4 KiB buffer; returns the accumulator. */
    .option push
    .option norvc
int_loop:
    li      t0, 0
    li      t1, 0
    li      t6, 4095
1:  add     t2, a1, t0                      /*  1 */
    ld      t3, 0(t2)                       /*  2 */
    xor     t3, t3, t1                      /*  3 */
    slli    t4, t3, 13                      /*  4 */
    xor     t3, t3, t4                      /*  5 */
    srli    t4, t3, 7                       /*  6 */
    xor     t3, t3, t4                      /*  7 */
    sd      t3, 0(t2)                       /*  8 */
    add     t1, t1, t3                      /*  9 */
    andi    t5, t3, 1                       /* 10 */
    beqz    t5, 2f                          /* 11 */
    addi    t1, t1, 3                       /* 12 (odd) */
    j       3f                              /* 13 (odd) */
2:  sub     t1, t1, t5                      /* 12 (even) */
    addi    t1, t1, 1                       /* 13 (even) */
3:  addi    t0, t0, 8                       /* 14 */
    and     t0, t0, t6                      /* 15 */
    sltu    t4, t1, t3                      /* 16 */
    add     t1, t1, t4                      /* 17 */
    srli    t4, t1, 3                       /* 18 */
    addi    a0, a0, -1                      /* 19 */
    bnez    a0, 1b                          /* 20 */
    mv      a0, t1
    ret
    .option pop

/* SBI TIME set_timer(a0). */
set_timer:
    li      a7, SBI_EXT_TIME
    li      a6, 0
    ecall
    ret

/* Legacy console putchar(a0); keeps every register but a0 and a7. */
putchar:
    li      a7, SBI_EXT_LEGACY_PUTCHAR
    ecall
    ret

/* puts(a0): a NUL-terminated string. */
puts:
    addi    sp, sp, -16
    sd      ra, 0(sp)
    sd      s0, 8(sp)
    mv      s0, a0
1:  lbu     a0, 0(s0)
    beqz    a0, 2f
    call    putchar
    addi    s0, s0, 1
    j       1b
2:  ld      ra, 0(sp)
    ld      s0, 8(sp)
    addi    sp, sp, 16
    ret

/* puthex(a0): "0x" and 16 hex digits. */
puthex:
    addi    sp, sp, -32
    sd      ra, 0(sp)
    sd      s0, 8(sp)
    sd      s1, 16(sp)
    mv      s0, a0
    li      a0, '0'
    call    putchar
    li      a0, 'x'
    call    putchar
    li      s1, 60
1:  srl     a0, s0, s1
    andi    a0, a0, 15
    li      t0, 10
    blt     a0, t0, 2f
    addi    a0, a0, 'a' - 10 - '0'
2:  addi    a0, a0, '0'
    call    putchar
    addi    s1, s1, -4
    bgez    s1, 1b
    ld      ra, 0(sp)
    ld      s0, 8(sp)
    ld      s1, 16(sp)
    addi    sp, sp, 32
    ret

/* Supervisor timer interrupts count and disarm the timer; anything else
 * is reported and ends the run. */
    .balign 4
trap_vector:
    addi    sp, sp, -64
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      a0, 24(sp)
    sd      a1, 32(sp)
    sd      a6, 40(sp)
    sd      a7, 48(sp)
    csrr    t0, scause
    li      t1, (1 << 63) | 5
    bne     t0, t1, 1f
    lla     t0, timer_irqs
    lw      t1, 0(t0)
    addi    t1, t1, 1
    sw      t1, 0(t0)
    li      a0, -1
    call    set_timer
    ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      a0, 24(sp)
    ld      a1, 32(sp)
    ld      a6, 40(sp)
    ld      a7, 48(sp)
    addi    sp, sp, 64
    sret
1:  lla     a0, msg_trap
    call    puts
    csrr    a0, scause
    call    puthex
    li      a0, '\n'
    call    putchar
    j       shutdown

msg_hello:      .asciz "payload: hello from supervisor mode\n"
msg_timer:      .asciz "payload: timer interrupt taken\n"
msg_no_timer:   .asciz "payload: no timer interrupt within 100 ms\n"
msg_loop_start: .asciz "payload: loop start\n"
msg_loop_end:   .asciz "payload: loop end, checksum "
msg_done:       .asciz "payload: done\n"
msg_trap:       .asciz "payload: unexpected trap, scause "

    .balign 8
timer_irqs:     .space 8
    .balign 4096
loop_buf:       .space 4096
                .space 4096
stack_top:
