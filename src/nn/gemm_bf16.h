/* bfloat16 GEMM (private to the nn engine): C = alpha*op(A)*op(B) + beta*C with
 * every element of A and B rounded to bfloat16 (round to nearest even) and the
 * products summed in float32: the numerics of AVX512-BF16's vdpbf16ps.
 *
 * Layout.  The driver packs blocks of A and B into "pair" panels: a 32-bit word
 * holds two bf16 values of consecutive k (the lower half is the even k), which is
 * what vdpbf16ps multiplies and adds per float32 lane.  An A panel is
 * FC_BF16_MR rows: word [p][r] = (A[r][2p], A[r][2p+1]); a B panel is FC_BF16_NR
 * columns: word [p][c] = (B[2p][c], B[2p+1][c]).  Panels are zero-padded in all
 * three dimensions, so a micro-kernel always runs a full MR x NR tile and only
 * its store is clipped to mr x nr.
 *
 * Two micro-kernels share the layout and the driver: the AVX512-BF16 one
 * (gemm_bf16_avx512.c, compiled with a function-level target so the rest of the
 * build needs no AVX-512) and a portable one with the same arithmetic (fmaf of the
 * odd pair element, then of the even one, as the instruction does), used where the
 * CPU lacks AVX512-BF16 and bf16 numerics are wanted anyway (FC_PREC_BF16_EMU:
 * tests, quality checks; slow). */
#ifndef FC_NN_GEMM_BF16_H
#define FC_NN_GEMM_BF16_H
#include <stdint.h>

#define FC_BF16_MR 12
#define FC_BF16_NR 32

/* tile = sum_p A-panel[p] x B-panel[p] over kp pairs; then for i < mr, j < nr:
 * C[i*ldc + j] = alpha*tile + beta*C (C is not read when beta == 0). */
typedef void (*fc_bf16_kernel)(int kp, const uint32_t *Ap, const uint32_t *Bp, float *C, int ldc, int mr, int nr,
                               float alpha, float beta);

void fc_bf16_kernel_ref(int kp, const uint32_t *Ap, const uint32_t *Bp, float *C, int ldc, int mr, int nr,
                        float alpha, float beta);
void fc_bf16_kernel_avx512(int kp, const uint32_t *Ap, const uint32_t *Bp, float *C, int ldc, int mr, int nr,
                           float alpha, float beta);

/* Whether this CPU (and OS) runs AVX512-BF16. */
int fc_bf16_hw(void);

/* One single-threaded product with the given micro-kernel, like cblas_sgemm
 * (row-major).  Returns 0, or -1 when the packing buffers cannot be allocated
 * (C is then untouched). */
int fc_gemm_bf16_1(fc_bf16_kernel kern, int transA, int transB, int M, int N, int K, float alpha, const float *A,
                   int lda, const float *B, int ldb, float beta, float *C, int ldc);

/* float32 -> bfloat16 bits, round to nearest even (NaN stays NaN). */
static inline uint32_t fc_f32_to_bf16_bits(float f) {
    union {
        float f;
        uint32_t u;
    } v = {f};
    if ((v.u & 0x7fffffffu) > 0x7f800000u) return (v.u >> 16) | 0x40u;
    return (v.u + 0x7fffu + ((v.u >> 16) & 1u)) >> 16;
}

#endif
