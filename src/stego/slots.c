#include "stego/slots.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "util/error.h"

#define V1_PUBLIC_SLOTS 208u
#define V2_PUBLIC_SLOTS (8u * FC_V2_PUBLIC_BYTES)
#define OUTER_SUFFIX " public slots" /* after fc_version_label: "facecrypt-v2 public slots" */
_Static_assert(V2_PUBLIC_SLOTS <= FC_SLOT_PUB_MAX && V1_PUBLIC_SLOTS <= FC_SLOT_PUB_MAX, "public slots fit the map");

void fc_slot_map_free(fc_slot_map *m) {
    if (m->has_inner) fc_perm_free(&m->inner);
    memset(m, 0, sizeof *m);
}

static int map_init(fc_slot_map *m, uint64_t w, uint64_t h, uint32_t pub, fc_error *err) {
    memset(m, 0, sizeof *m);
    uint64_t n = w * h * 3;
    if (w == 0 || h == 0 || w > 0xffffffffu || h > 0xffffffffu || n >= 0xffffffffu)
        return fc_fail(err, FC_EINPUT, "image too large to be a container");
    if (n <= pub) return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    m->channels = n;
    m->pub = pub;
    m->keyed = (uint32_t)(n - pub);
    return FC_OK;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void sort_public(fc_slot_map *m) {
    memcpy(m->sorted, m->at, m->pub * sizeof *m->at);
    qsort(m->sorted, m->pub, sizeof *m->sorted, cmp_u32);
}

int fc_slot_map_v1(fc_slot_map *m, uint64_t w, uint64_t h, fc_error *err) {
    int rc = map_init(m, w, h, V1_PUBLIC_SLOTS, err);
    if (rc) return rc;
    for (uint32_t i = 0; i < m->pub; i++) m->at[i] = i;
    sort_public(m);
    return FC_OK;
}

void fc_version_label(int version, uint8_t out[FC_VERSION_LABEL_BYTES]) {
    memcpy(out, "facecrypt-v", FC_VERSION_LABEL_BYTES - 1);
    out[FC_VERSION_LABEL_BYTES - 1] = (uint8_t)('0' + version);
}

void fc_slot_outer_key(int version, uint64_t w, uint64_t h, uint8_t key[32]) {
    enum { LABEL = FC_VERSION_LABEL_BYTES + sizeof OUTER_SUFFIX - 1 };
    uint8_t msg[LABEL + 8];
    fc_version_label(version, msg);
    memcpy(msg + FC_VERSION_LABEL_BYTES, OUTER_SUFFIX, sizeof OUTER_SUFFIX - 1);
    for (int i = 0; i < 4; i++) {
        msg[LABEL + i] = (uint8_t)(w >> (8 * i));
        msg[LABEL + 4 + i] = (uint8_t)(h >> (8 * i));
    }
    crypto_generichash(key, 32, msg, sizeof msg, NULL, 0);
}

/* v2 and v3: the public slots are P(0 .. pub-1). */
static int map_outer(fc_slot_map *m, int version, uint64_t w, uint64_t h, uint32_t pub, fc_error *err) {
    int rc = map_init(m, w, h, pub, err);
    if (rc) return rc;
    uint8_t key[32];
    fc_perm P;
    fc_slot_outer_key(version, w, h, key);
    if ((rc = fc_perm_init(&P, (uint32_t)m->channels, key, err))) {
        memset(m, 0, sizeof *m);
        return rc;
    }
    for (uint32_t i = 0; i < m->pub; i++) m->at[i] = fc_perm_apply(&P, i);
    fc_perm_free(&P);
    sort_public(m);
    return FC_OK;
}

int fc_slot_map_v2(fc_slot_map *m, uint64_t w, uint64_t h, fc_error *err) {
    int rc = map_outer(m, 2, w, h, V2_PUBLIC_SLOTS, err);
    if (!rc) m->body0 = V2_PUBLIC_SLOTS; /* after the 320 header slots */
    return rc;
}

int fc_slot_map_v3(fc_slot_map *m, uint64_t w, uint64_t h, fc_error *err) {
    uint64_t N = w * h * 3;
    if (w && h && w <= 0xffffffffu && h <= 0xffffffffu && N < 0xffffffffu &&
        N <= (uint64_t)fc_v3_pub_span(N) + fc_v3_hdr_span(N))
        return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    int rc = map_outer(m, 3, w, h, fc_v3_pub_span(N), err);
    if (!rc) m->body0 = fc_v3_hdr_span(N);
    return rc;
}

int fc_slot_map_key(fc_slot_map *m, const uint8_t slot_key[32], fc_error *err) {
    if (m->has_inner) fc_perm_free(&m->inner);
    m->has_inner = 0;
    int rc = fc_perm_init(&m->inner, m->keyed, slot_key, err);
    if (!rc) m->has_inner = 1;
    return rc;
}

void fc_slot_map_walk(const fc_slot_map *m, uint64_t c0, int n, uint32_t *sl) {
    /* Public slots below c0 (binary search), then counted along the block. */
    uint32_t lo = 0, hi = m->pub;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (m->sorted[mid] < c0) lo = mid + 1;
        else hi = mid;
    }
    uint32_t k = lo;
    for (int t = 0; t < n; t++) {
        uint64_t c = c0 + (uint64_t)t;
        if (k < m->pub && m->sorted[k] == c) {
            sl[t] = FC_SLOT_NONE;
            k++;
        } else {
            sl[t] = (uint32_t)(c - k); /* its index among the values that are not public */
        }
    }
    const fc_perm *q = &m->inner;
    for (int t = 0; t < n; t++)
        if (sl[t] != FC_SLOT_NONE) sl[t] = fc_perm_once_inv(q, sl[t]);
    for (int t = 0; t < n; t++)
        while (sl[t] != FC_SLOT_NONE && sl[t] >= q->n) sl[t] = fc_perm_once_inv(q, sl[t]);
}
