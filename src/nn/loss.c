/* Binary cross-entropy on logits: Sigmoid + BCELoss(mean) fused.
 * softplus(z) - t*z = max(z,0) - t*z + log1p(exp(-|z|)) never overflows. */
#include <math.h>
#include "nn/nn.h"

float fc_bce_logits(const float *z, const float *t, int N, float *dz, float scale, float *prob) {
    double sum = 0.0;
    for (int i = 0; i < N; i++) {
        double zi = z[i], e = exp(-fabs(zi));
        sum += (zi > 0 ? zi : 0.0) - t[i] * zi + log1p(e);
        double p = zi >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        if (prob) prob[i] = (float)p;
        if (dz) dz[i] = (float)((p - t[i]) / N * scale);
    }
    return N > 0 ? (float)(sum / N) : 0.0f;
}
