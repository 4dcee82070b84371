/* Which colour value of the image carries which bit: the one place that knows
 * (docs/container-format.md, "Slots").  A w x h RGB image has N = 3wh values,
 * numbered in raster order (pixel-major, R G B).  A slot map sends
 *   public slot i (i < pub)  to value  at(i),
 *   keyed slot s  (s < K)    to the inner(s)-th value (from 0, in raster order)
 *                            that is not a public slot,         K = N - pub,
 * where inner is the keyed permutation of [0, K) (src/stego/perm.h) and
 *   v1: at(i) = i (pub = 208: the public slots are values 0..207);
 *   v2: at(i) = P(i) (pub = 320), P the permutation of [0, N) keyed by nothing but
 *       the image's size, so the public slots are scattered over the whole image;
 *   v3: the same with its own P and pub = fc_v3_pub_span(N) (320..2560): the
 *       public bytes are the STC syndrome of these values' LSBs, not the LSBs.
 * Keyed slots from body0 on carry the body (v2: 320, after the header at 1 bit a
 * slot; v3: fc_v3_hdr_span(N), after the header's STC span; v1: unused).
 * What the bits are and how a value is changed to carry them is lsb.c's business;
 * a different embedding (e.g. syndrome-trellis codes choosing which keyed slots
 * to change) takes the same map. */
#ifndef FC_STEGO_SLOTS_H
#define FC_STEGO_SLOTS_H
#include <stdint.h>
#include "facecrypt.h"
#include "stego/perm.h"

#define FC_SLOT_NONE UINT32_MAX /* "a public slot" in fc_slot_map_walk */
#define FC_SLOT_PUB_MAX 2560    /* public slots of any format */

/* Format v3 (docs/container-format.md, section 16): the public bytes (320 bits)
 * are the syndrome of the LSBs of the first fc_v3_pub_span(N) values of P, the
 * header (320 bits) that of keyed slots 0 .. fc_v3_hdr_span(N)-1, both by STC:
 * N/16 each (rate 1/5 of the body's 0.2 at most: 0.125 and less), at least 320
 * (rate 1 for tiny images) and at most 2560.  The two round differently (N/16 and
 * (N+8)/16) so that they never grow at the same N: the body slots
 * N - pub - hdr then never decrease as N grows (sizing needs that). */
#define FC_V3_SPAN_MIN 320u
#define FC_V3_SPAN_MAX 2560u
static inline uint32_t fc_v3_span_clamp(uint64_t s) {
    return s < FC_V3_SPAN_MIN ? FC_V3_SPAN_MIN : s > FC_V3_SPAN_MAX ? FC_V3_SPAN_MAX : (uint32_t)s;
}
static inline uint32_t fc_v3_pub_span(uint64_t N) { return fc_v3_span_clamp(N / 16); }
static inline uint32_t fc_v3_hdr_span(uint64_t N) { return fc_v3_span_clamp((N + 8) / 16); }

typedef struct fc_slot_map {
    uint64_t channels;                /* N = 3wh */
    uint32_t pub;                     /* public slots */
    uint32_t keyed;                   /* K = N - pub */
    uint32_t body0;                   /* first keyed slot of the body (v1: 0) */
    uint32_t at[FC_SLOT_PUB_MAX];     /* value of public slot i */
    uint32_t sorted[FC_SLOT_PUB_MAX]; /* the same values, increasing */
    int has_inner;                    /* after fc_slot_map_key */
    fc_perm inner;                    /* of [0, K), from the slot subkey */
} fc_slot_map;

/* The public half of a map: v1 or v2 layout for a w x h image.  FC_EAUTH (with
 * the reader's one message) if the image has no more values than public slots,
 * FC_EINPUT if it has 2^32 or more. */
int fc_slot_map_v1(fc_slot_map *m, uint64_t w, uint64_t h, fc_error *err);
int fc_slot_map_v2(fc_slot_map *m, uint64_t w, uint64_t h, fc_error *err);
/* v3: FC_EAUTH also if there are no more keyed slots than the header's span. */
int fc_slot_map_v3(fc_slot_map *m, uint64_t w, uint64_t h, fc_error *err);
/* The keyed half: inner = the permutation of [0, K) keyed by slot_key.  May be
 * called again with another key (a reader trying candidates). */
int fc_slot_map_key(fc_slot_map *m, const uint8_t slot_key[32], fc_error *err);
void fc_slot_map_free(fc_slot_map *m);

/* The key of P for a w x h image (version 2 or 3): BLAKE2b-256 (unkeyed) of
 * "facecrypt-vV public slots" || w (u32 LE) || h (u32 LE). */
/* The layout's name, "facecrypt-vN" (FC_VERSION_LABEL_BYTES bytes, no terminator), which
 * starts the derivation of a layout's public slots and its header's associated data, so
 * that one layout's values never stand in for another's.  version is 1..9. */
#define FC_VERSION_LABEL_BYTES 12
void fc_version_label(int version, uint8_t out[FC_VERSION_LABEL_BYTES]);

void fc_slot_outer_key(int version, uint64_t w, uint64_t h, uint8_t key[32]);

static inline uint64_t fc_slot_public(const fc_slot_map *m, uint32_t i) { return m->at[i]; }

/* The j-th value (from 0) that is not a public slot: j + the number of public
 * slots below it, i.e. j + #{k : sorted[k] - k <= j} (sorted[k] - k counts the
 * other values below sorted[k], and does not decrease with k). */
static inline uint64_t fc_slot_select(const fc_slot_map *m, uint32_t j) {
    uint32_t lo = 0, hi = m->pub; /* first k with sorted[k] - k > j */
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (m->sorted[mid] - mid <= j) lo = mid + 1;
        else hi = mid;
    }
    return (uint64_t)j + lo;
}

static inline uint64_t fc_slot_keyed(const fc_slot_map *m, uint32_t s) {
    return fc_slot_select(m, fc_perm_apply(&m->inner, s));
}

/* For a walk in raster order: sl[k] = the keyed slot of value c0 + k (k < n), or
 * FC_SLOT_NONE where that value is a public slot.  The inverse permutation, one
 * Feistel pass over the whole block first (independent, so they overlap), then
 * the cycle walks. */
void fc_slot_map_walk(const fc_slot_map *m, uint64_t c0, int n, uint32_t *sl);

#endif
