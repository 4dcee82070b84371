/* Exponential moving average of weights (Yazici et al. 2019, "The Unusual Effectiveness
 * of Averaging in GAN Training"): ema <- decay * ema + (1 - decay) * w after every
 * generator update, with TensorFlow's warm-up min(decay, (1 + t) / (10 + t)) so that the
 * average is not dominated by the random initialisation early on. */
#include "nn/internal.h"
#include "nn/nn.h"

float fc_ema_decay_at(float decay, uint64_t t) {
    double warm = (1.0 + (double)t) / (10.0 + (double)t);
    return warm < decay ? (float)warm : decay;
}

void fc_ema_update(float *ema, const float *w, size_t n, float decay) {
    const float a = 1.0f - decay;
#pragma omp parallel for simd if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) ema[i] = decay * ema[i] + a * w[i];
}
