/* Body mode 1: STC under HILL (+ side information) over all keyed body slots
 * (body_stc.h). */
#include "stego/body_stc.h"
#include <stdlib.h>
#include <string.h>
#include "stego/costs.h"
#include "stego/layout.h"
#include "stego/stc.h"
#include "stego/stc_image.h"
#include "util/error.h"

#define WALK 4096

uint64_t fc_body_stc_max(const fc_slot_map *m) {
    return m->keyed > FC_V2_HEADER_SLOTS ? ((uint64_t)m->keyed - FC_V2_HEADER_SLOTS) / 8 : 0;
}

/* pos[j] = the value of keyed slot 320 + j, for every body slot (a raster walk
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
            if (sl[t] != FC_SLOT_NONE && sl[t] >= FC_V2_HEADER_SLOTS) pos[sl[t] - FC_V2_HEADER_SLOTS] = (uint32_t)(c0 + t);
    }
    return pos;
}

int fc_body_stc_embed(fc_image *im, const fc_slot_map *m, const float *unrounded, const uint8_t *signs,
                      const uint8_t *body, size_t len, fc_body_stc_stats *st, fc_error *err) {
    if (st) memset(st, 0, sizeof *st);
    if ((uint64_t)len > fc_body_stc_max(m))
        return fc_fail(err, FC_ENOFIT, "%zu body bytes do not fit %u keyed slots", len, m->keyed);
    const uint64_t N = m->channels, n = (uint64_t)m->keyed - FC_V2_HEADER_SLOTS;
    float *rho = malloc(N * sizeof *rho), *rp = malloc(N * sizeof *rp), *rm = malloc(N * sizeof *rm);
    float *flip = malloc((n ? n : 1) * sizeof *flip);
    uint8_t *x = malloc(n ? n : 1), *y = malloc(n ? n : 1);
    uint32_t *pos = NULL;
    int rc = FC_OK;
    if (!rho || !rp || !rm || !flip || !x || !y) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory (%llu values)", (unsigned long long)N);
        goto done;
    }
    if ((rc = fc_hill_costs(im->px, im->w, im->h, 3, rho, err))) goto done;
    fc_costs_pm(im->px, rho, unrounded, (size_t)N, rp, rm);
    free(rho); /* peak memory: 4 floats a value, 9 bytes a body slot */
    rho = NULL;
    if (!(pos = body_positions(m, n, err))) {
        rc = FC_ENOMEM;
        goto done;
    }
    for (uint64_t j = 0; j < n; j++) {
        uint32_t c = pos[j];
        x[j] = im->px[c] & 1u;
        flip[j] = rp[c] < rm[c] ? rp[c] : rm[c];
    }
    if (st) st->slots = n;
    rc = fc_stc_embed(x, flip, n, body, 8 * (uint64_t)len, FC_STC_H_IMAGE, FC_STC_SEED_DEFAULT, y, NULL, err);
    if (rc) goto done;
    for (uint64_t j = 0; j < n; j++) {
        if (y[j] == x[j]) continue;
        uint32_t c = pos[j];
        int up = rp[c] < rm[c] || (rp[c] == rm[c] && ((signs[c >> 3] >> (c & 7)) & 1));
        if (im->px[c] == 0) up = 1;
        if (im->px[c] == 255) up = 0;
        im->px[c] = (uint8_t)(up ? im->px[c] + 1 : im->px[c] - 1);
        if (st) {
            st->changes++;
            st->distortion += up ? rp[c] : rm[c];
        }
    }
done:
    free(rho);
    free(rp);
    free(rm);
    free(flip);
    free(x);
    free(y);
    free(pos);
    return rc;
}

int fc_body_stc_extract(const uint8_t *px, const fc_slot_map *m, uint8_t *body, size_t len, fc_error *err) {
    const uint64_t n = (uint64_t)m->keyed - FC_V2_HEADER_SLOTS;
    uint8_t *y = malloc(n ? n : 1);
    if (!y) return fc_fail(err, FC_ENOMEM, "out of memory (%llu slots)", (unsigned long long)n);
    uint32_t sl[WALK];
    for (uint64_t c0 = 0; c0 < m->channels; c0 += WALK) {
        int k = m->channels - c0 < WALK ? (int)(m->channels - c0) : WALK;
        fc_slot_map_walk(m, c0, k, sl);
        for (int t = 0; t < k; t++)
            if (sl[t] != FC_SLOT_NONE && sl[t] >= FC_V2_HEADER_SLOTS) y[sl[t] - FC_V2_HEADER_SLOTS] = px[c0 + t] & 1u;
    }
    fc_stc_extract(y, n, 8 * (uint64_t)len, FC_STC_H_IMAGE, FC_STC_SEED_DEFAULT, body);
    free(y);
    return FC_OK;
}
