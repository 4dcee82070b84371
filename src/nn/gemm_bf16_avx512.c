/* The AVX512-BF16 micro-kernel (layout and contract in gemm_bf16.h): a 12 x 32
 * float32 tile in 24 zmm accumulators; per pair of k, two B loads, twelve
 * broadcasts of an A pair and 24 vdpbf16ps (64 multiply-adds each).
 *
 * Only this function is compiled for AVX-512 (a function-level target), so the
 * rest of the build runs on any x86-64; fc_bf16_hw() decides at run time whether
 * it may be called.  Builds with gcc >= 10 and clang >= 9. */
#include "nn/gemm_bf16.h"

#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 10)
#include <immintrin.h>

#define FC_TARGET_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

FC_TARGET_BF16 static inline void store_row(float *c, __m512 v0, __m512 v1, int nr, __m512 va, __m512 vb,
                                            int use_beta) {
    const __mmask16 m0 = nr >= 16 ? 0xffff : (__mmask16)((1u << nr) - 1);
    const __mmask16 m1 = nr >= 32 ? 0xffff : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
    v0 = _mm512_mul_ps(v0, va);
    v1 = _mm512_mul_ps(v1, va);
    if (use_beta) {
        v0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, c), vb, v0);
        v1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, c + 16), vb, v1);
    }
    _mm512_mask_storeu_ps(c, m0, v0);
    _mm512_mask_storeu_ps(c + 16, m1, v1);
}

#define ROW(i)                                                                     \
    do {                                                                           \
        const __m512bh a = (__m512bh)_mm512_set1_epi32((int)Ap[(size_t)p * 12 + i]); \
        c##i##0 = _mm512_dpbf16_ps(c##i##0, a, b0);                                \
        c##i##1 = _mm512_dpbf16_ps(c##i##1, a, b1);                                \
    } while (0)

FC_TARGET_BF16 void fc_bf16_kernel_avx512(int kp, const uint32_t *Ap, const uint32_t *Bp, float *C, int ldc, int mr,
                                          int nr, float alpha, float beta) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    __m512 c80 = c00, c81 = c00, c90 = c00, c91 = c00, c100 = c00, c101 = c00, c110 = c00, c111 = c00;
    for (int p = 0; p < kp; p++) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(Bp + (size_t)p * 32);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512(Bp + (size_t)p * 32 + 16);
        ROW(0);
        ROW(1);
        ROW(2);
        ROW(3);
        ROW(4);
        ROW(5);
        ROW(6);
        ROW(7);
        ROW(8);
        ROW(9);
        ROW(10);
        ROW(11);
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const int ub = beta != 0.0f;
    const __m512 r[12][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41},   {c50, c51},
                             {c60, c61}, {c70, c71}, {c80, c81}, {c90, c91}, {c100, c101}, {c110, c111}};
    for (int i = 0; i < mr; i++) store_row(C + (size_t)i * ldc, r[i][0], r[i][1], nr, va, vb, ub);
}
#undef ROW

#else
/* No AVX512-BF16 support in this compiler or architecture: fc_bf16_hw() is then
 * never true for a caller that checks it; fall back to the portable kernel. */
void fc_bf16_kernel_avx512(int kp, const uint32_t *Ap, const uint32_t *Bp, float *C, int ldc, int mr, int nr,
                           float alpha, float beta) {
    fc_bf16_kernel_ref(kp, Ap, Bp, C, ldc, mr, nr, alpha, beta);
}
#endif
