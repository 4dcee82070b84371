/* bfloat16 GEMM: packing into pair panels and the portable micro-kernel (see
 * gemm_bf16.h for the layout), on the shared loop nest of gemm_blocked.h; one B
 * micro-panel (KC/2 x NR words = 16 KB) stays in L1 while the A panels stream past it.
 * Block sizes are conventional for AVX-512 cores with >= 1 MB L2; they were not
 * tuned on AVX512-BF16 hardware (none was available when this was written). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/gemm_bf16.h"
#include "nn/gemm_blocked.h"

#define KC 256  /* k per slice (even: whole pairs) */
#define MC 144  /* A rows per packed block: a multiple of FC_BF16_MR */
#define NC 1024 /* B columns per packed block: a multiple of FC_BF16_NR */

#define MR FC_BF16_MR
#define NR FC_BF16_NR

int fc_bf16_hw(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

static inline uint32_t pair(float lo, float hi) { return fc_f32_to_bf16_bits(lo) | fc_f32_to_bf16_bits(hi) << 16; }

/* A rows [i0, i0+mc), k [k0, k0+kc) -> MR-row panels of kp = ceil(kc/2) pair words each. */
static void pack_a(int tA, const float *A, int lda, int i0, int mc, int k0, int kc, void *Apv) {
    uint32_t *Ap = Apv;
    const int kp = (kc + 1) / 2;
    for (int ib = 0; ib < mc; ib += MR) {
        uint32_t *P = Ap + (size_t)(ib / MR) * kp * MR;
        const int rows = mc - ib < MR ? mc - ib : MR;
        for (int r = 0; r < rows; r++) {
            const int i = i0 + ib + r;
            if (!tA) {
                const float *a = A + (size_t)i * lda + k0;
                int p = 0;
                for (; 2 * p + 1 < kc; p++) P[p * MR + r] = pair(a[2 * p], a[2 * p + 1]);
                if (p < kp) P[p * MR + r] = pair(a[2 * p], 0.0f);
            } else {
                const float *a = A + (size_t)k0 * lda + i;
                int p = 0;
                for (; 2 * p + 1 < kc; p++) P[p * MR + r] = pair(a[(size_t)2 * p * lda], a[(size_t)(2 * p + 1) * lda]);
                if (p < kp) P[p * MR + r] = pair(a[(size_t)2 * p * lda], 0.0f);
            }
        }
        for (int r = rows; r < MR; r++)
            for (int p = 0; p < kp; p++) P[p * MR + r] = 0;
    }
}

/* B k [k0, k0+kc), columns [j0, j0+nc) -> NR-column panels of kp pair words each. */
static void pack_b(int tB, const float *B, int ldb, int k0, int kc, int j0, int nc, void *Bpv) {
    uint32_t *Bp = Bpv;
    const int kp = (kc + 1) / 2;
    for (int jb = 0; jb < nc; jb += NR) {
        uint32_t *P = Bp + (size_t)(jb / NR) * kp * NR;
        const int cols = nc - jb < NR ? nc - jb : NR;
        if (!tB) {
            for (int p = 0; p < kp; p++) {
                const int k = k0 + 2 * p;
                const float *b0 = B + (size_t)k * ldb + j0 + jb;
                const float *b1 = 2 * p + 1 < kc ? b0 + ldb : NULL;
                uint32_t *w = P + (size_t)p * NR;
                if (b1)
                    for (int c = 0; c < cols; c++) w[c] = pair(b0[c], b1[c]);
                else
                    for (int c = 0; c < cols; c++) w[c] = pair(b0[c], 0.0f);
                for (int c = cols; c < NR; c++) w[c] = 0;
            }
        } else {
            for (int c = 0; c < cols; c++) {
                const float *b = B + (size_t)(j0 + jb + c) * ldb + k0;
                int p = 0;
                for (; 2 * p + 1 < kc; p++) P[p * NR + c] = pair(b[2 * p], b[2 * p + 1]);
                if (p < kp) P[p * NR + c] = pair(b[2 * p], 0.0f);
            }
            for (int p = 0; p < kp; p++)
                for (int c = cols; c < NR; c++) P[p * NR + c] = 0;
        }
    }
}

static inline float lo_half(uint32_t w) {
    union {
        uint32_t u;
        float f;
    } v = {w << 16};
    return v.f;
}
static inline float hi_half(uint32_t w) {
    union {
        uint32_t u;
        float f;
    } v = {w & 0xffff0000u};
    return v.f;
}

void fc_bf16_kernel_ref(int kp, const uint32_t *Ap, const uint32_t *Bp, float *C, int ldc, int mr, int nr,
                        float alpha, float beta) {
    float acc[MR][NR];
    memset(acc, 0, sizeof acc);
    for (int p = 0; p < kp; p++) {
        const uint32_t *a = Ap + (size_t)p * MR, *b = Bp + (size_t)p * NR;
        float b0[NR], b1[NR];
        for (int j = 0; j < NR; j++) {
            b0[j] = lo_half(b[j]);
            b1[j] = hi_half(b[j]);
        }
        for (int i = 0; i < MR; i++) {
            const float a0 = lo_half(a[i]), a1 = hi_half(a[i]);
            /* vdpbf16ps: the odd element first, each step one rounding (bf16 products are exact) */
            for (int j = 0; j < NR; j++) acc[i][j] = fmaf(a0, b0[j], fmaf(a1, b1[j], acc[i][j]));
        }
    }
    for (int i = 0; i < mr; i++) {
        float *c = C + (size_t)i * ldc;
        if (beta == 0.0f)
            for (int j = 0; j < nr; j++) c[j] = alpha * acc[i][j];
        else
            for (int j = 0; j < nr; j++) c[j] = alpha * acc[i][j] + beta * c[j];
    }
}

typedef struct bf16_ctx {
    fc_bf16_kernel kern;
} bf16_ctx;

static void tile(const void *ctx, int kp, const void *Ap, const void *Bp, float *C, int ldc, int mr, int nr,
                 float alpha, float beta) {
    ((const bf16_ctx *)ctx)->kern(kp, Ap, Bp, C, ldc, mr, nr, alpha, beta);
}

int fc_gemm_bf16_1(fc_bf16_kernel kern, int tA, int tB, int M, int N, int K, float alpha, const float *A, int lda,
                   const float *B, int ldb, float beta, float *C, int ldc) {
    const bf16_ctx ctx = {kern};
    const fc_gemm_blocking b = {.mr = MR, .nr = NR, .kc = KC, .mc = MC, .nc = NC, .kpack = 2,
                                .pack_a = pack_a, .pack_b = pack_b, .tile = tile, .ctx = &ctx};
    return fc_gemm_blocked(&b, tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
