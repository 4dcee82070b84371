/* Analysis: metrics against values worked out by hand or from first principles,
 * independent brute-force re-implementations (SSIM, correlation), steganalysis on
 * synthetic covers with known embedding, SWD properties and its pyramid against
 * numpy, and the plots' pixels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/metrics.h"
#include "analysis/plot.h"
#include "facecrypt.h"
#include "testutil.h"
#include "util/rng.h"

static fc_image new_image(int w, int h, int c) {
    fc_image im = {0};
    fc_error err;
    if (fc_image_alloc(&im, w, h, c, &err)) {
        fprintf(stderr, "alloc: %s\n", err.msg);
        exit(1);
    }
    return im;
}

static fc_image copy_image(const fc_image *a) {
    fc_image b = new_image(a->w, a->h, a->c);
    memcpy(b.px, a->px, (size_t)a->w * a->h * a->c);
    return b;
}

static void fill_uniform(fc_image *im, uint64_t seed) {
    fc_rng r;
    fc_rng_seed(&r, seed);
    size_t n = (size_t)im->w * im->h * im->c;
    for (size_t i = 0; i < n; i++) im->px[i] = (uint8_t)(fc_rng_u64(&r) >> 56);
}

static uint8_t clamp8(double v) {
    long q = lrint(v);
    return (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
}

/* A smooth picture: two slow sinusoids and a ramp per channel, plus Gaussian noise. */
static void fill_smooth(fc_image *im, double noise, uint64_t seed) {
    fc_rng r;
    fc_rng_seed(&r, seed);
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++)
            for (int c = 0; c < im->c; c++) {
                double v = 128 + 60 * sin(x / 23.0 + 1.7 * c) * cos(y / 31.0 + 0.5 * c) + 20.0 * x / im->w;
                im->px[((size_t)y * im->w + x) * im->c + c] = clamp8(v + noise * fc_rng_normal(&r));
            }
}

/* A natural-like scene: 32x32 regions, each with its own level and a gentle
 * gradient, plus mild sensor noise.  Like photographs, its histogram is uneven at
 * the scale of single grey levels, which is what the chi-square attack relies on. */
static void fill_scene(fc_image *im, double noise, uint64_t seed) {
    fc_rng r;
    fc_rng_seed(&r, seed);
    for (int ty = 0; ty < im->h; ty += 32)
        for (int tx = 0; tx < im->w; tx += 32)
            for (int c = 0; c < im->c; c++) {
                double lv = 30 + 190 * fc_rng_uniform(&r);
                double gx = 0.1 * fc_rng_uniform(&r) - 0.05, gy = 0.1 * fc_rng_uniform(&r) - 0.05;
                for (int y = ty; y < ty + 32 && y < im->h; y++)
                    for (int x = tx; x < tx + 32 && x < im->w; x++)
                        im->px[((size_t)y * im->w + x) * im->c + c] =
                            clamp8(lv + gx * (x - tx) + gy * (y - ty) + noise * fc_rng_normal(&r));
            }
}

/* LSB replacement of a share `rate` of the values (chosen at random) with random bits. */
static void embed_lsb(fc_image *im, double rate, uint64_t seed) {
    fc_rng r;
    fc_rng_seed(&r, seed);
    size_t n = (size_t)im->w * im->h * im->c;
    for (size_t i = 0; i < n; i++)
        if (fc_rng_uniform(&r) < rate) im->px[i] = (uint8_t)((im->px[i] & 0xFE) | (fc_rng_u64(&r) >> 63));
}

/* ---- PSNR ---------------------------------------------------------------------- */
static void test_psnr(void) {
    fc_error err;
    fc_image a = new_image(64, 48, 3), b;
    fill_uniform(&a, 1);
    b = copy_image(&a);
    fc_metric m;
    CHECK(fc_psnr(&a, &b, &m, &err) == FC_OK);
    CHECK(isinf(m.all) && m.all > 0 && isinf(m.ch[0]) && isinf(m.ch[2]));
    /* every value off by exactly 1: MSE = 1, PSNR = 10 log10(255^2) = 48.1308 dB */
    for (size_t i = 0; i < (size_t)64 * 48 * 3; i++) b.px[i] = a.px[i] == 255 ? 254 : a.px[i] + 1;
    CHECK(fc_psnr(&a, &b, &m, &err) == FC_OK);
    CHECKF(fabs(m.all - 48.1308) < 1e-4, "psnr %.6f", m.all);
    for (int k = 0; k < 3; k++) CHECKF(fabs(m.ch[k] - 48.1308) < 1e-4, "psnr[%d] %.6f", k, m.ch[k]);
    /* one channel off by 2 (MSE 4, 42.11 dB), the others equal: overall MSE 4/3 */
    memcpy(b.px, a.px, (size_t)64 * 48 * 3);
    for (size_t i = 0; i < (size_t)64 * 48; i++) b.px[i * 3 + 1] = a.px[i * 3 + 1] >= 128 ? a.px[i * 3 + 1] - 2 : a.px[i * 3 + 1] + 2;
    CHECK(fc_psnr(&a, &b, &m, &err) == FC_OK);
    CHECKF(fabs(m.ch[1] - 10 * log10(65025.0 / 4)) < 1e-9, "%.6f", m.ch[1]);
    CHECK(isinf(m.ch[0]) && isinf(m.ch[2]));
    CHECKF(fabs(m.all - 10 * log10(65025.0 * 3 / 4)) < 1e-9, "%.6f", m.all);
    /* size mismatch is bad input */
    fc_image c = new_image(64, 47, 3);
    CHECK(fc_psnr(&a, &c, &m, &err) == FC_EINPUT);
    fc_image_free(&a);
    fc_image_free(&b);
    fc_image_free(&c);
}

/* ---- SSIM ------------------------------------------------------------------------
 * Reference: direct 2-D sums over each 11x11 window, no separability, no ring buffer. */
static double ssim_bruteforce(const fc_image *a, const fc_image *b, int k) {
    double g[11][11], gs = 0;
    for (int i = 0; i < 11; i++)
        for (int j = 0; j < 11; j++) {
            g[i][j] = exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * 1.5 * 1.5));
            gs += g[i][j];
        }
    const double C1 = 6.5025, C2 = 58.5225;
    double sum = 0;
    int cnt = 0;
    for (int y = 0; y + 11 <= a->h; y++)
        for (int x = 0; x + 11 <= a->w; x++) {
            double m1 = 0, m2 = 0, s11 = 0, s22 = 0, s12 = 0;
            for (int i = 0; i < 11; i++)
                for (int j = 0; j < 11; j++) {
                    double wgt = g[i][j] / gs;
                    double p = a->px[((size_t)(y + i) * a->w + x + j) * a->c + k];
                    double q = b->px[((size_t)(y + i) * b->w + x + j) * b->c + k];
                    m1 += wgt * p, m2 += wgt * q;
                    s11 += wgt * p * p, s22 += wgt * q * q, s12 += wgt * p * q;
                }
            s11 -= m1 * m1, s22 -= m2 * m2, s12 -= m1 * m2;
            sum += (2 * m1 * m2 + C1) * (2 * s12 + C2) / ((m1 * m1 + m2 * m2 + C1) * (s11 + s22 + C2));
            cnt++;
        }
    return sum / cnt;
}

static void add_noise(fc_image *im, double sigma, uint64_t seed) {
    fc_rng r;
    fc_rng_seed(&r, seed);
    size_t n = (size_t)im->w * im->h * im->c;
    for (size_t i = 0; i < n; i++) im->px[i] = clamp8(im->px[i] + sigma * fc_rng_normal(&r));
}

static void test_ssim(void) {
    fc_error err;
    fc_image a = new_image(96, 72, 3);
    fill_smooth(&a, 2, 5);
    fc_image b = copy_image(&a);
    fc_metric m;
    CHECK(fc_ssim(&a, &b, &m, &err) == FC_OK);
    CHECKF(fabs(m.all - 1) < 1e-12 && fabs(m.ch[0] - 1) < 1e-12, "ssim(x,x) = %.15f", m.all);
    double prev = 1;
    const double sig[3] = {5, 15, 40};
    for (int t = 0; t < 3; t++) {
        memcpy(b.px, a.px, (size_t)96 * 72 * 3);
        add_noise(&b, sig[t], 100 + t);
        CHECK(fc_ssim(&a, &b, &m, &err) == FC_OK);
        CHECKF(m.all < prev && m.all > 0, "sigma %.0f: ssim %.4f (previous %.4f)", sig[t], m.all, prev);
        double mean = (m.ch[0] + m.ch[1] + m.ch[2]) / 3;
        CHECKF(fabs(m.all - mean) < 1e-12, "all is the channel mean");
        for (int k = 0; k < 3; k++) {
            double ref = ssim_bruteforce(&a, &b, k);
            CHECKF(fabs(m.ch[k] - ref) < 1e-9, "sigma %.0f ch %d: %.12f vs brute force %.12f", sig[t], k, m.ch[k], ref);
        }
        prev = m.all;
    }
    CHECKF(prev < 0.5, "heavy noise ssim %.3f", prev);
    /* grey images and the minimum size */
    fc_image g1 = new_image(11, 11, 1), g2 = new_image(11, 11, 1), g3 = new_image(10, 11, 1);
    fill_uniform(&g1, 7);
    fill_uniform(&g2, 8);
    CHECK(fc_ssim(&g1, &g2, &m, &err) == FC_OK && m.c == 1);
    CHECKF(fabs(m.ch[0] - ssim_bruteforce(&g1, &g2, 0)) < 1e-9, "11x11 grey");
    CHECK(fc_ssim(&g3, &g3, &m, &err) == FC_EINPUT);
    fc_image_free(&a);
    fc_image_free(&b);
    fc_image_free(&g1);
    fc_image_free(&g2);
    fc_image_free(&g3);
}

/* ---- NPCR / UACI ------------------------------------------------------------------- */
static void test_npcr_uaci(void) {
    fc_error err;
    fc_image a = new_image(512, 512, 3), b = new_image(512, 512, 3);
    fill_uniform(&a, 11);
    fill_uniform(&b, 12);
    fc_metric np, ua;
    CHECK(fc_npcr_uaci(&a, &b, &np, &ua, &err) == FC_OK);
    /* ideal values for independent uniform bytes: NPCR = (1 - 1/256) = 99.6094 %,
     * UACI = E|X - Y| / 255 = (256^2 - 1) / (3 * 256 * 255) = 33.4635 % */
    CHECKF(fabs(np.all - 99.6094) < 0.05, "npcr %.4f", np.all);
    CHECKF(fabs(ua.all - 33.4635) < 0.15, "uaci %.4f", ua.all);
    for (int k = 0; k < 3; k++) {
        CHECKF(fabs(np.ch[k] - 99.6094) < 0.08, "npcr[%d] %.4f", k, np.ch[k]);
        CHECKF(fabs(ua.ch[k] - 33.4635) < 0.25, "uaci[%d] %.4f", k, ua.ch[k]);
    }
    double n2, u2;
    fc_npcr_uaci_bytes(a.px, b.px, (size_t)512 * 512 * 3, &n2, &u2);
    CHECK(fabs(n2 - np.all) < 1e-12 && fabs(u2 - ua.all) < 1e-12);
    /* by hand: 4 grey values, two differ (by 245 and by 1): NPCR 50 %, UACI 246/(4*255) */
    const uint8_t x[4] = {0, 10, 200, 7}, y[4] = {0, 255, 201, 7};
    fc_npcr_uaci_bytes(x, y, 4, &n2, &u2);
    CHECKF(fabs(n2 - 50) < 1e-12 && fabs(u2 - 100.0 * 246 / 1020) < 1e-12, "%.6f %.6f", n2, u2);
    CHECK(fc_npcr_uaci(&a, &a, &np, &ua, &err) == FC_OK && np.all == 0 && ua.all == 0);
    fc_image_free(&a);
    fc_image_free(&b);
}

/* ---- entropy and histograms ------------------------------------------------------------ */
static void test_entropy(void) {
    fc_error err;
    fc_image u = new_image(256, 64, 3), k = new_image(32, 32, 1), two = new_image(16, 16, 1);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 256; x++)
            for (int c = 0; c < 3; c++) u.px[((size_t)y * 256 + x) * 3 + c] = (uint8_t)(x + 17 * c);
    memset(k.px, 93, 32 * 32);
    for (int i = 0; i < 256; i++) two.px[i] = i & 1 ? 200 : 3;
    fc_metric m;
    CHECK(fc_entropy(&u, &m, &err) == FC_OK);
    CHECKF(fabs(m.all - 8) < 1e-12 && fabs(m.ch[0] - 8) < 1e-12 && fabs(m.ch[2] - 8) < 1e-12, "uniform: %.12f", m.all);
    CHECK(fc_entropy(&k, &m, &err) == FC_OK);
    CHECKF(m.all == 0 && m.ch[0] == 0 && m.c == 1, "constant: %.12f", m.all);
    CHECK(fc_entropy(&two, &m, &err) == FC_OK);
    CHECKF(fabs(m.all - 1) < 1e-12, "two values: %.12f", m.all);
    CHECKF(fabs(fc_entropy_bytes(two.px, 256) - 1) < 1e-12, "bytes");
    uint64_t h[3][256];
    CHECK(fc_histogram(&u, h, &err) == FC_OK);
    int ok = 1;
    for (int c = 0; c < 3; c++)
        for (int v = 0; v < 256; v++) ok &= h[c][v] == 64;
    CHECK(ok);
    CHECK(fc_histogram(&k, h, &err) == FC_OK && h[0][93] == 1024 && h[0][92] == 0 && h[1][93] == 0);
    fc_image bad = {0};
    CHECK(fc_entropy(&bad, &m, &err) == FC_EINPUT);
    fc_image_free(&u);
    fc_image_free(&k);
    fc_image_free(&two);
}

/* ---- adjacent correlation ----------------------------------------------------------------- */
static double pearson_twopass(const double *x, const double *y, size_t n) {
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= n, my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

static void test_correlation(void) {
    fc_error err;
    fc_image g = new_image(256, 256, 3), r = new_image(256, 256, 3), s = new_image(40, 30, 3);
    for (int y = 0; y < 256; y++)
        for (int x = 0; x < 256; x++)
            for (int c = 0; c < 3; c++) g.px[((size_t)y * 256 + x) * 3 + c] = (uint8_t)((x + y + 40 * c) / 3);
    fill_uniform(&r, 21);
    fc_metric d[3];
    CHECK(fc_adjacent_correlation(&g, 0, 0, d, &err) == FC_OK);
    for (int k = 0; k < 3; k++) CHECKF(d[k].all > 0.99 && d[k].ch[1] > 0.99, "gradient dir %d: %.5f", k, d[k].all);
    CHECK(fc_adjacent_correlation(&r, 0, 0, d, &err) == FC_OK);
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++) CHECKF(fabs(d[k].ch[c]) < 0.02, "noise dir %d ch %d: %.5f", k, c, d[k].ch[c]);
    /* N random pairs, seeded */
    fc_metric e[3];
    CHECK(fc_adjacent_correlation(&r, 5000, 42, d, &err) == FC_OK);
    for (int k = 0; k < 3; k++) CHECKF(fabs(d[k].all) < 0.05, "noise 5000 pairs dir %d: %.5f", k, d[k].all);
    CHECK(fc_adjacent_correlation(&g, 5000, 42, d, &err) == FC_OK);
    for (int k = 0; k < 3; k++) CHECKF(d[k].all > 0.98, "gradient 5000 pairs dir %d: %.5f", k, d[k].all);
    CHECK(fc_adjacent_correlation(&g, 5000, 42, e, &err) == FC_OK);
    int same = 1; /* same seed, same pairs (field by field: memcmp would read fc_metric's padding) */
    for (int k = 0; k < 3; k++)
        same &= d[k].c == e[k].c && d[k].all == e[k].all && !memcmp(d[k].ch, e[k].ch, sizeof d[k].ch);
    CHECK(same);
    CHECK(fc_adjacent_correlation(&r, 5000, 43, e, &err) == FC_OK);
    CHECK(fc_adjacent_correlation(&r, 5000, 42, d, &err) == FC_OK);
    CHECK(d[0].all != e[0].all);
    /* all pairs against a two-pass computation on a smooth image with noise */
    fill_smooth(&s, 8, 3);
    CHECK(fc_adjacent_correlation(&s, 0, 0, d, &err) == FC_OK);
    static const int DX[3] = {1, 0, 1}, DY[3] = {0, 1, 1};
    double *xs = malloc(sizeof(double) * 40 * 30), *ys = malloc(sizeof(double) * 40 * 30);
    for (int dir = 0; dir < 3; dir++)
        for (int c = 0; c < 3; c++) {
            size_t n = 0;
            for (int y = 0; y + DY[dir] < 30; y++)
                for (int x = 0; x + DX[dir] < 40; x++) {
                    xs[n] = s.px[((size_t)y * 40 + x) * 3 + c];
                    ys[n++] = s.px[((size_t)(y + DY[dir]) * 40 + x + DX[dir]) * 3 + c];
                }
            double ref = pearson_twopass(xs, ys, n);
            CHECKF(fabs(d[dir].ch[c] - ref) < 1e-9, "dir %d ch %d: %.12f vs %.12f", dir, c, d[dir].ch[c], ref);
        }
    free(xs);
    free(ys);
    /* a constant channel has no correlation */
    fc_image k = new_image(8, 8, 1);
    memset(k.px, 5, 64);
    CHECK(fc_adjacent_correlation(&k, 0, 0, d, &err) == FC_OK && isnan(d[0].ch[0]));
    fc_image_free(&g);
    fc_image_free(&r);
    fc_image_free(&s);
    fc_image_free(&k);
}

/* ---- chi-square attack ------------------------------------------------------------------ */
static void test_chi_square(void) {
    fc_error err;
    /* the incomplete gamma function: Q(1, x) = e^-x, Q(1/2, x) = erfc(sqrt x) */
    const double xs[5] = {0.1, 0.7, 1.5, 4, 20};
    for (int i = 0; i < 5; i++) {
        CHECKF(fabs(fc_gamma_q(1, xs[i]) - exp(-xs[i])) < 1e-12, "Q(1,%g)", xs[i]);
        CHECKF(fabs(fc_gamma_q(0.5, xs[i]) - erfc(sqrt(xs[i]))) < 1e-12, "Q(.5,%g)", xs[i]);
    }
    /* chi-square with 2 degrees of freedom: survival e^(-x/2); 3 pairs (2k, 2k+1) with
     * counts (30,10), (20,20), (5,15): chi2 = 10^2/20 + 0 + 5^2/10 = 7.5, dof 2 */
    uint64_t h[256] = {0};
    h[0] = 30, h[1] = 10, h[2] = 20, h[3] = 20, h[100] = 5, h[101] = 15;
    double chi2;
    int dof;
    double p = fc_chi_square_pov(h, &chi2, &dof);
    CHECKF(fabs(chi2 - 7.5) < 1e-12 && dof == 2 && fabs(p - exp(-3.75)) < 1e-12, "chi2 %.6f dof %d p %.6f", chi2, dof, p);
    /* small categories are pooled: (3,1) and (2,2) form one category (5, expected 4 -> still
     * under 5) that joins (5, 15): obs 10, expected 14 */
    memset(h, 0, sizeof h);
    h[0] = 30, h[1] = 10, h[10] = 3, h[11] = 1, h[20] = 2, h[21] = 2, h[100] = 5, h[101] = 15;
    p = fc_chi_square_pov(h, &chi2, &dof);
    CHECKF(fabs(chi2 - (100.0 / 20 + 16.0 / 14)) < 1e-12 && dof == 1, "pooled chi2 %.6f dof %d", chi2, dof);

    fc_image cover = new_image(256, 256, 3);
    fill_scene(&cover, 0.8, 31);
    double curve[20];
    CHECK(fc_chi_square_attack(&cover, 20, curve, &err) == FC_OK);
    CHECKF(curve[19] < 0.01, "clean cover: p = %.4f", curve[19]);
    CHECKF(curve[9] < 0.01, "clean cover at 50%%: p = %.4f", curve[9]);
    fc_image full = copy_image(&cover);
    embed_lsb(&full, 1.0, 32);
    CHECK(fc_chi_square_attack(&full, 20, curve, &err) == FC_OK);
    CHECKF(curve[19] > 0.9, "full embedding: p = %.4f", curve[19]);
    CHECKF(curve[9] > 0.5, "full embedding at 50%%: p = %.4f", curve[9]);
    /* Westfeld's picture: sequential embedding in the first 40% of the values; the
     * probability is high while the scan stays inside the message and falls after */
    fc_image part = copy_image(&cover);
    fc_rng r;
    fc_rng_seed(&r, 33);
    size_t n = (size_t)256 * 256 * 3;
    for (size_t i = 0; i < n * 4 / 10; i++) part.px[i] = (uint8_t)((part.px[i] & 0xFE) | (fc_rng_u64(&r) >> 63));
    CHECK(fc_chi_square_attack(&part, 20, curve, &err) == FC_OK);
    CHECKF(curve[6] > 0.5, "inside the message (35%%): p = %.4f", curve[6]);
    CHECKF(curve[19] < 0.01, "whole image: p = %.4f", curve[19]);
    CHECK(fc_chi_square_attack(&part, 0, curve, &err) == FC_EUSAGE);
    fc_image_free(&cover);
    fc_image_free(&full);
    fc_image_free(&part);
}

/* ---- RS analysis ----------------------------------------------------------------------- */
static void test_rs(void) {
    fc_error err;
    fc_image cover = new_image(256, 256, 3);
    fill_smooth(&cover, 1.0, 41);
    fc_rs_result rs;
    CHECK(fc_rs_analysis(&cover, &rs, &err) == FC_OK);
    CHECKF(fabs(rs.rate.all) < 0.05, "clean: %.4f", rs.rate.all);
    for (int k = 0; k < 3; k++) CHECKF(fabs(rs.rate.ch[k]) < 0.07, "clean ch %d: %.4f", k, rs.rate.ch[k]);
    /* a smooth cover has more regular than singular groups, and R_M ~ R_-M */
    CHECK(rs.r_m[0] > rs.s_m[0] && fabs(rs.r_m[0] - rs.r_neg[0]) < 0.03);
    const double rates[3] = {0.25, 0.5, 1.0};
    for (int t = 0; t < 3; t++) {
        fc_image st = copy_image(&cover);
        embed_lsb(&st, rates[t], 50 + t);
        CHECK(fc_rs_analysis(&st, &rs, &err) == FC_OK);
        CHECKF(fabs(rs.rate.all - rates[t]) < (rates[t] < 1 ? 0.06 : 0.1), "rate %.2f: estimate %.4f", rates[t],
               rs.rate.all);
        for (int k = 0; k < 3; k++)
            CHECKF(fabs(rs.rate.ch[k] - rates[t]) < 0.15, "rate %.2f ch %d: estimate %.4f", rates[t], k, rs.rate.ch[k]);
        fc_image_free(&st);
    }
    /* a full embedding looks the same to RS after every LSB is flipped: R_M = S_M */
    fc_image st = copy_image(&cover);
    embed_lsb(&st, 1.0, 60);
    CHECK(fc_rs_analysis(&st, &rs, &err) == FC_OK);
    CHECKF(fabs(rs.r_m[1] - rs.s_m[1]) < 0.02, "R_M %.4f S_M %.4f", rs.r_m[1], rs.s_m[1]);
    fc_image_free(&st);
    fc_image_free(&cover);
}

/* ---- SWD ------------------------------------------------------------------------------- */
/* Laplacian pyramid of the 32x32 pattern v = (7x + 13y + 50c) mod 256 (levels 32 and
 * 16), against values from a numpy transcription of pyr_down / pyr_up in ProGAN's
 * sliced_wasserstein.py (np.pad mode "reflect" standing in for scipy's "mirror"). */
static void test_swd_pyramid(void) {
    fc_error err;
    float img[3 * 32 * 32], out[3 * 32 * 32 + 3 * 16 * 16];
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++) img[(c * 32 + y) * 32 + x] = (float)((7 * x + 13 * y + 50 * c) % 256);
    CHECK(fc_swd_laplacian(img, 32, out, &err) == FC_OK);
    /* {level, c, y, x, value} from numpy */
    static const struct {
        int l, c, y, x;
        double v;
    } ref[] = {
#include "test_metrics_pyramid.inc"
    };
    double worst = 0;
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        int r = ref[i].l ? 16 : 32;
        const float *lev = ref[i].l ? out + 3 * 32 * 32 : out;
        double d = fabs(lev[(ref[i].c * r + ref[i].y) * r + ref[i].x] - ref[i].v);
        if (d > worst) worst = d;
    }
    CHECKF(worst < 1e-3, "pyramid differs from numpy by %.6f", worst);
    CHECK(fc_swd_laplacian(img, 24, out, &err) == FC_EUSAGE);
}

/* n 64x64 "faces": a bright disc on a darker background, random position, size, colours */
static void make_blobs(uint8_t *nchw, int n, uint64_t seed) {
    fc_rng r;
    fc_rng_seed(&r, seed);
    for (int i = 0; i < n; i++) {
        double cx = 24 + 16 * fc_rng_uniform(&r), cy = 24 + 16 * fc_rng_uniform(&r), rad = 12 + 8 * fc_rng_uniform(&r);
        double fg[3], bg[3];
        for (int c = 0; c < 3; c++) fg[c] = 150 + 80 * fc_rng_uniform(&r), bg[c] = 30 + 60 * fc_rng_uniform(&r);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++) {
                    double d = sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
                    double t = d < rad - 2 ? 1 : d > rad + 2 ? 0 : (rad + 2 - d) / 4; /* soft edge */
                    nchw[(((size_t)i * 3 + c) * 64 + y) * 64 + x] = clamp8(bg[c] + t * (fg[c] - bg[c]) + 2 * fc_rng_normal(&r));
                }
    }
}

static void test_swd(void) {
    fc_error err;
    const int n = 48;
    uint8_t *a = malloc((size_t)n * 3 * 64 * 64), *b = malloc((size_t)n * 3 * 64 * 64), *z = malloc((size_t)n * 3 * 64 * 64);
    make_blobs(a, n, 1);
    make_blobs(b, n, 2);
    fc_rng r;
    fc_rng_seed(&r, 3);
    for (size_t i = 0; i < (size_t)n * 3 * 64 * 64; i++) z[i] = (uint8_t)(fc_rng_u64(&r) >> 56);
    fc_swd *sa = NULL, *sa2 = NULL, *sb = NULL, *sz = NULL;
    CHECK(fc_swd_create(64, 10, &sa, &err) == FC_OK);
    CHECK(fc_swd_create(64, 11, &sa2, &err) == FC_OK);
    CHECK(fc_swd_create(64, 12, &sb, &err) == FC_OK);
    CHECK(fc_swd_create(64, 13, &sz, &err) == FC_OK);
    if (!sa || !sa2 || !sb || !sz) return;
    CHECK(fc_swd_add_u8(sa, a, n, &err) == FC_OK);
    CHECK(fc_swd_add_u8(sa2, a, n, &err) == FC_OK);
    CHECK(fc_swd_add_u8(sb, b, n, &err) == FC_OK);
    CHECK(fc_swd_add_u8(sz, z, n, &err) == FC_OK);
    CHECK(fc_swd_count(sa) == n);
    fc_swd_result same, resample, sibling, noise;
    CHECK(fc_swd_distance(sa, sa, 1, &same, &err) == FC_OK);
    CHECK(same.levels == 3 && same.res[0] == 64 && same.res[1] == 32 && same.res[2] == 16);
    CHECKF(same.avg < 1e-3, "SWD(x, x) = %.6f", same.avg);
    CHECK(fc_swd_distance(sa, sa2, 1, &resample, &err) == FC_OK);
    CHECK(fc_swd_distance(sa, sb, 1, &sibling, &err) == FC_OK);
    CHECK(fc_swd_distance(sa, sz, 1, &noise, &err) == FC_OK);
    printf("SWD x1e3 (64/32/16/avg): same images, other patches %.1f/%.1f/%.1f/%.1f; same distribution "
           "%.1f/%.1f/%.1f/%.1f; noise %.1f/%.1f/%.1f/%.1f\n",
           resample.swd[0], resample.swd[1], resample.swd[2], resample.avg, sibling.swd[0], sibling.swd[1],
           sibling.swd[2], sibling.avg, noise.swd[0], noise.swd[1], noise.swd[2], noise.avg);
    for (int l = 0; l < 3; l++)
        CHECKF(noise.swd[l] > 3 * sibling.swd[l] && noise.swd[l] > 3 * resample.swd[l], "level %d: noise %.2f vs %.2f, %.2f",
               l, noise.swd[l], sibling.swd[l], resample.swd[l]);
    CHECK(noise.avg > 5 * sibling.avg);
    /* deterministic in the seeds; symmetric up to the shared directions */
    fc_swd_result again, swapped;
    CHECK(fc_swd_distance(sa, sb, 1, &again, &err) == FC_OK && again.avg == sibling.avg);
    CHECK(fc_swd_distance(sb, sa, 1, &swapped, &err) == FC_OK && fabs(swapped.avg - sibling.avg) < 1e-6 * sibling.avg + 1e-9);
    /* float input in [0,1] rounds to the same bytes: same descriptors as uint8 input */
    float *f = malloc(sizeof(float) * (size_t)n * 3 * 64 * 64);
    for (size_t i = 0; i < (size_t)n * 3 * 64 * 64; i++) f[i] = a[i] / 255.0f;
    fc_swd *sf = NULL;
    CHECK(fc_swd_create(64, 10, &sf, &err) == FC_OK && fc_swd_add_unit(sf, f, n, &err) == FC_OK);
    fc_swd_result fu;
    CHECK(fc_swd_distance(sa, sf, 1, &fu, &err) == FC_OK && fu.avg == 0);
    /* fc_image input (HWC) gives the same descriptors too */
    fc_swd *si = NULL;
    CHECK(fc_swd_create(64, 10, &si, &err) == FC_OK);
    fc_image im = new_image(64, 64, 3);
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 64 * 64; p++) im.px[p * 3 + c] = a[((size_t)i * 3 + c) * 64 * 64 + p];
        CHECK(fc_swd_add_image(si, &im, &err) == FC_OK);
    }
    CHECK(fc_swd_distance(sa, si, 1, &fu, &err) == FC_OK && fu.avg == 0);
    /* mismatched counts are refused */
    CHECK(fc_swd_add_u8(si, a, 1, &err) == FC_OK);
    CHECK(fc_swd_distance(sa, si, 1, &fu, &err) == FC_EUSAGE);
    fc_swd *bad = NULL;
    CHECK(fc_swd_create(48, 1, &bad, &err) == FC_EUSAGE && !bad);
    fc_image_free(&im);
    fc_swd_free(sa);
    fc_swd_free(sa2);
    fc_swd_free(sb);
    fc_swd_free(sz);
    fc_swd_free(sf);
    fc_swd_free(si);
    free(a);
    free(b);
    free(z);
    free(f);
}

/* ---- plots ----------------------------------------------------------------------------- */
static int has_colour(const fc_image *im, uint32_t rgb, int x0, int y0, int x1, int y1) {
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            const uint8_t *p = im->px + ((size_t)y * im->w + x) * 3;
            if (p[0] == (rgb >> 16 & 255) && p[1] == (rgb >> 8 & 255) && p[2] == (rgb & 255)) return 1;
        }
    return 0;
}

static long count_nonwhite(const fc_image *im, int x0, int y0, int x1, int y1) {
    long n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            const uint8_t *p = im->px + ((size_t)y * im->w + x) * 3;
            n += !(p[0] == 255 && p[1] == 255 && p[2] == 255);
        }
    return n;
}

static void test_plots(void) {
    fc_error err;
    CHECK(fc_text_width("abc", 1) == 17 && fc_text_width("abc", 2) == 34 && fc_text_width("", 2) == 0);
    /* text: an 'I' at scale 1 inks its top bar in row 0, columns 1..3 */
    fc_image t = new_image(20, 10, 3);
    memset(t.px, 255, 20 * 10 * 3);
    fc_draw_text(&t, 0, 0, "I", 1, 0x000000, 0);
    CHECK(t.px[0] == 255 && t.px[3] == 0 && t.px[9] == 0 && t.px[12] == 255);
    CHECK(count_nonwhite(&t, 0, 0, 20, 10) == 3 + 5 + 3 && count_nonwhite(&t, 0, 7, 20, 10) == 0);
    fc_image_free(&t);

    const size_t n = 300;
    double *x = malloc(sizeof(double) * n), *d = malloc(sizeof(double) * n), *g = malloc(sizeof(double) * n);
    for (size_t i = 0; i < n; i++) {
        x[i] = 10.0 * i;
        d[i] = 0.7 + 0.6 * exp(-(double)i / 60) + 0.05 * sin(i * 0.7);
        g[i] = 2.5 - 1.2 * exp(-(double)i / 80) + 0.08 * cos(i * 0.9);
    }
    d[150] = NAN; /* a gap */
    fc_plot_series s[2] = {{"d_loss", x, d, n, FC_PLOT_AUTO}, {"g_loss", x, g, n, FC_PLOT_AUTO}};
    fc_plot_opts o = {640, 400, "training losses", "step", "loss", 0, 0, 0};
    fc_image im;
    CHECK(fc_plot_lines(s, 2, &o, &im, &err) == FC_OK);
    CHECK(im.w == 640 && im.h == 400 && im.c == 3);
    /* the four corners are white background; the middle of the plot area has ink */
    CHECK(count_nonwhite(&im, 0, 0, 4, 4) == 0 && count_nonwhite(&im, 636, 396, 640, 400) == 0);
    CHECK(count_nonwhite(&im, 160, 100, 480, 300) > 500);
    /* both series' palette colours appear exactly (legend swatches, line cores) */
    CHECK(has_colour(&im, fc_plot_palette(0), 0, 0, 640, 400));
    CHECK(has_colour(&im, fc_plot_palette(1), 0, 0, 640, 400));
    CHECK(!has_colour(&im, fc_plot_palette(2), 0, 0, 640, 400));
    /* dark text pixels exist (title, ticks) */
    CHECK(has_colour(&im, 0x000000, 0, 0, 640, 30));
    if (getenv("FC_PLOT_OUT")) fc_image_save_png(&im, getenv("FC_PLOT_OUT"), 1, &err);
    fc_image_free(&im);
    /* explicit colours, x = index, small canvas, fixed y range */
    fc_plot_series one = {"D(x)", NULL, d, n, 0x112233};
    fc_plot_opts o2 = {200, 120, NULL, NULL, NULL, 1, 0, 1};
    CHECK(fc_plot_lines(&one, 1, &o2, &im, &err) == FC_OK && im.w == 200 && im.h == 120);
    CHECK(has_colour(&im, 0x112233, 0, 0, 200, 120));
    fc_image_free(&im);
    fc_plot_opts tiny = {50, 40, NULL, NULL, NULL, 0, 0, 0};
    CHECK(fc_plot_lines(&one, 1, &tiny, &im, &err) == FC_EUSAGE && im.px == NULL);

    /* histograms: overlaid RGB and three panels */
    fc_image pic = new_image(128, 128, 3);
    fill_smooth(&pic, 3, 9);
    uint64_t h[3][256];
    CHECK(fc_histogram(&pic, h, &err) == FC_OK);
    fc_plot_opts ho = {720, 420, "histogram", "value", "count", 0, 0, 0};
    CHECK(fc_plot_histogram(h, 3, 0, &ho, &im, &err) == FC_OK);
    CHECK(im.w == 720 && im.h == 420);
    CHECK(has_colour(&im, 0xd62728, 0, 0, 720, 420) && has_colour(&im, 0x2ca02c, 0, 0, 720, 420) &&
          has_colour(&im, 0x1f77b4, 0, 0, 720, 420));
    CHECK(count_nonwhite(&im, 200, 150, 520, 330) > 1000);
    if (getenv("FC_HIST_OUT")) fc_image_save_png(&im, getenv("FC_HIST_OUT"), 1, &err);
    fc_image_free(&im);
    ho.height = 600;
    CHECK(fc_plot_histogram(h, 3, 1, &ho, &im, &err) == FC_OK && im.h == 600);
    /* panel order R, G, B from the top: red in the upper third, blue in the lower */
    CHECK(has_colour(&im, 0xd62728, 0, 0, 720, 200) && !has_colour(&im, 0x1f77b4, 0, 0, 720, 200));
    CHECK(has_colour(&im, 0x1f77b4, 0, 400, 720, 600) && !has_colour(&im, 0xd62728, 0, 400, 720, 600));
    if (getenv("FC_HIST3_OUT")) fc_image_save_png(&im, getenv("FC_HIST3_OUT"), 1, &err);
    fc_image_free(&im);
    CHECK(fc_plot_histogram(h, 2, 0, &ho, &im, &err) == FC_EUSAGE);
    fc_image_free(&pic);
    free(x);
    free(d);
    free(g);
}

/* ---- the analyze command --------------------------------------------------------------- */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* the number after "key": in text, or NAN */
static double json_num_after(const char *text, const char *key) {
    const char *p = strstr(text, key);
    if (!p) return NAN;
    p += strlen(key);
    while (*p == ' ' || *p == ':' || *p == '"') p++;
    return strtod(p, NULL);
}

static void test_cli(void) {
    fc_error err;
    char *dir = tu_tmpdir();
    if (!dir) {
        CHECK(0);
        return;
    }
    char plain[512], cover[512], cont[512], plots[512], out[512];
    snprintf(plain, sizeof plain, "%s/plain.png", dir);
    snprintf(cover, sizeof cover, "%s/cover.png", dir);
    snprintf(cont, sizeof cont, "%s/container.png", dir);
    snprintf(plots, sizeof plots, "%s/plots", dir);
    snprintf(out, sizeof out, "%s/out.txt", dir);
    fc_image p = new_image(40, 32, 3), c = new_image(160, 128, 3);
    fill_smooth(&p, 3, 71);
    fill_scene(&c, 0.8, 72);
    CHECK(fc_image_save_png(&p, plain, 0, &err) == FC_OK);
    CHECK(fc_image_save_png(&c, cover, 0, &err) == FC_OK);
    /* a real container: the plain PNG sealed under a raw key into the cover */
    uint8_t *secret = NULL;
    size_t slen = 0;
    CHECK(fc_image_encode_png(&p, &secret, &slen, &err) == FC_OK);
    uint8_t raw[FC_KEY_BYTES];
    for (int i = 0; i < FC_KEY_BYTES; i++) raw[i] = (uint8_t)(3 * i + 1);
    fc_key *key = NULL;
    CHECK(fc_key_from_bytes(raw, &key, &err) == FC_OK);
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &c;
    o.dense = 1; /* the PNG fills the 160x128 cover only densely (LSB matching) */
    fc_image ci = {0};
    int rc = fc_encrypt_buffer(secret, slen, "plain.png", &o, key, &ci, NULL, &err);
    CHECKF(rc == FC_OK, "encrypt: %s", err.msg);
    if (rc == FC_OK) CHECK(fc_image_save_png(&ci, cont, 0, &err) == FC_OK);
    fc_key_free(key);
    free(secret);

    const char *cli = tu_cli();
    CHECK(tu_system("%s analyze --help > /dev/null", cli) == 0);
    CHECK(tu_system("%s analyze 2> /dev/null", cli) == FC_EUSAGE);
    CHECK(tu_system("%s analyze --plain %s/missing.png 2> /dev/null", cli, dir) == FC_EINPUT);
    CHECK(tu_system("%s analyze --plain %s --bogus 2> /dev/null", cli, plain) == FC_EUSAGE);
    rc = tu_system("%s analyze --plain %s --container %s --cover %s --json --histograms %s > %s", cli, plain, cont,
                   cover, plots, out);
    CHECKF(rc == 0, "analyze --json exit %d", rc);
    char *j = slurp(out);
    CHECK(j != NULL);
    if (j) {
        CHECK(strstr(j, "\"container_vs_cover\"") && strstr(j, "\"cipher\"") && strstr(j, "\"chi_square\""));
        const char *bad[6] = {": nan", ", nan", ": -nan", ": inf", ", inf", ": -inf"}; /* JSON has no such numbers */
        for (int b = 0; b < 6; b++) CHECKF(!strstr(j, bad[b]), "JSON contains '%s'", bad[b]);
        int depth = 0, ok = 1;
        for (const char *q = j; *q; q++) {
            depth += (*q == '{' || *q == '[') - (*q == '}' || *q == ']');
            ok &= depth >= 0;
        }
        CHECK(ok && depth == 0);
        /* the cipher layer behaves like a random function of key and nonce */
        double npcr_key = json_num_after(strstr(j, "\"one_key_bit\""), "\"npcr\"");
        CHECKF(fabs(npcr_key - 99.61) < 1.0, "key NPCR %.3f", npcr_key);
        double npcr_px = json_num_after(strstr(j, "\"one_pixel_same_nonce\""), "\"npcr\"");
        CHECKF(fabs(npcr_px - 100.0 / (40 * 32 * 3)) < 1e-6, "one-pixel NPCR %.6f", npcr_px);
        /* the container differs from its cover only in LSBs: PSNR above 50 dB */
        double psnr = json_num_after(strstr(j, "\"psnr_db\""), "\"all\"");
        CHECKF(psnr > 50 && psnr < 100, "psnr %.2f", psnr);
    }
    char path[600];
    const char *names[4] = {"plain_hist.png", "container_hist.png", "cover_hist.png", "chi_square.png"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", plots, names[i]);
        fc_image im = {0};
        CHECKF(fc_image_load(path, &im, &err) == FC_OK && im.w >= 400, "%s", names[i]);
        fc_image_free(&im);
    }
    /* plots are not replaced without --force; text output is a table */
    CHECK(tu_system("%s analyze --plain %s --histograms %s > /dev/null 2>&1", cli, plain, plots) == FC_EUSAGE);
    rc = tu_system("%s analyze --plain %s --container %s --cover %s --pairs 2000 --histograms %s --force > %s", cli,
                   plain, cont, cover, plots, out);
    CHECK(rc == 0);
    j = slurp(out);
    CHECK(j && strstr(j, "PSNR (dB)") && strstr(j, "2000 random pairs") && strstr(j, "RS embedding rate"));
    /* a container and a cover of different sizes are bad input */
    CHECK(tu_system("%s analyze --container %s --cover %s 2> /dev/null", cli, cont, plain) == FC_EINPUT);
    tu_system("rm -rf '%s'", dir);
    free(dir);
    fc_image_free(&p);
    fc_image_free(&c);
    fc_image_free(&ci);
}

int main(void) {
    test_psnr();
    test_ssim();
    test_npcr_uaci();
    test_entropy();
    test_correlation();
    test_chi_square();
    test_rs();
    test_swd_pyramid();
    test_swd();
    test_plots();
    test_cli();
    return TEST_END();
}
