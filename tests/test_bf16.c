/* The bfloat16 GEMM and convolutions (FC_PREC_BF16 / FC_PREC_BF16_EMU) against
 * float64 references, with bounds from bf16's precision (8 significant bits,
 * unit roundoff u = 2^-8) and float32 summation (2^-24 per addition):
 *
 *   vs the exact product of the unrounded inputs, element-wise:
 *       |C - AB|_ij <= (2u + u^2 + K 2^-23) (|A||B|)_ij        (rigorous; any correct kernel)
 *   vs the exact product of the bf16-rounded inputs A', B':
 *       |C - A'B'|_ij <= K 2^-23 (|A'||B'|)_ij                 (fails when inputs are not rounded
 *                                                                 as round-to-nearest-even)
 * and for convolutions the same first bound with |W| * |x| (the convolution of the
 * absolute values) in place of |A||B|; Winograd rounds its transformed operands
 * instead, so it gets a norm-wise bound ||y - y_ref|| <= 4 u ||(|W| * |x|)||.
 *
 * The portable kernel (FC_PREC_BF16_EMU) runs everywhere and checks the driver,
 * packing and rounding; the AVX512-BF16 kernel runs where the CPU has it and is
 * skipped, with the reason printed, where it does not.  On such a CPU
 * FC_PREC_BF16 must fall back to float32 exactly. */
#include <string.h>
#include "nn/gemm_bf16.h"
#include "nn/internal.h"
#include "nn/nn.h"
#include "testutil.h"

static fc_rng g_rng;
static const double U = 1.0 / 256;

static float *randn(size_t n, float std) {
    float *p = fc_alloc_floats(n);
    fc_rng_fill_normal(&g_rng, p, n, 0.0f, std);
    return p;
}

static float bf16_round(float x) {
    union {
        uint32_t u;
        float f;
    } v = {fc_f32_to_bf16_bits(x) << 16};
    return v.f;
}

/* element (i,k) of op(A) */
static double el(const float *A, int lda, int t, int i, int k) { return t ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]; }

static void check_gemm(fc_precision prec, const char *what, int tA, int tB, int M, int N, int K, float alpha,
                       float beta) {
    const int lda = (tA ? M : K) + 3, ldb = (tB ? K : N) + 5, ldc = N + 2;
    float *A = randn((size_t)(tA ? K : M) * lda, 1.0f), *B = randn((size_t)(tB ? N : K) * ldb, 1.0f);
    float *C = randn((size_t)M * ldc, 1.0f), *C0 = fc_alloc_floats((size_t)M * ldc);
    memcpy(C0, C, (size_t)M * ldc * sizeof(float));
    fc_gemm(prec, tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    double worst_exact = 0, worst_rounded = 0; /* error / bound, must stay <= 1 */
    int pad_ok = 1;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double s = 0, sa = 0, sr = 0, sra = 0;
            for (int k = 0; k < K; k++) {
                double a = el(A, lda, tA, i, k), b = el(B, ldb, !tB, j, k);
                double ar = bf16_round((float)a), br = bf16_round((float)b);
                s += a * b, sa += fabs(a * b), sr += ar * br, sra += fabs(ar * br);
            }
            const double c0 = beta == 0.0f ? 0.0 : beta * (double)C0[(size_t)i * ldc + j];
            const double got = C[(size_t)i * ldc + j], ab = fabs(alpha);
            /* the final alpha*acc + beta*c costs two more float32 roundings */
            const double slop = 4 * 0x1p-24 * (ab * sa + fabs(c0)) + 1e-30;
            const double e1 = fabs(got - (alpha * s + c0)) / ((2 * U + U * U + K * 0x1p-23) * ab * sa + slop);
            const double e2 = fabs(got - (alpha * sr + c0)) / (K * 0x1p-23 * ab * sra + slop);
            if (e1 > worst_exact) worst_exact = e1;
            if (e2 > worst_rounded) worst_rounded = e2;
        }
        for (int j = N; j < ldc; j++) pad_ok &= C[(size_t)i * ldc + j] == C0[(size_t)i * ldc + j];
    }
    printf("  %-8s tA %d tB %d %4d x %4d x %4d alpha %g beta %g: err/bound exact %.3f, rounded %.3f\n", what, tA, tB,
           M, N, K, alpha, beta, worst_exact, worst_rounded);
    CHECKF(worst_exact <= 1.0, "%s: error %.3f x the bound against the exact product", what, worst_exact);
    CHECKF(worst_rounded <= 1.0, "%s: error %.3f x the bound against the bf16-rounded product", what, worst_rounded);
    CHECKF(pad_ok, "%s: wrote outside the N columns of C", what);
    fc_free_aligned(A), fc_free_aligned(B), fc_free_aligned(C), fc_free_aligned(C0);
}

static void gemm_suite(fc_precision prec, const char *what) {
    static const int shapes[][3] = {{1, 1, 1}, {5, 7, 3}, {12, 32, 2}, {13, 33, 17}, {30, 70, 301}, {25, 1100, 40},
                                    {150, 40, 9}, {64, 200, 513}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int t = 0; t < 4; t++) {
            const float beta = (s + t) % 3 == 0 ? 0.0f : (s + t) % 3 == 1 ? 1.0f : -0.5f;
            check_gemm(prec, what, t & 1, t >> 1, shapes[s][0], shapes[s][1], shapes[s][2], t == 3 ? 0.7f : 1.0f,
                       beta);
        }
}

/* ---- convolutions ---------------------------------------------------------- */

static void check_conv(fc_precision prec, const char *what, fc_conv_desc d, int lower, int N) {
    fc_error err = {0};
    fc_conv *c32 = NULL, *c16 = NULL;
    if (fc_conv_create_lowering(&d, N, lower, &c32, &err) || fc_conv_create_lowering(&d, N, lower, &c16, &err)) {
        CHECKF(0, "%s", err.msg);
        fc_conv_free(c32);
        return;
    }
    fc_conv_set_precision(c16, prec);
    const fc_conv_desc *e = fc_conv_get_desc(c32);
    const size_t nx = (size_t)N * d.cin * d.h * d.w, ny = (size_t)N * d.cout * e->oh * e->ow;
    const size_t nw = (size_t)d.cin * d.cout * d.k * d.k;
    float *x = randn(nx, 1.0f), *W = randn(nw, 0.1f), *dy = randn(ny, 1.0f);
    float *ax = fc_alloc_floats(nx), *aW = fc_alloc_floats(nw), *ady = fc_alloc_floats(ny);
    for (size_t i = 0; i < nx; i++) ax[i] = fabsf(x[i]);
    for (size_t i = 0; i < nw; i++) aW[i] = fabsf(W[i]);
    for (size_t i = 0; i < ny; i++) ady[i] = fabsf(dy[i]);
    float *y[3] = {fc_alloc_floats(ny), fc_alloc_floats(ny), fc_alloc_floats(ny)}; /* fp32, prec, |.| */
    float *dx[3] = {fc_alloc_floats(nx), fc_alloc_floats(nx), fc_alloc_floats(nx)};
    float *dW[3] = {fc_alloc_floats(nw), fc_alloc_floats(nw), fc_alloc_floats(nw)};
    fc_conv_forward(c32, N, x, W, NULL, y[0]);
    fc_conv_forward(c16, N, x, W, NULL, y[1]);
    fc_conv_forward(c32, N, ax, aW, NULL, y[2]);
    fc_conv_backward_data(c32, N, dy, W, dx[0]);
    fc_conv_backward_data(c16, N, dy, W, dx[1]);
    fc_conv_backward_data(c32, N, ady, aW, dx[2]);
    fc_conv_backward_weights(c32, N, dy, x, dW[0], NULL);
    fc_conv_backward_weights(c16, N, dy, x, dW[1], NULL);
    fc_conv_backward_weights(c32, N, ady, ax, dW[2], NULL);
    const char *op[3] = {"forward", "bwd-data", "bwd-weights"};
    float **t[3] = {y, dx, dW};
    const size_t n[3] = {ny, nx, nw};
    /* depth of each product: the number of terms summed per output */
    const int K[3] = {d.cin * d.k * d.k, d.cout * d.k * d.k, N * e->oh * e->ow};
    for (int o = 0; o < 3; o++) {
        const float *ref = t[o][0], *got = t[o][1], *mag = t[o][2];
        double worst = 0, en = 0, mn = 0, diff = 0;
        /* float32 reference error on top: K 2^-23 of the magnitude */
        const double bound = 2 * U + U * U + 2 * K[o] * 0x1p-23;
        for (size_t i = 0; i < n[o]; i++) {
            double e1 = fabs((double)got[i] - ref[i]);
            double r = e1 / (bound * mag[i] + 1e-30);
            if (r > worst) worst = r;
            en += e1 * e1, mn += (double)mag[i] * mag[i];
            diff += got[i] != ref[i];
        }
        en = sqrt(en), mn = sqrt(mn);
        const double rel = en / mn;
        printf("  %-8s %s %3d->%-3d k%d s%d %2dx%-2d lower %d %-11s: element-wise err/bound %.3f, "
               "norm-wise err %.2e x ||(|W|*|x|)||\n",
               what, d.transposed ? "convT" : "conv ", d.cin, d.cout, d.k, d.stride, d.h, d.w, lower, op[o], worst,
               rel);
        if (lower == 3) /* Winograd: rounded transformed operands */
            CHECKF(rel <= 4 * U, "%s %s: norm-wise error %.3e > 4u", what, op[o], rel);
        else
            CHECKF(worst <= 1.0, "%s %s: error %.3f x the element-wise bound", what, op[o], worst);
        /* the bf16 path did run: some outputs differ from float32 */
        CHECKF(diff > 0, "%s %s: identical to float32 (inputs not rounded?)", what, op[o]);
    }
    for (int i = 0; i < 3; i++) fc_free_aligned(y[i]), fc_free_aligned(dx[i]), fc_free_aligned(dW[i]);
    fc_free_aligned(x), fc_free_aligned(W), fc_free_aligned(dy), fc_free_aligned(ax), fc_free_aligned(aW),
        fc_free_aligned(ady);
    fc_conv_free(c32), fc_conv_free(c16);
}

static void conv_suite(fc_precision prec, const char *what) {
    /* im2col Conv2d (the discriminator's k4 s2 p1), output-lowered stride-1 conv, col2im
     * ConvTranspose2d, Winograd ConvTranspose2d k4 s2 p1 */
    check_conv(prec, what, (fc_conv_desc){.cin = 6, .cout = 16, .k = 4, .stride = 2, .pad = 1, .h = 12, .w = 10}, 1, 3);
    check_conv(prec, what, (fc_conv_desc){.cin = 24, .cout = 3, .k = 5, .stride = 1, .pad = 2, .h = 9, .w = 9}, 2, 2);
    check_conv(prec, what, (fc_conv_desc){.transposed = 1, .cin = 16, .cout = 8, .k = 3, .stride = 2, .pad = 1, .h = 5, .w = 6},
               2, 3);
    check_conv(prec, what, (fc_conv_desc){.transposed = 1, .cin = 32, .cout = 12, .k = 4, .stride = 2, .pad = 1, .h = 8, .w = 7},
               3, 4);
}

int main(void) {
    fc_rng_seed(&g_rng, 13);
    fc_set_threads(2);
    printf("portable bf16 kernel (FC_PREC_BF16_EMU):\n");
    gemm_suite(FC_PREC_BF16_EMU, "bf16-emu");
    conv_suite(FC_PREC_BF16_EMU, "bf16-emu");

    if (fc_bf16_available()) {
        printf("AVX512-BF16 kernel (FC_PREC_BF16):\n");
        CHECK(fc_precision_effective(FC_PREC_BF16) == FC_PREC_BF16);
        gemm_suite(FC_PREC_BF16, "bf16");
        conv_suite(FC_PREC_BF16, "bf16");
    } else {
        printf("SKIP the AVX512-BF16 kernel: this CPU lacks avx512_bf16 (checking the float32 fallback instead)\n");
        CHECK(fc_precision_effective(FC_PREC_BF16) == FC_PREC_FP32);
        /* the fallback is float32 exactly: the same sgemm calls as FC_PREC_FP32 */
        const int M = 37, N = 53, K = 71;
        float *A = randn((size_t)M * K, 1), *B = randn((size_t)K * N, 1);
        float *C1 = fc_alloc_floats((size_t)M * N), *C2 = fc_alloc_floats((size_t)M * N);
        fc_gemm(FC_PREC_BF16, 0, 0, M, N, K, 1, A, K, B, N, 0, C1, N);
        fc_gemm(FC_PREC_FP32, 0, 0, M, N, K, 1, A, K, B, N, 0, C2, N);
        CHECK(memcmp(C1, C2, (size_t)M * N * sizeof(float)) == 0);
        fc_free_aligned(A), fc_free_aligned(B), fc_free_aligned(C1), fc_free_aligned(C2);
    }
    CHECK(fc_precision_effective(FC_PREC_BF16_EMU) == FC_PREC_BF16_EMU);
    fc_precision p;
    CHECK(fc_precision_parse("bf16", &p) == FC_OK && p == FC_PREC_BF16);
    CHECK(fc_precision_parse("bf16-emu", &p) == FC_OK && p == FC_PREC_BF16_EMU);
    CHECK(fc_precision_parse("fp32", &p) == FC_OK && p == FC_PREC_FP32);
    CHECK(fc_precision_parse("fp16", &p) != FC_OK);
    return TEST_END();
}
