/* The engine's own float32 GEMM (see gemm_f32.h): the loop nest of gemm_blocked.h, float
 * panels, and an AVX2+FMA micro-kernel computing a 6 x 16 tile in 12 ymm accumulators (per k:
 * two B loads, six broadcasts of A, twelve FMAs).  Only the micro-kernel is compiled for
 * AVX2 (a function-level target), so the build runs on any x86-64. */
#include "nn/gemm_f32.h"
#include "nn/gemm_blocked.h"
#include <stdlib.h>
#include <string.h>

#define MR FC_F32_MR
#define NR FC_F32_NR
#define KC 256  /* k per slice: an A panel (6 KB) and a B panel (16 KB) stay in L1 */
#define MC 120  /* A rows per packed block (120 KB, L2): a multiple of MR */
#define NC 1024 /* B columns per packed block (1 MB, L3): a multiple of NR */

#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 5)
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1
#endif

int fc_f32_avx2(void) {
#ifdef HAVE_AVX2_KERNEL
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

#ifdef HAVE_AVX2_KERNEL
/* A rows [i0, i0+mc), k [k0, k0+kc) -> MR-row panels of kc words per row. */
static void pack_a(int tA, const float *A, int lda, int i0, int mc, int k0, int kc, void *Apv) {
    float *Ap = Apv;
    for (int ib = 0; ib < mc; ib += MR) {
        float *P = Ap + (size_t)(ib / MR) * kc * MR;
        const int rows = mc - ib < MR ? mc - ib : MR;
        if (tA) { /* A(i, k) = A[k][i]: rows of the panel are contiguous in memory */
            for (int p = 0; p < kc; p++) {
                const float *a = A + (size_t)(k0 + p) * lda + i0 + ib;
                float *w = P + (size_t)p * MR;
                int r = 0;
                for (; r < rows; r++) w[r] = a[r];
                for (; r < MR; r++) w[r] = 0.0f;
            }
        } else { /* MR row streams read side by side, the panel written in order */
            const float *a[MR];
            for (int r = 0; r < MR; r++) a[r] = A + (size_t)(i0 + ib + (r < rows ? r : 0)) * lda + k0;
            for (int p = 0; p < kc; p++) {
                float *w = P + (size_t)p * MR;
                for (int r = 0; r < MR; r++) w[r] = r < rows ? a[r][p] : 0.0f;
            }
        }
    }
}

/* B k [k0, k0+kc), columns [j0, j0+nc) -> NR-column panels of kc rows each. */
static void pack_b(int tB, const float *B, int ldb, int k0, int kc, int j0, int nc, void *Bpv) {
    float *Bp = Bpv;
    for (int jb = 0; jb < nc; jb += NR) {
        float *P = Bp + (size_t)(jb / NR) * kc * NR;
        const int cols = nc - jb < NR ? nc - jb : NR;
        if (!tB) {
            for (int p = 0; p < kc; p++) {
                const float *b = B + (size_t)(k0 + p) * ldb + j0 + jb;
                float *w = P + (size_t)p * NR;
                if (cols == NR) memcpy(w, b, NR * sizeof *w);
                else {
                    memcpy(w, b, (size_t)cols * sizeof *w);
                    memset(w + cols, 0, (size_t)(NR - cols) * sizeof *w);
                }
            }
        } else { /* B(k, j) = B[j][k] */
            for (int c = 0; c < cols; c++) {
                const float *b = B + (size_t)(j0 + jb + c) * ldb + k0;
                for (int p = 0; p < kc; p++) P[(size_t)p * NR + c] = b[p];
            }
            for (int p = 0; p < kc; p++)
                for (int c = cols; c < NR; c++) P[(size_t)p * NR + c] = 0.0f;
        }
    }
}

#define FC_TARGET_AVX2 __attribute__((target("avx2,fma")))

/* tile = sum_p A-panel[p] (x) B-panel[p]; C[i][j] = alpha*tile + beta*C for i < mr, j < nr
 * (C not read when beta == 0). */
FC_TARGET_AVX2 static void kernel_avx2(const void *ctx, int kc, const void *Apv, const void *Bpv, float *C, int ldc,
                                       int mr, int nr, float alpha, float beta) {
    (void)ctx;
    const float *Ap = Apv, *Bp = Bpv;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma GCC unroll 4
    for (int p = 0; p < kc; p++) {
        _mm_prefetch((const char *)(Ap + (size_t)(p + 16) * MR), _MM_HINT_T0);
        const __m256 b0 = _mm256_load_ps(Bp + (size_t)p * NR), b1 = _mm256_load_ps(Bp + (size_t)p * NR + 8);
        const float *a = Ap + (size_t)p * MR;
        __m256 a0 = _mm256_broadcast_ss(a), a1 = _mm256_broadcast_ss(a + 1);
        c00 = _mm256_fmadd_ps(a0, b0, c00);
        c01 = _mm256_fmadd_ps(a0, b1, c01);
        c10 = _mm256_fmadd_ps(a1, b0, c10);
        c11 = _mm256_fmadd_ps(a1, b1, c11);
        a0 = _mm256_broadcast_ss(a + 2), a1 = _mm256_broadcast_ss(a + 3);
        c20 = _mm256_fmadd_ps(a0, b0, c20);
        c21 = _mm256_fmadd_ps(a0, b1, c21);
        c30 = _mm256_fmadd_ps(a1, b0, c30);
        c31 = _mm256_fmadd_ps(a1, b1, c31);
        a0 = _mm256_broadcast_ss(a + 4), a1 = _mm256_broadcast_ss(a + 5);
        c40 = _mm256_fmadd_ps(a0, b0, c40);
        c41 = _mm256_fmadd_ps(a0, b1, c41);
        c50 = _mm256_fmadd_ps(a1, b0, c50);
        c51 = _mm256_fmadd_ps(a1, b1, c51);
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const __m256 r[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    if (nr == NR) {
        for (int i = 0; i < mr; i++) {
            float *c = C + (size_t)i * ldc;
            __m256 v0 = _mm256_mul_ps(r[i][0], va), v1 = _mm256_mul_ps(r[i][1], va);
            if (beta != 0.0f) {
                v0 = _mm256_fmadd_ps(_mm256_loadu_ps(c), vb, v0);
                v1 = _mm256_fmadd_ps(_mm256_loadu_ps(c + 8), vb, v1);
            }
            _mm256_storeu_ps(c, v0);
            _mm256_storeu_ps(c + 8, v1);
        }
        return;
    }
    float t[NR] __attribute__((aligned(32)));
    for (int i = 0; i < mr; i++) {
        float *c = C + (size_t)i * ldc;
        _mm256_store_ps(t, _mm256_mul_ps(r[i][0], va));
        _mm256_store_ps(t + 8, _mm256_mul_ps(r[i][1], va));
        if (beta == 0.0f)
            for (int j = 0; j < nr; j++) c[j] = t[j];
        else
            for (int j = 0; j < nr; j++) c[j] = t[j] + beta * c[j];
    }
}
#endif

int fc_sgemm_packed(int tA, int tB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                    int ldb, float beta, float *C, int ldc) {
#ifndef HAVE_AVX2_KERNEL
    (void)tA, (void)tB, (void)M, (void)N, (void)K, (void)alpha, (void)A, (void)lda, (void)B, (void)ldb, (void)beta,
        (void)C, (void)ldc;
    return -1;
#else
    static const fc_gemm_blocking b = {.mr = MR, .nr = NR, .kc = KC, .mc = MC, .nc = NC, .kpack = 1,
                                       .pack_a = pack_a, .pack_b = pack_b, .tile = kernel_avx2};
    return fc_gemm_blocked(&b, tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}
