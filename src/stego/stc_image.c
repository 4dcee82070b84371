/* Length field + message in an image's keyed slots by STC (stc_image.h). */
#include "stego/stc_image.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/stream.h"
#include "stego/stc.h"
#include "util/error.h"

#define AUTH_FAILED "authentication failed: wrong key, or the container was modified"

uint64_t fc_stc_image_capacity(uint64_t keyed) { return keyed > FC_STC_LEN_SLOTS ? (keyed - FC_STC_LEN_SLOTS) / 8 : 0; }

static uint32_t len_mask(const uint8_t key[32]) {
    static const uint8_t nonce[24] = {0};
    uint8_t b[4];
    fc_keystream(key, nonce, 0, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* One STC pass over keyed slots [s0, s1): gather LSBs and flip costs, embed,
 * apply the changes in the cheaper direction. */
static int embed_pass(uint8_t *px, uint64_t first, const fc_perm *perm, const float *rho_p, const float *rho_m,
                      const uint8_t *signs, uint64_t s0, uint64_t s1, const uint8_t *bits, uint64_t m,
                      fc_stc_stats *st, fc_error *err) {
    uint64_t n = s1 - s0;
    uint8_t *x = calloc(n ? n : 1, 1), *y = malloc(n ? n : 1);
    float *rho = calloc(n ? n : 1, sizeof(float));
    uint32_t *pos = malloc((n ? n : 1) * sizeof(uint32_t));
    int rc = FC_OK;
    if (!x || !y || !rho || !pos) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory (%llu slots)", (unsigned long long)n);
        goto done;
    }
    for (uint64_t j = 0; j < n; j++) {
        uint32_t p = fc_perm_apply(perm, (uint32_t)(s0 + j));
        uint64_t c = first + p;
        pos[j] = p;
        x[j] = px[c] & 1u;
        float a = rho_p[c], b = rho_m[c];
        rho[j] = a < b ? a : b;
    }
    double d = 0;
    rc = fc_stc_embed(x, rho, n, bits, m, FC_STC_H_IMAGE, FC_STC_SEED_DEFAULT, y, &d, err);
    if (rc) goto done;
    for (uint64_t j = 0; j < n; j++) {
        if (y[j] == x[j]) continue;
        uint64_t c = first + pos[j];
        float a = rho_p[c], b = rho_m[c];
        int up = a < b || (a == b && (!signs || ((signs[c >> 3] >> (c & 7)) & 1)));
        if (px[c] == 0) up = 1;
        if (px[c] == 255) up = 0;
        px[c] = (uint8_t)(up ? px[c] + 1 : px[c] - 1);
        if (st) {
            st->changes++;
            st->distortion += up ? a : b;
        }
    }
done:
    free(x);
    free(y);
    free(rho);
    free(pos);
    return rc;
}

int fc_stc_embed_image(uint8_t *px, uint64_t first, const fc_perm *perm, const float *rho_p, const float *rho_m,
                       const uint8_t *signs, const uint8_t len_key[32], const uint8_t *msg, size_t len,
                       fc_stc_stats *st, fc_error *err) {
    if (st) memset(st, 0, sizeof *st);
    uint64_t keyed = perm->n;
    if (len > 0xffffffffu || (uint64_t)len > fc_stc_image_capacity(keyed))
        return fc_fail(err, FC_ENOFIT, "%zu bytes do not fit %llu slots (at most %llu bytes)", len,
                       (unsigned long long)keyed, (unsigned long long)fc_stc_image_capacity(keyed));
    if (len && !msg) return fc_fail(err, FC_EUSAGE, "no message");
    if (st) st->slots = keyed - FC_STC_LEN_SLOTS;
    uint32_t field = (uint32_t)len ^ len_mask(len_key);
    uint8_t fb[4] = {(uint8_t)field, (uint8_t)(field >> 8), (uint8_t)(field >> 16), (uint8_t)(field >> 24)};
    int rc = embed_pass(px, first, perm, rho_p, rho_m, signs, 0, FC_STC_LEN_SLOTS, fb, FC_STC_LEN_BITS, st, err);
    if (rc) return fc_fail_ctx(err, rc, "length field");
    return embed_pass(px, first, perm, rho_p, rho_m, signs, FC_STC_LEN_SLOTS, keyed, msg, 8 * (uint64_t)len, st,
                      err);
}

/* LSBs of keyed slots [s0, s1). */
static uint8_t *gather_lsb(const uint8_t *px, uint64_t first, const fc_perm *perm, uint64_t s0, uint64_t s1) {
    uint8_t *y = malloc(s1 > s0 ? s1 - s0 : 1);
    if (!y) return NULL;
    for (uint64_t s = s0; s < s1; s++) y[s - s0] = px[first + fc_perm_apply(perm, (uint32_t)s)] & 1u;
    return y;
}

int fc_stc_extract_image(const uint8_t *px, uint64_t first, const fc_perm *perm, const uint8_t len_key[32],
                         uint8_t **msg, size_t *len, fc_error *err) {
    *msg = NULL;
    *len = 0;
    uint64_t keyed = perm->n;
    if (keyed <= FC_STC_LEN_SLOTS) return fc_fail(err, FC_EAUTH, AUTH_FAILED);
    uint8_t *y = gather_lsb(px, first, perm, 0, FC_STC_LEN_SLOTS);
    if (!y) return fc_fail(err, FC_ENOMEM, "out of memory");
    uint8_t fb[4];
    fc_stc_extract(y, FC_STC_LEN_SLOTS, FC_STC_LEN_BITS, FC_STC_H_IMAGE, FC_STC_SEED_DEFAULT, fb);
    free(y);
    uint32_t l = ((uint32_t)fb[0] | (uint32_t)fb[1] << 8 | (uint32_t)fb[2] << 16 | (uint32_t)fb[3] << 24) ^
                 len_mask(len_key);
    if ((uint64_t)l > fc_stc_image_capacity(keyed)) return fc_fail(err, FC_EAUTH, AUTH_FAILED);
    uint8_t *out = malloc(l ? l : 1);
    y = gather_lsb(px, first, perm, FC_STC_LEN_SLOTS, keyed);
    if (!out || !y) {
        free(out);
        free(y);
        return fc_fail(err, FC_ENOMEM, "out of memory (%u bytes)", l);
    }
    fc_stc_extract(y, keyed - FC_STC_LEN_SLOTS, 8 * (uint64_t)l, FC_STC_H_IMAGE, FC_STC_SEED_DEFAULT, out);
    free(y);
    *msg = out;
    *len = l;
    return FC_OK;
}
