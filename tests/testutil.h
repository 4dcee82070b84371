/* Minimal test harness: CHECK records a failure and continues; each test binary
 * ends with TEST_END which prints "<name>: N checks, M failed" and returns nonzero
 * on failure.  tests/run.sh runs every binary and prints the totals. */
#ifndef FC_TESTUTIL_H
#define FC_TESTUTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

extern int tu_checks, tu_failed;

#define CHECK(cond)                                                                \
    do {                                                                           \
        tu_checks++;                                                               \
        if (!(cond)) {                                                             \
            tu_failed++;                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                          \
    } while (0)

#define CHECKF(cond, ...)                                                \
    do {                                                                 \
        tu_checks++;                                                     \
        if (!(cond)) {                                                   \
            tu_failed++;                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                \
            fputc('\n', stderr);                                         \
        }                                                                \
    } while (0)

#define TEST_END() tu_report(__FILE__)
int tu_report(const char *file);

/* Max |a-b| / max(|b|, floor) over n; reports the worst index. */
double tu_max_rel_err(const float *a, const float *b, size_t n, double floor, size_t *worst);
double tu_max_abs_err(const float *a, const float *b, size_t n, size_t *worst);
/* The thread count a numerical test runs with: $FC_TEST_THREADS when set (1..64; the
 * numerics matrix, tests/numerics-matrix.sh, runs the tests with 1 and 2), else dflt. */
int tu_threads(int dflt);
/* A fresh temporary directory (mkdtemp under $TMPDIR or /tmp); caller frees the string. */
char *tu_tmpdir(void);
/* Path to the built CLI binary ($FACECRYPT or build/facecrypt). */
const char *tu_cli(void);
/* Run a shell command, return its exit status (0..255) or -1. */
int tu_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- finite-difference gradient checks (test_nn_gradcheck*.c) ---- */
struct fc_rng;
/* n values N(0, std^2) from rng, in fc_alloc_floats memory (free with fc_free_aligned). */
float *tu_randn(struct fc_rng *rng, size_t n, float std);
/* sum a[i] b[i], summed in double */
double tu_dot(const float *a, const float *b, size_t n);
/* A scalar loss of the forward pass that ctx describes. */
typedef double (*tu_loss_fn)(void *ctx);
/* CHECKs grad (analytic) against central differences of f wrt param[0..n), step h:
 * (f(p+h) - f(p-h)) / (the float step actually taken), at most max_checks elements,
 * evenly spread.  Passes when every |num - ana| <= atol + rtol max(|num|, |ana|); else
 * one failure naming `what` and the worst element. */
void tu_check_grad(const char *what, tu_loss_fn f, void *ctx, float *param, const float *grad, size_t n, float h,
                   double rtol, double atol, size_t max_checks);

#endif
