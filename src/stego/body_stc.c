/* STC under HILL (+ side information): body mode 1 over all keyed body slots,
 * and format v3's public bytes and header (body_stc.h). */
#include "stego/body_stc.h"
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "stego/costs.h"
#include "stego/layout.h"
#include "stego/stc.h"
#include "stego/stc_image.h"
#include "util/error.h"

#define WALK 4096
#define SPAN_BITS (8 * FC_V2_PUBLIC_BYTES) /* 320: public bytes and header alike */
_Static_assert(8 * FC_V2_HEADER_BYTES == SPAN_BITS, "v3 spans carry 320 bits each");
_Static_assert(SPAN_BITS <= FC_V3_SPAN_MIN, "a v3 span holds its 320 bits");

uint64_t fc_body_stc_max(const fc_slot_map *m) { return m->keyed > m->body0 ? ((uint64_t)m->keyed - m->body0) / 8 : 0; }

/* pos[j] = the value of keyed slot body0 + j, for every body slot (a raster walk
 * with the inverse permutation). */
static uint32_t *body_positions(const fc_slot_map *m, uint64_t n, fc_error *err) {
    uint32_t *pos = malloc((n ? n : 1) * sizeof *pos);
    if (!pos) {
        fc_fail(err, FC_ENOMEM, "out of memory (%llu slots)", (unsigned long long)n);
        return NULL;
    }
    uint32_t sl[WALK];
    for (uint64_t c0 = 0; c0 < m->channels; c0 += WALK) {
        int k = m->channels - c0 < WALK ? (int)(m->channels - c0) : WALK;
        fc_slot_map_walk(m, c0, k, sl);
        for (int t = 0; t < k; t++)
            if (sl[t] != FC_SLOT_NONE && sl[t] >= m->body0) pos[sl[t] - m->body0] = (uint32_t)(c0 + t);
    }
    return pos;
}

/* Costs of +1 and -1 for every value of the untouched cover (N floats each). */
static int cover_costs(const fc_image *im, const float *unrounded, float **rp, float **rm, fc_error *err) {
    const size_t N = (size_t)im->w * im->h * 3;
    float *rho = malloc(N * sizeof *rho);
    *rp = malloc(N * sizeof **rp);
    *rm = malloc(N * sizeof **rm);
    int rc = FC_OK;
    if (!rho || !*rp || !*rm) rc = fc_fail(err, FC_ENOMEM, "out of memory (%zu values)", N);
    if (!rc) rc = fc_hill_costs(im->px, im->w, im->h, 3, rho, err);
    if (!rc) fc_costs_pm(im->px, rho, unrounded, N, *rp, *rm);
    free(rho);
    if (rc) {
        free(*rp);
        free(*rm);
        *rp = *rm = NULL;
    }
    return rc;
}

/* One STC pass: the message (mbits) into the LSBs of the n values pos[0..n-1],
 * in that order; a flipped LSB moves its value in the cheaper direction. */
static int embed_at(uint8_t *px, const uint32_t *pos, uint64_t n, const float *rp, const float *rm,
                    const uint8_t *signs, const uint8_t *msg, uint64_t mbits, fc_body_stc_stats *st, fc_error *err) {
    float *flip = calloc(n ? n : 1, sizeof *flip); /* calloc: n = 0 is defined too */
    uint8_t *x = calloc(n ? n : 1, 1), *y = malloc(n ? n : 1);
    int rc = FC_OK;
    if (!flip || !x || !y) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory (%llu slots)", (unsigned long long)n);
        goto done;
    }
    for (uint64_t j = 0; j < n; j++) {
        uint32_t c = pos[j];
        x[j] = px[c] & 1u;
        flip[j] = rp[c] < rm[c] ? rp[c] : rm[c];
    }
    rc = fc_stc_embed(x, flip, n, msg, mbits, FC_STC_H_IMAGE, FC_STC_SEED_DEFAULT, y, NULL, err);
    if (rc) goto done;
    for (uint64_t j = 0; j < n; j++) {
        if (y[j] == x[j]) continue;
        uint32_t c = pos[j];
        int up = rp[c] < rm[c] || (rp[c] == rm[c] && ((signs[c >> 3] >> (c & 7)) & 1));
        if (px[c] == 0) up = 1;
        if (px[c] == 255) up = 0;
        px[c] = (uint8_t)(up ? px[c] + 1 : px[c] - 1);
        if (st) {
            st->changes++;
            st->distortion += up ? rp[c] : rm[c];
        }
    }
done:
    free(flip);
    free(x);
    free(y);
    return rc;
}

/* The body pass (keyed slots body0..K-1) with the given costs. */
static int embed_body(fc_image *im, const fc_slot_map *m, const float *rp, const float *rm, const uint8_t *signs,
                      const uint8_t *body, size_t len, fc_body_stc_stats *st, fc_error *err) {
    const uint64_t n = (uint64_t)m->keyed - m->body0;
    uint32_t *pos = body_positions(m, n, err);
    if (!pos) return FC_ENOMEM;
    if (st) st->slots = n;
    int rc = embed_at(im->px, pos, n, rp, rm, signs, body, 8 * (uint64_t)len, st, err);
    free(pos);
    return rc;
}

int fc_body_stc_embed(fc_image *im, const fc_slot_map *m, const float *unrounded, const uint8_t *signs,
                      const uint8_t *body, size_t len, fc_body_stc_stats *st, fc_error *err) {
    if (st) memset(st, 0, sizeof *st);
    if ((uint64_t)len > fc_body_stc_max(m))
        return fc_fail(err, FC_ENOFIT, "%zu body bytes do not fit %u keyed slots", len, m->keyed);
    float *rp = NULL, *rm = NULL;
    int rc = cover_costs(im, unrounded, &rp, &rm, err);
    if (!rc) rc = embed_body(im, m, rp, rm, signs, body, len, st, err);
    free(rp);
    free(rm);
    return rc;
}

int fc_body_stc_extract(const uint8_t *px, const fc_slot_map *m, uint8_t *body, size_t len, fc_error *err) {
    const uint64_t n = (uint64_t)m->keyed - m->body0;
    uint8_t *y = malloc(n ? n : 1);
    if (!y) return fc_fail(err, FC_ENOMEM, "out of memory (%llu slots)", (unsigned long long)n);
    uint32_t sl[WALK];
    for (uint64_t c0 = 0; c0 < m->channels; c0 += WALK) {
        int k = m->channels - c0 < WALK ? (int)(m->channels - c0) : WALK;
        fc_slot_map_walk(m, c0, k, sl);
        for (int t = 0; t < k; t++)
            if (sl[t] != FC_SLOT_NONE && sl[t] >= m->body0) y[sl[t] - m->body0] = px[c0 + t] & 1u;
    }
    fc_stc_extract(y, n, 8 * (uint64_t)len, FC_STC_H_IMAGE, FC_STC_SEED_DEFAULT, body);
    free(y);
    return FC_OK;
}

/* ---- format v3 ---- */

/* Values of public slots 0..pub-1 or keyed slots 0..body0-1 (at most 2560). */
static void span_positions(const fc_slot_map *m, int keyed, uint32_t pos[FC_V3_SPAN_MAX], uint32_t *n) {
    *n = keyed ? m->body0 : m->pub;
    for (uint32_t i = 0; i < *n; i++)
        pos[i] = (uint32_t)(keyed ? fc_slot_keyed(m, i) : fc_slot_public(m, i));
}

static void span_extract(const uint8_t *px, const fc_slot_map *m, int keyed, uint8_t out[SPAN_BITS / 8]) {
    uint32_t pos[FC_V3_SPAN_MAX], n;
    uint8_t y[FC_V3_SPAN_MAX];
    span_positions(m, keyed, pos, &n);
    for (uint32_t i = 0; i < n; i++) y[i] = px[pos[i]] & 1u;
    fc_stc_extract(y, n, SPAN_BITS, FC_STC_H_IMAGE, FC_STC_SEED_DEFAULT, out);
}

void fc_v3_extract_public(const uint8_t *px, const fc_slot_map *m, uint8_t *pub) { span_extract(px, m, 0, pub); }
void fc_v3_extract_header(const uint8_t *px, const fc_slot_map *m, uint8_t *header) {
    span_extract(px, m, 1, header);
}

int fc_v3_stc_embed(fc_image *im, const fc_slot_map *m, const float *unrounded, const uint8_t *signs,
                    const uint8_t *pub, const uint8_t *header, const uint8_t *body, size_t len,
                    fc_body_stc_stats *st, fc_error *err) {
    if (st) memset(st, 0, sizeof *st);
    if (m->pub < SPAN_BITS || m->body0 < SPAN_BITS || m->pub > FC_V3_SPAN_MAX || m->body0 > FC_V3_SPAN_MAX)
        return fc_fail(err, FC_EINTERNAL, "not a v3 slot map");
    if ((uint64_t)len > fc_body_stc_max(m))
        return fc_fail(err, FC_ENOFIT, "%zu body bytes do not fit %u keyed slots", len, m->keyed);
    float *rp = NULL, *rm = NULL;
    int rc = cover_costs(im, unrounded, &rp, &rm, err);
    if (rc) return rc;
    uint32_t *pos = malloc(FC_V3_SPAN_MAX * sizeof *pos), n;
    if (!pos) rc = fc_fail(err, FC_ENOMEM, "out of memory");
    /* The spans first (small), then the body: all three are disjoint sets of
     * values, and the costs are the untouched cover's. */
    if (!rc) {
        span_positions(m, 0, pos, &n);
        rc = embed_at(im->px, pos, n, rp, rm, signs, pub, SPAN_BITS, st, err);
    }
    if (!rc) {
        span_positions(m, 1, pos, &n);
        rc = embed_at(im->px, pos, n, rp, rm, signs, header, SPAN_BITS, st, err);
    }
    free(pos);
    if (!rc) rc = embed_body(im, m, rp, rm, signs, body, len, st, err);
    free(rp);
    free(rm);
    return rc;
}
