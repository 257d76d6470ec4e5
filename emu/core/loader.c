/*
 * Image loader: ELF (System V gABI, "Program Header" chapter: PT_LOAD
 * segments) through libelf, and raw files.
 *
 * Every load is validated completely (file bounds, guest memory bounds,
 * overlap with earlier images) before the first byte is written, so a
 * failed load leaves guest memory as it was.
 */
#include "core/loader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hostio.h"
#include "core/machine.h"
#include "core/memmap.h"
#include "exec/exec.h"

#define LOADER_CHUNK (1u << 20)
#define LOADER_MAX_SEGMENTS 64

/* A piece of an image: len bytes at addr, of which the first file_len
 * come from the file at offset off (or from buf) and the rest are zero. */
struct loader_piece {
    uint64_t addr, len;
    uint64_t off, file_len;
    const void *buf;
};

void loader_init(struct loader *ld, struct machine *m)
{
    memset(ld, 0, sizeof(*ld));
    ld->m = m;
}

void loader_free(struct loader *ld)
{
    for (size_t i = 0; i < ld->n; i++)
        free(ld->ranges[i].name);
    free(ld->ranges);
    loader_init(ld, ld->m);
}

/* "40 MiB", "12 KiB", "100 bytes": rounded up so a file never looks
 * smaller than it is. */
static const char *loader_size_str(char *buf, size_t n, uint64_t bytes)
{
    if (bytes >= (1ull << 20))
        snprintf(buf, n, "%llu MiB", (unsigned long long)((bytes >> 20) + ((bytes & 0xfffff) != 0)));
    else if (bytes >= (1ull << 10))
        snprintf(buf, n, "%llu KiB", (unsigned long long)((bytes >> 10) + ((bytes & 0x3ff) != 0)));
    else
        snprintf(buf, n, "%llu bytes", (unsigned long long)bytes);
    return buf;
}

static int loader_check_overlap(const struct loader *ld, const char *name, uint64_t addr, uint64_t len,
                                struct emu_err *err)
{
    uint64_t last = addr + len - 1;
    for (size_t i = 0; i < ld->n; i++) {
        const struct loader_range *r = &ld->ranges[i];
        if (addr <= r->last && r->first <= last)
            return emu_errf(err, "%s [0x%llx-0x%llx] overlaps %s [0x%llx-0x%llx]", name,
                            (unsigned long long)addr, (unsigned long long)last, r->name,
                            (unsigned long long)r->first, (unsigned long long)r->last);
    }
    return 0;
}

static int loader_record(struct loader *ld, const char *name, uint64_t addr, uint64_t len, struct emu_err *err)
{
    if (ld->n == ld->cap) {
        size_t cap = ld->cap ? ld->cap * 2 : 8;
        struct loader_range *r = realloc(ld->ranges, cap * sizeof(*r));
        if (!r)
            return emu_errf(err, "%s: out of memory", name);
        ld->ranges = r;
        ld->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return emu_errf(err, "%s: out of memory", name);
    ld->ranges[ld->n++] = (struct loader_range){ addr, addr + len - 1, copy };
    return 0;
}

/* Writes len bytes at addr: RAM through machine_phys_write (which drops
 * translated code there), ROM through its host mapping. The range was
 * checked with memmap_host_ptr beforehand. */
static int loader_write(struct loader *ld, uint64_t addr, const void *src, uint64_t len)
{
    if (machine_phys_write(ld->m, addr, src, len) == 0)
        return 0;
    uint8_t *h = memmap_host_ptr(&ld->m->map, addr, len);
    if (!h)
        return -1;
    exec_invalidate_phys(ld->m, addr, len);
    memcpy(h, src, len);
    return 0;
}

static int loader_write_piece(struct loader *ld, const char *name, int fd, const struct loader_piece *p,
                              uint8_t *chunk, struct emu_err *err)
{
    for (uint64_t done = 0; done < p->len;) {
        uint64_t n = p->len - done < LOADER_CHUNK ? p->len - done : LOADER_CHUNK;
        const void *src = chunk;
        if (done >= p->file_len) {
            memset(chunk, 0, n);
        } else {
            if (n > p->file_len - done)
                n = p->file_len - done;
            if (p->buf)
                src = (const uint8_t *)p->buf + done;
            else if (hostio_pread(fd, chunk, n, p->off + done, HOSTIO_SHORT_FAILS) < 0)
                return emu_errf(err, "%s: read error at offset 0x%llx", name,
                                (unsigned long long)(p->off + done));
        }
        if (loader_write(ld, p->addr + done, src, n) < 0)
            return emu_errf(err, "%s: cannot write guest memory at 0x%llx", name,
                            (unsigned long long)(p->addr + done));
        done += n;
    }
    return 0;
}

/* Writes validated pieces, then records them as loaded. */
static int loader_commit(struct loader *ld, const char *name, int fd, const struct loader_piece *p, size_t n,
                         struct emu_err *err)
{
    uint8_t *chunk = malloc(LOADER_CHUNK);
    if (!chunk)
        return emu_errf(err, "%s: out of memory", name);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = loader_write_piece(ld, name, fd, &p[i], chunk, err);
    free(chunk);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = loader_record(ld, name, p[i].addr, p[i].len, err);
    return rc;
}

/* Opens a non-empty regular file; returns the fd and its size. */
static int loader_open(const char *path, uint64_t *size, struct emu_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return emu_errf(err, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return emu_errf(err, "%s: not a regular file", path);
    }
    if (st.st_size == 0) {
        close(fd);
        return emu_errf(err, "%s: file is empty", path);
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

int loader_is_elf(const char *path, struct emu_err *err)
{
    uint64_t size;
    int fd = loader_open(path, &size, err);
    if (fd < 0)
        return -1;
    uint8_t magic[SELFMAG];
    int is_elf = size >= SELFMAG && hostio_pread(fd, magic, SELFMAG, 0, HOSTIO_SHORT_FAILS) == 0 && !memcmp(magic, ELFMAG, SELFMAG);
    close(fd);
    return is_elf;
}

/* Checks one PT_LOAD header against the file and guest memory. */
static int loader_check_segment(const struct loader *ld, const char *path, uint64_t file_size, const GElf_Phdr *ph,
                                struct emu_err *err)
{
    char sz[32];
    unsigned long long addr = ph->p_paddr;
    if (ph->p_filesz > ph->p_memsz)
        return emu_errf(err, "%s: segment at 0x%llx has a file size (0x%llx) larger than its memory size (0x%llx)",
                        path, addr, (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
    if (ph->p_offset > file_size || ph->p_filesz > file_size - ph->p_offset)
        return emu_errf(err, "%s: segment at 0x%llx (offset 0x%llx, size 0x%llx) extends past the end of the file",
                        path, addr, (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz);
    if (!memmap_host_ptr(&ld->m->map, ph->p_paddr, ph->p_memsz))
        return emu_errf(err, "%s: segment at 0x%llx (size %s) is outside RAM", path, addr,
                        loader_size_str(sz, sizeof(sz), ph->p_memsz));
    return loader_check_overlap(ld, path, ph->p_paddr, ph->p_memsz, err);
}

/* libelf's reason for the last failure; it reports none for some short files. */
static const char *loader_elf_why(void)
{
    int e = elf_errno();
    return e ? elf_errmsg(e) : "truncated or malformed header";
}

/* Reads the ELF header and checks it is ours: 64-bit, little-endian, an
 * executable or position-independent image for e_machine, with its
 * program header table inside the file (gABI "ELF Header"). */
static int loader_check_ehdr(Elf *elf, const char *path, uint64_t file_size, uint16_t e_machine, GElf_Ehdr *eh,
                             struct emu_err *err)
{
    if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, eh))
        return emu_errf(err, "%s: not a valid ELF file (%s)", path, loader_elf_why());
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return emu_errf(err, "%s: not a 64-bit ELF file", path);
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return emu_errf(err, "%s: not a little-endian ELF file", path);
    if (eh->e_machine != e_machine)
        return emu_errf(err, "%s: ELF file is for machine %u, expected %u", path, eh->e_machine, e_machine);
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return emu_errf(err, "%s: ELF file is not an executable (type %u)", path, eh->e_type);
    if (eh->e_phnum && eh->e_phentsize != sizeof(Elf64_Phdr))
        return emu_errf(err, "%s: bad program header size %u", path, eh->e_phentsize);
    uint64_t table = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
    if (eh->e_phoff > file_size || table > file_size - eh->e_phoff)
        return emu_errf(err, "%s: program header table extends past the end of the file", path);
    return 0;
}

/* Collects and validates the PT_LOAD segments as pieces. Returns their
 * number, or -1. */
static int loader_elf_pieces(struct loader *ld, Elf *elf, const char *path, uint64_t file_size,
                             struct loader_piece *p, struct emu_err *err)
{
    size_t nph;
    if (elf_getphdrnum(elf, &nph) < 0)
        return emu_errf(err, "%s: bad program header table (%s)", path, loader_elf_why());
    int n = 0;
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph))
            return emu_errf(err, "%s: bad program header %zu (%s)", path, i, loader_elf_why());
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (n == LOADER_MAX_SEGMENTS)
            return emu_errf(err, "%s: more than %d loadable segments", path, LOADER_MAX_SEGMENTS);
        if (loader_check_segment(ld, path, file_size, &ph, err) < 0)
            return -1;
        /* Segments of one image must not overlap each other either. */
        for (int j = 0; j < n; j++) {
            if (ph.p_paddr <= p[j].addr + p[j].len - 1 && p[j].addr <= ph.p_paddr + ph.p_memsz - 1)
                return emu_errf(err, "%s: segments at 0x%llx and 0x%llx overlap", path,
                                (unsigned long long)p[j].addr, (unsigned long long)ph.p_paddr);
        }
        p[n++] = (struct loader_piece){ ph.p_paddr, ph.p_memsz, ph.p_offset, ph.p_filesz, NULL };
    }
    if (n == 0)
        return emu_errf(err, "%s: ELF file has no loadable segments", path);
    return n;
}

/* Looks up tohost/fromhost in .symtab (HTIF, used by riscv-tests). A
 * missing or unreadable symbol table is not an error. */
static void loader_elf_htif(Elf *elf, struct loader_info *info)
{
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(elf, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0)
            continue;
        Elf_Data *data = elf_getdata(scn, NULL);
        if (!data)
            continue;
        uint64_t count = sh.sh_size / sh.sh_entsize;
        for (uint64_t i = 0; i < count && i <= INT32_MAX; i++) {
            GElf_Sym sym;
            if (!gelf_getsym(data, (int)i, &sym))
                break;
            const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
            if (!name)
                continue;
            if (!strcmp(name, "tohost")) {
                info->has_htif = true;
                info->tohost = sym.st_value;
            } else if (!strcmp(name, "fromhost")) {
                info->fromhost = sym.st_value;
            }
        }
    }
}

static void loader_info_span(struct loader_info *info, const struct loader_piece *p, size_t n)
{
    info->low = UINT64_MAX;
    info->high = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].addr < info->low)
            info->low = p[i].addr;
        if (p[i].addr + p[i].len > info->high)
            info->high = p[i].addr + p[i].len;
    }
}

static int loader_elf_fd(struct loader *ld, int fd, uint64_t size, const char *path, uint16_t e_machine,
                         struct loader_info *info, struct emu_err *err)
{
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    if (!elf)
        return emu_errf(err, "%s: not a valid ELF file (%s)", path, loader_elf_why());
    struct loader_piece pieces[LOADER_MAX_SEGMENTS];
    GElf_Ehdr eh;
    int rc = loader_check_ehdr(elf, path, size, e_machine, &eh, err);
    int n = rc < 0 ? -1 : loader_elf_pieces(ld, elf, path, size, pieces, err);
    if (n > 0) {
        memset(info, 0, sizeof(*info));
        info->is_elf = true;
        info->entry = eh.e_entry;
        loader_info_span(info, pieces, (size_t)n);
        loader_elf_htif(elf, info);
        rc = loader_commit(ld, path, fd, pieces, (size_t)n, err);
    } else {
        rc = -1;
    }
    elf_end(elf);
    return rc;
}

int loader_load_elf(struct loader *ld, const char *path, uint16_t e_machine, struct loader_info *info,
                    struct emu_err *err)
{
    uint64_t size;
    int fd = loader_open(path, &size, err);
    if (fd < 0)
        return -1;
    int rc = loader_elf_fd(ld, fd, size, path, e_machine, info, err);
    close(fd);
    return rc;
}

/* Validates a raw image of len bytes at addr. */
static int loader_check_raw(const struct loader *ld, const char *name, uint64_t addr, uint64_t len,
                            struct emu_err *err)
{
    char sz[32];
    if (!memmap_host_ptr(&ld->m->map, addr, len))
        return emu_errf(err, "%s (%s) does not fit in RAM at 0x%llx", name, loader_size_str(sz, sizeof(sz), len),
                        (unsigned long long)addr);
    return loader_check_overlap(ld, name, addr, len, err);
}

static void loader_info_raw(struct loader_info *info, uint64_t addr, uint64_t len)
{
    memset(info, 0, sizeof(*info));
    info->entry = info->low = addr;
    info->high = addr + len;
}

int loader_load_raw(struct loader *ld, const char *path, uint64_t addr, struct loader_info *info,
                    struct emu_err *err)
{
    uint64_t size;
    int fd = loader_open(path, &size, err);
    if (fd < 0)
        return -1;
    int rc = loader_check_raw(ld, path, addr, size, err);
    if (rc == 0) {
        struct loader_piece p = { addr, size, 0, size, NULL };
        loader_info_raw(info, addr, size);
        rc = loader_commit(ld, path, fd, &p, 1, err);
    }
    close(fd);
    return rc;
}

int loader_load_auto(struct loader *ld, const char *path, uint64_t raw_addr, uint16_t e_machine,
                     struct loader_info *info, struct emu_err *err)
{
    int is_elf = loader_is_elf(path, err);
    if (is_elf < 0)
        return -1;
    if (is_elf)
        return loader_load_elf(ld, path, e_machine, info, err);
    return loader_load_raw(ld, path, raw_addr, info, err);
}

int loader_load_blob(struct loader *ld, const char *name, uint64_t addr, const void *buf, uint64_t len,
                     struct emu_err *err)
{
    if (len == 0)
        return emu_errf(err, "%s: empty", name);
    if (loader_check_raw(ld, name, addr, len, err) < 0)
        return -1;
    struct loader_piece p = { addr, len, 0, len, buf };
    return loader_commit(ld, name, -1, &p, 1, err);
}
