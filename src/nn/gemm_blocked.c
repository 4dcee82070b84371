/* The loop nest of the engine's own GEMMs; see gemm_blocked.h. */
#include "nn/gemm_blocked.h"
#include <stdint.h>
#include <stdlib.h>

#define WORD sizeof(uint32_t)

static void *alloc_words(size_t n) { return aligned_alloc(64, (n * WORD + 63) & ~(size_t)63); }

int fc_gemm_blocked(const fc_gemm_blocking *b, int tA, int tB, int M, int N, int K, float alpha, const float *A,
                    int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return 0;
    if (K <= 0) { /* C = beta*C */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
        return 0;
    }
    const int MR = b->mr, NR = b->nr, KC = b->kc, MC = b->mc, NC = b->nc;
    const int ku_max = ((K < KC ? K : KC) + b->kpack - 1) / b->kpack;
    const int mc_max = M < MC ? (M + MR - 1) / MR * MR : MC, nc_max = N < NC ? (N + NR - 1) / NR * NR : NC;
    unsigned char *Ap = alloc_words((size_t)mc_max * ku_max), *Bp = alloc_words((size_t)nc_max * ku_max);
    if (!Ap || !Bp) {
        free(Ap);
        free(Bp);
        return -1;
    }
    for (int jc = 0; jc < N; jc += NC) {
        const int nc = N - jc < NC ? N - jc : NC;
        for (int pc = 0; pc < K; pc += KC) {
            const int kc = K - pc < KC ? K - pc : KC, ku = (kc + b->kpack - 1) / b->kpack;
            const float bet = pc == 0 ? beta : 1.0f; /* later slices add to the first's result */
            b->pack_b(tB, B, ldb, pc, kc, jc, nc, Bp);
            for (int ic = 0; ic < M; ic += MC) {
                const int mc = M - ic < MC ? M - ic : MC;
                b->pack_a(tA, A, lda, ic, mc, pc, kc, Ap);
                for (int jr = 0; jr < nc; jr += NR)
                    for (int ir = 0; ir < mc; ir += MR)
                        b->tile(b->ctx, ku, Ap + (size_t)(ir / MR) * ku * MR * WORD,
                                Bp + (size_t)(jr / NR) * ku * NR * WORD, C + (size_t)(ic + ir) * ldc + jc + jr, ldc,
                                mc - ir < MR ? mc - ir : MR, nc - jr < NR ? nc - jr : NR, alpha, bet);
            }
        }
    }
    free(Ap);
    free(Bp);
    return 0;
}
