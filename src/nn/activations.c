/* Element-wise activations.  Backward passes use the forward output y, so the
 * input buffer may be overwritten in place (y may alias x, dx may alias dy). */
#include <math.h>
#include "nn/internal.h"
#include "nn/nn.h"

#define PAR_FOR _Pragma("omp parallel for simd if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)")

void fc_leaky_relu_forward(float *y, const float *x, size_t n, float slope) {
    PAR_FOR
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

void fc_leaky_relu_backward(float *dx, const float *dy, const float *y, size_t n, float slope) {
    PAR_FOR
    for (size_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : slope * dy[i];
}

void fc_relu_forward(float *y, const float *x, size_t n) {
    PAR_FOR
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void fc_relu_backward(float *dx, const float *dy, const float *y, size_t n) {
    PAR_FOR
    for (size_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

/* 1/(1+e^-x) without overflow: e^-|x| is always <= 1. */
static inline float sigmoidf(float x) {
    float e = expf(-fabsf(x));
    return x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

void fc_sigmoid_forward(float *y, const float *x, size_t n) {
#pragma omp parallel for if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) y[i] = sigmoidf(x[i]);
}

void fc_sigmoid_backward(float *dx, const float *dy, const float *y, size_t n) {
    PAR_FOR
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

void fc_tanh_forward(float *y, const float *x, size_t n) {
#pragma omp parallel for if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

void fc_tanh_backward(float *dx, const float *dy, const float *y, size_t n) {
    PAR_FOR
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}
