/* The engine's own float32 GEMM (src/nn/gemm_f32.c, used where OPENBLAS_CORETYPE names
 * kernels the CPU lacks) against a float64 reference, element-wise with the bound any
 * correct float32 summation meets (each of K additions and the final alpha*acc + beta*c
 * rounds once, u = 2^-24; FMA or not):
 *       |C - (alpha AB + beta C0)|_ij <= (K + 4) 2^-23 (|alpha| (|A||B|)_ij + |beta C0_ij|)
 * Shapes cross every blocking edge (MR 6, NR 16, KC 256, MC 120, NC 2048), with all four
 * transposes, leading dimensions wider than the matrix, beta 0 over a C full of NaN (must
 * not be read), and columns beyond N that must stay untouched.  A wrong index, a missed
 * tail or a lost K slice breaks the bound by orders of magnitude. */
#include <math.h>
#include <string.h>
#include "nn/gemm_f32.h"
#include "nn/nn.h"
#include "testutil.h"
#include "util/rng.h"

static fc_rng g_rng;

static double el(const float *A, int lda, int t, int i, int k) { return t ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]; }

static void check(int tA, int tB, int M, int N, int K, float alpha, float beta) {
    const int lda = (tA ? M : K) + 3, ldb = (tB ? K : N) + 5, ldc = N + 2;
    float *A = tu_randn(&g_rng, (size_t)(tA ? K : M) * lda, 1.0f);
    float *B = tu_randn(&g_rng, (size_t)(tB ? N : K) * ldb, 1.0f);
    float *C = tu_randn(&g_rng, (size_t)M * ldc, 1.0f), *C0 = malloc((size_t)M * ldc * sizeof *C0);
    if (beta == 0.0f)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = NAN;
    memcpy(C0, C, (size_t)M * ldc * sizeof *C0);
    int rc = fc_sgemm_packed(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    CHECKF(rc == 0, "fc_sgemm_packed returned %d", rc);
    double worst = 0;
    int pad_ok = 1;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double s = 0, sa = 0;
            for (int k = 0; k < K; k++) {
                const double p = el(A, lda, tA, i, k) * el(B, ldb, !tB, j, k);
                s += p, sa += fabs(p);
            }
            const double c0 = beta == 0.0f ? 0.0 : beta * (double)C0[(size_t)i * ldc + j];
            const double bound = (K + 4) * 0x1p-23 * (fabs(alpha) * sa + fabs(c0)) + 1e-30;
            const double e = fabs(C[(size_t)i * ldc + j] - (alpha * s + c0)) / bound;
            if (!(e <= worst)) worst = e; /* NaN lands here too */
        }
        for (int j = N; j < ldc; j++) pad_ok &= !memcmp(&C[(size_t)i * ldc + j], &C0[(size_t)i * ldc + j], sizeof *C);
    }
    CHECKF(worst <= 1.0, "tA %d tB %d %d x %d x %d alpha %g beta %g: error %.3g x the bound", tA, tB, M, N, K, alpha,
           beta, worst);
    CHECKF(pad_ok, "tA %d tB %d %d x %d x %d: wrote outside the N columns of C", tA, tB, M, N, K);
    fc_free_aligned(A), fc_free_aligned(B), fc_free_aligned(C), free(C0);
}

int main(void) {
    if (!fc_f32_avx2()) {
        printf("test_gemm_f32: this CPU lacks AVX2+FMA; the packed GEMM is never used here (skipped)\n");
        return TEST_END();
    }
    fc_rng_seed(&g_rng, 2026);
    static const int shapes[][3] = {{1, 1, 1},    {5, 7, 3},     {6, 16, 1},    {7, 17, 2},      {13, 33, 257},
                                    {121, 15, 9}, {30, 70, 513}, {2, 2049, 3},  {241, 40, 300},  {64, 200, 64}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int t = 0; t < 4; t++) {
            const float beta = (s + t) % 3 == 0 ? 0.0f : (s + t) % 3 == 1 ? 1.0f : -0.5f;
            check(t & 1, t >> 1, shapes[s][0], shapes[s][1], shapes[s][2], t == 3 ? 0.7f : 1.0f, beta);
        }
    /* K = 0: C = beta C */
    float c[4] = {1, 2, 3, 4}, a[1] = {0}, b[1] = {0};
    CHECK(fc_sgemm_packed(0, 0, 2, 2, 0, 1.0f, a, 1, b, 2, 0.5f, c, 2) == 0 && c[0] == 0.5f && c[3] == 2.0f);
    return TEST_END();
}
