/* facecrypt bench peak: the machine's FP32 peak, two ways — a tight FMA loop (the
 * arithmetic ceiling) and a large OpenBLAS sgemm (what a real kernel reaches). */
#include <cblas.h>
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "facecrypt.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 12 independent FMA chains per thread hide the FMA latency. Returns FLOP/s. */
__attribute__((target("avx512f"))) static double fma_peak(int threads, double *sink) {
    const long iters = 40 * 1000 * 1000;
    double t0 = now(), acc = 0;
#pragma omp parallel num_threads(threads) reduction(+ : acc)
    {
        __m512 a[12], m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
        for (int k = 0; k < 12; k++) a[k] = _mm512_set1_ps((float)k);
        for (long i = 0; i < iters; i++)
            for (int k = 0; k < 12; k++) a[k] = _mm512_fmadd_ps(a[k], m, c);
        for (int k = 0; k < 12; k++) acc += _mm512_reduce_add_ps(a[k]);
    }
    double dt = now() - t0;
    *sink = acc;
    return (double)threads * iters * 12 * 16 * 2 / dt;
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
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double f = 2.0 * n * n * (double)n / (now() - t0);
        if (f > best) best = f;
    }
    free(a), free(b), free(c);
    return best;
}

int fc_bench_peak(int threads, FILE *out) {
    fc_set_threads(threads);
    int t = fc_get_threads();
    double sink;
    double fma = __builtin_cpu_supports("avx512f") ? fma_peak(t, &sink) : 0;
    openblas_set_num_threads(t); /* the engine runs OpenBLAS single-threaded; here it gets every thread */
    double gemm = sgemm_peak(3072, 3);
    openblas_set_num_threads(1);
    fprintf(out, "peak: %d threads: FMA loop %.1f GFLOP/s (AVX-512), OpenBLAS sgemm 3072^3 %.1f GFLOP/s\n", t, fma * 1e-9,
            gemm * 1e-9);
    return FC_OK;
}
