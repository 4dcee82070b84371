/* BatchNorm2d over x [N,C,HW] with PyTorch's semantics: the batch's biased
 * variance normalises, the unbiased one goes into running_var, and running
 * statistics move by momentum (r = (1-m) r + m batch).  gamma/beta may be NULL
 * (affine=False).  Channels are independent, so they are the parallel axis;
 * sums are taken in double because a channel has N*HW (up to ~10^6) terms. */
#include <math.h>
#include "nn/internal.h"
#include "nn/nn.h"

#define CH_PAR(work) if ((size_t)(work) >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)

void fc_batchnorm_forward_train(float *y, const float *x, const float *gamma, const float *beta, float *running_mean,
                                float *running_var, fc_bn_cache *cache, int N, int C, int HW, float eps,
                                float momentum) {
    const size_t M = (size_t)N * HW, cs = (size_t)C * HW;
#pragma omp parallel for CH_PAR(M * C)
    for (int c = 0; c < C; c++) {
        double s = 0.0;
        for (int n = 0; n < N; n++) {
            const float *xc = x + n * cs + (size_t)c * HW;
            for (int i = 0; i < HW; i++) s += xc[i];
        }
        double mean = s / (double)M, ss = 0.0;
        for (int n = 0; n < N; n++) {
            const float *xc = x + n * cs + (size_t)c * HW;
            for (int i = 0; i < HW; i++) {
                double dv = xc[i] - mean;
                ss += dv * dv;
            }
        }
        double var = ss / (double)M;
        float invstd = (float)(1.0 / sqrt(var + eps));
        cache->mean[c] = (float)mean;
        cache->invstd[c] = invstd;
        if (running_mean) running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * (float)mean;
        if (running_var) {
            double unbiased = M > 1 ? ss / (double)(M - 1) : var;
            running_var[c] = (1.0f - momentum) * running_var[c] + momentum * (float)unbiased;
        }
        float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
        float a = g * invstd, sh = b - (float)mean * a;
        for (int n = 0; n < N; n++) {
            const float *xc = x + n * cs + (size_t)c * HW;
            float *yc = y + n * cs + (size_t)c * HW;
            for (int i = 0; i < HW; i++) yc[i] = xc[i] * a + sh;
        }
    }
}

void fc_batchnorm_forward_eval(float *y, const float *x, const float *gamma, const float *beta,
                               const float *running_mean, const float *running_var, int N, int C, int HW, float eps) {
    const size_t cs = (size_t)C * HW;
#pragma omp parallel for CH_PAR((size_t)N * HW * C)
    for (int c = 0; c < C; c++) {
        float invstd = (float)(1.0 / sqrt((double)running_var[c] + eps));
        float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
        float a = g * invstd, sh = b - running_mean[c] * a;
        for (int n = 0; n < N; n++) {
            const float *xc = x + n * cs + (size_t)c * HW;
            float *yc = y + n * cs + (size_t)c * HW;
            for (int i = 0; i < HW; i++) yc[i] = xc[i] * a + sh;
        }
    }
}

/* With xhat = (x-mean)*invstd and M = N*HW:
 *   dbeta = sum dy,  dgamma = sum dy*xhat,
 *   dx = gamma*invstd * (dy - dbeta/M - xhat*dgamma/M). */
void fc_batchnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                           const float *gamma, const fc_bn_cache *cache, int N, int C, int HW) {
    const size_t M = (size_t)N * HW, cs = (size_t)C * HW;
#pragma omp parallel for CH_PAR(M * C)
    for (int c = 0; c < C; c++) {
        const float mean = cache->mean[c], invstd = cache->invstd[c];
        double sdy = 0.0, sdyx = 0.0;
        for (int n = 0; n < N; n++) {
            const float *xc = x + n * cs + (size_t)c * HW, *gc = dy + n * cs + (size_t)c * HW;
            for (int i = 0; i < HW; i++) {
                sdy += gc[i];
                sdyx += (double)gc[i] * ((xc[i] - mean) * invstd);
            }
        }
        if (dbeta) dbeta[c] += (float)sdy;
        if (dgamma) dgamma[c] += (float)sdyx;
        if (!dx) continue;
        float k = (gamma ? gamma[c] : 1.0f) * invstd;
        float mdy = (float)(sdy / (double)M), mdyx = (float)(sdyx / (double)M);
        for (int n = 0; n < N; n++) {
            const float *xc = x + n * cs + (size_t)c * HW, *gc = dy + n * cs + (size_t)c * HW;
            float *dc = dx + n * cs + (size_t)c * HW;
            for (int i = 0; i < HW; i++) dc[i] = k * (gc[i] - mdy - (xc[i] - mean) * invstd * mdyx);
        }
    }
}
