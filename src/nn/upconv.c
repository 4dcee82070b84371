/* Resize-convolution as a transposed convolution.  Nearest-neighbour upsampling by 2
 * followed by a 3x3 convolution with padding 1 is exactly a ConvTranspose2d k4 s2 p1 whose
 * 4x4 kernel is built from the 3x3 one: along each axis, output 2i reads low-resolution
 * inputs i-1 (tap -1) and i (taps 0, +1), output 2i+1 reads i (taps -1, 0) and i+1 (tap +1),
 * and ConvTranspose's kernel index k = o + 1 - 2 i_in puts them at
 *   T0 = w(+1),  T1 = w(0) + w(+1),  T2 = w(-1) + w(0),  T3 = w(-1).
 * So the layer runs on the engine's Winograd ConvTranspose k4 s2 p1 (src/nn/conv_wino.c): about
 * 1.8 multiply-adds per output instead of 9 for the upsample-then-convolve form, with no
 * upsampled tensor in memory.  Parameters stay in Conv2d's layout [cout, cin, 3, 3] (what
 * PyTorch's nn.Upsample + nn.Conv2d hold); the weight gradient folds back by the transpose. */
#include "nn/internal.h"
#include "nn/nn.h"

/* A[k][d]: tap d (0: -1, 1: 0, 2: +1) contributes to ConvTranspose kernel index k. */
static const float A[4][3] = {{0, 0, 1}, {0, 1, 1}, {1, 1, 0}, {1, 0, 0}};

void fc_upconv_weights(float *Wt, const float *W, int cin, int cout) {
    const size_t pairs = (size_t)cin * cout;
#pragma omp parallel for if (pairs * 16 >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t p = 0; p < pairs; p++) {
        size_t ci = p / (size_t)cout, co = p % (size_t)cout;
        const float *w = W + (co * (size_t)cin + ci) * 9; /* [cout, cin, 3, 3] */
        float *t = Wt + p * 16;                           /* [cin, cout, 4, 4] */
        float r[4][3];                                    /* rows folded: r[kh][dw] */
        for (int kh = 0; kh < 4; kh++)
            for (int dw = 0; dw < 3; dw++)
                r[kh][dw] = A[kh][0] * w[dw] + A[kh][1] * w[3 + dw] + A[kh][2] * w[6 + dw];
        for (int kh = 0; kh < 4; kh++)
            for (int kw = 0; kw < 4; kw++) t[kh * 4 + kw] = A[kw][0] * r[kh][0] + A[kw][1] * r[kh][1] + A[kw][2] * r[kh][2];
    }
}

void fc_upconv_weights_backward(float *dW, const float *dWt, int cin, int cout) {
    const size_t pairs = (size_t)cin * cout;
#pragma omp parallel for if (pairs * 16 >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t p = 0; p < pairs; p++) {
        size_t ci = p / (size_t)cout, co = p % (size_t)cout;
        const float *t = dWt + p * 16;
        float *w = dW + (co * (size_t)cin + ci) * 9;
        for (int dh = 0; dh < 3; dh++)
            for (int dw = 0; dw < 3; dw++) {
                float s = 0;
                for (int kh = 0; kh < 4; kh++)
                    if (A[kh][dh] != 0)
                        for (int kw = 0; kw < 4; kw++)
                            if (A[kw][dw] != 0) s += t[kh * 4 + kw];
                w[dh * 3 + dw] += s;
            }
    }
}
