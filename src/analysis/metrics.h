/* Image-encryption and steganalysis measurements (public API in include/facecrypt.h,
 * section "analysis").  Internal helpers shared by metrics.c, steganalysis.c, swd.c
 * and the tests. */
#ifndef FC_ANALYSIS_METRICS_H
#define FC_ANALYSIS_METRICS_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

/* Regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a), a > 0,
 * x >= 0.  1 - Q is the CDF of a chi-square variable with 2a degrees of freedom at 2x. */
double fc_gamma_q(double a, double x);

/* The chi-square statistic of Westfeld & Pfitzmann on a 256-bin histogram: categories
 * are the pairs of values (2k, 2k+1), observed = count of 2k, expected = half the pair's
 * total.  Adjacent pairs whose expected count is under 5 are pooled (Pearson's rule) so
 * that every category is large enough for the chi-square approximation.  Returns the
 * embedding probability 1 - CDF(chi2; categories - 1), NaN for fewer than 2 categories;
 * *chi2 and *dof (may be NULL) receive the statistic and the degrees of freedom. */
double fc_chi_square_pov(const uint64_t hist[256], double *chi2, int *dof);

/* RS counts for one channel plane (w x h values with stride `step` between
 * horizontally adjacent values and `row` between rows): number of groups and
 * R_M, S_M, R_-M, S_-M counts, of the plane as given (flip = 0) or with every LSB
 * flipped (flip = 1). */
typedef struct fc_rs_counts {
    uint64_t groups, r, s, rn, sn;
} fc_rs_counts;
void fc_rs_count(const uint8_t *plane, int w, int h, size_t step, size_t row, int flip, fc_rs_counts *out);
/* Embedding rate from the counts of the image (c0) and of its LSB-flipped version (c1). */
double fc_rs_estimate(const fc_rs_counts *c0, const fc_rs_counts *c1);

/* The Laplacian pyramid used by the SWD (exposed for tests): img is 3 x size x size
 * floats; out receives the levels size, size/2, ..., 16 one after another (3 x r x r
 * each, the last one the low-pass image). */
int fc_swd_laplacian(const float *img, int size, float *out, fc_error *err);

/* The 2-D power spectrum of one plan->n x plan->n grey image with its mean removed:
 * re[ky * n + kx] = |F(k)|^2 / n^4 (FFT index order; the values sum to the image's
 * variance, Parseval); im is scratch.  Both buffers hold n * n doubles. */
struct fc_fft_plan;
void fc_power_spectrum2d(const struct fc_fft_plan *plan, const double *gray, double *re, double *im);

/* Check that an image is well formed (w, h > 0, c in {1, 3}, px set). */
int fc_analysis_check_image(const fc_image *img, const char *what, fc_error *err);

#endif
