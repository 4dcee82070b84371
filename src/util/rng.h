/* Deterministic pseudo-random numbers for weights, latent vectors, dropout masks and
 * data shuffling: xoshiro256** seeded through splitmix64.  NOT for cryptography
 * (keys, nonces and keyed streams use libsodium). */
#ifndef FC_UTIL_RNG_H
#define FC_UTIL_RNG_H
#include <stdint.h>
#include <stddef.h>

typedef struct fc_rng {
    uint64_t s[4];
} fc_rng;

void fc_rng_seed(fc_rng *r, uint64_t seed);
uint64_t fc_rng_u64(fc_rng *r);
/* Uniform in [0, 1) with 24 random bits. */
float fc_rng_uniform(fc_rng *r);
/* Uniform integer in [0, n). n > 0. */
uint64_t fc_rng_below(fc_rng *r, uint64_t n);
/* Standard normal (Box-Muller on doubles). */
float fc_rng_normal(fc_rng *r);
void fc_rng_fill_normal(fc_rng *r, float *x, size_t n, float mean, float std);
void fc_rng_fill_uniform(fc_rng *r, float *x, size_t n, float lo, float hi);
/* Fisher-Yates shuffle of n uint32 indices. */
void fc_rng_shuffle_u32(fc_rng *r, uint32_t *a, size_t n);

#endif
