/*
 * The TB cache: lookup by (virtual pc, physical page, mode flags),
 * translation, and invalidation when code pages are written.
 *
 * A TB's IR depends on its virtual pc (pc-relative constants are folded at
 * translation), on the physical bytes it was made from, and on the mode
 * flags, so all three are part of the key. Each physical page holding code
 * has a list of its TBs and a mark in its memory region (code_pages[]);
 * while marked, the page's soft-TLB write tags carry TLB_CODE, so the
 * first store to it takes the slow path and invalidates the page's TBs.
 */
#include "exec/tb.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/machine.h"
#include "core/memmap.h"
#include "timing/core.h"
#include "timing/model.h"

/* Reserved, not committed: room for more host code than the arena's TBs
 * ever need, so the arena alone decides when code is flushed, under
 * either engine (a TB the JIT has no room for would be interpreted). */
#define EXEC_JIT_SIZE ((size_t)1 << 30)

struct exec_cache *exec_cache_create(size_t arena_size, bool with_jit)
{
    struct exec_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    void *p = mmap(NULL, arena_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        free(c);
        return NULL;
    }
    c->arena = p;
    c->arena_size = arena_size;
    c->jit = with_jit ? jit_create(EXEC_JIT_SIZE) : NULL;
    return c;
}

void exec_cache_destroy(struct exec_cache *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < MACHINE_MAX_CPUS; i++)
        timing_cpu_free(c->tcpu[i]);
    munmap(c->arena, c->arena_size);
    jit_destroy(c->jit);
    free(c);
}

static void *arena_alloc(struct exec_cache *c, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (c->arena_used + size > c->arena_size)
        return NULL;
    void *p = c->arena + c->arena_used;
    c->arena_used += size;
    return p;
}

static unsigned tb_hash(uint64_t pc, uint64_t phys)
{
    uint64_t h = (pc ^ (phys * 0x9e3779b97f4a7c15ull)) >> 1;
    h ^= h >> 29;
    return (unsigned)(h & ((1u << EXEC_HASH_BITS) - 1));
}

static unsigned page_hash(uint64_t page)
{
    return (unsigned)((page >> MEM_PAGE_BITS) & ((1u << EXEC_PAGE_HASH_BITS) - 1));
}

static void jmp_caches_clear(struct machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++)
        memset(m->cpus[i]->jmp_cache, 0, sizeof(m->cpus[i]->jmp_cache));
}

/* Sets or clears TLB_CODE on every write entry of every vCPU mapping page. */
static void tlbs_mark_code(struct machine *m, uint64_t page, bool code)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        struct tlb *t = &m->cpus[i]->tlb;
        for (unsigned mi = 0; mi < TLB_NMMU; mi++) {
            for (unsigned k = 0; k < TLB_SIZE; k++) {
                struct tlb_entry *e = &t->e[mi][k];
                if (e->phys != page || (e->tag[TLB_WRITE] & TLB_INVALID))
                    continue;
                if (code)
                    e->tag[TLB_WRITE] |= TLB_CODE;
                else
                    e->tag[TLB_WRITE] &= ~TLB_CODE;
            }
        }
    }
}

static void page_mark(struct machine *m, uint64_t page, bool code)
{
    struct mem_region *r = memmap_find(&m->map, page);
    if (!r || !r->code_pages)
        return;
    uint8_t *mark = &r->code_pages[(page - r->base) >> MEM_PAGE_BITS];
    if (*mark == code)
        return;
    *mark = code;
    tlbs_mark_code(m, page, code);
}

void exec_flush_code(struct machine *m)
{
    struct exec_cache *c = m->exec;
    c->arena_used = 0;
    jit_reset(c->jit);
    memset(c->hash, 0, sizeof(c->hash));
    memset(c->pages, 0, sizeof(c->pages));
    c->flushes++;
    for (size_t i = 0; i < m->map.n; i++) {
        struct mem_region *r = &m->map.r[i];
        if (r->code_pages)
            memset(r->code_pages, 0, r->size >> MEM_PAGE_BITS);
    }
    /* Only emu's own soft TLBs: the guest's translations did not change,
     * so the modelled TLBs keep theirs. */
    for (unsigned i = 0; i < m->ncpus; i++) {
        tlb_flush_all(&m->cpus[i]->tlb);
        memset(m->cpus[i]->jmp_cache, 0, sizeof(m->cpus[i]->jmp_cache));
    }
}

static void tb_unhash(struct exec_cache *c, struct tb *tb)
{
    struct tb **pp = &c->hash[tb_hash(tb->pc, tb->phys_page[0])];
    for (; *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            return;
        }
    }
}

static struct code_page **code_page_slot(struct exec_cache *c, uint64_t page)
{
    struct code_page **pp = &c->pages[page_hash(page)];
    while (*pp && (*pp)->page != page)
        pp = &(*pp)->next;
    return pp;
}

static void page_invalidate(struct machine *m, struct code_page **pp)
{
    struct exec_cache *c = m->exec;
    struct code_page *cp = *pp;
    uint64_t page = cp->page;
    *pp = cp->next;
    for (struct tb *tb = cp->tbs, *next; tb; tb = next) {
        unsigned which = tb->phys_page[0] == page ? 0 : 1;
        next = tb->page_next[which];
        if (!tb->invalid) {
            tb->invalid = true;
            tb_unhash(c, tb);
        }
    }
    jmp_caches_clear(m);
    page_mark(m, page, false);
}

static bool code_bytes_overlap(const struct code_page *cp, unsigned first, unsigned last)
{
    for (unsigned i = first; i <= last; i++) {
        if (cp->code_bytes[i / 64] >> (i % 64) & 1)
            return true;
    }
    return false;
}

void exec_invalidate_phys(struct machine *m, uint64_t addr, uint64_t len)
{
    if (!m->exec || len == 0)
        return;
    uint64_t end = addr + len - 1;
    uint64_t first = addr & ~(MEM_PAGE_SIZE - 1);
    uint64_t last = end & ~(MEM_PAGE_SIZE - 1);
    for (uint64_t p = first;; p += MEM_PAGE_SIZE) {
        struct mem_region *r = memmap_find(&m->map, p);
        if (r && r->code_pages && r->code_pages[(p - r->base) >> MEM_PAGE_BITS]) {
            struct code_page **pp = code_page_slot(m->exec, p);
            unsigned lo = p == first ? (unsigned)(addr - p) : 0;
            unsigned hi = p == last ? (unsigned)(end - p) : (unsigned)MEM_PAGE_SIZE - 1;
            if (!*pp)
                page_mark(m, p, false);
            else if (code_bytes_overlap(*pp, lo, hi))
                page_invalidate(m, pp);
        }
        if (p == last)
            break;
    }
}

/* Adds tb to page's list and marks bytes [lo, hi] of the page as code. */
static int page_add_tb(struct exec_cache *c, uint64_t page, struct tb *tb, unsigned which, unsigned lo,
                       unsigned hi)
{
    struct code_page *cp = *code_page_slot(c, page);
    if (!cp) {
        cp = arena_alloc(c, sizeof(*cp));
        if (!cp)
            return -1;
        memset(cp, 0, sizeof(*cp));
        cp->page = page;
        cp->next = c->pages[page_hash(page)];
        c->pages[page_hash(page)] = cp;
    }
    tb->page_next[which] = cp->tbs;
    cp->tbs = tb;
    for (unsigned i = lo; i <= hi; i++)
        cp->code_bytes[i / 64] |= 1ull << (i % 64);
    return 0;
}

/* With a detailed timing model, the ops the model must see become their
 * timed back-end forms (ir.h): loads, stores, and the control transfer of
 * branch and jump instructions. */
static void tb_use_timed_ops(struct tb *tb)
{
    for (unsigned i = 0; i < tb->nops; i++) {
        struct ir_op *op = &tb->ops[i];
        enum op_class cls = (enum op_class)tb->insn_class[op->insn];
        if (op->opc == IR_LD)
            op->opc = IR_LD_T;
        else if (op->opc == IR_ST)
            op->opc = IR_ST_T;
        else if (op->opc == IR_BRCOND && cls == OPC_BRANCH)
            op->opc = IR_BRCOND_T;
        else if (op->opc == IR_GOTO_PTR && cls == OPC_JUMP)
            op->opc = IR_GOTO_PTR_T;
    }
}

/* Counts the builder's instructions per op class into pairs; returns how many. */
static unsigned tb_class_histogram(const struct ir_builder *b, struct tb_class_count *out)
{
    unsigned per_class[OPC_COUNT] = { 0 }, n = 0;
    for (unsigned i = 0; i < b->ninsns; i++)
        per_class[b->insn_class[i]]++;
    for (unsigned k = 0; k < OPC_COUNT; k++) {
        if (per_class[k])
            out[n++] = (struct tb_class_count){ (uint8_t)k, (uint8_t)per_class[k] };
    }
    return n;
}

/* Copies the finished IR into the arena and compiles it; NULL when the
 * arena is full. */
static struct tb *tb_commit(struct exec_cache *c, const struct ir_builder *b, uint64_t pc, uint32_t flags,
                            uint32_t cycles, unsigned pc_slot)
{
    _Static_assert(IR_MAX_INSNS <= UINT8_MAX, "a class count must fit tb_class_count.n");
    struct tb *tb = arena_alloc(c, sizeof(*tb) + b->nops * sizeof(struct ir_op));
    uint16_t *off = arena_alloc(c, b->ninsns * sizeof(uint16_t));
    uint8_t *cls = arena_alloc(c, b->ninsns);
    if (!tb || !off || !cls)
        return NULL;
    memset(tb, 0, sizeof(*tb));
    tb->pc = pc;
    tb->flags = flags;
    tb->cycles = cycles;
    tb->nclass_counts = (uint8_t)tb_class_histogram(b, tb->class_counts);
    memcpy(tb->ops, b->ops, b->nops * sizeof(struct ir_op));
    memcpy(off, b->insn_off, b->ninsns * sizeof(uint16_t));
    memcpy(cls, b->insn_class, b->ninsns);
    tb->insn_off = off;
    tb->insn_class = cls;
    tb->nops = (uint16_t)b->nops;
    tb->ninsns = (uint16_t)b->ninsns;
    if (c->timed)
        tb_use_timed_ops(tb);
    /* Only an interpreted TB needs the interpreter's codes. */
    tb->jit = jit_compile(c->jit, tb, pc_slot, c->timed);
    if (!tb->jit)
        interp_prepare(tb);
    return tb;
}

static struct tb *tb_translate(struct cpu *cpu, uint64_t pc, uint64_t phys, uint32_t flags)
{
    struct machine *m = cpu->m;
    struct exec_cache *c = m->exec;
    struct ir_builder *b = &c->builder;

    ir_builder_reset(b);
    if (flags & EXEC_TBF_ONE_INSN)
        b->insn_cap = 1;
    if (cpu->isa->translate(cpu, b, pc, flags & ~EXEC_TBF_ONE_INSN) < 0)
        return NULL;

    /* The code may run into the next page (an instruction straddling the
     * boundary): register the TB there too. */
    unsigned off = (unsigned)(pc & (MEM_PAGE_SIZE - 1));
    unsigned end = off + (b->code_end ? b->code_end : 16);     /* one past the last code byte */
    uint64_t page0 = phys & ~(MEM_PAGE_SIZE - 1), page1 = UINT64_MAX;
    if (end > MEM_PAGE_SIZE) {
        struct cpu_fault saved = cpu->fault;
        uint64_t p2, next_va = (pc & ~(MEM_PAGE_SIZE - 1)) + MEM_PAGE_SIZE;
        if (exec_translate(cpu, next_va, TLB_EXEC, cpu->isa->fetch_mmu_idx(cpu, flags), &p2) == 0)
            page1 = p2 & ~(MEM_PAGE_SIZE - 1);
        cpu->fault = saved;
    }

    uint32_t cycles = timing_tb_cycles(m->timing, b->insn_class, b->ninsns);
    struct tb *tb = tb_commit(c, b, pc, flags, cycles, cpu->isa->pc_slot);
    if (!tb) {
        exec_flush_code(m);
        tb = tb_commit(c, b, pc, flags, cycles, cpu->isa->pc_slot);
        if (!tb)
            return NULL;
    }
    tb->phys_page[0] = page0;
    tb->phys_page[1] = page1;
    tb->fetch_pa = phys;
    tb->fetch_len = (uint16_t)(end - off);
    tb->fetch_mmu_idx = (uint8_t)cpu->isa->fetch_mmu_idx(cpu, flags & ~EXEC_TBF_ONE_INSN);
    unsigned hi0 = end > MEM_PAGE_SIZE ? (unsigned)MEM_PAGE_SIZE - 1 : end - 1;
    if (page_add_tb(c, page0, tb, 0, off, hi0) < 0 ||
        (page1 != UINT64_MAX && page_add_tb(c, page1, tb, 1, 0, end - (unsigned)MEM_PAGE_SIZE - 1) < 0)) {
        exec_flush_code(m);
        return tb_translate(cpu, pc, phys, flags);
    }
    page_mark(m, page0, true);
    if (page1 != UINT64_MAX)
        page_mark(m, page1, true);
    unsigned h = tb_hash(pc, page0);
    tb->hash_next = c->hash[h];
    c->hash[h] = tb;
    cpu->stat_tbs_translated++;
    return tb;
}

struct tb *tb_find(struct cpu *cpu, uint64_t pc, uint32_t flags)
{
    unsigned ji = jmp_index(pc);
    struct tb *tb = cpu->jmp_cache[ji];
    if (tb && tb->pc == pc && tb->flags == flags && !tb->invalid)
        return tb;

    uint64_t phys;
    if (exec_translate(cpu, pc, TLB_EXEC, cpu->isa->fetch_mmu_idx(cpu, flags), &phys) < 0)
        return NULL;
    uint64_t page = phys & ~(MEM_PAGE_SIZE - 1);
    struct exec_cache *c = cpu->m->exec;
    for (tb = c->hash[tb_hash(pc, page)]; tb; tb = tb->hash_next) {
        if (tb->pc == pc && tb->phys_page[0] == page && tb->flags == flags)
            break;
    }
    if (!tb)
        tb = tb_translate(cpu, pc, phys, flags);
    if (tb)
        cpu->jmp_cache[ji] = tb;
    return tb;
}
