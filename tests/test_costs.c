/* HILL and side-informed costs (src/stego/costs.c): a hand-computed example,
 * agreement with a direct (unseparated, double) implementation, mirror
 * symmetry, flat > textured, finite and positive; SI costs fall as |e| -> 0.5. */
#include <math.h>
#include <string.h>
#include "stego/costs.h"
#include "testutil.h"

static uint64_t rng_state = 42;
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int mir(int i, int n) {
    while (i < 0 || i >= n) i = i < 0 ? -1 - i : 2 * n - 1 - i;
    return i;
}

/* HILL straight from the definition, one channel at a time, in double. */
static void hill_direct(const uint8_t *px, int w, int h, int c, int l2, double *out) {
    static const int kb[3][3] = {{-1, 2, -1}, {2, -4, 2}, {-1, 2, -1}};
    double *r1 = malloc(sizeof(double) * w * h), *inv = malloc(sizeof(double) * w * h);
    for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = -1; i <= 1; i++)
                    for (int j = -1; j <= 1; j++) s += kb[i + 1][j + 1] * px[(mir(y + i, h) * w + mir(x + j, w)) * c + ch];
                r1[y * w + x] = fabs(s);
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = -1; i <= 1; i++)
                    for (int j = -1; j <= 1; j++) s += r1[mir(y + i, h) * w + mir(x + j, w)];
                double v = 1.0 / (s / 9 + 1e-10);
                inv[y * w + x] = v > 1e10 ? 1e10 : v;
            }
        int r = l2 / 2;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = -r; i <= r; i++)
                    for (int j = -r; j <= r; j++) s += inv[mir(y + i, h) * w + mir(x + j, w)];
                out[(y * w + x) * c + ch] = s / (l2 * l2);
            }
    }
    free(r1);
    free(inv);
}

static void test_hand_example(void) {
    /* 5x5 grey, one value 9 in the middle, no L2.  |R1|: 36 at the centre, 18 at
     * its 4 neighbours, 9 at the diagonals.  3x3 mean: centre 144/9 = 16; corner
     * (0,0) sees (1,1) once through the mirror: 9/9 = 1; top middle (0,2) sees
     * row 1's 9 + 18 + 9 = 36 -> 4; (0,1): rows {0,0,1} cols {0,1,2} -> 9 + 18 = 27 -> 3. */
    uint8_t px[25] = {0};
    px[12] = 9;
    float rho[25];
    fc_error err = {0};
    CHECK(fc_hill_costs_ex(px, 5, 5, 1, 1, rho, &err) == FC_OK);
    CHECKF(fabsf(rho[12] - 1.0f / 16) < 1e-7f, "centre %g", rho[12]);
    CHECKF(fabsf(rho[0] - 1.0f) < 1e-6f, "corner %g", rho[0]);
    CHECKF(fabsf(rho[2] - 0.25f) < 1e-7f, "top middle %g", rho[2]);
    CHECKF(fabsf(rho[1] - 1.0f / 3) < 1e-7f, "(0,1) %g", rho[1]);
    /* A flat picture: every residual 0, every cost the cap. */
    uint8_t flat[16 * 16 * 3];
    memset(flat, 77, sizeof flat);
    float rf[16 * 16 * 3];
    CHECK(fc_hill_costs(flat, 16, 16, 3, rf, &err) == FC_OK);
    int capped = 1;
    for (int i = 0; i < 16 * 16 * 3; i++) capped &= fabsf(rf[i] - FC_HILL_WET) <= 1e-6f * FC_HILL_WET;
    CHECK(capped);
    CHECK(fc_hill_costs_ex(px, 5, 5, 1, 4, rho, &err) == FC_EUSAGE);
    CHECK(fc_hill_costs(px, 0, 5, 1, rho, &err) == FC_EUSAGE);
}

static void test_direct(void) {
    /* odd sizes, 3 channels, smaller than the 15x15 window in one direction */
    const int sizes[][2] = {{23, 17}, {9, 40}, {3, 3}, {1, 7}};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        int w = sizes[k][0], h = sizes[k][1], c = 3;
        size_t n = (size_t)w * h * c;
        uint8_t *px = malloc(n);
        float *rho = malloc(n * sizeof(float));
        double *ref = malloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++) px[i] = (uint8_t)(100 + (int)(rnd() % 40) + (int)(i % 7) * 10);
        fc_error err = {0};
        CHECK(fc_hill_costs(px, w, h, c, rho, &err) == FC_OK);
        hill_direct(px, w, h, c, FC_HILL_L2, ref);
        double worst = 0;
        for (size_t i = 0; i < n; i++) {
            double e = fabs(rho[i] - ref[i]) / ref[i];
            worst = e > worst ? e : worst;
        }
        /* float output: relative error a few ulps */
        CHECKF(worst < 1e-6, "%dx%d: worst relative error %g", w, h, worst);
        free(px);
        free(rho);
        free(ref);
    }
}

static void test_properties(void) {
    /* Left half flat (grey 128), right half noise: flat costs far more. Mirroring
     * the picture mirrors the costs. */
    const int w = 64, h = 48, c = 3;
    size_t n = (size_t)w * h * c;
    uint8_t *px = malloc(n), *mx = malloc(n);
    float *rho = malloc(n * sizeof(float)), *rm = malloc(n * sizeof(float));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++)
                px[((size_t)y * w + x) * c + ch] = x < w / 2 ? (uint8_t)(128 + (rnd() % 100 == 0)) : (uint8_t)(rnd() % 256);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) mx[((size_t)y * w + x) * c + ch] = px[((size_t)y * w + (w - 1 - x)) * c + ch];
    fc_error err = {0};
    CHECK(fc_hill_costs(px, w, h, c, rho, &err) == FC_OK);
    CHECK(fc_hill_costs(mx, w, h, c, rm, &err) == FC_OK);
    int finite = 1, sym = 1;
    double flat = 0, busy = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) {
                float v = rho[((size_t)y * w + x) * c + ch], m = rm[((size_t)y * w + (w - 1 - x)) * c + ch];
                finite &= isfinite(v) && v > 0;
                sym &= fabsf(v - m) <= 1e-5f * v;
                if (x < 8) flat += log(v);
                if (x >= w - 8) busy += log(v);
            }
    CHECK(finite);
    CHECK(sym);
    printf("HILL: mean log cost flat %.2f, noise %.2f\n", flat / (8.0 * h * c), busy / (8.0 * h * c));
    CHECK(flat / (8.0 * h * c) > busy / (8.0 * h * c) + 3); /* e^3 = 20 times dearer at least */
    free(px);
    free(mx);
    free(rho);
    free(rm);
}

static void test_side_informed(void) {
    uint8_t px[8] = {100, 100, 100, 100, 100, 0, 255, 50};
    float rho[8] = {2, 2, 2, 2, 2, 2, 2, 2};
    /* (float near 100 holds e to about 1e-5) e = +0.1, +0.45, -0.3, 0, +0.5; then saturated values; then an unrounded
     * value that does not round to px (no side information). */
    float u[8] = {100.1f, 100.45f, 99.7f, 100.0f, 100.5f, -3.0f, 260.0f, 52.0f};
    float rp[8], rm[8];
    fc_costs_pm(px, rho, u, 8, rp, rm);
    CHECKF(fabsf(rp[0] - 2 * 0.8f) < 1e-4f && rm[0] == 2, "e 0.1: %g %g", rp[0], rm[0]);
    CHECKF(fabsf(rp[1] - 2 * 0.1f) < 1e-4f && rm[1] == 2, "e 0.45: %g %g", rp[1], rm[1]);
    CHECKF(fabsf(rm[2] - 2 * 0.4f) < 1e-4f && rp[2] == 2, "e -0.3: %g %g", rp[2], rm[2]);
    CHECK(rp[3] == 2 && rm[3] == 2);
    CHECK(rp[4] >= 0 && rp[4] < 1e-5f && rm[4] == 2);
    CHECK(rp[5] == 2 && isinf(rm[5]));
    CHECK(isinf(rp[6]) && rm[6] == 2);
    CHECK(rp[7] == 2 && rm[7] == 2);
    /* Monotone: the cost towards u falls as |e| grows to 0.5. */
    float prev = INFINITY;
    int mono = 1;
    for (int k = 0; k <= 50; k++) {
        uint8_t v = 10;
        float r = 1, uu = 10.0f + 0.01f * (float)k, a, b;
        fc_costs_pm(&v, &r, &uu, 1, &a, &b);
        mono &= a <= prev && b == 1;
        prev = a;
    }
    CHECK(mono && prev < 1e-5f);
    /* No side information: both directions cost rho. */
    fc_costs_pm(px, rho, NULL, 8, rp, rm);
    CHECK(rp[1] == 2 && rm[1] == 2 && isinf(rm[5]) && isinf(rp[6]));
}

int main(void) {
    test_hand_example();
    test_direct();
    test_properties();
    test_side_informed();
    return TEST_END();
}
