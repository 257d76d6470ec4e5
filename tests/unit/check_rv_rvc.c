/*
 * Unit tests for cpu-riscv/rvc.c: expansion of RV64C encodings to their
 * 32-bit equivalents (unpriv spec ch. 16). Each pair is the compressed
 * parcel and the 32-bit encoding an assembler gives for the expanded form.
 */
#include <check.h>
#include <stdlib.h>

#include "cpu-riscv/decode.h"

struct rvc_case {
    uint16_t c;
    uint32_t expect;
};

static const struct rv_ext rvc_ext_gc = { .m = true, .a = true, .f = true, .d = true, .c = true };

static void check_cases(const struct rvc_case *cases, size_t n, const struct rv_ext *ext)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t got = rv_expand_rvc(cases[i].c, ext);
        ck_assert_msg(got == cases[i].expect, "c=0x%04x: got 0x%08x, want 0x%08x", cases[i].c, got,
                      cases[i].expect);
    }
}

#define CHECK_CASES(cases, ext) check_cases((cases), sizeof(cases) / sizeof((cases)[0]), (ext))

/* CIW, CL, CS formats: quadrant 0. */
START_TEST(test_rvc_quadrant0_loads_stores_expand)
{
    static const struct rvc_case cases[] = {
        { 0x1fe8, 0x3fc10513 },  /* c.addi4spn a0, sp, 1020 -> addi a0, sp, 1020 */
        { 0x3ffc, 0x0f87b787 },  /* c.fld fa5, 248(a5) -> fld fa5, 248(a5) */
        { 0x5ef0, 0x07c6a603 },  /* c.lw a2, 124(a3) -> lw a2, 124(a3) */
        { 0x7d64, 0x0f853483 },  /* c.ld s1, 248(a0) -> ld s1, 248(a0) */
        { 0xa580, 0x0085b427 },  /* c.fsd fs0, 8(a1) -> fsd fs0, 8(a1) */
        { 0xc3b8, 0x04e7a023 },  /* c.sw a4, 64(a5) -> sw a4, 64(a5) */
        { 0xe0c8, 0x08a4b023 },  /* c.sd a0, 128(s1) -> sd a0, 128(s1) */
    };
    CHECK_CASES(cases, &rvc_ext_gc);
}
END_TEST

/* CI, CB, CA formats: quadrant 1 immediates and ALU ops. */
START_TEST(test_rvc_quadrant1_alu_expand)
{
    static const struct rvc_case cases[] = {
        { 0x0001, 0x00000013 },  /* c.nop -> addi zero, zero, 0 */
        { 0x1501, 0xfe050513 },  /* c.addi a0, -32 -> addi a0, a0, -32 */
        { 0x25fd, 0x01f5859b },  /* c.addiw a1, 31 -> addiw a1, a1, 31 */
        { 0x52fd, 0xfff00293 },  /* c.li t0, -1 -> addi t0, zero, -1 */
        { 0x7101, 0xe0010113 },  /* c.addi16sp sp, -512 -> addi sp, sp, -512 */
        { 0x7785, 0xfffe17b7 },  /* c.lui a5, 0xfffe1 -> lui a5, 0xfffe1 */
        { 0x917d, 0x03f55513 },  /* c.srli a0, 63 -> srli a0, a0, 63 */
        { 0x8485, 0x4014d493 },  /* c.srai s1, 1 -> srai s1, s1, 1 */
        { 0x9af5, 0xffd6f693 },  /* c.andi a3, -3 -> andi a3, a3, -3 */
        { 0x8c05, 0x40940433 },  /* c.sub s0, s1 -> sub s0, s0, s1 */
        { 0x8d2d, 0x00b54533 },  /* c.xor a0, a1 -> xor a0, a0, a1 */
        { 0x8e55, 0x00d66633 },  /* c.or a2, a3 -> or a2, a2, a3 */
        { 0x8f7d, 0x00f77733 },  /* c.and a4, a5 -> and a4, a4, a5 */
        { 0x9d0d, 0x40b5053b },  /* c.subw a0, a1 -> subw a0, a0, a1 */
        { 0x9c3d, 0x00f4043b },  /* c.addw s0, a5 -> addw s0, s0, a5 */
    };
    CHECK_CASES(cases, &rvc_ext_gc);
}
END_TEST

/* CJ and CB formats: offsets at both ends of their range. */
START_TEST(test_rvc_jumps_branches_offsets_expand)
{
    static const struct rvc_case cases[] = {
        { 0xb001, 0x801ff06f },  /* c.j .-2048 -> jal zero, .-2048 */
        { 0xaffd, 0x7fe0006f },  /* c.j .+2046 -> jal zero, .+2046 */
        { 0xd101, 0xf00500e3 },  /* c.beqz a0, .-256 -> beq a0, zero, .-256 */
        { 0xecfd, 0x0e049f63 },  /* c.bnez s1, .+254 -> bne s1, zero, .+254 */
    };
    CHECK_CASES(cases, &rvc_ext_gc);
}
END_TEST

/* CI, CR, CSS formats: quadrant 2. */
START_TEST(test_rvc_quadrant2_stack_and_register_expand)
{
    static const struct rvc_case cases[] = {
        { 0x1086, 0x02109093 },  /* c.slli ra, 33 -> slli ra, ra, 33 */
        { 0x30fe, 0x1f813087 },  /* c.fldsp ft1, 504(sp) -> fld ft1, 504(sp) */
        { 0x597e, 0x0fc12903 },  /* c.lwsp s2, 252(sp) -> lw s2, 252(sp) */
        { 0x70fe, 0x1f813083 },  /* c.ldsp ra, 504(sp) -> ld ra, 504(sp) */
        { 0x8082, 0x00008067 },  /* c.jr ra -> jalr zero, 0(ra) */
        { 0x852e, 0x00b00533 },  /* c.mv a0, a1 -> add a0, zero, a1 */
        { 0x9002, 0x00100073 },  /* c.ebreak -> ebreak */
        { 0x9282, 0x000280e7 },  /* c.jalr t0 -> jalr ra, 0(t0) */
        { 0x912a, 0x00a10133 },  /* c.add sp, a0 -> add sp, sp, a0 */
        { 0xbfa6, 0x1e913c27 },  /* c.fsdsp fs1, 504(sp) -> fsd fs1, 504(sp) */
        { 0xdf86, 0x0e112e23 },  /* c.swsp ra, 252(sp) -> sw ra, 252(sp) */
        { 0xffa2, 0x1e813c23 },  /* c.sdsp s0, 504(sp) -> sd s0, 504(sp) */
    };
    CHECK_CASES(cases, &rvc_ext_gc);
}
END_TEST

START_TEST(test_rvc_reserved_encodings_return_zero)
{
    static const struct rvc_case cases[] = {
        { 0x0000, 0 },           /* all-zero parcel: defined illegal */
        { 0x0010, 0 },           /* c.addi4spn a2, sp, 0: nzuimm = 0 */
        { 0x8000, 0 },           /* quadrant 0 funct3 100: reserved */
        { 0x2001, 0 },           /* c.addiw zero, 0: rd = 0 */
        { 0x6101, 0 },           /* c.addi16sp sp, 0: nzimm = 0 */
        { 0x6781, 0 },           /* c.lui a5, 0: nzimm = 0 */
        { 0x9c41, 0 },           /* funct6 100111, funct2 10: reserved */
        { 0x9c61, 0 },           /* funct6 100111, funct2 11: reserved */
        { 0x4002, 0 },           /* c.lwsp zero, 0(sp): rd = 0 */
        { 0x6002, 0 },           /* c.ldsp zero, 0(sp): rd = 0 */
        { 0x8002, 0 },           /* c.jr zero: rs1 = 0 */
        { 0x0003, 0 },           /* low bits 11: not a compressed parcel */
    };
    CHECK_CASES(cases, &rvc_ext_gc);
}
END_TEST

START_TEST(test_rvc_hints_expand_to_base_hints)
{
    static const struct rvc_case cases[] = {
        { 0x4001, 0x00000013 },  /* c.li zero, 0 -> addi zero, zero, 0 */
        { 0x0502, 0x00051513 },  /* c.slli a0, 0 (RV64 HINT) -> slli a0, a0, 0 */
        { 0x802e, 0x00b00033 },  /* c.mv zero, a1 -> add zero, zero, a1 */
    };
    CHECK_CASES(cases, &rvc_ext_gc);
}
END_TEST

START_TEST(test_rvc_fp_without_d_returns_zero)
{
    static const struct rv_ext no_d = { .m = true, .a = true, .c = true };
    static const struct rvc_case cases[] = {
        { 0x3ffc, 0 },           /* c.fld fa5, 248(a5) */
        { 0xa580, 0 },           /* c.fsd fs0, 8(a1) */
        { 0x30fe, 0 },           /* c.fldsp ft1, 504(sp) */
        { 0xbfa6, 0 },           /* c.fsdsp fs1, 504(sp) */
        { 0x7d64, 0x0f853483 },  /* c.ld s1, 248(a0): unaffected */
    };
    CHECK_CASES(cases, &no_d);
}
END_TEST

static Suite *rv_rvc_suite(void)
{
    Suite *s = suite_create("rv_rvc");
    TCase *tc = tcase_create("expand");

    tcase_add_test(tc, test_rvc_quadrant0_loads_stores_expand);
    tcase_add_test(tc, test_rvc_quadrant1_alu_expand);
    tcase_add_test(tc, test_rvc_jumps_branches_offsets_expand);
    tcase_add_test(tc, test_rvc_quadrant2_stack_and_register_expand);
    tcase_add_test(tc, test_rvc_reserved_encodings_return_zero);
    tcase_add_test(tc, test_rvc_hints_expand_to_base_hints);
    tcase_add_test(tc, test_rvc_fp_without_d_returns_zero);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rv_rvc_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
