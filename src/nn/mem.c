/* Aligned float buffers: 64-byte alignment suits AVX-512 loads and cache lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include "nn/internal.h"
#include "nn/nn.h"

void fc_zero(float *y, size_t n) {
    if (n < 8 * FC_PAR_MIN || fc_nn_threads() == 1) {
        memset(y, 0, n * sizeof(float));
        return;
    }
#pragma omp parallel num_threads(fc_nn_threads())
    {
        /* large buffers: let each thread clear its own slice (first-touch, bandwidth) */
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        size_t a = n * (size_t)t / (size_t)T, b = n * (size_t)(t + 1) / (size_t)T;
        memset(y + a, 0, (b - a) * sizeof(float));
    }
}

float *fc_alloc_floats(size_t n) {
    if (n > (SIZE_MAX - 64) / sizeof(float)) return NULL;
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    if (bytes == 0) bytes = 64;
    float *p = aligned_alloc(64, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

void fc_free_aligned(void *p) { free(p); }
