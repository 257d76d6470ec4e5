/*
 * A set-associative cache with LRU replacement, tags only (the data lives
 * in guest RAM; the model only decides hit or miss).
 *
 * Each set keeps its lines in recency order, most recent first, so a hit
 * on the most recent line (the common case: a loop over one line) is one
 * compare and changes nothing. Every miss allocates, evicting the least
 * recently used line. Addresses are guest physical, so the outcome is a
 * function of the guest alone.
 *
 *   struct tcache c;
 *   if (tcache_init(&c, 32768, 8, 64) < 0) ...;
 *   bool hit = tcache_access(&c, pa, TCACHE_READ);
 *   tcache_free(&c);
 */
#ifndef EMU_TIMING_CACHE_H
#define EMU_TIMING_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tcache_op { TCACHE_READ = 0, TCACHE_WRITE = 1 };

struct tcache {
    uint64_t *line;         /* sets * ways: line number + 1 (0 = empty), most recent first */
    uint32_t ways;
    uint32_t set_mask;      /* sets - 1 */
    unsigned line_shift;
    uint64_t access[2];     /* by enum tcache_op */
    uint64_t miss[2];
};

/* size = ways * line * sets with sets and line powers of two (the model
 * parser checks). Returns 0, or -1 when out of memory. */
int tcache_init(struct tcache *c, uint32_t size, uint32_t ways, uint32_t line);
void tcache_free(struct tcache *c);

/* Empties every line (counters stay). */
void tcache_invalidate_all(struct tcache *c);

bool tcache_access_slow(struct tcache *c, uint64_t *set, uint64_t tag, enum tcache_op op);

/* Looks up guest physical address pa and allocates its line on a miss.
 * Returns true on a hit. */
static inline bool tcache_access(struct tcache *c, uint64_t pa, enum tcache_op op)
{
    uint64_t ln = pa >> c->line_shift, tag = ln + 1;
    uint64_t *set = c->line + (size_t)(ln & c->set_mask) * c->ways;
    c->access[op]++;
    if (set[0] == tag)
        return true;
    return tcache_access_slow(c, set, tag, op);
}

/* True when pa's line is present; changes nothing (tests, debugging). */
bool tcache_probe(const struct tcache *c, uint64_t pa);

#endif
