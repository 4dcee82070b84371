/* The Goto/BLIS loop nest that the engine's own GEMMs share (private to the nn engine):
 * gemm_bf16.c (bfloat16 pairs) and gemm_f32.c (float32) differ only in how they pack
 * panels and in their micro-kernel.
 *
 * For each NC-column block of B and KC-deep slice: pack that B block once (it stays in
 * L2/L3), then for each MC-row block of A pack it (L2) and run the micro-kernel over the
 * MR x NR tiles, B's micro-panel staying in L1 while A's panels stream past it.  A panel
 * word is 32 bits and holds kpack consecutive k values (1: a float; 2: a bf16 pair), so a
 * KC slice is ku = ceil(kc / kpack) words deep; panels are zero-padded in all three
 * dimensions, and a micro-kernel always computes a full tile, clipping only its store. */
#ifndef FC_NN_GEMM_BLOCKED_H
#define FC_NN_GEMM_BLOCKED_H

typedef struct fc_gemm_blocking {
    int mr, nr;     /* micro-tile */
    int kc, mc, nc; /* k per slice (a multiple of kpack), A rows per block (of mr), B columns (of nr) */
    int kpack;      /* k values per 32-bit panel word */
    /* op(A) rows [i0, i0+mc), k [k0, k0+kc) -> mr-row panels of ku words per row */
    void (*pack_a)(int tA, const float *A, int lda, int i0, int mc, int k0, int kc, void *Ap);
    /* op(B) k [k0, k0+kc), columns [j0, j0+nc) -> nr-column panels of ku words per column */
    void (*pack_b)(int tB, const float *B, int ldb, int k0, int kc, int j0, int nc, void *Bp);
    /* tile = sum over ku words of A-panel x B-panel; C[i][j] = alpha*tile + beta*C for
     * i < mr, j < nr (C not read when beta == 0) */
    void (*tile)(const void *ctx, int ku, const void *Ap, const void *Bp, float *C, int ldc, int mr, int nr,
                 float alpha, float beta);
    const void *ctx; /* passed to tile */
} fc_gemm_blocking;

/* One single-threaded product, like cblas_sgemm (row-major).  Returns 0, or -1 when the
 * packing buffers cannot be allocated (C is then untouched). */
int fc_gemm_blocked(const fc_gemm_blocking *b, int transA, int transB, int M, int N, int K, float alpha,
                    const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);

#endif
