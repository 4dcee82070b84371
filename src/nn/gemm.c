/* fc_sgemm: OpenBLAS sgemm, split across the engine's OpenMP threads. */
#include <omp.h>
#include "nn/internal.h"

/* Products smaller than this many multiply-adds are not worth a parallel region. */
#define SPLIT_MIN_MACS (1 << 20)

static void sgemm1(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                   const float *B, int ldb, float beta, float *C, int ldc) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}

void fc_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    int T = fc_nn_threads();
    /* OpenBLAS threads > 1 (fc_set_threads not called): let OpenBLAS split it. */
    if (T == 1 || openblas_get_num_threads() > 1 || (double)M * N * K < SPLIT_MIN_MACS || (M < 2 * T && N < 2 * T)) {
        sgemm1(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    /* Split the larger of M and N; blocks of 16 keep vector kernels whole. */
    int split_n = N >= M;
    int len = split_n ? N : M;
    int parts = T;
#pragma omp parallel num_threads(parts)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int blk = ((len + nt - 1) / nt + 15) & ~15;
        int a = t * blk, b = a + blk < len ? a + blk : len;
        if (a < b) {
            if (split_n) {
                const float *Bp = transB ? B + (size_t)a * ldb : B + a;
                sgemm1(transA, transB, M, b - a, K, alpha, A, lda, Bp, ldb, beta, C + a, ldc);
            } else {
                const float *Ap = transA ? A + a : A + (size_t)a * lda;
                sgemm1(transA, transB, b - a, N, K, alpha, Ap, lda, B, ldb, beta, C + (size_t)a * ldc, ldc);
            }
        }
    }
}
