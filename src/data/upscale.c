/* Enlarging generator output for face covers: a separable Lanczos-3 filter
 * (sinc windowed by sinc, support 3 source pixels each side), applied in double
 * precision to the generator's unrounded [0,1] values, then clamped and rounded to
 * 8 bits once.  Pixel centres are aligned (source x = (i + 0.5) w / dw - 0.5), edges
 * are replicated, and each output's weights are normalised to sum to 1, so a
 * constant picture stays exactly constant.  Where an output centre falls on a source
 * centre (the middle pixel of each 3 x 3 block at scale 3) the source value is copied
 * exactly.  Single-threaded and in a fixed order: the same input gives the same
 * bytes on every run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "data/image_internal.h"
#include "facecrypt.h"
#include "util/error.h"

#define SUPPORT 3
#define TAPS (2 * SUPPORT)

static double lanczos(double x) {
    if (x == 0) return 1;
    if (x <= -SUPPORT || x >= SUPPORT) return 0;
    const double px = M_PI * x;
    return SUPPORT * sin(px) * sin(px / SUPPORT) / (px * px);
}

/* Per output index: TAPS source indices (clamped to the edge) and weights. */
static void build_taps(int in, int out, int *idx, double *w) {
    for (int i = 0; i < out; i++) {
        int *ix = idx + (size_t)i * TAPS;
        double *wx = w + (size_t)i * TAPS;
        const double c = (i + 0.5) * (double)in / (double)out - 0.5;
        const double f = floor(c);
        if (c == f) { /* on a source centre: copy it */
            int j = (int)f < 0 ? 0 : (int)f > in - 1 ? in - 1 : (int)f;
            for (int t = 0; t < TAPS; t++) ix[t] = j, wx[t] = t == 0 ? 1.0 : 0.0;
            continue;
        }
        double sum = 0;
        for (int t = 0; t < TAPS; t++) {
            int j = (int)f - SUPPORT + 1 + t;
            wx[t] = lanczos(c - j);
            ix[t] = j < 0 ? 0 : j > in - 1 ? in - 1 : j;
            sum += wx[t];
        }
        for (int t = 0; t < TAPS; t++) wx[t] /= sum;
    }
}

int fc_image_upscale_unit(const float *chw, int c, int w, int h, int dw, int dh, fc_image *out, fc_error *err) {
    return fc_image_upscale_unit_si(chw, c, w, h, dw, dh, out, NULL, err);
}

int fc_image_upscale_unit_si(const float *chw, int c, int w, int h, int dw, int dh, fc_image *out, float *unrounded,
                             fc_error *err) {
    memset(out, 0, sizeof *out);
    if (!chw || (c != 1 && c != 3) || w <= 0 || h <= 0)
        return fc_fail(err, FC_EUSAGE, "upscale: bad input image");
    if (dw < w || dh < h || dw > 65535 || dh > 65535)
        return fc_fail(err, FC_EUSAGE, "upscale: %dx%d is not an enlargement of %dx%d", dw, dh, w, h);
    int rc = fc_image_alloc(out, dw, dh, c, err);
    if (rc) return rc;
    int *ix = malloc(sizeof(int) * TAPS * (size_t)dw), *iy = malloc(sizeof(int) * TAPS * (size_t)dh);
    double *wx = malloc(sizeof(double) * TAPS * (size_t)dw), *wy = malloc(sizeof(double) * TAPS * (size_t)dh);
    double *tmp = malloc(sizeof(double) * (size_t)h * (size_t)dw); /* one plane, widened */
    if (!ix || !iy || !wx || !wy || !tmp) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory enlarging to %dx%d", dw, dh);
        fc_image_free(out);
        goto done;
    }
    build_taps(w, dw, ix, wx);
    build_taps(h, dh, iy, wy);
    for (int ch = 0; ch < c; ch++) {
        const float *plane = chw + (size_t)ch * (size_t)w * (size_t)h;
        for (int y = 0; y < h; y++) { /* horizontal pass */
            const float *src = plane + (size_t)y * (size_t)w;
            double *dst = tmp + (size_t)y * (size_t)dw;
            for (int x = 0; x < dw; x++) {
                const int *jx = ix + (size_t)x * TAPS;
                const double *kx = wx + (size_t)x * TAPS;
                double acc = 0;
                for (int t = 0; t < TAPS; t++) acc += kx[t] * (double)src[jx[t]];
                dst[x] = acc;
            }
        }
        for (int y = 0; y < dh; y++) { /* vertical pass, clamp, round */
            const int *jy = iy + (size_t)y * TAPS;
            const double *ky = wy + (size_t)y * TAPS;
            uint8_t *row = out->px + (size_t)y * (size_t)dw * (size_t)c + (size_t)ch;
            for (int x = 0; x < dw; x++) {
                double acc = 0;
                for (int t = 0; t < TAPS; t++) acc += ky[t] * tmp[(size_t)jy[t] * (size_t)dw + (size_t)x];
                float v = (float)acc; /* as fc_grid_image rounds the generator's floats */
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                row[(size_t)x * (size_t)c] = (uint8_t)lrintf(v * 255.0f);
                if (unrounded) unrounded[((size_t)y * (size_t)dw + (size_t)x) * (size_t)c + (size_t)ch] = v * 255.0f;
            }
        }
    }
done:
    free(ix);
    free(iy);
    free(wx);
    free(wy);
    free(tmp);
    return rc;
}

/* planes planes of (f*side)^2 floats -> side^2 each, the mean of each f x f block (an
 * exact area reduction).  In place: each output reads only its own block, which lies at
 * or after the output, and no later output reads a value an earlier one overwrote. */
void fc_unit_box_down(float *x, int planes, int side, int f) {
    const int big = f * side;
    const float inv = 1.0f / (float)(f * f);
    for (int i = 0; i < planes; i++) {
        const float *src = x + (size_t)i * big * big;
        float *dst = x + (size_t)i * side * side;
        for (int y = 0; y < side; y++)
            for (int xx = 0; xx < side; xx++) {
                float acc = 0.0f;
                for (int dy = 0; dy < f; dy++)
                    for (int dx = 0; dx < f; dx++) acc += src[(size_t)(y * f + dy) * big + xx * f + dx];
                dst[y * side + xx] = acc * inv;
            }
    }
}
