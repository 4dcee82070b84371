/* Image resampling: area average (box filter) when shrinking, bilinear when
 * enlarging, chosen per axis.  Separable; each output row is built by a
 * vertical pass into one float row, then a horizontal pass, so memory is
 * O(width) whatever the image size.  Weights are exact for integer ratios
 * (a 2x shrink is exactly the rounded mean of each 2x2 block). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/image_internal.h"
#include "util/error.h"

/* For output index i: source indices [start, start + n) with weights w[off..]. */
typedef struct {
    int start, n, off;
} span;

typedef struct {
    span *sp;
    float *w;
} taps;

static void taps_free(taps *t) {
    free(t->sp);
    free(t->w);
}

static int taps_build(int in, int out, taps *t) {
    /* Area: at most ceil(in/out)+1 taps per output; bilinear: 2; copy: 1. */
    size_t per = out < in ? (size_t)(in / out) + 2 : 2;
    t->sp = malloc(sizeof(span) * (size_t)out);
    t->w = malloc(sizeof(float) * per * (size_t)out);
    if (!t->sp || !t->w) {
        taps_free(t);
        return -1;
    }
    int off = 0;
    for (int i = 0; i < out; i++) {
        span *s = &t->sp[i];
        s->off = off;
        if (out == in) {
            s->start = i, s->n = 1;
            t->w[off++] = 1.0f;
        } else if (out < in) {
            /* Output pixel i covers source interval [x0, x1). Integer arithmetic
             * in units of 1/out keeps the boundaries exact. */
            long long x0 = (long long)i * in, x1 = (long long)(i + 1) * in; /* scaled by out */
            int j0 = (int)(x0 / out), j1 = (int)((x1 + out - 1) / out);
            if (j1 > in) j1 = in;
            s->start = j0, s->n = j1 - j0;
            for (int j = j0; j < j1; j++) {
                long long a = (long long)j * out, b = (long long)(j + 1) * out;
                long long lo = a > x0 ? a : x0, hi = b < x1 ? b : x1;
                t->w[off++] = (float)((double)(hi - lo) / (double)in);
            }
        } else {
            /* Pixel centres aligned: source coordinate of output centre. */
            double x = (i + 0.5) * (double)in / (double)out - 0.5;
            if (x < 0) x = 0;
            int j = (int)floor(x);
            if (j >= in - 1) {
                s->start = in - 1, s->n = 1;
                t->w[off++] = 1.0f;
            } else {
                float f = (float)(x - j);
                s->start = j, s->n = 2;
                t->w[off++] = 1.0f - f;
                t->w[off++] = f;
            }
        }
    }
    return 0;
}

int fc_resample_u8(const uint8_t *src, int w, int h, size_t stride, int c, uint8_t *dst, int dw, int dh,
                   fc_error *err) {
    if (w <= 0 || h <= 0 || dw <= 0 || dh <= 0 || c <= 0) return fc_fail(err, FC_EINTERNAL, "resample: bad size");
    taps tx = {0}, ty = {0};
    float *row = malloc(sizeof(float) * (size_t)w * (size_t)c);
    if (!row || taps_build(w, dw, &tx) || taps_build(h, dh, &ty)) {
        free(row);
        taps_free(&tx);
        taps_free(&ty);
        return fc_fail(err, FC_ENOMEM, "out of memory resizing to %dx%d", dw, dh);
    }
    const size_t rowlen = (size_t)w * (size_t)c;
    for (int y = 0; y < dh; y++) {
        const span *sy = &ty.sp[y];
        /* Vertical pass: weighted sum of the source rows this output row covers. */
        const float *wy = ty.w + sy->off;
        const uint8_t *r0 = src + (size_t)sy->start * stride;
        for (size_t k = 0; k < rowlen; k++) row[k] = wy[0] * r0[k];
        for (int j = 1; j < sy->n; j++) {
            const uint8_t *r = src + (size_t)(sy->start + j) * stride;
            const float wj = wy[j];
            for (size_t k = 0; k < rowlen; k++) row[k] += wj * r[k];
        }
        /* Horizontal pass, rounding to nearest. */
        uint8_t *out = dst + (size_t)y * (size_t)dw * (size_t)c;
        for (int x = 0; x < dw; x++) {
            const span *sx = &tx.sp[x];
            const float *wx = tx.w + sx->off;
            for (int ch = 0; ch < c; ch++) {
                float acc = 0;
                for (int j = 0; j < sx->n; j++) acc += wx[j] * row[(size_t)(sx->start + j) * (size_t)c + (size_t)ch];
                int v = (int)(acc + 0.5f);
                out[(size_t)x * (size_t)c + (size_t)ch] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
    free(row);
    taps_free(&tx);
    taps_free(&ty);
    return FC_OK;
}

static int check_in(const fc_image *in, fc_error *err) {
    if (!in || !in->px || in->w <= 0 || in->h <= 0 || (in->c != 1 && in->c != 3))
        return fc_fail(err, FC_EINTERNAL, "resize: bad input image");
    return FC_OK;
}

int fc_image_resize(const fc_image *in, int w, int h, fc_image *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    int st = check_in(in, err);
    if (st) return st;
    if (w <= 0 || h <= 0) return fc_fail(err, FC_EUSAGE, "resize: bad target size %dx%d", w, h);
    if ((st = fc_image_alloc(out, w, h, in->c, err))) return st;
    st = fc_resample_u8(in->px, in->w, in->h, (size_t)in->w * (size_t)in->c, in->c, out->px, w, h, err);
    if (st) fc_image_free(out);
    return st;
}

int fc_image_center_crop_resize(const fc_image *in, int size, fc_image *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    int st = check_in(in, err);
    if (st) return st;
    if (size <= 0) return fc_fail(err, FC_EUSAGE, "resize: bad target size %d", size);
    const int side = in->w < in->h ? in->w : in->h;
    const int x0 = (in->w - side) / 2, y0 = (in->h - side) / 2;
    const size_t stride = (size_t)in->w * (size_t)in->c;
    if ((st = fc_image_alloc(out, size, size, in->c, err))) return st;
    st = fc_resample_u8(in->px + (size_t)y0 * stride + (size_t)x0 * (size_t)in->c, side, side, stride, in->c, out->px,
                        size, size, err);
    if (st) fc_image_free(out);
    return st;
}
