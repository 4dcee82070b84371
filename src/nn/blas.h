/* OpenBLAS behind one guard, for the engine and for the analysis code (swd.c,
 * steg_classify.c): OpenBLAS reads OPENBLAS_CORETYPE when it loads and then runs that
 * core's kernels even where the CPU lacks their instructions (SkylakeX's AVX-512 on an
 * AVX2 CPU: SIGILL).  Every BLAS product goes through a function here, which multiplies
 * with the engine's own packed AVX2 GEMM (gemm_f32.h; dsyrk: a portable loop) where
 * fc_blas_runnable says no. */
#ifndef FC_NN_BLAS_H
#define FC_NN_BLAS_H

/* 0 when OPENBLAS_CORETYPE names kernels this CPU cannot run; 1 otherwise (unset, an
 * unknown name, or a core the CPU has).  Decided once per process, as OpenBLAS does. */
int fc_blas_runnable(void);

/* Row-major C = alpha*op(A)*op(B) + beta*C, like cblas_sgemm (beta 0 ignores C's old
 * values).  When called from outside a parallel region with more than one engine thread
 * and a large product, it splits C into column (or row) blocks and runs one
 * single-threaded OpenBLAS call per OpenMP thread (gemm.c). */
void fc_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc);

/* Row-major C = alpha*A^T*A + beta*C for the n x n lower triangle of C (the upper is not
 * touched), A k x n: cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, n, k, ...). */
void fc_dsyrk_lower_t(int n, int k, double alpha, const double *A, int lda, double beta, double *C, int ldc);

#endif
