/* Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs", section 3,
 * in StyleGAN's grouped form): a feature that lets the discriminator see how varied a batch
 * is, so that a generator which draws the same face for many z pays for it.
 *
 * The batch is cut into consecutive groups of `group` samples (the last one smaller when N is
 * not a multiple).  For each group: the biased standard deviation of every one of the F = C*HW
 * features over the group's samples, sqrt(mean((x - mean)^2) + 1e-8), averaged over the F
 * features to one number s; s is appended to every sample of the group as one extra channel,
 * constant over HW.  Output [N, C+1, HW].  Consecutive groups (StyleGAN takes every (N/G)-th
 * sample instead) keep the reals and the fakes of a D step, which run as one batch of 2b with
 * b a multiple of the group, in groups of their own.
 *
 * Backward: dx = dy[:, :C] + ds/F * (x - mean) / (g * std), with ds the sum of the extra
 * channel's gradient over the group's samples and positions (the mean's own derivative
 * cancels, because the deviations sum to zero over the group). */
#include <math.h>
#include <string.h>
#include "nn/internal.h"
#include "nn/nn.h"

#define MBSTD_EPS 1e-8

/* Per feature f of a group of g samples starting at x (stride F): mean and std. */
static void group_stats(const float *x, int g, size_t F, size_t f, double *mean, double *sd) {
    double m = 0, v = 0;
    for (int k = 0; k < g; k++) m += x[(size_t)k * F + f];
    m /= g;
    for (int k = 0; k < g; k++) {
        double d = x[(size_t)k * F + f] - m;
        v += d * d;
    }
    *mean = m;
    *sd = sqrt(v / g + MBSTD_EPS);
}

void fc_mbstd_forward(float *y, const float *x, int N, int C, int HW, int group) {
    const size_t F = (size_t)C * HW, Fo = F + (size_t)HW;
    if (group < 1) group = 1;
    for (int n0 = 0; n0 < N; n0 += group) {
        const int g = N - n0 < group ? N - n0 : group;
        const float *xg = x + (size_t)n0 * F;
        double s = 0; /* serial: a fixed summation order (F*g is small next to the convolutions) */
        for (size_t f = 0; f < F; f++) {
            double m, sd;
            group_stats(xg, g, F, f, &m, &sd);
            s += sd;
        }
        const float sv = (float)(s / (double)F);
        for (int k = 0; k < g; k++) {
            float *yk = y + (size_t)(n0 + k) * Fo;
            memcpy(yk, xg + (size_t)k * F, F * sizeof(float));
            for (int p = 0; p < HW; p++) yk[F + p] = sv;
        }
    }
}

void fc_mbstd_backward(float *dx, const float *dy, const float *x, int N, int C, int HW, int group) {
    const size_t F = (size_t)C * HW, Fo = F + (size_t)HW;
    if (group < 1) group = 1;
    for (int n0 = 0; n0 < N; n0 += group) {
        const int g = N - n0 < group ? N - n0 : group;
        const float *xg = x + (size_t)n0 * F;
        double ds = 0;
        for (int k = 0; k < g; k++) {
            const float *e = dy + (size_t)(n0 + k) * Fo + F;
            for (int p = 0; p < HW; p++) ds += e[p];
        }
        const double scale = ds / (double)F / g;
#pragma omp parallel for if (F * g >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
        for (size_t f = 0; f < F; f++) {
            double m, sd;
            group_stats(xg, g, F, f, &m, &sd);
            const double c = scale / sd;
            for (int k = 0; k < g; k++) {
                const size_t n = (size_t)(n0 + k);
                dx[n * F + f] = (float)(dy[n * Fo + f] + c * (x[n * F + f] - m));
            }
        }
    }
}
