/* facecrypt bench peak: the machine's FP32 peak, two ways — a tight FMA loop (the
 * arithmetic ceiling) and a large OpenBLAS sgemm (what a real kernel reaches) — and,
 * where the CPU has AVX512-BF16, the bf16 dot-product ceiling. */
#include <cblas.h>
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli_util.h"

int cli_bench_peak(int threads);

/* 12 independent FMA chains per thread hide the FMA latency.  The vector code lives in
 * target-attributed leaf functions (an OpenMP region is outlined without the attribute,
 * which clang refuses for AVX-512 values). */
__attribute__((target("avx512f"))) static double fma_loop(long iters) {
    __m512 a[12], m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int k = 0; k < 12; k++) a[k] = _mm512_set1_ps((float)k);
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < 12; k++) a[k] = _mm512_fmadd_ps(a[k], m, c);
    double acc = 0;
    for (int k = 0; k < 12; k++) acc += _mm512_reduce_add_ps(a[k]);
    return acc;
}

/* The same with vdpbf16ps (AVX512-BF16): 32 bf16 multiply-adds per instruction. */
__attribute__((target("avx512f,avx512bf16"))) static double bf16_loop(long iters) {
    __m512 a[12];
    const __m512bh m = (__m512bh)_mm512_set1_epi32(0x3f803f80), c = (__m512bh)_mm512_set1_epi32(0x33803380);
    for (int k = 0; k < 12; k++) a[k] = _mm512_set1_ps((float)k);
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < 12; k++) a[k] = _mm512_dpbf16_ps(a[k], m, c);
    double acc = 0;
    for (int k = 0; k < 12; k++) acc += _mm512_reduce_add_ps(a[k]);
    return acc;
}

/* FLOP/s (2 per multiply-add) of loop on every thread; macs_per_iter per thread and iteration. */
static double peak(double (*loop)(long), int threads, double macs_per_iter, double *sink) {
    const long iters = 40 * 1000 * 1000;
    double t0 = cli_now(), acc = 0;
#pragma omp parallel num_threads(threads) reduction(+ : acc)
    acc += loop(iters);
    double dt = cli_now() - t0;
    *sink = acc;
    return (double)threads * iters * macs_per_iter * 2 / dt;
}

static double sgemm_peak(int n, int reps) {
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return 0;
    }
    for (long i = 0; i < (long)n * n; i++) {
        a[i] = (float)(i % 13) * 1e-3f;
        b[i] = (float)(i % 7) * 1e-3f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n); /* warm-up */
    double best = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = cli_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double f = 2.0 * n * n * (double)n / (cli_now() - t0);
        if (f > best) best = f;
    }
    free(a), free(b), free(c);
    return best;
}

int cli_bench_peak(int threads) {
    FILE *out = stdout;
    fc_set_threads(threads);
    int t = fc_get_threads();
    double sink;
    double fma = __builtin_cpu_supports("avx512f") ? peak(fma_loop, t, 12 * 16, &sink) : 0;
    openblas_set_num_threads(t); /* the engine runs OpenBLAS single-threaded; here it gets every thread */
    double gemm = sgemm_peak(3072, 3);
    openblas_set_num_threads(1);
    fprintf(out, "peak: %d threads: FMA loop %.1f GFLOP/s (AVX-512), OpenBLAS sgemm 3072^3 %.1f GFLOP/s\n", t, fma * 1e-9,
            gemm * 1e-9);
    if (fc_bf16_available())
        fprintf(out, "peak: %d threads: bf16 dot loop %.1f GFLOP/s (AVX512-BF16 vdpbf16ps)\n", t,
                peak(bf16_loop, t, 12 * 32, &sink) * 1e-9);
    else
        fprintf(out, "peak: no AVX512-BF16 on this CPU (--precision bf16 runs fp32)\n");
    return FC_OK;
}
