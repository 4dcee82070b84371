/* Azimuthally averaged power spectrum of sets of images, and deviations of one set's
 * spectrum from another's (definitions in include/facecrypt.h, "analysis"; method
 * and choices in docs/eval-gan.md).  Used by `facecrypt eval-gan --spectrum` to see
 * the up-sampling grid of a generator (Durall et al. 2020). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/fft.h"
#include "analysis/metrics.h"
#include "facecrypt.h"
#include "util/error.h"

#define MIN_SIZE 16
#define MAX_SIZE 256
#define CHUNK 16 /* images converted to grey at a time */

static int bin_of(int size, int iy, int ix) {
    int ky = iy < size / 2 ? iy : iy - size, kx = ix < size / 2 ? ix : ix - size;
    return (int)floor(sqrt((double)kx * kx + (double)ky * ky) + 0.5);
}

int fc_spectrum_init(fc_spectrum *s, int size, fc_error *err) {
    memset(s, 0, sizeof *s);
    if (size < MIN_SIZE || size > MAX_SIZE || (size & (size - 1)))
        return fc_fail(err, FC_EUSAGE, "spectrum: image size must be a power of two in %d..%d (got %d)", MIN_SIZE,
                       MAX_SIZE, size);
    s->size = size;
    s->bins = bin_of(size, size / 2, size / 2) + 1;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) s->freqs[bin_of(size, y, x)]++;
    return FC_OK;
}

static int check_set(const fc_spectrum *s, fc_error *err) {
    if (!s || s->size < MIN_SIZE || s->bins < 1 || s->bins > FC_SPECTRUM_MAX_BINS)
        return fc_fail(err, FC_EUSAGE, "spectrum: not initialised (fc_spectrum_init)");
    return FC_OK;
}

void fc_power_spectrum2d(const fc_fft_plan *plan, const double *gray, double *re, double *im) {
    const size_t NN = (size_t)plan->n * (size_t)plan->n;
    double mean = 0;
    for (size_t p = 0; p < NN; p++) mean += gray[p];
    mean /= (double)NN;
    for (size_t p = 0; p < NN; p++) {
        re[p] = gray[p] - mean;
        im[p] = 0;
    }
    fc_fft2(plan, re, im);
    const double norm = 1.0 / ((double)NN * (double)NN);
    for (size_t p = 0; p < NN; p++) re[p] = (re[p] * re[p] + im[p] * im[p]) * norm;
}

int fc_spectrum_add_gray(fc_spectrum *s, const double *gray, int n, fc_error *err) {
    int rc = check_set(s, err);
    if (rc) return rc;
    if (n < 0 || (n && !gray)) return fc_fail(err, FC_EUSAGE, "spectrum: no images");
    if (!n) return FC_OK;
    const int N = s->size;
    const size_t NN = (size_t)N * N;
    fc_fft_plan plan;
    if ((rc = fc_fft_plan_init(&plan, N, err))) return rc;
    double *re = malloc(sizeof(double) * NN), *im = malloc(sizeof(double) * NN);
    double *acc = calloc((size_t)s->bins, sizeof(double));
    int *bin = malloc(sizeof(int) * NN);
    if (!re || !im || !acc || !bin) {
        rc = fc_fail(err, FC_ENOMEM, "spectrum: out of memory");
        goto done;
    }
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) bin[(size_t)y * N + x] = bin_of(N, y, x);
    for (int i = 0; i < n; i++) {
        fc_power_spectrum2d(&plan, gray + (size_t)i * NN, re, im);
        /* Each image's powers sum to its variance; dividing by it compares shapes, not
         * contrast, and weighs every image alike.  A flat image adds nothing. */
        double total = 0;
        for (size_t p = 0; p < NN; p++) total += re[p];
        const double scale = total > 0 ? 1.0 / total : 0.0;
        memset(acc, 0, sizeof(double) * (size_t)s->bins);
        for (size_t p = 0; p < NN; p++) acc[bin[p]] += re[p];
        for (int b = 0; b < s->bins; b++) s->sum[b] += acc[b] / s->freqs[b] * scale;
        const size_t h = (size_t)N / 2, at[3] = {h, h * (size_t)N, h * (size_t)N + h}; /* (kx,ky) = (h,0) (0,h) (h,h) */
        for (int k = 0; k < 3; k++) s->nyquist_sum[k] += re[at[k]] * scale;
        s->count++;
    }
done:
    free(re);
    free(im);
    free(acc);
    free(bin);
    fc_fft_plan_free(&plan);
    return rc;
}

/* BT.601 luma of 8-bit R, G, B, scaled to [0,1]. */
static double luma(double r, double g, double b) { return (0.299 * r + 0.587 * g + 0.114 * b) / 255.0; }

int fc_spectrum_add_u8(fc_spectrum *s, const uint8_t *hwc, int n, fc_error *err) {
    int rc = check_set(s, err);
    if (rc) return rc;
    if (n < 0 || (n && !hwc)) return fc_fail(err, FC_EUSAGE, "spectrum: no images");
    const size_t NN = (size_t)s->size * s->size;
    double *g = malloc(sizeof(double) * NN * CHUNK);
    if (!g) return fc_fail(err, FC_ENOMEM, "spectrum: out of memory");
    for (int i = 0; i < n && !rc; i += CHUNK) {
        int b = n - i < CHUNK ? n - i : CHUNK;
        const uint8_t *src = hwc + (size_t)i * NN * 3;
        for (size_t p = 0; p < (size_t)b * NN; p++) g[p] = luma(src[3 * p], src[3 * p + 1], src[3 * p + 2]);
        rc = fc_spectrum_add_gray(s, g, b, err);
    }
    free(g);
    return rc;
}

static double to_u8(float v) {
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return (double)lrintf(v * 255.0f);
}

int fc_spectrum_add_unit(fc_spectrum *s, const float *nchw, int n, fc_error *err) {
    int rc = check_set(s, err);
    if (rc) return rc;
    if (n < 0 || (n && !nchw)) return fc_fail(err, FC_EUSAGE, "spectrum: no images");
    const size_t NN = (size_t)s->size * s->size;
    double *g = malloc(sizeof(double) * NN * CHUNK);
    if (!g) return fc_fail(err, FC_ENOMEM, "spectrum: out of memory");
    for (int i = 0; i < n && !rc; i += CHUNK) {
        int b = n - i < CHUNK ? n - i : CHUNK;
        for (int k = 0; k < b; k++) {
            const float *im = nchw + (size_t)(i + k) * 3 * NN;
            for (size_t p = 0; p < NN; p++) g[k * NN + p] = luma(to_u8(im[p]), to_u8(im[NN + p]), to_u8(im[2 * NN + p]));
        }
        rc = fc_spectrum_add_gray(s, g, b, err);
    }
    free(g);
    return rc;
}

double fc_spectrum_power(const fc_spectrum *s, int bin) {
    if (!s || bin < 0 || bin >= s->bins || !s->count) return 0;
    return s->sum[bin] / s->count;
}

void fc_spectrum_band(const fc_spectrum *s, int b, int *lo, int *hi) {
    const int h = s->size / 2;
    const int edge[FC_SPECTRUM_BANDS + 1] = {0, h / 3, 2 * h / 3, h, s->bins - 1};
    if (b < 0 || b >= FC_SPECTRUM_BANDS) {
        *lo = 1, *hi = 0;
        return;
    }
    *lo = edge[b] + 1;
    *hi = edge[b + 1];
}

const char *fc_spectrum_band_name(int b) {
    static const char *names[FC_SPECTRUM_BANDS] = {"low", "mid", "high", "corner"};
    return b >= 0 && b < FC_SPECTRUM_BANDS ? names[b] : "?";
}

int fc_spectrum_compare(const fc_spectrum *a, const fc_spectrum *ref, fc_spectrum_cmp *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    int rc = check_set(a, err);
    if (!rc) rc = check_set(ref, err);
    if (rc) return rc;
    if (a->size != ref->size) return fc_fail(err, FC_EUSAGE, "spectrum: sizes differ (%d, %d)", a->size, ref->size);
    if (!a->count || !ref->count) return fc_fail(err, FC_EUSAGE, "spectrum: an empty set");
    out->bins = a->bins;
    out->dev[0] = NAN;
    for (int b = 1; b < a->bins; b++) {
        double pa = fc_spectrum_power(a, b), pr = fc_spectrum_power(ref, b);
        out->dev[b] = pr > 0 ? pa / pr - 1 : pa > 0 ? INFINITY : 0;
    }
    for (int k = 0; k < FC_SPECTRUM_BANDS; k++) {
        int lo, hi;
        fc_spectrum_band(a, k, &lo, &hi);
        double logsum = 0, worst = -1;
        out->band_worst_bin[k] = lo;
        for (int b = lo; b <= hi; b++) {
            double l = log1p(out->dev[b]); /* log of the ratio */
            logsum += l;
            if (fabs(l) > worst) {
                worst = fabs(l);
                out->band_worst_bin[k] = b;
            }
        }
        out->band_dev[k] = hi >= lo ? expm1(logsum / (hi - lo + 1)) : NAN;
        out->band_worst[k] = hi >= lo ? out->dev[out->band_worst_bin[k]] : NAN;
    }
    double na = a->nyquist_sum[0] + a->nyquist_sum[1] + a->nyquist_sum[2];
    double nr = ref->nyquist_sum[0] + ref->nyquist_sum[1] + ref->nyquist_sum[2];
    na /= a->count;
    nr /= ref->count;
    out->nyquist_dev = nr > 0 ? na / nr - 1 : na > 0 ? INFINITY : 0;
    return FC_OK;
}
