/* Set-associative LRU cache tags (see cache.h). */
#include "timing/cache.h"

#include <stdlib.h>
#include <string.h>

int tcache_init(struct tcache *c, uint32_t size, uint32_t ways, uint32_t line)
{
    memset(c, 0, sizeof(*c));
    uint32_t sets = size / ways / line;
    c->line = calloc((size_t)sets * ways, sizeof(uint64_t));
    if (!c->line)
        return -1;
    c->ways = ways;
    c->set_mask = sets - 1;
    c->line_shift = (unsigned)__builtin_ctz(line);
    return 0;
}

void tcache_free(struct tcache *c)
{
    free(c->line);
    c->line = NULL;
}

void tcache_invalidate_all(struct tcache *c)
{
    memset(c->line, 0, ((size_t)c->set_mask + 1) * c->ways * sizeof(uint64_t));
}

/* Not the most recent line of its set: search the others; either way the
 * line ends up first, the ones before it move down one place. On a miss
 * the last (least recently used) line falls out. */
bool tcache_access_slow(struct tcache *c, uint64_t *set, uint64_t tag, enum tcache_op op)
{
    uint32_t w;
    for (w = 1; w < c->ways && set[w] != tag; w++)
        ;
    bool hit = w < c->ways;
    if (!hit) {
        c->miss[op]++;
        w = c->ways - 1;
    }
    memmove(set + 1, set, w * sizeof(uint64_t));
    set[0] = tag;
    return hit;
}

bool tcache_probe(const struct tcache *c, uint64_t pa)
{
    uint64_t ln = pa >> c->line_shift, tag = ln + 1;
    const uint64_t *set = c->line + (size_t)(ln & c->set_mask) * c->ways;
    for (uint32_t w = 0; w < c->ways; w++) {
        if (set[w] == tag)
            return true;
    }
    return false;
}
