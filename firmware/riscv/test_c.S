/*
 * C extension (RISC-V unprivileged 20191213 ch. 16): every RV64C
 * instruction, written with its explicit c.* mnemonic so the assembler
 * cannot pick a 32-bit form, each compared against a hand-computed
 * result. Also a 32-bit instruction at a 2-byte-aligned address and one
 * that straddles a 4 KiB page boundary.
 */
    .option rvc

/* CHECK "name", reg, want: test_check_eq(name, reg, want). */
.macro CHECK name:req, reg:req, want:req
    .pushsection .rodata
.Lname\@:
    .asciz "\name"
    .popsection
    mv      a1, \reg
    lla     a0, .Lname\@
    li      a2, \want
    call    test_check_eq
.endm

    .data
    .balign 8
cdata:
    .dword  0x8877665544332211
    .dword  0xfedcba9876543210
fdata:
    .dword  0x400921fb54442d18          /* 3.141592653589793 */
    .dword  0

    .text
    .globl  test_main
test_main:
    addi    sp, sp, -48
    sd      ra, 40(sp)
    sd      s0, 32(sp)
    sd      s1, 24(sp)
    sd      s2, 16(sp)

    /* CI format immediates. */
    c.li    s0, -32
    CHECK   "c_li_negative", s0, 0xffffffffffffffe0
    c.lui   s0, 0xfffe0                 /* nzimm[17:12] = 0x20: sign-extended */
    CHECK   "c_lui_negative", s0, 0xfffffffffffe0000
    c.lui   s0, 1
    CHECK   "c_lui", s0, 0x1000
    c.li    s0, 10
    c.addi  s0, -11
    CHECK   "c_addi", s0, 0xffffffffffffffff
    li      s0, 0x7fffffff
    c.addiw s0, 1
    CHECK   "c_addiw_sign_extends", s0, 0xffffffff80000000
    li      s0, 0x80000000
    c.addiw s0, 0                       /* sext.w */
    CHECK   "c_addiw_zero_is_sext_w", s0, 0xffffffff80000000
    c.li    s0, 5
    c.addiw s0, -4
    CHECK   "c_addiw_negative", s0, 1
    c.li    s0, 0
    c.addiw s0, -32
    CHECK   "c_addiw_most_negative", s0, 0xffffffffffffffe0

    /* Stack-pointer adjustments. */
    c.mv    s1, sp
    c.addi16sp sp, -64
    c.mv    a0, sp
    c.sub   s1, a0
    c.addi16sp sp, 64
    CHECK   "c_addi16sp", s1, 64
    c.addi4spn s0, sp, 16
    c.mv    a0, sp
    c.sub   s0, a0
    CHECK   "c_addi4spn", s0, 16

    /* Shifts and andi. */
    c.li    s0, 1
    c.slli  s0, 63
    CHECK   "c_slli_63", s0, 0x8000000000000000
    li      s0, 0xf000000000000000
    c.srli  s0, 60
    CHECK   "c_srli", s0, 0xf
    li      s0, 0x8000000000000000
    c.srai  s0, 4
    CHECK   "c_srai", s0, 0xf800000000000000
    li      s0, 0xff
    c.andi  s0, -2
    CHECK   "c_andi_negative", s0, 0xfe
    li      s0, 0xff
    c.andi  s0, 0x1f
    CHECK   "c_andi", s0, 0x1f

    /* CR and CA formats. */
    c.li    s0, 5
    c.li    s1, 7
    c.add   s0, s1
    CHECK   "c_add", s0, 12
    c.mv    s0, s1
    CHECK   "c_mv", s0, 7
    li      s1, 0x0ff0
    li      s0, 0xff00
    c.and   s0, s1
    CHECK   "c_and", s0, 0x0f00
    li      s0, 0xff00
    c.or    s0, s1
    CHECK   "c_or", s0, 0xfff0
    li      s0, 0xff00
    c.xor   s0, s1
    CHECK   "c_xor", s0, 0xf0f0
    li      s0, 0xff00
    c.sub   s0, s1
    CHECK   "c_sub", s0, 0xef10
    li      s0, 0x7fffffff
    c.li    s1, 1
    c.addw  s0, s1
    CHECK   "c_addw_sign_extends", s0, 0xffffffff80000000
    li      s0, 0x100000000
    c.subw  s0, s1
    CHECK   "c_subw_sign_extends", s0, 0xffffffffffffffff

    /* CL/CS loads and stores. */
    lla     s1, cdata
    c.lw    s0, 4(s1)
    CHECK   "c_lw_sign_extends", s0, 0xffffffff88776655
    c.ld    s0, 8(s1)
    CHECK   "c_ld", s0, 0xfedcba9876543210
    c.li    a0, -1
    c.sw    a0, 0(s1)
    c.ld    s0, 0(s1)
    CHECK   "c_sw", s0, 0x88776655ffffffff
    c.li    a0, -1
    c.sd    a0, 8(s1)
    ld      s0, 8(s1)
    CHECK   "c_sd", s0, 0xffffffffffffffff

    /* SP-relative loads and stores. */
    c.addi16sp sp, -32
    li      a0, 0x1234567887654321
    c.sdsp  a0, 8(sp)
    c.lwsp  s0, 12(sp)
    c.lwsp  s1, 8(sp)
    c.ldsp  s2, 8(sp)
    c.li    a1, -1
    c.swsp  a1, 8(sp)
    ld      a3, 8(sp)
    c.addi16sp sp, 32
    CHECK   "c_lwsp_high_word", s0, 0x12345678
    CHECK   "c_lwsp_sign_extends", s1, 0xffffffff87654321
    CHECK   "c_ldsp_sdsp", s2, 0x1234567887654321
    c.addi16sp sp, -32
    li      a0, 0x1234567887654321
    c.sdsp  a0, 8(sp)
    c.li    a1, -1
    c.swsp  a1, 8(sp)
    c.ldsp  s0, 8(sp)
    c.addi16sp sp, 32
    CHECK   "c_swsp", s0, 0x12345678ffffffff

    /* FP loads and stores. */
    lla     s1, fdata
    c.fld   fa0, 0(s1)
    c.fsd   fa0, 8(s1)
    c.ld    s0, 8(s1)
    CHECK   "c_fld_fsd", s0, 0x400921fb54442d18
    c.addi16sp sp, -16
    c.fsdsp fa0, 0(sp)
    c.fldsp fa1, 0(sp)
    fmv.x.d s0, fa1
    c.addi16sp sp, 16
    CHECK   "c_fsdsp_fldsp", s0, 0x400921fb54442d18

    /* Control transfer. */
    c.li    s0, 0
    c.j     1f
    c.li    s0, 1
1:  CHECK   "c_j_skips", s0, 0
    c.li    s1, 0
    c.beqz  s1, 1f
    c.li    s1, 1
1:  CHECK   "c_beqz_taken", s1, 0
    c.li    s1, 3
    c.beqz  s1, 1f
    c.li    s1, 4
1:  CHECK   "c_beqz_not_taken", s1, 4
    c.li    s1, 3
    c.bnez  s1, 1f
    c.li    s1, 4
1:  CHECK   "c_bnez_taken", s1, 3
    c.li    s0, 5
    c.li    s1, 0
1:  c.add   s1, s0
    c.addi  s0, -1
    c.bnez  s0, 1b
    CHECK   "c_bnez_backward_loop", s1, 15
    lla     a0, 1f
    c.li    s0, 0
    c.jr    a0
    c.li    s0, 1
1:  CHECK   "c_jr", s0, 0
    lla     a0, cfunc
    c.jalr  a0
2:  lla     a1, 2b
    c.sub   s0, a1                      /* s0 = ra seen in cfunc - 2b */
    CHECK   "c_jalr_link", s0, 0
    c.li    s0, 9
    c.nop
    CHECK   "c_nop", s0, 9

    /* A 32-bit instruction at pc % 4 == 2. */
    .balign 4
    c.li    s0, 1
    addi    s0, s0, 0x100               /* starts at a 2-byte boundary */
    CHECK   "insn32_at_halfword_boundary", s0, 0x101

    /* A 32-bit instruction split across a page boundary. */
    c.li    s0, 2
    call    straddle
    CHECK   "insn32_across_page_boundary", s0, 0x202

    ld      ra, 40(sp)
    ld      s0, 32(sp)
    ld      s1, 24(sp)
    ld      s2, 16(sp)
    addi    sp, sp, 48
    li      a0, 0
    ret

cfunc:
    c.mv    s0, ra
    c.jr    ra

/* 2047 c.nop (0x0001) fill the page up to its last halfword, so the
 * following addi has its low half at 0x...ffe and its high half on the
 * next page. */
    .section .text.straddle, "ax", @progbits
    .balign 4096
straddle:
    .fill   2047, 2, 0x0001
.Lsplit:
    addi    s0, s0, 0x200
    ret
.if (.Lsplit - straddle) != 4094
    .error "straddle: the addi does not cross the page boundary"
.endif
