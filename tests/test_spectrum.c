/* The FFT and the radial power spectrum behind `facecrypt eval-gan --spectrum`:
 * the FFT against a direct DFT, Parseval, and spectra of known pictures (a cosine
 * grating in its radial bin, a checkerboard and stripes at the Nyquist points, white
 * noise flat), bands and deviations. */
#include <string.h>
#include "analysis/fft.h"
#include "analysis/metrics.h"
#include "testutil.h"
#include "util/rng.h"

#define N 64
#define NN (N * N)

static void test_fft_vs_dft(void) {
    fc_error err = {0};
    for (int n = 1; n <= 128; n *= 2) {
        fc_fft_plan p;
        CHECK(fc_fft_plan_init(&p, n, &err) == FC_OK);
        double re[128], im[128], xr[128], xi[128];
        fc_rng r;
        fc_rng_seed(&r, (uint64_t)n);
        for (int j = 0; j < n; j++) xr[j] = re[j] = fc_rng_normal(&r), xi[j] = im[j] = fc_rng_normal(&r);
        fc_fft(&p, re, im, 1);
        double worst = 0, scale = 0;
        for (int k = 0; k < n; k++) {
            long double sr = 0, si = 0;
            for (int j = 0; j < n; j++) {
                long double a = -2.0L * 3.14159265358979323846264338327950288L * (long double)((long)j * k % n) / n;
                sr += xr[j] * cosl(a) - xi[j] * sinl(a);
                si += xr[j] * sinl(a) + xi[j] * cosl(a);
            }
            double e = hypot(re[k] - (double)sr, im[k] - (double)si);
            worst = e > worst ? e : worst;
            scale += (double)(sr * sr + si * si);
        }
        /* a radix-2 FFT's error grows like log2(n) * eps * norm */
        CHECKF(worst <= 16 * 2.2e-16 * (1 + log2(n)) * sqrt(scale), "n=%d: |FFT-DFT| %.3g, norm %.3g", n, worst,
               sqrt(scale));
        fc_fft_plan_free(&p);
    }
    fc_fft_plan p;
    CHECK(fc_fft_plan_init(&p, 48, &err) == FC_EUSAGE && p.rev == NULL);
    CHECK(fc_fft_plan_init(&p, 0, &err) == FC_EUSAGE);
}

/* The 2-D power spectrum (unnormalised) of one grey image. */
static void power2d(const double *g, double *pw) {
    fc_fft_plan p;
    fc_fft_plan_init(&p, N, NULL);
    static double im[NN];
    fc_power_spectrum2d(&p, g, pw, im);
    fc_fft_plan_free(&p);
}

static int freq(int i) { return i < N / 2 ? i : i - N; }

static void test_parseval_and_gratings(void) {
    static double g[NN], pw[NN];
    fc_rng r;
    fc_rng_seed(&r, 11);
    double mean = 0, var = 0;
    for (int p = 0; p < NN; p++) mean += g[p] = 0.3 + 0.2 * fc_rng_uniform(&r) + 0.01 * (p % N);
    mean /= NN;
    for (int p = 0; p < NN; p++) var += (g[p] - mean) * (g[p] - mean);
    var /= NN;
    power2d(g, pw);
    double sum = 0;
    for (int p = 0; p < NN; p++) sum += pw[p];
    CHECKF(fabs(sum - var) <= 1e-12 * var, "Parseval: sum of powers %.15g, variance %.15g", sum, var);
    CHECK(pw[0] < 1e-20 * var); /* mean removed */

    /* cos(2 pi (3x + 4y) / N) of amplitude a: power a^2/4 at (3,4) and (-3,-4), |k| = 5 */
    const double a = 0.25;
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) g[y * N + x] = 0.5 + a * cos(2 * M_PI * (3 * x + 4 * y) / N);
    power2d(g, pw);
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            int hit = (freq(x) == 3 && freq(y) == 4) || (freq(x) == -3 && freq(y) == -4);
            double want = hit ? a * a / 4 : 0;
            if (fabs(pw[y * N + x] - want) > 1e-12) {
                CHECKF(0, "grating: power %.3g at (%d,%d), expected %.3g", pw[y * N + x], freq(x), freq(y), want);
                y = N;
                break;
            }
        }

    fc_error err = {0};
    fc_spectrum s;
    CHECK(fc_spectrum_init(&s, N, &err) == FC_OK);
    CHECK(s.bins == 46); /* round(32 sqrt 2) = 45 */
    int total = 0;
    for (int b = 0; b < s.bins; b++) total += s.freqs[b];
    CHECK(total == NN && s.freqs[0] == 1);
    /* round(|k|): bin 2 = (+-2,0), (0,+-2), (+-1,+-2), (+-2,+-1); bin 45 = (-32,-32), (-32,+-31), (+-31,-32) */
    CHECK(s.freqs[1] == 8 && s.freqs[2] == 12 && s.freqs[45] == 5);
    CHECK(fc_spectrum_add_gray(&s, g, 1, &err) == FC_OK && s.count == 1);
    /* all the variance in bin 5: its mean share is 1 / (frequencies in bin 5) */
    for (int b = 0; b < s.bins; b++) {
        double want = b == 5 ? 1.0 / s.freqs[5] : 0;
        CHECKF(fabs(fc_spectrum_power(&s, b) - want) < 1e-12, "grating: bin %d holds %.3g, expected %.3g", b,
               fc_spectrum_power(&s, b), want);
    }
    CHECK(s.nyquist_sum[0] < 1e-20 && s.nyquist_sum[1] < 1e-20 && s.nyquist_sum[2] < 1e-20);

    /* a checkerboard (the stride-2 grid) is all at (N/2, N/2), bin 45; stripes at (N/2, 0), bin 32 */
    fc_spectrum c, v;
    fc_spectrum_init(&c, N, &err);
    fc_spectrum_init(&v, N, &err);
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) g[y * N + x] = ((x + y) & 1) ? 0.6 : 0.4;
    CHECK(fc_spectrum_add_gray(&c, g, 1, &err) == FC_OK);
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) g[y * N + x] = (x & 1) ? 0.6 : 0.4;
    CHECK(fc_spectrum_add_gray(&v, g, 1, &err) == FC_OK);
    CHECK(fabs(c.nyquist_sum[2] - 1) < 1e-12 && c.nyquist_sum[0] < 1e-20 && c.nyquist_sum[1] < 1e-20);
    CHECK(fabs(fc_spectrum_power(&c, 45) - 1.0 / c.freqs[45]) < 1e-12);
    CHECK(fabs(v.nyquist_sum[0] - 1) < 1e-12 && v.nyquist_sum[1] < 1e-20 && v.nyquist_sum[2] < 1e-20);
    CHECK(fabs(fc_spectrum_power(&v, 32) - 1.0 / v.freqs[32]) < 1e-12);
    for (int b = 0; b < 45; b++) CHECK(fc_spectrum_power(&c, b) < 1e-20);

    /* a flat image adds zeros; sizes are checked */
    for (int p = 0; p < NN; p++) g[p] = 0.7;
    fc_spectrum f;
    fc_spectrum_init(&f, N, &err);
    CHECK(fc_spectrum_add_gray(&f, g, 1, &err) == FC_OK && f.count == 1 && fc_spectrum_power(&f, 1) == 0);
    CHECK(fc_spectrum_init(&f, 48, &err) == FC_EUSAGE);
    CHECK(fc_spectrum_init(&f, 8, &err) == FC_EUSAGE);
    fc_spectrum z = {0};
    CHECK(fc_spectrum_add_gray(&z, g, 1, &err) == FC_EUSAGE);
}

/* White noise: every bin holds the same mean share, 1 / (N^2 - 1). */
static void test_white_noise(void) {
    enum { IMGS = 64 };
    static double g[IMGS * NN];
    fc_rng r;
    fc_rng_seed(&r, 5);
    for (size_t p = 0; p < (size_t)IMGS * NN; p++) g[p] = fc_rng_normal(&r);
    fc_error err = {0};
    fc_spectrum s, s2;
    fc_spectrum_init(&s, N, &err);
    fc_spectrum_init(&s2, N, &err);
    CHECK(fc_spectrum_add_gray(&s, g, IMGS / 2, &err) == FC_OK);
    CHECK(fc_spectrum_add_gray(&s2, g + (size_t)IMGS / 2 * NN, IMGS / 2, &err) == FC_OK);
    CHECK(fc_spectrum_add_gray(&s, g + (size_t)IMGS / 2 * NN, IMGS / 2, &err) == FC_OK && s.count == IMGS);
    const double flat = 1.0 / (NN - 1);
    CHECK(fc_spectrum_power(&s, 0) < 1e-25);
    for (int b = 1; b < s.bins; b++) {
        /* each frequency's share is about exponential (sd = mean): the bin mean of
         * freqs x IMGS of them is within 6 standard errors (2 for the 1-dof real points) */
        double tol = 6 * 2 / sqrt((double)s.freqs[b] * IMGS);
        double rel = fc_spectrum_power(&s, b) / flat - 1;
        CHECKF(fabs(rel) < tol, "white noise: bin %d off by %+.1f%% (tolerance %.1f%%)", b, 100 * rel, 100 * tol);
    }
    /* two noise sets: small band deviations */
    fc_spectrum_cmp c;
    fc_spectrum_init(&s, N, &err);
    CHECK(fc_spectrum_add_gray(&s, g, IMGS / 2, &err) == FC_OK);
    CHECK(fc_spectrum_compare(&s2, &s, &c, &err) == FC_OK && c.bins == 46 && isnan(c.dev[0]));
    for (int k = 1; k < FC_SPECTRUM_BANDS; k++) /* the low band has the fewest frequencies */
        CHECKF(fabs(c.band_dev[k]) < 0.05, "noise vs noise: %s band %+.1f%%", fc_spectrum_band_name(k),
               100 * c.band_dev[k]);
    /* a set against itself: exactly 0 */
    CHECK(fc_spectrum_compare(&s, &s, &c, &err) == FC_OK);
    for (int k = 0; k < FC_SPECTRUM_BANDS; k++) CHECK(c.band_dev[k] == 0 && c.band_worst[k] == 0);
    CHECK(c.nyquist_dev == 0);
}

/* Bands and deviations: noise with a faint checkerboard added reads as excess power in
 * the corner band and at the Nyquist points, not in the low band. */
static void test_bands_and_compare(void) {
    fc_error err = {0};
    fc_spectrum s;
    fc_spectrum_init(&s, N, &err);
    const int want[4][2] = {{1, 10}, {11, 21}, {22, 32}, {33, 45}};
    for (int b = 0; b < FC_SPECTRUM_BANDS; b++) {
        int lo, hi;
        fc_spectrum_band(&s, b, &lo, &hi);
        CHECKF(lo == want[b][0] && hi == want[b][1], "band %d: %d-%d", b, lo, hi);
    }
    CHECK(!strcmp(fc_spectrum_band_name(2), "high") && !strcmp(fc_spectrum_band_name(3), "corner"));

    enum { IMGS = 32 };
    static double g[IMGS * NN], h[IMGS * NN];
    fc_rng r;
    fc_rng_seed(&r, 9);
    for (int i = 0; i < IMGS; i++) /* smooth: a random low-frequency blob per image, plus noise */
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) {
                size_t p = (size_t)i * NN + (size_t)y * N + x;
                g[p] = sin(0.1 * x + i) * cos(0.07 * y - i) + 0.01 * fc_rng_normal(&r);
                h[p] = g[p] + 0.02 * (((x + y) & 1) ? 1 : -1);
            }
    fc_spectrum a, ref;
    fc_spectrum_init(&a, N, &err);
    fc_spectrum_init(&ref, N, &err);
    fc_spectrum_add_gray(&a, h, IMGS, &err);
    fc_spectrum_add_gray(&ref, g, IMGS, &err);
    fc_spectrum_cmp c;
    CHECK(fc_spectrum_compare(&a, &ref, &c, &err) == FC_OK);
    CHECKF(fabs(c.band_dev[0]) < 0.01, "low band %+.2f%%", 100 * c.band_dev[0]);
    CHECKF(c.band_dev[3] > 0.5 && c.band_worst_bin[3] == 45, "corner band %+.1f%%, worst bin %d", 100 * c.band_dev[3],
           c.band_worst_bin[3]);
    CHECKF(c.nyquist_dev > 10, "nyquist %+.0f%%", 100 * c.nyquist_dev);
    /* geometric mean of the bins' ratios */
    double l = 0;
    for (int b = 22; b <= 32; b++) l += log(1 + c.dev[b]);
    CHECK(fabs(c.band_dev[2] - expm1(l / 11)) < 1e-12);

    fc_spectrum e, small;
    fc_spectrum_init(&e, N, &err);
    fc_spectrum_init(&small, 32, &err);
    fc_spectrum_add_gray(&small, g, 1, &err);
    CHECK(fc_spectrum_compare(&a, &e, &c, &err) == FC_EUSAGE);
    CHECK(fc_spectrum_compare(&a, &small, &c, &err) == FC_EUSAGE);
}

/* 8-bit RGB and [0,1] float inputs give the grey spectrum of their luma. */
static void test_inputs(void) {
    static uint8_t hwc[NN * 3];
    static float chw[3 * NN];
    static double g[NN];
    fc_rng r;
    fc_rng_seed(&r, 2);
    for (int p = 0; p < NN; p++)
        for (int c = 0; c < 3; c++) {
            uint8_t v = (uint8_t)(fc_rng_uniform(&r) * 255.99f);
            hwc[p * 3 + c] = v;
            chw[c * NN + p] = v / 255.0f;
        }
    for (int p = 0; p < NN; p++) g[p] = 0.299 * hwc[3 * p] + 0.587 * hwc[3 * p + 1] + 0.114 * hwc[3 * p + 2];
    fc_error err = {0};
    fc_spectrum a, b, c;
    fc_spectrum_init(&a, N, &err);
    fc_spectrum_init(&b, N, &err);
    fc_spectrum_init(&c, N, &err);
    CHECK(fc_spectrum_add_u8(&a, hwc, 1, &err) == FC_OK);
    CHECK(fc_spectrum_add_unit(&b, chw, 1, &err) == FC_OK);
    CHECK(fc_spectrum_add_gray(&c, g, 1, &err) == FC_OK);
    double worst = 0;
    for (int k = 0; k < a.bins; k++) {
        double p = fc_spectrum_power(&c, k);
        worst = fmax(worst, fabs(fc_spectrum_power(&a, k) - p) + fabs(fc_spectrum_power(&b, k) - p));
    }
    CHECKF(worst < 1e-12, "u8 / unit / grey spectra differ by %.3g", worst);
}

int main(void) {
    test_fft_vs_dft();
    test_parseval_and_gratings();
    test_white_noise();
    test_bands_and_compare();
    test_inputs();
    return TEST_END();
}
