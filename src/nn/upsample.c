/* Nearest-neighbour upsampling by 2 (torch.nn.Upsample(scale_factor=2, mode="nearest")):
 * the first half of a resize-convolution (Odena et al. 2016), which unlike a stride-2
 * transposed convolution gives every output pixel the same number of kernel taps and
 * so leaves no checkerboard.  Backward sums each 2x2 block of the output gradient. */
#include "nn/internal.h"
#include "nn/nn.h"

void fc_upsample2_forward(float *y, const float *x, int N, int C, int h, int w) {
    const size_t planes = (size_t)N * C;
    const int ow = 2 * w;
#pragma omp parallel for if (planes * h * w >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t p = 0; p < planes; p++) {
        const float *xs = x + p * h * w;
        float *ys = y + p * 4 * h * w;
        for (int i = 0; i < h; i++) {
            float *r0 = ys + (size_t)(2 * i) * ow, *r1 = r0 + ow;
            for (int j = 0; j < w; j++) {
                float v = xs[(size_t)i * w + j];
                r0[2 * j] = r0[2 * j + 1] = r1[2 * j] = r1[2 * j + 1] = v;
            }
        }
    }
}

void fc_upsample2_backward(float *dx, const float *dy, int N, int C, int h, int w) {
    const size_t planes = (size_t)N * C;
    const int ow = 2 * w;
#pragma omp parallel for if (planes * h * w >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t p = 0; p < planes; p++) {
        const float *ys = dy + p * 4 * h * w;
        float *xs = dx + p * h * w;
        for (int i = 0; i < h; i++) {
            const float *r0 = ys + (size_t)(2 * i) * ow, *r1 = r0 + ow;
            for (int j = 0; j < w; j++)
                xs[(size_t)i * w + j] = (r0[2 * j] + r0[2 * j + 1]) + (r1[2 * j] + r1[2 * j + 1]);
        }
    }
}
