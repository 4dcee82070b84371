/* The guard on OPENBLAS_CORETYPE and the BLAS calls outside the engine's GEMM; see blas.h. */
#include "nn/blas.h"
#include <cblas.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <strings.h>

/* OpenBLAS reads OPENBLAS_CORETYPE once, when it loads; so does this guard (it sits on the
 * GEMM's hot path: every block of every product asks). */
static int decide_runnable(void) {
    const char *c = getenv("OPENBLAS_CORETYPE");
    if (!c || !*c) return 1;
    static const char *const avx512[] = {"skylakex", "cooperlake", "sapphirerapids"};
    static const char *const avx2[] = {"haswell", "zen", "skylake", "broadwell"};
    for (size_t i = 0; i < sizeof avx512 / sizeof avx512[0]; i++)
        if (!strcasecmp(c, avx512[i]))
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                   (strcasecmp(c, "skylakex") == 0 || __builtin_cpu_supports("avx512bf16"));
    for (size_t i = 0; i < sizeof avx2 / sizeof avx2[0]; i++)
        if (!strcasecmp(c, avx2[i])) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return 1;
}

static pthread_once_t runnable_once = PTHREAD_ONCE_INIT;
static int runnable;
static void init_runnable(void) { runnable = decide_runnable(); }

int fc_blas_runnable(void) {
    pthread_once(&runnable_once, init_runnable);
    return runnable;
}

void fc_dsyrk_lower_t(int n, int k, double alpha, const double *A, int lda, double beta, double *C, int ldc) {
    if (n <= 0) return;
    if (fc_blas_runnable()) {
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, n, k, alpha, A, lda, beta, C, ldc);
        return;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) C[(size_t)i * ldc + j] = beta == 0.0 ? 0.0 : beta * C[(size_t)i * ldc + j];
    /* row by row of A: C[i][j] += alpha a_i a_j, reading A once in order */
    for (int r = 0; r < k; r++) {
        const double *a = A + (size_t)r * lda;
        for (int i = 0; i < n; i++) {
            const double ai = alpha * a[i];
            double *c = C + (size_t)i * ldc;
            for (int j = 0; j <= i; j++) c[j] += ai * a[j];
        }
    }
}
