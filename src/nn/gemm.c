/* fc_gemm: one product at the engine's precision, split across its OpenMP threads.
 * float32 goes to OpenBLAS sgemm (or, where OPENBLAS_CORETYPE names kernels this CPU cannot
 * run, to the engine's own packed AVX2 GEMM, gemm_f32.c, or a portable loop); bfloat16 to the engine's own kernels
 * (gemm_bf16.c: AVX512-BF16 where the CPU has it, else the portable kernel for
 * FC_PREC_BF16_EMU, or float32 for FC_PREC_BF16). */
#include <omp.h>
#include <pthread.h>
#include "nn/blas.h"
#include "nn/gemm_bf16.h"
#include "nn/gemm_f32.h"
#include "nn/internal.h"

/* Which kernels this process runs, decided once (the CPU and OPENBLAS_CORETYPE do not change
 * while it runs; every block of every product asks). */
typedef enum { F32_OPENBLAS, F32_PACKED_AVX2, F32_PORTABLE } f32_path;
static pthread_once_t kernels_once = PTHREAD_ONCE_INIT;
static f32_path f32_kernel;
static int bf16_hw;
static void decide_kernels(void) {
    f32_kernel = fc_blas_runnable() ? F32_OPENBLAS : fc_f32_avx2() ? F32_PACKED_AVX2 : F32_PORTABLE;
    bf16_hw = fc_bf16_hw();
}

/* Products smaller than this many multiply-adds are not worth a parallel region. */
#define SPLIT_MIN_MACS (1 << 20)

/* C = alpha op(A) op(B) + beta C, row-major (beta 0 ignores C's old values, as BLAS). */
static void sgemm_portable(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                           const float *B, int ldb, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * ldc;
        for (int j = 0; j < N; j++) c[j] = beta == 0.0f ? 0.0f : beta * c[j];
        for (int k = 0; k < K; k++) {
            const float a = alpha * (transA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]);
            if (!transB) {
                const float *b = B + (size_t)k * ldb;
                for (int j = 0; j < N; j++) c[j] += a * b[j];
            } else {
                for (int j = 0; j < N; j++) c[j] += a * B[(size_t)j * ldb + k];
            }
        }
    }
}

static void gemm1(fc_bf16_kernel kern, int transA, int transB, int M, int N, int K, float alpha, const float *A,
                  int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    /* bf16: the packing buffers cannot be allocated -> float32 for this block */
    if (kern && fc_gemm_bf16_1(kern, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) == 0) return;
    if (f32_kernel != F32_OPENBLAS) { /* blas.h: OpenBLAS cannot run the named CORETYPE */
        if (f32_kernel == F32_PACKED_AVX2 &&
            fc_sgemm_packed(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) == 0)
            return;
        sgemm_portable(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}

void fc_gemm(fc_precision prec, int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    pthread_once(&kernels_once, decide_kernels);
    fc_bf16_kernel kern = NULL;
    if (prec == FC_PREC_BF16 || prec == FC_PREC_BF16_EMU)
        kern = bf16_hw ? fc_bf16_kernel_avx512 : prec == FC_PREC_BF16_EMU ? fc_bf16_kernel_ref : NULL;
    int T = fc_nn_threads();
    /* OpenBLAS threads > 1 (fc_set_threads not called): let OpenBLAS split it. */
    if (T == 1 || (!kern && f32_kernel == F32_OPENBLAS && openblas_get_num_threads() > 1) || (double)M * N * K < SPLIT_MIN_MACS ||
        (M < 2 * T && N < 2 * T)) {
        gemm1(kern, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    /* Split the larger of M and N; blocks of 16 (bf16: 32 columns / 12 rows) keep
     * vector kernels whole. */
    int split_n = N >= M;
    int len = split_n ? N : M;
    int unit = !kern ? 16 : split_n ? FC_BF16_NR : FC_BF16_MR;
    int parts = T;
#pragma omp parallel num_threads(parts)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int blk = ((len + nt - 1) / nt + unit - 1) / unit * unit;
        int a = t * blk, b = a + blk < len ? a + blk : len;
        if (a < b) {
            if (split_n) {
                const float *Bp = transB ? B + (size_t)a * ldb : B + a;
                gemm1(kern, transA, transB, M, b - a, K, alpha, A, lda, Bp, ldb, beta, C + a, ldc);
            } else {
                const float *Ap = transA ? A + a : A + (size_t)a * lda;
                gemm1(kern, transA, transB, b - a, N, K, alpha, Ap, lda, B, ldb, beta, C + (size_t)a * ldc, ldc);
            }
        }
    }
}

void fc_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc) {
    fc_gemm(FC_PREC_FP32, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
