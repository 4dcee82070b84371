/* Generated-face quality: the sliced Wasserstein distance (swd.c) and the radial power
 * spectrum (spectrum.c) of faces of a generator against real faces, each with the
 * real-vs-real figure as the floor to read it against (two disjoint random sets of
 * real faces differ this much from sampling alone).  Public API in include/facecrypt.h
 * ("analysis"). */
#include <stdlib.h>
#include <string.h>
#include "facecrypt.h"
#include "data/image_internal.h"
#include "util/error.h"
#include "util/rng.h"

#define CHUNK 64
#define MIN_N 16

/* Independent streams from one user seed; fc_rng_seed mixes through splitmix64. */
enum { STREAM_REAL = 1, STREAM_PATCH_A, STREAM_PATCH_B, STREAM_PATCH_G, STREAM_DIRS };
static uint64_t stream(uint64_t seed, int k) { return seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)k); }

/* Add the real faces idx[0..n) (HWC uint8, S x S) to s, converted to CHW in chunks. */
static int add_real(fc_swd *s, const uint8_t *real, int S, const uint32_t *idx, int n, uint8_t *chw, fc_error *err) {
    const size_t IMG = (size_t)3 * S * S;
    for (int i = 0; i < n; i += CHUNK) {
        int b = n - i < CHUNK ? n - i : CHUNK;
        for (int k = 0; k < b; k++) {
            const uint8_t *src = real + (size_t)idx[i + k] * IMG;
            uint8_t *dst = chw + (size_t)k * IMG;
            for (int p = 0; p < S * S; p++)
                for (int c = 0; c < 3; c++) dst[c * S * S + p] = src[p * 3 + c];
        }
        int rc = fc_swd_add_u8(s, chw, b, err);
        if (rc) return rc;
    }
    return FC_OK;
}

/* Where generated faces go: n x 3 x S x S floats in [0,1]. */
typedef int (*face_sink)(void *ctx, const float *x, int n, fc_error *err);
static int sink_swd(void *ctx, const float *x, int n, fc_error *err) { return fc_swd_add_unit(ctx, x, n, err); }
static int sink_spectrum(void *ctx, const float *x, int n, fc_error *err) {
    return fc_spectrum_add_unit(ctx, x, n, err);
}

/* One face (CHW floats in [0,1], side x side) enlarged to S x S as the covers enlarge
 * it (Lanczos-3, rounded to 8 bits: src/data/upscale.c), back into CHW floats. */
static int enlarge(const float *f, int side, int S, float *out, fc_error *err) {
    fc_image big;
    int rc = fc_image_upscale_unit(f, 3, side, side, S, S, &big, err);
    if (rc) return rc;
    for (int p = 0; p < S * S; p++)
        for (int c = 0; c < 3; c++) out[(size_t)c * S * S + p] = (float)big.px[(size_t)p * 3 + c] / 255.0f;
    fc_image_free(&big);
    return FC_OK;
}

/* Generate n faces from z ~ N(0,1) drawn with seed (as `facecrypt sample`) into a sink, at
 * S x S: a generator that draws larger faces (face128 at S = 64) is area-reduced, one that
 * draws smaller faces (64 px at S = 128) is enlarged as the covers enlarge them. */
static int add_generated(face_sink sink, void *ctx, fc_model *m, int S, int n, uint64_t seed, fc_error *err) {
    const int side = fc_model_image_size(m), f = side > S ? side / S : 1;
    if (side > S && side % S) return fc_fail(err, FC_EUSAGE, "eval-gan: faces of %d px do not reduce to %d", side, S);
    if (side < S && S % side) return fc_fail(err, FC_EUSAGE, "eval-gan: faces of %d px do not enlarge to %d", side, S);
    const size_t img = fc_model_image_floats(m), out_img = (size_t)3 * S * S;
    float *z = malloc(sizeof(float) * (size_t)n * FC_LATENT_DIM);
    float *x = malloc(sizeof(float) * (size_t)CHUNK * img);
    float *y = side < S ? malloc(sizeof(float) * (size_t)CHUNK * out_img) : NULL;
    int rc = FC_OK;
    if (!z || !x || (side < S && !y)) {
        rc = fc_fail(err, FC_ENOMEM, "eval-gan: out of memory for %d latent vectors", n);
        goto done;
    }
    fc_latent_normal(seed, (size_t)n, z);
    for (int i = 0; i < n && !rc; i += CHUNK) {
        int b = n - i < CHUNK ? n - i : CHUNK;
        rc = fc_model_generate(m, z + (size_t)i * FC_LATENT_DIM, b, x, err);
        if (rc) break;
        fc_model_output_to_unit(m, x, (size_t)b * img); /* seed: identity; dcgan: [-1,1] -> [0,1] */
        if (f > 1) fc_unit_box_down(x, 3 * b, S, f);
        for (int k = 0; side < S && k < b && !rc; k++) rc = enlarge(x + (size_t)k * img, side, S, y + (size_t)k * out_img, err);
        if (!rc) rc = sink(ctx, side < S ? y : x, b, err);
    }
done:
    free(z);
    free(x);
    free(y);
    return rc;
}

/* Check the sizes and draw the random order of the real faces (set A: its first n,
 * set B: the next n). */
static int real_sets(fc_model *m, const uint8_t *real, size_t count, int n, uint64_t seed, int reference,
                     uint32_t **perm, fc_error *err) {
    *perm = NULL;
    if (!m) return fc_fail(err, FC_EUSAGE, "eval-gan: no model");
    if (n < MIN_N) return fc_fail(err, FC_EUSAGE, "eval-gan: at least %d faces per set are needed (got %d)", MIN_N, n);
    size_t need = (size_t)n * (reference ? 2 : 1);
    if (!real || count < need)
        return fc_fail(err, FC_EINPUT, "eval-gan: %zu real faces, but %zu are needed (%d per set%s)", real ? count : 0,
                       need, n, reference ? ", two disjoint sets for the real-vs-real reference" : "");
    if (count > UINT32_MAX) return fc_fail(err, FC_EINPUT, "eval-gan: too many real faces (%zu)", count);
    uint32_t *p = malloc(sizeof(uint32_t) * count);
    if (!p) return fc_fail(err, FC_ENOMEM, "eval-gan: out of memory");
    for (size_t i = 0; i < count; i++) p[i] = (uint32_t)i;
    fc_rng r;
    fc_rng_seed(&r, stream(seed, STREAM_REAL));
    fc_rng_shuffle_u32(&r, p, count);
    *perm = p;
    return FC_OK;
}

int fc_eval_gan(fc_model *m, const uint8_t *real, size_t count, int n, uint64_t seed, int reference,
                fc_eval_gan_result *out, fc_error *err) {
    return fc_eval_gan_size(m, real, count, FC_IMAGE_SIZE, n, seed, reference, out, err);
}

int fc_eval_gan_size_valid(int size) { return size == 32 || size == 64 || size == 128 || size == 256; }

static int check_size(int S, fc_error *err) {
    if (!fc_eval_gan_size_valid(S))
        return fc_fail(err, FC_EUSAGE, "eval-gan: faces are measured at 32, 64, 128 or 256 px (got %d)", S);
    return FC_OK;
}

int fc_eval_gan_size(fc_model *m, const uint8_t *real, size_t count, int S, int n, uint64_t seed, int reference,
                     fc_eval_gan_result *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    uint32_t *perm;
    int rc = check_size(S, err);
    if (!rc) rc = real_sets(m, real, count, n, seed, reference, &perm, err);
    if (rc) return rc;
    out->n = n;
    uint8_t *chw = malloc((size_t)CHUNK * 3 * S * S);
    fc_swd *a = NULL, *b = NULL, *g = NULL;
    if (!chw) {
        rc = fc_fail(err, FC_ENOMEM, "eval-gan: out of memory");
        goto done;
    }
    if ((rc = fc_swd_create(S, stream(seed, STREAM_PATCH_A), &a, err))) goto done;
    if ((rc = add_real(a, real, S, perm, n, chw, err))) goto done;
    if (reference) { /* before the generated set, so that only two sets are held at a time */
        if ((rc = fc_swd_create(S, stream(seed, STREAM_PATCH_B), &b, err))) goto done;
        if ((rc = add_real(b, real, S, perm + n, n, chw, err))) goto done;
        if ((rc = fc_swd_distance(a, b, stream(seed, STREAM_DIRS), &out->ref, err))) goto done;
        fc_swd_free(b);
        b = NULL;
    }
    if ((rc = fc_swd_create(S, stream(seed, STREAM_PATCH_G), &g, err))) goto done;
    if ((rc = add_generated(sink_swd, g, m, S, n, seed, err))) goto done;
    rc = fc_swd_distance(g, a, stream(seed, STREAM_DIRS), &out->gen, err);
done:
    fc_swd_free(a);
    fc_swd_free(b);
    fc_swd_free(g);
    free(perm);
    free(chw);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}

/* Add the real faces idx[0..n) (HWC uint8, S x S) to a spectrum. */
static int spectrum_real(fc_spectrum *s, const uint8_t *real, int S, const uint32_t *idx, int n, fc_error *err) {
    int rc = FC_OK;
    for (int i = 0; i < n && !rc; i++) rc = fc_spectrum_add_u8(s, real + (size_t)idx[i] * 3 * S * S, 1, err);
    return rc;
}

int fc_eval_gan_spectrum(fc_model *m, const uint8_t *real, size_t count, int n, uint64_t seed, int reference,
                         fc_eval_spectrum_result *out, fc_error *err) {
    return fc_eval_gan_spectrum_size(m, real, count, FC_IMAGE_SIZE, n, seed, reference, out, err);
}

int fc_eval_gan_spectrum_size(fc_model *m, const uint8_t *real, size_t count, int S, int n, uint64_t seed,
                              int reference, fc_eval_spectrum_result *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    uint32_t *perm;
    int rc = check_size(S, err);
    if (!rc) rc = real_sets(m, real, count, n, seed, reference, &perm, err);
    if (rc) return rc;
    out->n = n;
    if (!(rc = fc_spectrum_init(&out->gen, S, err)) && !(rc = fc_spectrum_init(&out->real_a, S, err)) &&
        !(rc = fc_spectrum_init(&out->real_b, S, err)) && !(rc = spectrum_real(&out->real_a, real, S, perm, n, err)) &&
        !(rc = add_generated(sink_spectrum, &out->gen, m, S, n, seed, err)))
        rc = fc_spectrum_compare(&out->gen, &out->real_a, &out->gen_vs_real, err);
    if (!rc && reference && !(rc = spectrum_real(&out->real_b, real, S, perm + n, n, err)))
        rc = fc_spectrum_compare(&out->real_b, &out->real_a, &out->real_vs_real, err);
    free(perm);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}
