/* The engine's own float32 GEMM (private to the nn engine), for where OpenBLAS cannot be
 * used: OPENBLAS_CORETYPE names kernels this CPU lacks (blas.h), so OpenBLAS would die
 * with SIGILL.  Before it, such a machine fell back to a plain triple loop, some 30-100x
 * slower; this one packs blocks of A and B (Goto/BLIS) and runs an AVX2+FMA 6x16
 * micro-kernel, within a small factor of OpenBLAS's own AVX2 kernels.
 *
 * Layout: an A panel is FC_F32_MR rows, word [p][r] = A[r][p]; a B panel is FC_F32_NR
 * columns, word [p][c] = B[p][c]; both zero-padded, so the micro-kernel always computes
 * a full tile and only its store is clipped. */
#ifndef FC_NN_GEMM_F32_H
#define FC_NN_GEMM_F32_H

#define FC_F32_MR 6
#define FC_F32_NR 16

/* Whether this CPU runs the AVX2+FMA micro-kernel. */
int fc_f32_avx2(void);

/* One single-threaded product, like cblas_sgemm (row-major; beta 0 ignores C's old
 * values).  Needs fc_f32_avx2().  Returns 0, or -1 when the packing buffers cannot be
 * allocated (C is then untouched). */
int fc_sgemm_packed(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                    const float *B, int ldb, float beta, float *C, int ldc);

#endif
