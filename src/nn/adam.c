/* Adam with PyTorch's arithmetic (torch.optim.Adam, no weight decay, not amsgrad):
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   w -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps) */
#include <math.h>
#include "nn/internal.h"
#include "nn/nn.h"

void fc_adam_update(float *w, const float *g, float *m, float *v, size_t n, const fc_adam_cfg *cfg, uint64_t t) {
    const float b1 = cfg->beta1, b2 = cfg->beta2, eps = cfg->eps;
    const double bc1 = 1.0 - pow(b1, (double)t), bc2 = 1.0 - pow(b2, (double)t);
    const float step = (float)(cfg->lr / bc1), sqrt_bc2 = (float)sqrt(bc2);
#pragma omp parallel for simd if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= step * mi / (sqrtf(vi) / sqrt_bc2 + eps);
    }
}
