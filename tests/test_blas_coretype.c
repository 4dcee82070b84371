/* The analysis code's BLAS products (the SWD's projections, the FLD's scatter matrix) under
 * OPENBLAS_CORETYPE=SkylakeX.  OpenBLAS reads the variable when it loads and then runs
 * AVX-512 kernels even on a CPU without them (SIGILL on an AVX2 CPU); the products must go
 * through the guard in src/nn/blas.h instead.  The test runs itself a second time with the
 * variable set (it must be in the environment before the program starts) and compares
 * that run's SWD and classifier results with its own: the same up to rounding, and no
 * signal.  Where the CPU has AVX-512 both runs use OpenBLAS.  Both runs also check
 * fc_dsyrk_lower_t against a plain sum (the second one its portable loop, on an AVX2 CPU). */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "facecrypt.h"
#include "nn/blas.h"
#include "testutil.h"
#include "util/rng.h"

#define SIZE 32
#define NIMG 6

typedef struct results {
    double swd[2]; /* distance between two sets, and of a set to a resampling of itself */
    double fld, fld_pe, ens, d_gt_n;
} results;

static int compute(results *r) {
    fc_error err = {0};
    fc_rng rng;
    fc_rng_seed(&rng, 77);
    const size_t npix = (size_t)NIMG * 3 * SIZE * SIZE;
    uint8_t *a = malloc(npix), *b = malloc(npix);
    for (size_t i = 0; i < npix; i++) {
        a[i] = (uint8_t)fc_rng_below(&rng, 256);
        b[i] = (uint8_t)((i / 7) % 256); /* stripes */
    }
    fc_swd *sa = NULL, *sa2 = NULL, *sb = NULL;
    int rc = fc_swd_create(SIZE, 1, &sa, &err) || fc_swd_create(SIZE, 2, &sa2, &err) ||
             fc_swd_create(SIZE, 3, &sb, &err) || fc_swd_add_u8(sa, a, NIMG, &err) ||
             fc_swd_add_u8(sa2, a, NIMG, &err) || fc_swd_add_u8(sb, b, NIMG, &err);
    fc_swd_result d;
    if (!rc) rc = fc_swd_distance(sa, sb, 5, &d, &err);
    if (!rc) r->swd[0] = d.avg, rc = fc_swd_distance(sa, sa2, 5, &d, &err);
    if (!rc) r->swd[1] = d.avg;
    fc_swd_free(sa), fc_swd_free(sa2), fc_swd_free(sb);
    free(a), free(b);
    /* classifiers: 60 pairs of 12 features, stego shifted in 3 of them (separable); then
     * more features than pairs (FLD's regulariser) */
    for (int pass = 0; !rc && pass < 2; pass++) {
        const size_t n = pass ? 30 : 60, dim = pass ? 80 : 12;
        double *c = malloc(n * dim * sizeof *c), *s = malloc(n * dim * sizeof *s);
        for (size_t i = 0; i < n * dim; i++) {
            c[i] = fc_rng_normal(&rng);
            s[i] = fc_rng_normal(&rng) + (i % dim < 3 ? 4.0 : 0.0);
        }
        fc_steg_cv_opts o;
        fc_steg_cv_opts_init(&o);
        o.learners = 11;
        fc_steg_cv_result cv;
        rc = fc_steg_cv(c, s, n, dim, &o, &cv, &err);
        if (!rc && !pass) r->fld = cv.fld_acc.mean, r->fld_pe = cv.fld_acc_pe.mean, r->ens = cv.ens_acc.mean;
        if (!rc && pass) r->d_gt_n = cv.fld_acc.mean;
        free(c), free(s);
    }
    if (rc) fprintf(stderr, "%s\n", err.msg);
    return rc;
}

/* fc_dsyrk_lower_t against a plain sum: the lower triangle, padded leading dimensions, alpha
 * and beta (beta 0 overwrites C); the upper triangle untouched. */
static void check_dsyrk(void) {
    enum { N = 7, K = 13, LDA = 9, LDC = 8 };
    double A[K * LDA], C[N * LDC], C0[N * LDC];
    for (int i = 0; i < K * LDA; i++) A[i] = (double)((i * 37) % 19) / 7.0 - 1.3;
    for (int beta0 = 0; beta0 < 2; beta0++) {
        const double alpha = 0.5, beta = beta0 ? 0.0 : 2.0;
        for (int i = 0; i < N * LDC; i++) C0[i] = C[i] = (double)((i * 11) % 5) - 2.5;
        fc_dsyrk_lower_t(N, K, alpha, A, LDA, beta, C, LDC);
        double worst = 0;
        int upper_changed = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < LDC; j++) {
                if (j > i) {
                    upper_changed |= C[i * LDC + j] != C0[i * LDC + j];
                    continue;
                }
                double want = beta0 ? 0.0 : beta * C0[i * LDC + j];
                for (int r = 0; r < K; r++) want += alpha * A[r * LDA + i] * A[r * LDA + j];
                worst = fmax(worst, fabs(C[i * LDC + j] - want) / (1 + fabs(want)));
            }
        CHECKF(worst < 1e-13, "dsyrk (beta %g): error %g", beta, worst);
        CHECKF(!upper_changed, "dsyrk (beta %g) wrote above the diagonal or past n", beta);
    }
}

int main(int argc, char **argv) {
    fc_set_threads(tu_threads(2));
    results r = {0};
    if (argc > 1 && !strcmp(argv[1], "--child")) { /* the run under OPENBLAS_CORETYPE: print */
        check_dsyrk(); /* the portable product where this CPU has no AVX-512 */
        if (tu_failed) return TEST_END();
        if (compute(&r)) return 2;
        printf("%a %a %a %a %a %a\n", r.swd[0], r.swd[1], r.fld, r.fld_pe, r.ens, r.d_gt_n);
        return 0;
    }
    check_dsyrk();
    CHECK(compute(&r) == 0);
    CHECKF(r.swd[0] > 3 * r.swd[1] && r.swd[1] > 0, "SWD: other set %g, resampled %g", r.swd[0], r.swd[1]);
    CHECKF(r.fld > 0.95 && r.ens > 0.95, "separable: FLD %.3f ensemble %.3f", r.fld, r.ens);

    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(len > 0);
    if (len <= 0) return TEST_END();
    self[len] = 0;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "OPENBLAS_CORETYPE=SkylakeX exec '%s' --child", self);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (!p) return TEST_END();
    results c = {0};
    int got = fscanf(p, "%la %la %la %la %la %la", &c.swd[0], &c.swd[1], &c.fld, &c.fld_pe, &c.ens, &c.d_gt_n);
    int st = pclose(p);
    const int sig = st != -1 && WIFSIGNALED(st), code = st == -1 ? -1 : sig ? WTERMSIG(st) : WEXITSTATUS(st);
    CHECKF(st != -1 && WIFEXITED(st) && code == 0, "the run under OPENBLAS_CORETYPE=SkylakeX %s %d",
           sig ? "died of signal" : "exited", code);
    CHECKF(got == 6, "the run under OPENBLAS_CORETYPE=SkylakeX printed %d of 6 results", got);
    if (got != 6) return TEST_END();
    /* The portable products round differently from OpenBLAS's: the SWD (a mean of |a - b|
     * over sorted float projections) moves by rounding only; a classifier decision may flip
     * where a score sits on the threshold (one test sample of 12 per fold: 1/12). */
    for (int i = 0; i < 2; i++)
        CHECKF(fabs(c.swd[i] - r.swd[i]) <= 1e-4 * r.swd[i], "SWD %d: %.9g under SkylakeX, %.9g here", i, c.swd[i],
               r.swd[i]);
    CHECKF(fabs(c.fld - r.fld) < 0.05 && fabs(c.fld_pe - r.fld_pe) < 0.05 && fabs(c.ens - r.ens) < 0.05,
           "classifiers under SkylakeX: FLD %.3f/%.3f ensemble %.3f; here %.3f/%.3f %.3f", c.fld, c.fld_pe, c.ens,
           r.fld, r.fld_pe, r.ens);
    CHECKF(fabs(c.d_gt_n - r.d_gt_n) < 0.1, "d > n: FLD %.3f under SkylakeX, %.3f here", c.d_gt_n, r.d_gt_n);
    printf("SWD %.9g %.9g, FLD %.4f %.4f, ensemble %.4f, d > n FLD %.4f (OPENBLAS_CORETYPE=%s)\n", r.swd[0],
           r.swd[1], r.fld, r.fld_pe, r.ens, r.d_gt_n, getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "");
    printf("SWD %.9g %.9g, FLD %.4f %.4f, ensemble %.4f, d > n FLD %.4f (OPENBLAS_CORETYPE=SkylakeX)\n", c.swd[0],
           c.swd[1], c.fld, c.fld_pe, c.ens, c.d_gt_n);
    return TEST_END();
}
