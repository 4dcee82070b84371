/* Inverted dropout: kept units are scaled by 1/(1-p) so evaluation needs no rescale.
 * The mask is drawn sequentially from the caller's rng, so it depends only on
 * the seed, never on the thread count. */
#include "nn/internal.h"
#include "nn/nn.h"

void fc_dropout_forward(float *y, const float *x, uint8_t *mask, size_t n, float p, fc_rng *rng) {
    if (p <= 0.0f) {
        for (size_t i = 0; i < n; i++) {
            mask[i] = 1;
            y[i] = x[i];
        }
        return;
    }
    for (size_t i = 0; i < n; i++) mask[i] = fc_rng_uniform(rng) >= p;
    float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
#pragma omp parallel for simd if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) y[i] = mask[i] ? x[i] * scale : 0.0f;
}

void fc_dropout_backward(float *dx, const float *dy, const uint8_t *mask, size_t n, float p) {
    float scale = p <= 0.0f ? 1.0f : p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
#pragma omp parallel for simd if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
}
