/* Adam with PyTorch's arithmetic (torch.optim.Adam, no weight decay, not amsgrad):
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   w -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
 * PyTorch keeps lr and betas as Python doubles and forms 1-b, b^t and lr/(1-b1^t)
 * in double.  Our config holds floats, so each is widened through its shortest
 * decimal form (0.9f -> 0.9, not 0.899999976): for the usual decimal settings the
 * scalars, and so the updates, then match PyTorch's exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "nn/internal.h"
#include "nn/nn.h"

static double decimal_double(float f) {
    char buf[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
        double d = strtod(buf, NULL);
        if ((float)d == f) return d;
    }
    return (double)f;
}

void fc_adam_update(float *w, const float *g, float *m, float *v, size_t n, const fc_adam_cfg *cfg, uint64_t t) {
    const double lr = decimal_double(cfg->lr), b1 = decimal_double(cfg->beta1), b2 = decimal_double(cfg->beta2);
    const float fb1 = (float)b1, fb2 = (float)b2, a1 = (float)(1.0 - b1), a2 = (float)(1.0 - b2), eps = cfg->eps;
    const double bc1 = 1.0 - pow(b1, (double)t), bc2 = 1.0 - pow(b2, (double)t);
    const float step = (float)(lr / bc1), sqrt_bc2 = (float)sqrt(bc2);
#pragma omp parallel for simd if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = fb1 * m[i] + a1 * gi;
        float vi = fb2 * v[i] + a2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= step * mi / (sqrtf(vi) / sqrt_bc2 + eps);
    }
}
