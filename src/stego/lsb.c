#include "stego/lsb.h"
#include <string.h>

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

/* Two ways to visit the slots.  When most keyed slots are used, walking the
 * channels in raster order and asking the inverse permutation which slot each
 * one is (and skipping unused ones) reads the image sequentially; when few are
 * used, following the permutation from the slots touches only those.  Both give
 * identical results. */
#define WALK_BLOCK 256
static int raster_walk(const fc_perm *perm, uint64_t slots, int walk) {
    return walk == FC_WALK_AUTO ? slots >= perm->n / 8 : walk == FC_WALK_RASTER;
}

/* sl[j] = slot of keyed channel c0 + j, j < m: one Feistel pass over the whole
 * block first (independent, so the CPU overlaps them), then the cycle walks. */
static void walk_block(const fc_perm *perm, uint32_t c0, int m, uint32_t *sl) {
    for (int j = 0; j < m; j++) sl[j] = fc_perm_once_inv(perm, c0 + (uint32_t)j);
    for (int j = 0; j < m; j++)
        while (sl[j] >= perm->n) sl[j] = fc_perm_once_inv(perm, sl[j]);
}

static inline unsigned stream_bits(const uint8_t *data, uint64_t s, int bits) {
    return bits == 1 ? (unsigned)bit_at(data, s) : (data[s >> 2] >> (2 * (s & 3))) & 3u;
}

/* Every byte maps to its own 8/bits slots, and the permutation sends distinct
 * slots to distinct channels, so bytes can be done in parallel. */
void fc_lsb_embed_keyed(uint8_t *px, uint64_t first, const fc_perm *perm, int bits, uint64_t off,
                        const uint8_t *data, size_t len, const uint8_t *signs, int walk) {
    const int per = 8 / bits;
    const unsigned mask = (1u << bits) - 1u;
    const uint64_t s_lo = off * (uint64_t)per, s_hi = (off + len) * (uint64_t)per;
    if (raster_walk(perm, s_hi - s_lo, walk)) {
        /* In blocks: first the slot numbers (prefetching the payload bytes they
         * read, which are scattered), then the changes. */
        const int64_t nblk = ((int64_t)perm->n + WALK_BLOCK - 1) / WALK_BLOCK;
#pragma omp parallel for schedule(static) if (perm->n > (1u << 18))
        for (int64_t blk = 0; blk < nblk; blk++) {
            uint32_t c0 = (uint32_t)(blk * WALK_BLOCK), sl[WALK_BLOCK];
            int m = perm->n - c0 < WALK_BLOCK ? (int)(perm->n - c0) : WALK_BLOCK;
            walk_block(perm, c0, m, sl);
            for (int j = 0; j < m; j++)
                if (sl[j] >= s_lo && sl[j] < s_hi) __builtin_prefetch(data + (sl[j] - s_lo) * (uint64_t)bits / 8);
            for (int j = 0; j < m; j++) {
                uint64_t s = sl[j], c = first + c0 + (uint64_t)j;
                if (s < s_lo || s >= s_hi) continue;
                px[c] = fc_lsb_match(px[c], stream_bits(data, s - s_lo, bits), bits, bit_at(signs, c));
            }
        }
        return;
    }
#pragma omp parallel for schedule(static) if (len > 4096)
    for (int64_t i = 0; i < (int64_t)len; i++) {
        uint64_t s0 = (off + (uint64_t)i) * (uint64_t)per;
        for (int j = 0; j < per; j++) {
            uint64_t s = s0 + (uint64_t)j;
            uint64_t ch = first + fc_perm_apply(perm, (uint32_t)s);
            unsigned t = (data[i] >> (j * bits)) & mask;
            px[ch] = fc_lsb_match(px[ch], t, bits, bit_at(signs, ch));
        }
    }
}

void fc_lsb_extract_keyed(const uint8_t *px, uint64_t first, const fc_perm *perm, int bits, uint64_t off,
                          uint8_t *out, size_t len, int walk) {
    const int per = 8 / bits;
    const unsigned mask = (1u << bits) - 1u;
    const uint64_t s_lo = off * (uint64_t)per, s_hi = (off + len) * (uint64_t)per;
    if (raster_walk(perm, s_hi - s_lo, walk)) {
        memset(out, 0, len);
        const int64_t nblk = ((int64_t)perm->n + WALK_BLOCK - 1) / WALK_BLOCK;
#pragma omp parallel for schedule(static) if (perm->n > (1u << 18))
        for (int64_t blk = 0; blk < nblk; blk++) {
            uint32_t c0 = (uint32_t)(blk * WALK_BLOCK), sl[WALK_BLOCK];
            int m = perm->n - c0 < WALK_BLOCK ? (int)(perm->n - c0) : WALK_BLOCK;
            walk_block(perm, c0, m, sl);
            for (int j = 0; j < m; j++)
                if (sl[j] >= s_lo && sl[j] < s_hi) __builtin_prefetch(out + (sl[j] - s_lo) * (uint64_t)bits / 8, 1);
            for (int j = 0; j < m; j++) {
                uint64_t s = sl[j];
                if (s < s_lo || s >= s_hi) continue;
                uint64_t b = (s - s_lo) * (uint64_t)bits; /* bit offset in out */
                __atomic_fetch_or(out + (b >> 3), (uint8_t)((px[first + c0 + j] & mask) << (b & 7)), __ATOMIC_RELAXED);
            }
        }
        return;
    }
#pragma omp parallel for schedule(static) if (len > 4096)
    for (int64_t i = 0; i < (int64_t)len; i++) {
        uint64_t s0 = (off + (uint64_t)i) * (uint64_t)per;
        unsigned v = 0;
        for (int j = 0; j < per; j++)
            v |= (px[first + fc_perm_apply(perm, (uint32_t)(s0 + (uint64_t)j))] & mask) << (j * bits);
        out[i] = (uint8_t)v;
    }
}
