/* A keyed pseudo-random permutation of [0, n) without an n-entry table: an
 * unbalanced Feistel network on n_bits = ceil(log2 n) bits, halves of
 * a = ceil(n_bits/2) (high) and b = floor(n_bits/2) (low) bits, 8 rounds whose
 * round functions are random tables filled from an XChaCha20 keystream of the
 * slot subkey, plus cycle walking (re-apply while the result is >= n).
 *   round r even: A ^= T_r[B] (T_r has 2^b entries of a bits)
 *   round r odd:  B ^= T_r[A] (T_r has 2^a entries of b bits)
 * Tables hold at most 8 x 2^16 uint16 (1 MiB) for n up to 2^32. */
#ifndef FC_STEGO_PERM_H
#define FC_STEGO_PERM_H
#include <stdint.h>
#include "facecrypt.h"

#define FC_PERM_ROUNDS 8

typedef struct fc_perm {
    uint32_t n;          /* domain size */
    int a, b;            /* bits in the high and low halves */
    uint16_t *tab[FC_PERM_ROUNDS];
} fc_perm;

/* n >= 1.  Tables come from keystream(key, nonce = 24 zero bytes), round 0
 * first, each entry a little-endian uint16 masked to the output width. */
int fc_perm_init(fc_perm *p, uint32_t n, const uint8_t key[32], fc_error *err);
void fc_perm_free(fc_perm *p);

static inline uint32_t fc_perm_once(const fc_perm *p, uint32_t x) {
    uint32_t bmask = (1u << p->b) - 1u;
    uint32_t A = x >> p->b, B = x & bmask;
    for (int r = 0; r < FC_PERM_ROUNDS; r += 2) {
        A ^= p->tab[r][B];
        B ^= p->tab[r + 1][A];
    }
    return (A << p->b) | B;
}

/* The image of x (< n) under the permutation. */
static inline uint32_t fc_perm_apply(const fc_perm *p, uint32_t x) {
    do x = fc_perm_once(p, x);
    while (x >= p->n);
    return x;
}

static inline uint32_t fc_perm_once_inv(const fc_perm *p, uint32_t y) {
    uint32_t bmask = (1u << p->b) - 1u;
    uint32_t A = y >> p->b, B = y & bmask;
    for (int r = FC_PERM_ROUNDS - 2; r >= 0; r -= 2) {
        B ^= p->tab[r + 1][A];
        A ^= p->tab[r][B];
    }
    return (A << p->b) | B;
}

/* The x with fc_perm_apply(p, x) == y (y < n). */
static inline uint32_t fc_perm_invert(const fc_perm *p, uint32_t y) {
    do y = fc_perm_once_inv(p, y);
    while (y >= p->n);
    return y;
}

#endif
