#include "stego/lsb.h"
#include <string.h>

static inline int bit_at(const uint8_t *b, uint64_t i) { return (b[i >> 3] >> (i & 7)) & 1; }

void fc_lsb_embed_public(uint8_t *px, const fc_slot_map *m, const uint8_t *data, size_t len, const uint8_t *signs) {
    for (size_t i = 0; i < 8 * len; i++) {
        uint64_t c = fc_slot_public(m, (uint32_t)i);
        px[c] = fc_lsb_match(px[c], (unsigned)bit_at(data, i), 1, bit_at(signs, c));
    }
}

void fc_lsb_extract_public(const uint8_t *px, const fc_slot_map *m, uint8_t *out, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned v = 0;
        for (int t = 0; t < 8; t++) v |= (px[fc_slot_public(m, (uint32_t)(8 * i + (size_t)t))] & 1u) << t;
        out[i] = (uint8_t)v;
    }
}

/* Two ways to visit the slots.  When most keyed slots are used, walking the
 * values in raster order and asking the inverse permutations which slot each
 * one is (and skipping unused ones) reads the image sequentially; when few are
 * used, following the permutations from the slots touches only those.  Both give
 * identical results. */
#define WALK_BLOCK 256
static int raster_walk(const fc_slot_map *m, uint64_t slots, int walk) {
    return walk == FC_WALK_AUTO ? slots >= m->keyed / 8 : walk == FC_WALK_RASTER;
}

/* The slots of values c0 .. c0+n-1 (FC_SLOT_NONE where unused; n is returned), with the
 * bytes of buf that those in [s_lo, s_hi) touch prefetched, for writing when write. */
static int walk_block(const fc_slot_map *m, uint64_t c0, uint64_t s_lo, uint64_t s_hi, const uint8_t *buf, int bits,
                      int write, uint32_t sl[WALK_BLOCK]) {
    int n = m->channels - c0 < WALK_BLOCK ? (int)(m->channels - c0) : WALK_BLOCK;
    fc_slot_map_walk(m, c0, n, sl);
    for (int k = 0; k < n; k++) {
        if (sl[k] == FC_SLOT_NONE || sl[k] < s_lo || sl[k] >= s_hi) continue;
        const uint8_t *p = buf + (sl[k] - s_lo) * (uint64_t)bits / 8;
        if (write) __builtin_prefetch(p, 1);
        else __builtin_prefetch(p, 0);
    }
    return n;
}

static inline unsigned stream_bits(const uint8_t *data, uint64_t s, int bits) {
    return bits == 1 ? (unsigned)bit_at(data, s) : (data[s >> 2] >> (2 * (s & 3))) & 3u;
}

/* Every byte maps to its own 8/bits slots, and the maps send distinct slots to
 * distinct values, so bytes (and blocks of values) can be done in parallel. */
void fc_lsb_embed_keyed(uint8_t *px, const fc_slot_map *m, uint64_t slot0, int bits, const uint8_t *data, size_t len,
                        const uint8_t *signs, int walk) {
    const int per = 8 / bits;
    const unsigned mask = (1u << bits) - 1u;
    const uint64_t s_lo = slot0, s_hi = slot0 + (uint64_t)len * (uint64_t)per;
    if (len == 0) return;
    if (raster_walk(m, s_hi - s_lo, walk)) {
        /* In blocks: first the slot numbers (prefetching the payload bytes they
         * read, which are scattered), then the changes. */
        const int64_t nblk = (int64_t)((m->channels + WALK_BLOCK - 1) / WALK_BLOCK);
#pragma omp parallel for schedule(static) if (m->channels > (1u << 18))
        for (int64_t blk = 0; blk < nblk; blk++) {
            uint64_t c0 = (uint64_t)blk * WALK_BLOCK;
            uint32_t sl[WALK_BLOCK];
            int n = walk_block(m, c0, s_lo, s_hi, data, bits, 0, sl);
            for (int k = 0; k < n; k++) {
                uint64_t s = sl[k], c = c0 + (uint64_t)k;
                if (sl[k] == FC_SLOT_NONE || s < s_lo || s >= s_hi) continue;
                px[c] = fc_lsb_match(px[c], stream_bits(data, s - s_lo, bits), bits, bit_at(signs, c));
            }
        }
        return;
    }
#pragma omp parallel for schedule(static) if (len > 4096)
    for (int64_t i = 0; i < (int64_t)len; i++) {
        uint64_t s0 = slot0 + (uint64_t)i * (uint64_t)per;
        for (int j = 0; j < per; j++) {
            uint64_t c = fc_slot_keyed(m, (uint32_t)(s0 + (uint64_t)j));
            unsigned t = (data[i] >> (j * bits)) & mask;
            px[c] = fc_lsb_match(px[c], t, bits, bit_at(signs, c));
        }
    }
}

void fc_lsb_extract_keyed(const uint8_t *px, const fc_slot_map *m, uint64_t slot0, int bits, uint8_t *out, size_t len,
                          int walk) {
    const int per = 8 / bits;
    const unsigned mask = (1u << bits) - 1u;
    const uint64_t s_lo = slot0, s_hi = slot0 + (uint64_t)len * (uint64_t)per;
    if (len == 0) return;
    if (raster_walk(m, s_hi - s_lo, walk)) {
        memset(out, 0, len);
        const int64_t nblk = (int64_t)((m->channels + WALK_BLOCK - 1) / WALK_BLOCK);
#pragma omp parallel for schedule(static) if (m->channels > (1u << 18))
        for (int64_t blk = 0; blk < nblk; blk++) {
            uint64_t c0 = (uint64_t)blk * WALK_BLOCK;
            uint32_t sl[WALK_BLOCK];
            int n = walk_block(m, c0, s_lo, s_hi, out, bits, 1, sl);
            for (int k = 0; k < n; k++) {
                uint64_t s = sl[k];
                if (sl[k] == FC_SLOT_NONE || s < s_lo || s >= s_hi) continue;
                uint64_t b = (s - s_lo) * (uint64_t)bits; /* bit offset in out */
                __atomic_fetch_or(out + (b >> 3), (uint8_t)((px[c0 + (uint64_t)k] & mask) << (b & 7)),
                                  __ATOMIC_RELAXED);
            }
        }
        return;
    }
#pragma omp parallel for schedule(static) if (len > 4096)
    for (int64_t i = 0; i < (int64_t)len; i++) {
        uint64_t s0 = slot0 + (uint64_t)i * (uint64_t)per;
        unsigned v = 0;
        for (int j = 0; j < per; j++) v |= (px[fc_slot_keyed(m, (uint32_t)(s0 + (uint64_t)j))] & mask) << (j * bits);
        out[i] = (uint8_t)v;
    }
}
