#include "testutil.h"
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include "nn/nn.h"

int tu_checks, tu_failed;

int tu_report(const char *file) {
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    printf("%s: %d checks, %d failed\n", base, tu_checks, tu_failed);
    return tu_failed ? 1 : (tu_checks ? 0 : 1); /* a test that checked nothing fails */
}

double tu_max_rel_err(const float *a, const float *b, size_t n, double floor, size_t *worst) {
    double m = 0;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / fmax(fabs((double)b[i]), floor);
        if (!(d <= m)) { m = d; w = i; }
    }
    if (worst) *worst = w;
    return m;
}

double tu_max_abs_err(const float *a, const float *b, size_t n, size_t *worst) {
    double m = 0;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) { m = d; w = i; }
    }
    if (worst) *worst = w;
    return m;
}

int tu_threads(int dflt) {
    const char *e = getenv("FC_TEST_THREADS");
    if (!e || !*e) return dflt;
    char *end;
    long v = strtol(e, &end, 10);
    if (*end || v < 1 || v > 64) {
        fprintf(stderr, "FC_TEST_THREADS=%s: not a thread count (1..64); using %d\n", e, dflt);
        return dflt;
    }
    return (int)v;
}

char *tu_tmpdir(void) {
    const char *t = getenv("TMPDIR");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s/fctest.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(buf)) return NULL;
    return strdup(buf);
}

const char *tu_cli(void) {
    const char *p = getenv("FACECRYPT");
    if (p && *p) return p;
    /* absolute, so that a test may run it from another folder */
    static char abs[4096];
    if (!abs[0] && !realpath("build/facecrypt", abs)) snprintf(abs, sizeof abs, "build/facecrypt");
    return abs;
}

int tu_system(const char *fmt, ...) {
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

float *tu_randn(struct fc_rng *rng, size_t n, float std) {
    float *p = fc_alloc_floats(n);
    fc_rng_fill_normal(rng, p, n, 0.0f, std);
    return p;
}

double tu_dot(const float *a, const float *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

void tu_check_grad(const char *what, tu_loss_fn f, void *ctx, float *param, const float *grad, size_t n, float h,
                   double rtol, double atol, size_t max_checks) {
    size_t step = n > max_checks ? n / max_checks : 1;
    double worst = 0, worst_num = 0, worst_ana = 0;
    size_t worst_i = 0;
    for (size_t i = 0; i < n; i += step) {
        float save = param[i], up = save + h, dn = save - h;
        param[i] = up;
        double lp = f(ctx);
        param[i] = dn;
        double lm = f(ctx);
        param[i] = save;
        double num = (lp - lm) / ((double)up - (double)dn), ana = grad[i];
        double err = fabs(num - ana) / (atol + rtol * fmax(fabs(num), fabs(ana)));
        if (!(err <= worst)) worst = err, worst_i = i, worst_num = num, worst_ana = ana;
    }
    CHECKF(worst <= 1.0, "%s: element %zu numeric %.6g analytic %.6g", what, worst_i, worst_num, worst_ana);
}
