/*
 * A small seeded pseudo-random generator for everything in emu that needs
 * "random" numbers (virtio-rng, MAC addresses, randomised tests): the
 * same seed always gives the same sequence, on every host.
 *
 * The generator is xoshiro256** (Blackman and Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021), seeded by expanding a
 * 64-bit seed with splitmix64 as its authors recommend. It is not
 * cryptographic; determinism is the point.
 *
 *   struct prng p;
 *   prng_seed(&p, prng_mix(m->cfg.seed, index));
 *   uint64_t r = prng_next(&p);
 *   prng_fill(&p, buf, n);
 */
#ifndef EMU_CORE_PRNG_H
#define EMU_CORE_PRNG_H

#include <stddef.h>
#include <stdint.h>

struct prng {
    uint64_t s[4];
};

/* One step of splitmix64: advances *state and returns its next output. */
uint64_t prng_splitmix64(uint64_t *state);

/* Derives a seed from two values (a machine seed and a device index, say)
 * so that nearby inputs give unrelated seeds. */
uint64_t prng_mix(uint64_t a, uint64_t b);

/* State from four splitmix64 outputs starting at seed (never all zero). */
void prng_seed(struct prng *p, uint64_t seed);

/* Sets the raw state (known-answer tests, snapshots). All zero is the one
 * state xoshiro cannot leave; it is replaced by prng_seed(p, 0). */
void prng_set_state(struct prng *p, const uint64_t s[4]);

uint64_t prng_next(struct prng *p);

/* n bytes: successive outputs, each stored least significant byte first;
 * the last output's unused bytes are dropped. */
void prng_fill(struct prng *p, void *buf, size_t n);

/* Uniform in [0, bound) without modulo bias; bound 0 gives 0. */
uint64_t prng_below(struct prng *p, uint64_t bound);

#endif
