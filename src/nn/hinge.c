/* Hinge losses on D's logits (Lim & Ye 2017; Miyato et al. 2018; BigGAN):
 *   D: mean relu(1 - D(x)) over reals + mean relu(1 + D(G(z))) over fakes,
 *   G: -mean D(G(z)).
 * At the hinge's kink (1 - sign*z == 0) the gradient is 0, as PyTorch's relu. */
#include "nn/nn.h"

float fc_hinge_logits(const float *z, int N, float sign, float *dz, float scale) {
    double sum = 0;
    for (int i = 0; i < N; i++) {
        double m = 1.0 - (double)sign * z[i];
        if (m > 0) sum += m;
        if (dz) dz[i] = m > 0 ? -sign * scale / (float)N : 0.0f;
    }
    return N > 0 ? (float)(sum / N) : 0.0f;
}

float fc_neg_mean_logits(const float *z, int N, float *dz, float scale) {
    double sum = 0;
    for (int i = 0; i < N; i++) {
        sum += z[i];
        if (dz) dz[i] = -scale / (float)N;
    }
    return N > 0 ? (float)(-sum / N) : 0.0f;
}
