/* Private helpers shared by the nn engine's files (not part of the public API). */
#ifndef FC_NN_INTERNAL_H
#define FC_NN_INTERNAL_H
#include <stddef.h>
#include <cblas.h>

/* Below this many elements an element-wise loop runs on one thread: a parallel
 * region costs a few microseconds, more than the loop itself. */
#define FC_PAR_MIN 32768

/* Threads the engine may use in the next parallel region (never more than the
 * caller asked for with fc_set_threads, and 1 when already inside a region). */
int fc_nn_threads(void);

/* Row-major C = alpha*op(A)*op(B) + beta*C, like cblas_sgemm.  When called from
 * outside a parallel region with more than one thread and a large product, it
 * splits C into column (or row) blocks and runs one single-threaded OpenBLAS
 * call per OpenMP thread. */
void fc_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc);

#endif
