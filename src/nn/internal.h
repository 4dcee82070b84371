/* Private helpers shared by the nn engine's files (not part of the public API). */
#ifndef FC_NN_INTERNAL_H
#define FC_NN_INTERNAL_H
#include <stddef.h>
#include <cblas.h>
#include "nn/blas.h"
#include "nn/nn.h"

/* Below this many elements an element-wise loop runs on one thread: a parallel
 * region costs a few microseconds, more than the loop itself. */
#define FC_PAR_MIN 32768

/* Threads the engine may use in the next parallel region (never more than the
 * caller asked for with fc_set_threads, and 1 when already inside a region). */
int fc_nn_threads(void);

/* fc_sgemm (nn/blas.h: row-major C = alpha*op(A)*op(B) + beta*C) at a precision:
 * FC_PREC_BF16 / FC_PREC_BF16_EMU round A and B to bfloat16 and sum in float32
 * (gemm_bf16.h); FC_PREC_BF16 without AVX512-BF16 runs float32. */
void fc_gemm(fc_precision prec, int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc);

/* Winograd F(3x3,2x2) ConvTranspose2d for k4 s2 p1 (conv_wino.c); fc_conv uses it
 * when fc_wino_applies.  create returns NULL when out of memory. */
typedef struct fc_wino fc_wino;
int fc_wino_applies(const fc_conv_desc *d);
fc_wino *fc_wino_create(const fc_conv_desc *d, int max_batch, int nthreads);
void fc_wino_set_precision(fc_wino *p, fc_precision prec);
void fc_wino_free(fc_wino *p);
/* Shrink the row block so the per-thread M buffer holds at most about `bytes` (tests). */
void fc_wino_set_budget(fc_wino *p, size_t bytes);
void fc_wino_forward(fc_wino *p, int N, const float *x, const float *W, const float *b, float *y);
void fc_wino_backward_data(fc_wino *p, int N, const float *dy, const float *W, float *dx);
void fc_wino_backward_weights(fc_wino *p, int N, const float *dy, const float *x, float *dW, float *db);

#endif
