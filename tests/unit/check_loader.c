/*
 * Unit tests for core/loader: ELF and raw images written as temporary
 * files (hand-made ELF bytes from <elf.h> structures), each error case a
 * one-line message, failed loads leave guest memory untouched.
 */
#include <check.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loader.h"
#include "core/machine.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4ull << 20)
#define ROM_BASE 0x1000ull
#define ROM_SIZE 0x1000ull
#define PAYLOAD_OFF 0x200

struct fixture {
    struct machine m;
    struct loader ld;
    struct emu_err err;
    char paths[4][64];
    unsigned npaths;
};

static void fx_init(struct fixture *fx)
{
    memset(fx, 0, sizeof(*fx));
    struct machine_config cfg = { .board = "test", .ram_size = RAM_SIZE, .ncpus = 1, .quantum = 1000,
                                  .core_hz = 1000000000ull };
    ck_assert_int_eq(machine_init(&fx->m, &cfg, &fx->err), 0);
    ck_assert_int_eq(memmap_add_ram(&fx->m.map, RAM_BASE, RAM_SIZE, "ram", &fx->err), 0);
    ck_assert_int_eq(memmap_add_rom(&fx->m.map, ROM_BASE, ROM_SIZE, "rom", &fx->err), 0);
    /* Non-zero background so zeroing and untouched memory are visible. */
    memset(memmap_host_ptr(&fx->m.map, RAM_BASE, RAM_SIZE), 0xee, RAM_SIZE);
    loader_init(&fx->ld, &fx->m);
}

static void fx_free(struct fixture *fx)
{
    loader_free(&fx->ld);
    machine_destroy(&fx->m);
    for (unsigned i = 0; i < fx->npaths; i++)
        unlink(fx->paths[i]);
}

static const uint8_t *ram(struct fixture *fx, uint64_t addr)
{
    return memmap_host_ptr(&fx->m.map, addr, 1);
}

/* Writes bytes to a new temporary file; returns its path. */
static const char *fx_file(struct fixture *fx, const void *buf, size_t len)
{
    ck_assert_uint_lt(fx->npaths, 4);
    char *path = fx->paths[fx->npaths++];
    strcpy(path, "/tmp/check_loader_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
    close(fd);
    return path;
}

/* A minimal RISC-V ELF: header, nph program headers at 64, payload at
 * PAYLOAD_OFF. The caller edits the structures before writing. */
struct elf_image {
    uint8_t bytes[0x1000];
    size_t len;
};

static Elf64_Ehdr *img_ehdr(struct elf_image *img) { return (Elf64_Ehdr *)img->bytes; }
static Elf64_Phdr *img_phdr(struct elf_image *img, unsigned i)
{
    return (Elf64_Phdr *)(img->bytes + sizeof(Elf64_Ehdr)) + i;
}

static void img_init(struct elf_image *img, unsigned nph)
{
    memset(img, 0, sizeof(*img));
    Elf64_Ehdr *eh = img_ehdr(img);
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_RISCV;
    eh->e_version = EV_CURRENT;
    eh->e_entry = RAM_BASE;
    eh->e_phoff = sizeof(Elf64_Ehdr);
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = (Elf64_Half)nph;
    eh->e_shentsize = sizeof(Elf64_Shdr);
    for (unsigned i = 0; i < 0x100; i++)
        img->bytes[PAYLOAD_OFF + i] = (uint8_t)(i + 1);
    img->len = PAYLOAD_OFF + 0x100;
}

static void img_segment(struct elf_image *img, unsigned i, uint64_t paddr, uint64_t off, uint64_t filesz,
                        uint64_t memsz)
{
    Elf64_Phdr *ph = img_phdr(img, i);
    ph->p_type = PT_LOAD;
    ph->p_flags = PF_R | PF_X;
    ph->p_offset = off;
    ph->p_vaddr = paddr + 0x1000000;    /* the loader must use p_paddr */
    ph->p_paddr = paddr;
    ph->p_filesz = filesz;
    ph->p_memsz = memsz;
    ph->p_align = 8;
}

/* Appends .symtab and .strtab sections defining tohost and fromhost. */
static void img_add_htif_symbols(struct elf_image *img, uint64_t tohost, uint64_t fromhost)
{
    static const char strtab[] = "\0tohost\0fromhost\0other";
    size_t str_off = img->len;
    memcpy(img->bytes + str_off, strtab, sizeof(strtab));
    size_t sym_off = (str_off + sizeof(strtab) + 7) & ~(size_t)7;
    Elf64_Sym *sym = (Elf64_Sym *)(img->bytes + sym_off);
    memset(sym, 0, 4 * sizeof(*sym));
    sym[1] = (Elf64_Sym){ .st_name = 17, .st_value = 0x1234, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT) };
    sym[2] = (Elf64_Sym){ .st_name = 1, .st_value = tohost, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT) };
    sym[3] = (Elf64_Sym){ .st_name = 8, .st_value = fromhost, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT) };
    size_t sh_off = sym_off + 4 * sizeof(*sym);
    Elf64_Shdr *sh = (Elf64_Shdr *)(img->bytes + sh_off);
    memset(sh, 0, 3 * sizeof(*sh));
    sh[1] = (Elf64_Shdr){ .sh_type = SHT_SYMTAB, .sh_offset = sym_off, .sh_size = 4 * sizeof(*sym),
                          .sh_link = 2, .sh_info = 1, .sh_addralign = 8, .sh_entsize = sizeof(*sym) };
    sh[2] = (Elf64_Shdr){ .sh_type = SHT_STRTAB, .sh_offset = str_off, .sh_size = sizeof(strtab),
                          .sh_addralign = 1 };
    Elf64_Ehdr *eh = img_ehdr(img);
    eh->e_shoff = sh_off;
    eh->e_shnum = 3;
    img->len = sh_off + 3 * sizeof(*sh);
}

static const char *img_file(struct fixture *fx, struct elf_image *img)
{
    return fx_file(fx, img->bytes, img->len);
}

/* Asserts a failed load: -1, message starts with path, one line. */
static void assert_failed(struct fixture *fx, int rc, const char *path, const char *needle)
{
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(!strncmp(fx->err.msg, path, strlen(path)), "message '%s' does not name %s", fx->err.msg, path);
    ck_assert_msg(strstr(fx->err.msg, needle), "message '%s' lacks '%s'", fx->err.msg, needle);
    ck_assert_ptr_null(strchr(fx->err.msg, '\n'));
}

START_TEST(test_loader_elf_segments_copied_and_bss_zeroed)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 2);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x40, 0x80);
    img_segment(&img, 1, RAM_BASE + 0x10000, PAYLOAD_OFF + 0x40, 0x10, 0x10);
    img_ehdr(&img)->e_entry = RAM_BASE + 4;
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    ck_assert_msg(loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err) == 0, "%s", fx.err.msg);
    ck_assert(info.is_elf);
    ck_assert_uint_eq(info.entry, RAM_BASE + 4);
    ck_assert_uint_eq(info.low, RAM_BASE);
    ck_assert_uint_eq(info.high, RAM_BASE + 0x10010);
    ck_assert(!info.has_htif);
    ck_assert_mem_eq(ram(&fx, RAM_BASE), img.bytes + PAYLOAD_OFF, 0x40);
    for (unsigned i = 0x40; i < 0x80; i++)
        ck_assert_uint_eq(ram(&fx, RAM_BASE)[i], 0);
    ck_assert_uint_eq(ram(&fx, RAM_BASE)[0x80], 0xee);
    ck_assert_mem_eq(ram(&fx, RAM_BASE + 0x10000), img.bytes + PAYLOAD_OFF + 0x40, 0x10);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_into_rom_written)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, ROM_BASE, PAYLOAD_OFF, 0x20, 0x20);
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    ck_assert_msg(loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err) == 0, "%s", fx.err.msg);
    ck_assert_mem_eq(memmap_host_ptr(&fx.m.map, ROM_BASE, 0x20), img.bytes + PAYLOAD_OFF, 0x20);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_htif_symbols_found)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x100, 0x100);
    img_add_htif_symbols(&img, RAM_BASE + 0x1000, RAM_BASE + 0x1040);
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    ck_assert_msg(loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err) == 0, "%s", fx.err.msg);
    ck_assert(info.has_htif);
    ck_assert_uint_eq(info.tohost, RAM_BASE + 0x1000);
    ck_assert_uint_eq(info.fromhost, RAM_BASE + 0x1040);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_segment_outside_ram_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, 0x40000000, PAYLOAD_OFF, 0x10, 0x10);
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    int rc = loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err);
    char expect[128];
    snprintf(expect, sizeof(expect), "%s: segment at 0x40000000 (size 16 bytes) is outside RAM", path);
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(fx.err.msg, expect);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_segment_straddling_ram_end_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE + RAM_SIZE - 0x10, PAYLOAD_OFF, 0x10, 0x20);
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path, "is outside RAM");
    ck_assert_uint_eq(ram(&fx, RAM_BASE + RAM_SIZE - 0x10)[0], 0xee);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_address_wrap_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x10, UINT64_MAX - 0x10);
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path,
                  "(size 17592186044416 MiB) is outside RAM");
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_segment_past_file_end_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x1000, 0x1000);
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path,
                  "extends past the end of the file");
    ck_assert_uint_eq(ram(&fx, RAM_BASE)[0], 0xee);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_offset_overflow_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, UINT64_MAX - 0x8, 0x10, 0x10);
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path,
                  "extends past the end of the file");
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_filesz_above_memsz_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x20, 0x10);
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path,
                  "larger than its memory size");
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_bad_second_segment_writes_nothing)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 2);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x10, 0x10);
    img_segment(&img, 1, 0x20000000, PAYLOAD_OFF, 0x10, 0x10);
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path, "outside RAM");
    ck_assert_uint_eq(ram(&fx, RAM_BASE)[0], 0xee);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_truncated_header_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x10, 0x10);
    const char *path = fx_file(&fx, img.bytes, 24);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path, "not a valid ELF file");
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_truncated_program_headers_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x10, 0x10);
    img_ehdr(&img)->e_phnum = 40;   /* the table runs past the end of the file */
    const char *path = fx_file(&fx, img.bytes, PAYLOAD_OFF + 0x100);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path,
                  "program header table extends past the end of the file");
    ck_assert_uint_eq(ram(&fx, RAM_BASE)[0], 0xee);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_wrong_machine_class_endian_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    struct loader_info info;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x10, 0x10);
    const char *path = img_file(&fx, &img);
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_AARCH64, &info, &fx.err), path, "expected 183");

    img_ehdr(&img)->e_ident[EI_DATA] = ELFDATA2MSB;
    path = img_file(&fx, &img);
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path, "little-endian");

    img_init(&img, 0);
    img_ehdr(&img)->e_ident[EI_CLASS] = ELFCLASS32;
    path = img_file(&fx, &img);
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path, "not a 64-bit ELF file");
    ck_assert_uint_eq(ram(&fx, RAM_BASE)[0], 0xee);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_elf_no_load_segments_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x10, 0x10);
    img_phdr(&img, 0)->p_type = PT_NOTE;
    const char *path = img_file(&fx, &img);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, path, EM_RISCV, &info, &fx.err), path, "no loadable segments");
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_missing_empty_dir_files_rejected)
{
    struct fixture fx;
    fx_init(&fx);
    struct loader_info info;
    assert_failed(&fx, loader_load_elf(&fx.ld, "/nonexistent/kernel.elf", EM_RISCV, &info, &fx.err),
                  "/nonexistent/kernel.elf", "No such file");
    assert_failed(&fx, loader_load_raw(&fx.ld, "/nonexistent/initrd", RAM_BASE, &info, &fx.err),
                  "/nonexistent/initrd", "No such file");
    const char *empty = fx_file(&fx, "", 0);
    assert_failed(&fx, loader_load_raw(&fx.ld, empty, RAM_BASE, &info, &fx.err), empty, "file is empty");
    assert_failed(&fx, loader_load_auto(&fx.ld, empty, RAM_BASE, EM_RISCV, &info, &fx.err), empty, "file is empty");
    assert_failed(&fx, loader_load_raw(&fx.ld, "/tmp", RAM_BASE, &info, &fx.err), "/tmp", "not a regular file");
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_raw_loaded_at_address)
{
    struct fixture fx;
    fx_init(&fx);
    static const uint8_t data[] = { 0x13, 0x05, 0xa0, 0x02, 0x73, 0x00, 0x10, 0x00 };
    const char *path = fx_file(&fx, data, sizeof(data));
    struct loader_info info;
    ck_assert_int_eq(loader_load_raw(&fx.ld, path, RAM_BASE + 0x200000, &info, &fx.err), 0);
    ck_assert(!info.is_elf);
    ck_assert_uint_eq(info.entry, RAM_BASE + 0x200000);
    ck_assert_uint_eq(info.high, RAM_BASE + 0x200008);
    ck_assert_mem_eq(ram(&fx, RAM_BASE + 0x200000), data, sizeof(data));
    ck_assert_uint_eq(ram(&fx, RAM_BASE + 0x200008)[0], 0xee);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_raw_too_big_names_size_and_address)
{
    struct fixture fx;
    fx_init(&fx);
    size_t len = 3 << 20;
    uint8_t *big = calloc(1, len);
    const char *path = fx_file(&fx, big, len);
    free(big);
    struct loader_info info;
    char expect[128];
    snprintf(expect, sizeof(expect), "%s (3 MiB) does not fit in RAM at 0x80200000", path);
    ck_assert_int_eq(loader_load_raw(&fx.ld, path, RAM_BASE + 0x200000, &info, &fx.err), -1);
    ck_assert_str_eq(fx.err.msg, expect);
    ck_assert_uint_eq(ram(&fx, RAM_BASE + 0x200000)[0], 0xee);
    /* Outside any region at all. */
    ck_assert_int_eq(loader_load_raw(&fx.ld, path, 0, &info, &fx.err), -1);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_overlapping_images_name_both)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE, PAYLOAD_OFF, 0x100, 0x1000);
    const char *fw = img_file(&fx, &img);
    struct loader_info info;
    ck_assert_int_eq(loader_load_elf(&fx.ld, fw, EM_RISCV, &info, &fx.err), 0);
    static const uint8_t data[16] = { 1, 2, 3 };
    const char *raw = fx_file(&fx, data, sizeof(data));
    int rc = loader_load_raw(&fx.ld, raw, RAM_BASE + 0xff8, &info, &fx.err);
    assert_failed(&fx, rc, raw, fw);
    ck_assert_ptr_nonnull(strstr(fx.err.msg, "overlaps"));
    ck_assert_uint_eq(ram(&fx, RAM_BASE + 0xff8)[0], 0);       /* still the first image's bss */
    /* Right behind it is fine. */
    ck_assert_int_eq(loader_load_raw(&fx.ld, raw, RAM_BASE + 0x1000, &info, &fx.err), 0);
    ck_assert_int_eq(loader_load_blob(&fx.ld, "dtb", RAM_BASE + 0x1008, data, 8, &fx.err), -1);
    ck_assert_ptr_nonnull(strstr(fx.err.msg, "dtb"));
    ck_assert_int_eq(loader_load_blob(&fx.ld, "dtb", RAM_BASE + 0x2000, data, 8, &fx.err), 0);
    ck_assert_mem_eq(ram(&fx, RAM_BASE + 0x2000), data, 8);
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_auto_detects_elf_or_raw)
{
    struct fixture fx;
    fx_init(&fx);
    struct elf_image img;
    img_init(&img, 1);
    img_segment(&img, 0, RAM_BASE + 0x100000, PAYLOAD_OFF, 0x10, 0x10);
    const char *elf = img_file(&fx, &img);
    static const uint8_t data[] = "\x7f" "ELx not an elf";
    const char *raw = fx_file(&fx, data, sizeof(data));
    ck_assert_int_eq(loader_is_elf(elf, &fx.err), 1);
    ck_assert_int_eq(loader_is_elf(raw, &fx.err), 0);
    ck_assert_int_eq(loader_is_elf("/nonexistent", &fx.err), -1);
    struct loader_info info;
    ck_assert_int_eq(loader_load_auto(&fx.ld, elf, RAM_BASE, EM_RISCV, &info, &fx.err), 0);
    ck_assert(info.is_elf);
    ck_assert_uint_eq(info.low, RAM_BASE + 0x100000);
    ck_assert_int_eq(loader_load_auto(&fx.ld, raw, RAM_BASE, EM_RISCV, &info, &fx.err), 0);
    ck_assert(!info.is_elf);
    ck_assert_mem_eq(ram(&fx, RAM_BASE), data, sizeof(data));
    fx_free(&fx);
}
END_TEST

START_TEST(test_loader_debian_opensbi_loads_at_ram_base)
{
    static const char fw[] = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";
    if (access(fw, R_OK) != 0)
        return;     /* opensbi not installed: nothing to compare against */
    struct fixture fx;
    fx_init(&fx);
    struct loader_info info;
    ck_assert_msg(loader_load_elf(&fx.ld, fw, EM_RISCV, &info, &fx.err) == 0, "%s", fx.err.msg);
    ck_assert_uint_eq(info.entry, RAM_BASE);
    ck_assert_uint_eq(info.low, RAM_BASE);
    ck_assert_uint_gt(info.high, RAM_BASE + 0x1000);
    ck_assert_uint_ne(ram(&fx, RAM_BASE)[0], 0xee);
    fx_free(&fx);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("elf");
    tcase_add_test(tc, test_loader_elf_segments_copied_and_bss_zeroed);
    tcase_add_test(tc, test_loader_elf_into_rom_written);
    tcase_add_test(tc, test_loader_elf_htif_symbols_found);
    tcase_add_test(tc, test_loader_elf_segment_outside_ram_rejected);
    tcase_add_test(tc, test_loader_elf_segment_straddling_ram_end_rejected);
    tcase_add_test(tc, test_loader_elf_address_wrap_rejected);
    tcase_add_test(tc, test_loader_elf_segment_past_file_end_rejected);
    tcase_add_test(tc, test_loader_elf_offset_overflow_rejected);
    tcase_add_test(tc, test_loader_elf_filesz_above_memsz_rejected);
    tcase_add_test(tc, test_loader_elf_bad_second_segment_writes_nothing);
    tcase_add_test(tc, test_loader_elf_truncated_header_rejected);
    tcase_add_test(tc, test_loader_elf_truncated_program_headers_rejected);
    tcase_add_test(tc, test_loader_elf_wrong_machine_class_endian_rejected);
    tcase_add_test(tc, test_loader_elf_no_load_segments_rejected);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("raw");
    tcase_add_test(tr, test_loader_missing_empty_dir_files_rejected);
    tcase_add_test(tr, test_loader_raw_loaded_at_address);
    tcase_add_test(tr, test_loader_raw_too_big_names_size_and_address);
    tcase_add_test(tr, test_loader_overlapping_images_name_both);
    tcase_add_test(tr, test_loader_auto_detects_elf_or_raw);
    tcase_add_test(tr, test_loader_debian_opensbi_loads_at_ram_base);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(loader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
