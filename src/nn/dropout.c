/* Inverted dropout: kept units are scaled by 1/(1-p) so evaluation needs no rescale.
 * The mask is a hash of (seed, counter, global row, element) rather than a draw
 * from a sequential generator, so data-parallel ranks that each hold part of a
 * batch produce exactly the masks one process would for the whole batch. */
#include "nn/internal.h"
#include "nn/nn.h"

/* splitmix64's finaliser: a bijective 64-bit mixer with full avalanche. */
static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#define GOLDEN 0x9e3779b97f4a7c15ULL

void fc_dropout_forward(float *y, const float *x, uint8_t *mask, int N, size_t per_row, float p,
                        const fc_dropout_key *key) {
    size_t n = (size_t)N * per_row;
    if (p <= 0.0f) {
        for (size_t i = 0; i < n; i++) {
            mask[i] = 1;
            y[i] = x[i];
        }
        return;
    }
    float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    /* keyed per (seed, counter), then per row: chained mixing keeps the three inputs apart */
    const uint64_t kc = mix64(mix64(key->seed) + GOLDEN * (key->counter + 1));
#pragma omp parallel for if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (int r = 0; r < N; r++) {
        uint64_t g = key->rows ? key->rows[r] : (uint64_t)r;
        uint64_t kr = mix64(kc ^ (GOLDEN * (g + 1)));
        uint8_t *m = mask + (size_t)r * per_row;
        float *yr = y + (size_t)r * per_row;
        const float *xr = x + (size_t)r * per_row;
        for (size_t j = 0; j < per_row; j++) {
            float u = (float)(mix64(kr + GOLDEN * (j + 1)) >> 40) * (1.0f / 16777216.0f);
            m[j] = u >= p;
            yr[j] = m[j] ? xr[j] * scale : 0.0f;
        }
    }
}

void fc_dropout_backward(float *dx, const float *dy, const uint8_t *mask, size_t n, float p) {
    float scale = p <= 0.0f ? 1.0f : p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
#pragma omp parallel for simd if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
}
