/* Full-reference and statistical image metrics: PSNR, SSIM, NPCR/UACI, entropy,
 * adjacent-pixel correlation, histograms. */
#include "analysis/metrics.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"
#include "util/rng.h"

int fc_analysis_check_image(const fc_image *img, const char *what, fc_error *err) {
    if (!img || !img->px || img->w <= 0 || img->h <= 0 || (img->c != 1 && img->c != 3))
        return fc_fail(err, FC_EINPUT, "%s: not a 1- or 3-channel 8-bit image", what);
    return FC_OK;
}

static int check_pair(const fc_image *a, const fc_image *b, fc_error *err) {
    int rc = fc_analysis_check_image(a, "first image", err);
    if (!rc) rc = fc_analysis_check_image(b, "second image", err);
    if (rc) return rc;
    if (a->w != b->w || a->h != b->h || a->c != b->c)
        return fc_fail(err, FC_EINPUT, "images differ in size: %dx%dx%d vs %dx%dx%d", a->w, a->h, a->c, b->w,
                       b->h, b->c);
    return FC_OK;
}

static void metric_init(fc_metric *m, int c) {
    m->c = c;
    m->ch[0] = m->ch[1] = m->ch[2] = NAN;
    m->all = NAN;
}

/* ---- PSNR ------------------------------------------------------------------ */
static double psnr_from_mse(double mse) {
    return mse > 0 ? 10.0 * log10(255.0 * 255.0 / mse) : INFINITY;
}

int fc_psnr(const fc_image *a, const fc_image *b, fc_metric *out, fc_error *err) {
    int rc = check_pair(a, b, err);
    if (rc) return rc;
    const int c = a->c;
    const size_t n = (size_t)a->w * a->h;
    uint64_t sse[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < c; k++) {
            int d = (int)a->px[i * c + k] - (int)b->px[i * c + k];
            sse[k] += (uint64_t)(d * d);
        }
    metric_init(out, c);
    uint64_t total = 0;
    for (int k = 0; k < c; k++) {
        out->ch[k] = psnr_from_mse((double)sse[k] / (double)n);
        total += sse[k];
    }
    out->all = psnr_from_mse((double)total / ((double)n * c));
    return FC_OK;
}

/* ---- SSIM ------------------------------------------------------------------
 * Wang, Bovik, Sheikh & Simoncelli 2004, as in their reference ssim_index.m: local
 * statistics under a normalised 11x11 Gaussian window (sigma 1.5), computed only
 * where the window fits ('valid'), SSIM map averaged.  The Gaussian is separable, so
 * each of the five local moments is a horizontal then a vertical 11-tap filter; a
 * ring of 11 horizontally filtered rows keeps memory at O(width). */
#define SSIM_WIN 11

static double ssim_plane(const uint8_t *pa, const uint8_t *pb, int w, int h, int stride, const double *g,
                         double *ring /* 5 * SSIM_WIN * (w - 10) */) {
    const int ow = w - (SSIM_WIN - 1), oh = h - (SSIM_WIN - 1);
    const double C1 = (0.01 * 255) * (0.01 * 255), C2 = (0.03 * 255) * (0.03 * 255);
    double sum = 0;
    for (int y = 0; y < h; y++) {
        /* horizontal pass of row y into ring slot y % 11: moments x, y, x^2, y^2, xy */
        double *r = ring + (size_t)(y % SSIM_WIN) * 5 * ow;
        const uint8_t *ra = pa + (size_t)y * w * stride, *rb = pb + (size_t)y * w * stride;
        for (int x = 0; x < ow; x++) {
            double m[5] = {0, 0, 0, 0, 0};
            for (int t = 0; t < SSIM_WIN; t++) {
                double va = ra[(size_t)(x + t) * stride], vb = rb[(size_t)(x + t) * stride];
                m[0] += g[t] * va;
                m[1] += g[t] * vb;
                m[2] += g[t] * va * va;
                m[3] += g[t] * vb * vb;
                m[4] += g[t] * va * vb;
            }
            for (int q = 0; q < 5; q++) r[(size_t)q * ow + x] = m[q];
        }
        if (y < SSIM_WIN - 1) continue;
        /* vertical pass: output row y - 10 uses rows y-10 .. y */
        for (int x = 0; x < ow; x++) {
            double m[5] = {0, 0, 0, 0, 0};
            for (int t = 0; t < SSIM_WIN; t++) {
                const double *rt = ring + (size_t)((y - (SSIM_WIN - 1) + t) % SSIM_WIN) * 5 * ow;
                for (int q = 0; q < 5; q++) m[q] += g[t] * rt[(size_t)q * ow + x];
            }
            double mu1 = m[0], mu2 = m[1];
            double s11 = m[2] - mu1 * mu1, s22 = m[3] - mu2 * mu2, s12 = m[4] - mu1 * mu2;
            sum += ((2 * mu1 * mu2 + C1) * (2 * s12 + C2)) / ((mu1 * mu1 + mu2 * mu2 + C1) * (s11 + s22 + C2));
        }
    }
    return sum / ((double)ow * oh);
}

int fc_ssim(const fc_image *a, const fc_image *b, fc_metric *out, fc_error *err) {
    int rc = check_pair(a, b, err);
    if (rc) return rc;
    if (a->w < SSIM_WIN || a->h < SSIM_WIN)
        return fc_fail(err, FC_EINPUT, "SSIM needs images of at least %dx%d (got %dx%d)", SSIM_WIN, SSIM_WIN,
                       a->w, a->h);
    double g[SSIM_WIN], gs = 0;
    for (int t = 0; t < SSIM_WIN; t++) {
        double d = t - (SSIM_WIN - 1) / 2;
        g[t] = exp(-d * d / (2 * 1.5 * 1.5));
        gs += g[t];
    }
    for (int t = 0; t < SSIM_WIN; t++) g[t] /= gs;
    double *ring = malloc(sizeof(double) * 5 * SSIM_WIN * (size_t)(a->w - (SSIM_WIN - 1)));
    if (!ring) return fc_fail(err, FC_ENOMEM, "SSIM: out of memory");
    metric_init(out, a->c);
    double total = 0;
    for (int k = 0; k < a->c; k++) {
        out->ch[k] = ssim_plane(a->px + k, b->px + k, a->w, a->h, a->c, g, ring);
        total += out->ch[k];
    }
    out->all = total / a->c;
    free(ring);
    return FC_OK;
}

/* ---- NPCR / UACI -------------------------------------------------------------
 * NPCR = share of positions whose values differ; UACI = mean |a - b| / 255; both in %. */
void fc_npcr_uaci_bytes(const uint8_t *a, const uint8_t *b, size_t n, double *npcr, double *uaci) {
    uint64_t diff = 0, absum = 0;
    for (size_t i = 0; i < n; i++) {
        int d = (int)a[i] - (int)b[i];
        diff += d != 0;
        absum += (uint64_t)(d < 0 ? -d : d);
    }
    if (npcr) *npcr = n ? 100.0 * (double)diff / (double)n : NAN;
    if (uaci) *uaci = n ? 100.0 * (double)absum / (255.0 * (double)n) : NAN;
}

int fc_npcr_uaci(const fc_image *a, const fc_image *b, fc_metric *npcr, fc_metric *uaci, fc_error *err) {
    int rc = check_pair(a, b, err);
    if (rc) return rc;
    const int c = a->c;
    const size_t n = (size_t)a->w * a->h;
    uint64_t diff[3] = {0, 0, 0}, absum[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < c; k++) {
            int d = (int)a->px[i * c + k] - (int)b->px[i * c + k];
            diff[k] += d != 0;
            absum[k] += (uint64_t)(d < 0 ? -d : d);
        }
    fc_metric np, ua;
    metric_init(&np, c);
    metric_init(&ua, c);
    uint64_t td = 0, ta = 0;
    for (int k = 0; k < c; k++) {
        np.ch[k] = 100.0 * (double)diff[k] / (double)n;
        ua.ch[k] = 100.0 * (double)absum[k] / (255.0 * (double)n);
        td += diff[k];
        ta += absum[k];
    }
    np.all = 100.0 * (double)td / ((double)n * c);
    ua.all = 100.0 * (double)ta / (255.0 * (double)n * c);
    if (npcr) *npcr = np;
    if (uaci) *uaci = ua;
    return FC_OK;
}

/* ---- histograms and entropy ------------------------------------------------ */
int fc_histogram(const fc_image *img, uint64_t hist[3][256], fc_error *err) {
    int rc = fc_analysis_check_image(img, "image", err);
    if (rc) return rc;
    memset(hist, 0, sizeof(uint64_t) * 3 * 256);
    const size_t n = (size_t)img->w * img->h;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < img->c; k++) hist[k][img->px[i * img->c + k]]++;
    return FC_OK;
}

static double entropy_of(const uint64_t h[256]) {
    uint64_t n = 0;
    for (int v = 0; v < 256; v++) n += h[v];
    if (!n) return NAN;
    double e = 0;
    for (int v = 0; v < 256; v++)
        if (h[v]) {
            double p = (double)h[v] / (double)n;
            e -= p * log2(p);
        }
    return e + 0.0; /* no -0 */
}

double fc_entropy_bytes(const uint8_t *buf, size_t n) {
    uint64_t h[256] = {0};
    for (size_t i = 0; i < n; i++) h[buf[i]]++;
    return entropy_of(h);
}

int fc_entropy(const fc_image *img, fc_metric *out, fc_error *err) {
    uint64_t hist[3][256], pooled[256] = {0};
    int rc = fc_histogram(img, hist, err);
    if (rc) return rc;
    metric_init(out, img->c);
    for (int k = 0; k < img->c; k++) {
        out->ch[k] = entropy_of(hist[k]);
        for (int v = 0; v < 256; v++) pooled[v] += hist[k][v];
    }
    out->all = entropy_of(pooled);
    return FC_OK;
}

/* ---- adjacent-pixel correlation ---------------------------------------------
 * Pearson's r over pairs (p, neighbour of p).  Sums of integers are exact in
 * uint64 for any image that fits in memory; the final formula runs in double. */
typedef struct {
    uint64_t n, sx, sy, sxx, syy, sxy;
} pair_sums;

static void add_pair(pair_sums *s, unsigned x, unsigned y) {
    s->n++;
    s->sx += x;
    s->sy += y;
    s->sxx += x * x;
    s->syy += y * y;
    s->sxy += x * y;
}

static double pearson(const pair_sums *s) {
    if (s->n < 2) return NAN;
    double n = (double)s->n;
    double mx = (double)s->sx / n, my = (double)s->sy / n;
    double vx = (double)s->sxx / n - mx * mx, vy = (double)s->syy / n - my * my;
    double cxy = (double)s->sxy / n - mx * my;
    if (!(vx > 0) || !(vy > 0)) return NAN;
    return cxy / sqrt(vx * vy);
}

int fc_adjacent_correlation(const fc_image *img, size_t n_pairs, uint64_t seed, fc_metric dir[3],
                            fc_error *err) {
    int rc = fc_analysis_check_image(img, "image", err);
    if (rc) return rc;
    const int w = img->w, h = img->h, c = img->c;
    static const int DX[3] = {1, 0, 1}, DY[3] = {0, 1, 1};
    fc_rng rng;
    fc_rng_seed(&rng, seed);
    for (int d = 0; d < 3; d++) {
        pair_sums s[3];
        memset(s, 0, sizeof s);
        const int xw = w - DX[d], yh = h - DY[d]; /* positions that have this neighbour */
        metric_init(&dir[d], c);
        if (xw <= 0 || yh <= 0) continue;
        const size_t nbr = ((size_t)DY[d] * w + DX[d]) * c;
        if (n_pairs == 0) {
            for (int y = 0; y < yh; y++)
                for (int x = 0; x < xw; x++) {
                    const uint8_t *p = img->px + ((size_t)y * w + x) * c;
                    for (int k = 0; k < c; k++) add_pair(&s[k], p[k], p[nbr + k]);
                }
        } else {
            for (size_t i = 0; i < n_pairs; i++) {
                size_t x = fc_rng_below(&rng, (uint64_t)xw), y = fc_rng_below(&rng, (uint64_t)yh);
                const uint8_t *p = img->px + (y * w + x) * c;
                for (int k = 0; k < c; k++) add_pair(&s[k], p[k], p[nbr + k]);
            }
        }
        double total = 0;
        for (int k = 0; k < c; k++) {
            dir[d].ch[k] = pearson(&s[k]);
            total += dir[d].ch[k];
        }
        dir[d].all = total / c;
    }
    return FC_OK;
}
