/*
 * xoshiro256** seeded by splitmix64 (see prng.h for the references).
 *
 * splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): add the golden-ratio increment, then a
 * 64-bit finaliser of two xor-shift-multiply rounds.
 *
 * xoshiro256**: output rotl(s1 * 5, 7) * 9, then the xor/shift/rotate
 * linear update of the 256-bit state.
 */
#include "core/prng.h"

#include <string.h>

#define PRNG_GOLDEN 0x9e3779b97f4a7c15ull

static uint64_t prng_rotl(uint64_t x, unsigned k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t prng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += PRNG_GOLDEN);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* splitmix64 is a bijection of its state, so for a fixed a, distinct b
 * give distinct results. */
uint64_t prng_mix(uint64_t a, uint64_t b)
{
    uint64_t s = a;
    s = prng_splitmix64(&s) ^ b;
    return prng_splitmix64(&s);
}

void prng_seed(struct prng *p, uint64_t seed)
{
    /* Four consecutive outputs of a bijection of distinct states cannot
     * all be zero, so the state is valid for xoshiro. */
    for (unsigned i = 0; i < 4; i++)
        p->s[i] = prng_splitmix64(&seed);
}

void prng_set_state(struct prng *p, const uint64_t s[4])
{
    if ((s[0] | s[1] | s[2] | s[3]) == 0) {
        prng_seed(p, 0);
        return;
    }
    memcpy(p->s, s, sizeof(p->s));
}

uint64_t prng_next(struct prng *p)
{
    uint64_t *s = p->s;
    uint64_t out = prng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = prng_rotl(s[3], 45);
    return out;
}

void prng_fill(struct prng *p, void *buf, size_t n)
{
    uint8_t *b = buf;

    while (n) {
        uint64_t r = prng_next(p);
        size_t k = n < 8 ? n : 8;
        for (size_t i = 0; i < k; i++)
            b[i] = (uint8_t)(r >> (8 * i));
        b += k;
        n -= k;
    }
}

/* Lemire, "Fast random integer generation in an interval", ACM TOMACS
 * 2019: the high half of r * bound, rejecting the few low halves that
 * would make some results more likely than others. */
uint64_t prng_below(struct prng *p, uint64_t bound)
{
    if (bound == 0)
        return 0;
    unsigned __int128 m = (unsigned __int128)prng_next(p) * bound;
    uint64_t low = (uint64_t)m;
    if (low < bound) {
        uint64_t threshold = (0 - bound) % bound;
        while (low < threshold) {
            m = (unsigned __int128)prng_next(p) * bound;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}
