/* Dense (PyTorch Linear): y = x W^T + b, x [N,in], W [out,in]. */
#include <string.h>
#include "nn/internal.h"
#include "nn/nn.h"

void fc_dense_forward_prec(fc_precision prec, float *y, const float *x, const float *W, const float *b, int N, int in,
                           int out) {
    if (b) {
        for (int n = 0; n < N; n++) memcpy(y + (size_t)n * out, b, (size_t)out * sizeof(float));
    }
    fc_gemm(prec, 0, 1, N, out, in, 1.0f, x, in, W, in, b ? 1.0f : 0.0f, y, out);
}

void fc_dense_backward_prec(fc_precision prec, float *dx, float *dW, float *db, const float *dy, const float *x,
                            const float *W, int N, int in, int out) {
    if (dx) fc_gemm(prec, 0, 0, N, in, out, 1.0f, dy, out, W, in, 0.0f, dx, in);  /* dx = dy W */
    if (dW) fc_gemm(prec, 1, 0, out, in, N, 1.0f, dy, out, x, in, 1.0f, dW, in); /* dW += dy^T x */
    if (db) {
        for (int n = 0; n < N; n++) {
            const float *g = dy + (size_t)n * out;
            for (int o = 0; o < out; o++) db[o] += g[o];
        }
    }
}

void fc_dense_forward(float *y, const float *x, const float *W, const float *b, int N, int in, int out) {
    fc_dense_forward_prec(FC_PREC_FP32, y, x, W, b, N, in, out);
}

void fc_dense_backward(float *dx, float *dW, float *db, const float *dy, const float *x, const float *W, int N,
                       int in, int out) {
    fc_dense_backward_prec(FC_PREC_FP32, dx, dW, db, dy, x, W, N, in, out);
}
