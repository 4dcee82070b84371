/* fc_image_upscale_unit, the Lanczos-3 enlargement of face covers: constant pictures
 * stay exactly constant, a linear ramp stays (nearly) linear, scale 1 is
 * fc_grid_image's rounding, source centres are copied exactly, overshoot at hard
 * edges is clamped (never wraps), and band-limited pictures are reproduced more
 * faithfully than by the bilinear enlargement the covers used before. */
#include <string.h>
#include "data/image_internal.h"
#include "facecrypt.h"
#include "testutil.h"
#include "util/rng.h"

#define S 64
#define P (S * S)

static uint8_t rnd(float v) {
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return (uint8_t)lrintf(v * 255.0f);
}

static void test_constant(void) {
    static float img[3 * P];
    const int sizes[][2] = {{64, 64}, {128, 128}, {192, 192}, {256, 256}, {150, 97}};
    fc_error err = {0};
    int bad = 0;
    for (int k = 0; k < 256; k++) {
        for (int p = 0; p < 3 * P; p++) img[p] = (float)k / 255.0f;
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            fc_image out;
            if (fc_image_upscale_unit(img, 3, S, S, sizes[s][0], sizes[s][1], &out, &err)) {
                bad++;
                continue;
            }
            for (size_t i = 0; i < (size_t)out.w * out.h * 3; i++) bad += out.px[i] != k;
            fc_image_free(&out);
        }
    }
    CHECKF(bad == 0, "constant pictures: %d values changed", bad);
}

static void test_ramp(void) {
    /* v = 0.1 + 0.8 (x + y) / 126 at source centres; at scale 3 output (i, j) sits at
     * source ((i + 0.5) / 3 - 0.5, ...).  Away from the replicated edges (3 pixels)
     * the filter is nearly exact on linear functions: within rounding (0.5) plus 0.05. */
    static float img[P];
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) img[y * S + x] = 0.1f + 0.8f * (float)(x + y) / 126.0f;
    fc_error err = {0};
    fc_image out;
    CHECK(fc_image_upscale_unit(img, 1, S, S, 3 * S, 3 * S, &out, &err) == FC_OK && out.c == 1);
    double worst = 0;
    for (int j = 9; j < 3 * S - 9; j++)
        for (int i = 9; i < 3 * S - 9; i++) {
            double sx = (i + 0.5) / 3 - 0.5, sy = (j + 0.5) / 3 - 0.5;
            double want = 255 * (0.1 + 0.8 * (sx + sy) / 126);
            worst = fmax(worst, fabs(out.px[j * out.w + i] - want));
        }
    CHECKF(worst <= 0.55, "ramp: worst error %.3f levels", worst);
    fc_image_free(&out);
}

static void test_identity_and_centres(void) {
    static float img[3 * P];
    fc_rng r;
    fc_rng_seed(&r, 4);
    for (int p = 0; p < 3 * P; p++) img[p] = 1.2f * fc_rng_uniform(&r) - 0.1f; /* some outside [0,1] */
    fc_error err = {0};
    fc_image a, g;
    CHECK(fc_image_upscale_unit(img, 3, S, S, S, S, &a, &err) == FC_OK);
    CHECK(fc_grid_image(img, 1, 1, 0, &g, &err) == FC_OK);
    CHECK(a.w == g.w && a.h == g.h && !memcmp(a.px, g.px, (size_t)P * 3));
    fc_image_free(&a);
    fc_image_free(&g);
    /* scale 3: the middle pixel of each 3 x 3 block is its source pixel, rounded */
    CHECK(fc_image_upscale_unit(img, 3, S, S, 3 * S, 3 * S, &a, &err) == FC_OK);
    int bad = 0;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            for (int c = 0; c < 3; c++)
                bad += a.px[((size_t)(3 * y + 1) * a.w + 3 * x + 1) * 3 + c] != rnd(img[c * P + y * S + x]);
    CHECKF(bad == 0, "scale 3: %d source centres not copied", bad);
    /* the same bytes again */
    CHECK(fc_image_upscale_unit(img, 3, S, S, 3 * S, 3 * S, &g, &err) == FC_OK && !memcmp(a.px, g.px, (size_t)9 * P * 3));
    fc_image_free(&a);
    fc_image_free(&g);
    /* shrinking, bad planes */
    CHECK(fc_image_upscale_unit(img, 3, S, S, S - 1, S, &a, &err) == FC_EUSAGE && a.px == NULL);
    CHECK(fc_image_upscale_unit(img, 2, S, S, S, S, &a, &err) == FC_EUSAGE);
    CHECK(fc_image_upscale_unit(NULL, 3, S, S, S, S, &a, &err) == FC_EUSAGE);
}

static void test_edges_clamped(void) {
    /* a hard black/white edge and a one-pixel white line on black: Lanczos overshoots
     * on both sides; the result must clamp to 0 / 255, not wrap around */
    static float img[P];
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) img[y * S + x] = x < 32 ? 0.0f : 1.0f;
    img[10 * S + 5] = 1.0f;
    fc_error err = {0};
    fc_image out;
    CHECK(fc_image_upscale_unit(img, 1, S, S, 4 * S, 4 * S, &out, &err) == FC_OK);
    int wrapped = 0, saw0 = 0, saw255 = 0;
    for (int y = 0; y < out.h; y++)
        for (int x = 0; x < out.w; x++) {
            double sx = (x + 0.5) / 4 - 0.5;
            int v = out.px[y * out.w + x];
            int near_line = fabs((y + 0.5) / 4 - 0.5 - 10) < 3.5 && fabs(sx - 5) < 3.5;
            if (sx < 31.5 && !near_line) wrapped += v > 128; /* dark side of the edge */
            if (sx > 31.5) wrapped += v < 127;               /* bright side */
            saw0 += v == 0;
            saw255 += v == 255;
        }
    CHECKF(wrapped == 0, "edge: %d values on the wrong side (wrapped overshoot?)", wrapped);
    /* the ring beside the edge undershoots below 0 and overshoots above 1: clamped */
    double raw = 0;
    CHECK(saw0 > 0 && saw255 > 0);
    int row = 40 * 4;
    for (int x = 0; x < out.w; x++) raw += out.px[row * out.w + x];
    CHECK(raw > 0);
    fc_image_free(&out);
}

static double sig(double x, double y) {
    static const double f[4][3] = {{0.05, 0.02, 0.3}, {0.13, -0.11, 1.1}, {0.21, 0.17, 2.0}, {0.3, 0.07, 0.4}};
    double v = 0.5;
    for (int k = 0; k < 4; k++) v += 0.11 * sin(2 * M_PI * (f[k][0] * x + f[k][1] * y) + f[k][2]);
    return v;
}

static void test_sharper_than_bilinear(void) {
    /* a band-limited picture (sinusoids up to 0.3 cycles per pixel) enlarged 3x:
     * compare with the picture evaluated at the output's positions */
    static float img[P];
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) img[y * S + x] = (float)sig(x, y);
    fc_error err = {0};
    fc_image l, g, b;
    CHECK(fc_image_upscale_unit(img, 1, S, S, 3 * S, 3 * S, &l, &err) == FC_OK);
    CHECK(fc_image_upscale_unit(img, 1, S, S, S, S, &g, &err) == FC_OK);
    CHECK(fc_image_resize(&g, 3 * S, 3 * S, &b, &err) == FC_OK);
    double el = 0, eb = 0;
    int n = 0;
    for (int y = 12; y < 3 * S - 12; y++)
        for (int x = 12; x < 3 * S - 12; x++) {
            double want = 255 * sig((x + 0.5) / 3 - 0.5, (y + 0.5) / 3 - 0.5);
            el += pow(l.px[y * l.w + x] - want, 2);
            eb += pow(b.px[y * b.w + x] - want, 2);
            n++;
        }
    el = sqrt(el / n), eb = sqrt(eb / n);
    fprintf(stderr, "band-limited picture at 3x: RMS error Lanczos-3 %.2f, bilinear %.2f levels\n", el, eb);
    CHECKF(el < 0.5 * eb, "Lanczos %.2f vs bilinear %.2f", el, eb);
    fc_image_free(&l);
    fc_image_free(&g);
    fc_image_free(&b);
}

/* The unrounded values (side information for embedding) are what the bytes were
 * rounded from: the same bytes as without them, each within 0.5 of its float. */
static void test_unrounded(void) {
    static float img[3 * P];
    fc_rng r;
    fc_rng_seed(&r, 9);
    for (int p = 0; p < 3 * P; p++) img[p] = 1.2f * fc_rng_uniform(&r) - 0.1f;
    fc_error err = {0};
    fc_image a, b;
    const int D = 2 * S + 3;
    float *u = malloc(sizeof(float) * (size_t)D * D * 3);
    CHECK(fc_image_upscale_unit(img, 3, S, S, D, D, &a, &err) == FC_OK);
    CHECK(fc_image_upscale_unit_si(img, 3, S, S, D, D, &b, u, &err) == FC_OK);
    CHECK(!memcmp(a.px, b.px, (size_t)D * D * 3));
    int bad = 0, frac = 0;
    for (size_t i = 0; i < (size_t)D * D * 3; i++) {
        bad += !(u[i] >= 0 && u[i] <= 255) || (long)b.px[i] != lrintf(u[i]);
        frac += fabsf(u[i] - (float)b.px[i]) > 0.25f;
    }
    CHECKF(bad == 0, "%d unrounded values do not round to the bytes", bad);
    CHECKF(frac > D * D / 2, "only %d values with a rounding error above 0.25", frac); /* ~ half of them */
    fc_image_free(&a);
    fc_image_free(&b);
    free(u);
}

int main(void) {
    test_unrounded();
    test_constant();
    test_ramp();
    test_identity_and_centres();
    test_edges_clamped();
    test_sharper_than_bilinear();
    return TEST_END();
}
