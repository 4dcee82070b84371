#include "stego/lsb.h"

static inline int bit_at(const uint8_t *b, uint64_t i) { return (b[i >> 3] >> (i & 7)) & 1; }

void fc_lsb_embed_public(uint8_t *px, const uint8_t *data, size_t len, const uint8_t *signs) {
    for (size_t i = 0; i < 8 * len; i++) px[i] = fc_lsb_match(px[i], (unsigned)bit_at(data, i), 1, bit_at(signs, i));
}

void fc_lsb_extract_public(const uint8_t *px, uint8_t *out, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned v = 0;
        for (int t = 0; t < 8; t++) v |= (px[8 * i + t] & 1u) << t;
        out[i] = (uint8_t)v;
    }
}

/* Every byte maps to its own 8/bits slots, and the permutation sends distinct
 * slots to distinct channels, so bytes can be done in parallel. */
void fc_lsb_embed_keyed(uint8_t *px, uint64_t first, const fc_perm *perm, int bits, uint64_t off,
                        const uint8_t *data, size_t len, const uint8_t *signs, uint64_t sign_base) {
    const int per = 8 / bits;
    const unsigned mask = (1u << bits) - 1u;
#pragma omp parallel for schedule(static) if (len > 4096)
    for (int64_t i = 0; i < (int64_t)len; i++) {
        uint64_t s0 = (off + (uint64_t)i) * (uint64_t)per;
        for (int j = 0; j < per; j++) {
            uint64_t s = s0 + (uint64_t)j;
            uint8_t *c = px + first + fc_perm_apply(perm, (uint32_t)s);
            unsigned t = (data[i] >> (j * bits)) & mask;
            *c = fc_lsb_match(*c, t, bits, bit_at(signs, sign_base + s));
        }
    }
}

void fc_lsb_extract_keyed(const uint8_t *px, uint64_t first, const fc_perm *perm, int bits, uint64_t off,
                          uint8_t *out, size_t len) {
    const int per = 8 / bits;
    const unsigned mask = (1u << bits) - 1u;
#pragma omp parallel for schedule(static) if (len > 4096)
    for (int64_t i = 0; i < (int64_t)len; i++) {
        uint64_t s0 = (off + (uint64_t)i) * (uint64_t)per;
        unsigned v = 0;
        for (int j = 0; j < per; j++)
            v |= (px[first + fc_perm_apply(perm, (uint32_t)(s0 + (uint64_t)j))] & mask) << (j * bits);
        out[i] = (uint8_t)v;
    }
}
