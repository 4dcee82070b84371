/* A byte message in an RGB image by STC under HILL (+ side-informed) costs
 * (src/stego/stc_image.c): round trips on random and textured images, message
 * lengths from 0 to capacity, only keyed slots change and by +-1 inside 0..255,
 * side-informed changes go towards the unrounded value, a wrong length key
 * does not read the message. */
#include <math.h>
#include <string.h>
#include "stego/costs.h"
#include "stego/perm.h"
#include "stego/stc_image.h"
#include "testutil.h"

static uint64_t rng_state = 7;
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double urand(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* Unrounded "precover" on 0..255: kind 0 uniform noise, 1 a texture (smooth
 * gradient, a flat sky, a band of fine noise, saturated corners). */
static void make_precover(float *u, int w, int h, int kind) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                float v;
                if (kind == 0) v = (float)(urand() * 256 - 0.5);
                else if (y < h / 4) v = 200.0f + 0.2f * (float)c; /* flat sky */
                else if (x < w / 3)
                    v = 60.0f + 40.0f * sinf(0.05f * (float)x * (float)(c + 1)) + 30.0f * cosf(0.07f * (float)y) +
                        (float)(urand() * 2);
                else if (x < 2 * w / 3) v = 128.0f + (float)(urand() * 60 - 30); /* grain */
                else v = (x + y) % 17 < 4 ? 260.0f : -4.0f;                       /* saturated stripes */
                u[((size_t)y * w + x) * 3 + c] = v;
            }
}

static void round_cover(const float *u, uint8_t *px, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = u[i] < 0 ? 0 : u[i] > 255 ? 255 : u[i];
        px[i] = (uint8_t)lrintf(v);
    }
}

typedef struct result {
    uint64_t changes;
    double distortion;
} result;

static result one(int w, int h, int kind, size_t len, int si, const uint8_t key[32]) {
    result r = {0, 0};
    size_t n = (size_t)w * h * 3;
    const uint64_t first = 13; /* a few leading values outside the keyed slots */
    float *u = malloc(n * sizeof(float)), *rho = malloc(n * sizeof(float));
    float *rp = malloc(n * sizeof(float)), *rm = malloc(n * sizeof(float));
    uint8_t *cover = malloc(n), *px = malloc(n), *msg = malloc(len + 1), *signs = malloc(n / 8 + 1);
    make_precover(u, w, h, kind);
    round_cover(u, cover, n);
    for (size_t i = 0; i < len; i++) msg[i] = (uint8_t)rnd();
    for (size_t i = 0; i < n / 8 + 1; i++) signs[i] = (uint8_t)rnd();
    fc_error err = {0};
    CHECK(fc_hill_costs(cover, w, h, 3, rho, &err) == FC_OK);
    fc_costs_pm(cover, rho, si ? u : NULL, n, rp, rm);
    uint8_t pkey[32];
    for (int i = 0; i < 32; i++) pkey[i] = (uint8_t)rnd();
    fc_perm perm;
    CHECK(fc_perm_init(&perm, (uint32_t)(n - first), pkey, &err) == FC_OK);
    memcpy(px, cover, n);
    fc_stc_stats st;
    int rc = fc_stc_embed_image(px, first, &perm, rp, rm, signs, key, msg, len, &st, &err);
    CHECKF(rc == FC_OK, "%dx%d kind %d len %zu si %d: %s", w, h, kind, len, si, err.msg);
    if (rc == FC_OK) {
        uint8_t *out = NULL;
        size_t ol = 0;
        rc = fc_stc_extract_image(px, first, &perm, key, &out, &ol, &err);
        CHECKF(rc == FC_OK && ol == len && (len == 0 || memcmp(out, msg, len) == 0),
               "%dx%d kind %d len %zu si %d: read back %zu bytes, rc %d", w, h, kind, len, si, ol, rc);
        free(out);
        uint64_t changes = 0, bad = 0, wrong_way = 0;
        double dist = 0;
        for (size_t i = 0; i < n; i++) {
            int d = (int)px[i] - (int)cover[i];
            if (!d) continue;
            changes++;
            if (i < first || (d != 1 && d != -1)) bad++;
            dist += d > 0 ? rp[i] : rm[i];
            float e = (u[i] < 0 ? 0 : u[i] > 255 ? 255 : u[i]) - (float)cover[i];
            if (si && fabsf(e) > 1e-3f && (e > 0) != (d > 0)) wrong_way++;
        }
        CHECKF(bad == 0, "%llu values changed outside the keyed slots or by more than 1", (unsigned long long)bad);
        CHECKF(changes == st.changes, "changes %llu, reported %llu", (unsigned long long)changes,
               (unsigned long long)st.changes);
        CHECKF(fabs(dist - st.distortion) <= 1e-6 * (dist + 1), "distortion %g reported %g", dist, st.distortion);
        /* Changing away from u costs rho, towards it at most rho: the embedder
         * never pays more, so with side information it always goes towards u. */
        CHECKF(wrong_way == 0, "%llu changes away from the unrounded value", (unsigned long long)wrong_way);
        r.changes = changes;
        r.distortion = dist;
    }
    fc_perm_free(&perm);
    free(u);
    free(rho);
    free(rp);
    free(rm);
    free(cover);
    free(px);
    free(msg);
    free(signs);
    return r;
}

static void test_roundtrips(void) {
    uint8_t key[32];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)(i * 7 + 1);
    const int dims[][2] = {{24, 16}, {37, 29}, {64, 64}, {128, 96}};
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        int w = dims[d][0], h = dims[d][1];
        uint64_t cap = fc_stc_image_capacity((uint64_t)w * h * 3 - 13);
        const double fr[] = {0, 0.05, 0.2, 0.4, 1.0};
        for (int kind = 0; kind < 2; kind++)
            for (size_t f = 0; f < sizeof fr / sizeof *fr; f++)
                for (int si = 0; si < 2; si++) one(w, h, kind, (size_t)(fr[f] * (double)cap), si, key);
        one(w, h, 1, 1, 0, key);
    }
}

/* Side information and adaptive costs pay off: at the same payload, SI costs less. */
static void test_si_cheaper(void) {
    uint8_t key[32] = {1};
    int w = 128, h = 128;
    size_t len = (size_t)(0.2 * 3 * w * h / 8); /* 0.2 bits per channel */
    uint64_t save = rng_state;
    result plain = one(w, h, 1, len, 0, key);
    rng_state = save;
    result si = one(w, h, 1, len, 1, key);
    printf("128x128 texture at 0.2 bpc: HILL %llu changes, distortion %.1f; with side information %llu, %.1f\n",
           (unsigned long long)plain.changes, plain.distortion, (unsigned long long)si.changes, si.distortion);
    CHECK(si.distortion < plain.distortion * 0.8);
}

static void test_errors(void) {
    const int w = 32, h = 32;
    size_t n = (size_t)w * h * 3;
    uint8_t *px = malloc(n), key[32] = {9}, other[32] = {10}, pkey[32] = {3};
    float *rp = malloc(n * sizeof(float)), *rm = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        px[i] = (uint8_t)rnd();
        rp[i] = rm[i] = 1;
    }
    fc_perm perm;
    fc_error err = {0};
    CHECK(fc_perm_init(&perm, (uint32_t)n, pkey, &err) == FC_OK);
    uint64_t cap = fc_stc_image_capacity(n);
    CHECK(cap == (n - FC_STC_LEN_SLOTS) / 8);
    uint8_t *msg = calloc(cap + 1, 1);
    CHECK(fc_stc_embed_image(px, 0, &perm, rp, rm, NULL, key, msg, cap + 1, NULL, &err) == FC_ENOFIT);
    CHECK(fc_stc_embed_image(px, 0, &perm, rp, rm, NULL, key, msg, 100, NULL, &err) == FC_OK);
    /* A wrong length key reads another length: refused, or not the message. */
    int refused = 0, wrong = 0;
    for (int k = 0; k < 20; k++) {
        other[1] = (uint8_t)k;
        uint8_t *out = NULL;
        size_t ol = 0;
        int rc = fc_stc_extract_image(px, 0, &perm, other, &out, &ol, &err);
        refused += rc == FC_EAUTH;
        wrong += rc == FC_OK && ol != 100;
        free(out);
    }
    CHECK(refused + wrong == 20);
    CHECK(refused >= 15); /* a random length exceeds the 320-byte capacity nearly always */
    /* Too small for the length field */
    fc_perm small;
    CHECK(fc_perm_init(&small, FC_STC_LEN_SLOTS, pkey, &err) == FC_OK);
    uint8_t *out = NULL;
    size_t ol = 0;
    CHECK(fc_stc_extract_image(px, 0, &small, key, &out, &ol, &err) == FC_EAUTH);
    CHECK(fc_stc_embed_image(px, 0, &small, rp, rm, NULL, key, msg, 1, NULL, &err) == FC_ENOFIT);
    fc_perm_free(&small);
    fc_perm_free(&perm);
    free(px);
    free(rp);
    free(rm);
    free(msg);
}

int main(void) {
    test_roundtrips();
    test_si_cheaper();
    test_errors();
    return TEST_END();
}
