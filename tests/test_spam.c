/* SPAM features (values worked out by hand, invariants, sensitivity to +-1
 * embedding) and the steganalysis classifiers (FLD, ensemble) on synthetic
 * features whose Bayes accuracy is known. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facecrypt.h"
#include "testutil.h"
#include "util/fileio.h"
#include "util/rng.h"

#define G 343 /* values per group */

static fc_image new_image(int w, int h, int c) {
    fc_image im = {0};
    fc_error err;
    if (fc_image_alloc(&im, w, h, c, &err)) {
        fprintf(stderr, "alloc: %s\n", err.msg);
        exit(1);
    }
    return im;
}

static int idx(int l, int c, int r) { return (l + 3) + 7 * (c + 3) + 49 * (r + 3); }

static void spam(const fc_image *im, double *f) {
    fc_error err = {0};
    int rc = fc_spam_features(im, f, &err);
    CHECKF(rc == FC_OK, "fc_spam_features: %s", err.msg);
}

static double group_sum(const double *f, int g) {
    double s = 0;
    for (int i = 0; i < G; i++) s += f[g * G + i];
    return s;
}

static double l1(const double *a, const double *b) {
    double s = 0;
    for (int i = 0; i < FC_SPAM_DIM; i++) s += fabs(a[i] - b[i]);
    return s;
}

/* A constant image: every difference is 0, all mass on (0, 0, 0) in both groups. */
static void test_constant(void) {
    fc_image im = new_image(9, 7, 3);
    memset(im.px, 77, (size_t)9 * 7 * 3);
    double f[FC_SPAM_DIM];
    spam(&im, f);
    CHECK(f[idx(0, 0, 0)] == 1.0 && f[G + idx(0, 0, 0)] == 1.0);
    CHECK(group_sum(f, 0) == 1.0 && group_sum(f, 1) == 1.0);
    fc_image_free(&im);
}

/* X(y, x) = 2y + x^2 on 4x4, worked out by hand (one triple per row or column):
 *   horizontal D = X(y,x) - X(y,x+1) = -1, -3, -5 -> clipped -1, -3, -3;
 *     left-right (L, C, R) = (D2, D1, D0) = (-3, -3, -1), right-left (1, 3, 3)
 *   vertical D = -2, -2, -2: (-2, -2, -2) and (2, 2, 2)
 *   diagonal D(y,x) = X(y,x) - X(y+1,x+1) = -3 - 2x -> -3, -3, -3: (-3,-3,-3), (3,3,3)
 *   minor D(y,x) = X(y+1,x) - X(y,x+1) = 1 - 2x: L = D(0,2) = -3, C = D(1,1) = -1,
 *     R = D(2,0) = 1 -> (-3, -1, 1); reverse (-1, 1, 3)
 * Each direction has 4 (straight) or 1 (diagonal) triples, all equal, so each
 * listed cell holds 1/4 of its group. */
static void test_hand_computed(void) {
    fc_image im = new_image(4, 4, 1), rgb = new_image(4, 4, 3);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) {
            im.px[y * 4 + x] = (uint8_t)(2 * y + x * x);
            for (int k = 0; k < 3; k++) rgb.px[(y * 4 + x) * 3 + k] = (uint8_t)(2 * y + x * x);
        }
    double f[FC_SPAM_DIM], e[FC_SPAM_DIM] = {0}, frgb[FC_SPAM_DIM];
    spam(&im, f);
    e[idx(-3, -3, -1)] = e[idx(1, 3, 3)] = e[idx(-2, -2, -2)] = e[idx(2, 2, 2)] = 0.25;
    e[G + idx(-3, -3, -3)] = e[G + idx(3, 3, 3)] = e[G + idx(-3, -1, 1)] = e[G + idx(-1, 1, 3)] = 0.25;
    double worst = 0;
    int at = -1;
    for (int i = 0; i < FC_SPAM_DIM; i++)
        if (fabs(f[i] - e[i]) > worst) worst = fabs(f[i] - e[i]), at = i;
    CHECKF(worst < 1e-15, "worst difference %g at %d", worst, at);
    spam(&rgb, frgb); /* three equal channels: the same features */
    CHECK(l1(f, frgb) < 1e-14);
    fc_image_free(&im);
    fc_image_free(&rgb);
}

/* A smooth synthetic picture with mild texture (differences mostly in [-3, 3]). */
static fc_image smooth_image(int w, int h, uint64_t seed) {
    fc_image im = new_image(w, h, 3);
    fc_rng r;
    fc_rng_seed(&r, seed);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < 3; k++) {
                double v = 128 + 60 * sin(0.05 * x + 0.3 * k) * cos(0.04 * y) + 1.5 * fc_rng_normal(&r);
                long q = lrint(v);
                im.px[((size_t)y * w + x) * 3 + k] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
            }
    return im;
}

/* Transposing the picture maps each direction onto one of the same group (with its
 * reverse), so the features do not change; a mixed-up direction would. Each group
 * sums to 1 for any size. */
static void test_invariants(void) {
    fc_image im = smooth_image(37, 23, 5), tr = new_image(23, 37, 3);
    for (int y = 0; y < 23; y++)
        for (int x = 0; x < 37; x++)
            for (int k = 0; k < 3; k++) tr.px[((size_t)x * 23 + y) * 3 + k] = im.px[((size_t)y * 37 + x) * 3 + k];
    double a[FC_SPAM_DIM], b[FC_SPAM_DIM];
    spam(&im, a);
    spam(&tr, b);
    CHECKF(l1(a, b) < 1e-12, "transpose changed the features by %g", l1(a, b));
    CHECK(fabs(group_sum(a, 0) - 1) < 1e-12 && fabs(group_sum(a, 1) - 1) < 1e-12);
    /* a vertical stretch (each row twice) does change them */
    fc_image st = new_image(37, 46, 3);
    for (int y = 0; y < 46; y++) memcpy(st.px + (size_t)y * 37 * 3, im.px + (size_t)(y / 2) * 37 * 3, 37 * 3);
    double c[FC_SPAM_DIM];
    spam(&st, c);
    CHECKF(l1(a, c) > 0.1, "stretched picture: L1 %g", l1(a, c));
    fc_image_free(&im);
    fc_image_free(&tr);
    fc_image_free(&st);

    fc_error err = {0};
    fc_image small = new_image(3, 8, 3);
    memset(small.px, 0, (size_t)3 * 8 * 3);
    double f[FC_SPAM_DIM];
    CHECK(fc_spam_features(&small, f, &err) == FC_EINPUT);
    fc_image_free(&small);
}

/* LSB matching (+-1 at random, never leaving 0..255) at full rate moves the features
 * far more than a second cover of the same kind differs from the first. */
static void test_sensitivity(void) {
    fc_image a = smooth_image(96, 96, 11), b = smooth_image(96, 96, 12), s = new_image(96, 96, 3);
    fc_rng r;
    fc_rng_seed(&r, 99);
    for (size_t i = 0; i < (size_t)96 * 96 * 3; i++) {
        int v = a.px[i];
        if (fc_rng_below(&r, 2)) v += v == 255 ? -1 : v == 0 ? 1 : (fc_rng_below(&r, 2) ? 1 : -1);
        s.px[i] = (uint8_t)v;
    }
    double fa[FC_SPAM_DIM], fb[FC_SPAM_DIM], fs[FC_SPAM_DIM];
    spam(&a, fa);
    spam(&b, fb);
    spam(&s, fs);
    double same = l1(fa, fb), emb = l1(fa, fs);
    CHECKF(emb > 2 * same && emb > 0.05, "embedding moved the features by %g, another cover by %g", emb, same);
    /* +-1 noise spreads the differences: less mass at (0, 0, 0) */
    CHECK(fs[idx(0, 0, 0)] < fa[idx(0, 0, 0)] && fs[G + idx(0, 0, 0)] < fa[G + idx(0, 0, 0)]);
    fc_image_free(&a);
    fc_image_free(&b);
    fc_image_free(&s);
}

/* ---- classifiers ------------------------------------------------------------------ */
/* n pairs of d features: cover ~ N(0, I); stego = an independent N(0, I) draw plus
 * shift (spread evenly over the first k features), so the Bayes accuracy is
 * Phi(|shift| / 2). */
static void synth(size_t n, int d, int k, double shift, uint64_t seed, double **c, double **s) {
    *c = malloc(n * d * sizeof **c);
    *s = malloc(n * d * sizeof **s);
    fc_rng r;
    fc_rng_seed(&r, seed);
    for (size_t i = 0; i < n * (size_t)d; i++) {
        (*c)[i] = fc_rng_normal(&r);
        (*s)[i] = fc_rng_normal(&r) + ((int)(i % (size_t)d) < k ? shift / sqrt(k) : 0.0);
    }
}

static double phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static void run_cv(size_t n, int d, int k, double shift, uint64_t seed, fc_steg_cv_result *res) {
    double *c, *s;
    synth(n, d, k, shift, seed, &c, &s);
    fc_steg_cv_opts o;
    fc_steg_cv_opts_init(&o);
    o.seed = seed;
    fc_error err = {0};
    int rc = fc_steg_cv(c, s, n, (size_t)d, &o, res, &err);
    CHECKF(rc == FC_OK, "fc_steg_cv: %s", err.msg);
    free(c);
    free(s);
}

static void test_classifiers(void) {
    fc_steg_cv_result r;
    /* separable: a shift of 12 standard deviations */
    run_cv(200, 20, 4, 12.0, 1, &r);
    CHECKF(r.fld_acc.mean > 0.99 && r.ens_acc.mean > 0.99, "separable: FLD %.3f ensemble %.3f", r.fld_acc.mean,
           r.ens_acc.mean);
    CHECK(r.folds == 5 && r.pairs == 200 && r.dim == 20);
    /* identical distributions: chance (400 test decisions in all: sd 0.025) */
    run_cv(200, 20, 0, 0.0, 2, &r);
    CHECKF(fabs(r.fld_acc.mean - 0.5) < 0.08 && fabs(r.ens_acc.mean - 0.5) < 0.08,
           "identical: FLD %.3f ensemble %.3f", r.fld_acc.mean, r.ens_acc.mean);
    CHECKF(fabs(r.ens_oob.mean - 0.5) < 0.08, "identical: out-of-bag error %.3f", r.ens_oob.mean);
    /* ... where 1 - P_E tuned on each test fold is optimistic */
    CHECKF(r.fld_acc_pe.mean > r.fld_acc.mean, "1 - P_E %.3f, fixed rule %.3f", r.fld_acc_pe.mean, r.fld_acc.mean);
    /* calibrated: Bayes accuracy Phi(1.35 / 2) = 0.750; the classifiers, trained on 160
     * pairs of 20 features, come close to it and never above it by more than noise */
    const double bayes = phi(1.35 / 2);
    run_cv(400, 20, 4, 1.35, 3, &r);
    CHECKF(r.fld_acc.mean > bayes - 0.07 && r.fld_acc.mean < bayes + 0.05, "FLD %.3f, Bayes %.3f", r.fld_acc.mean,
           bayes);
    CHECKF(r.ens_acc.mean > bayes - 0.08 && r.ens_acc.mean < bayes + 0.05, "ensemble %.3f, Bayes %.3f",
           r.ens_acc.mean, bayes);
    CHECKF(fabs((1 - r.ens_oob.mean) - bayes) < 0.08, "out-of-bag accuracy %.3f, Bayes %.3f", 1 - r.ens_oob.mean,
           bayes);
    /* more features than training samples (as SPAM's 686 on 160 pairs): FLD needs
     * its regulariser and still finds the shift */
    run_cv(100, 300, 10, 4.0, 4, &r);
    CHECKF(r.fld_acc.mean > 0.85 && r.ens_acc.mean > 0.75, "d > n: FLD %.3f ensemble %.3f", r.fld_acc.mean,
           r.ens_acc.mean);
    /* usage errors */
    double z[8] = {0};
    fc_error err = {0};
    fc_steg_cv_opts o;
    fc_steg_cv_opts_init(&o);
    CHECK(fc_steg_cv(z, z, 4, 1, &o, &r, &err) == FC_EINPUT); /* 4 pairs, 5 folds */
    o.folds = 1;
    CHECK(fc_steg_cv(z, z, 8, 1, &o, &r, &err) == FC_EUSAGE);
}

/* facecrypt analyze --steganalysis on two folders: pairs by name (a cover without a
 * stego image is counted, not used), clear detection of +-1 embedding at full rate,
 * and chance on a second set of covers posing as stego images. */
/* The number after key in text, or -1. */
static double json_after(const char *text, const char *key) {
    const char *p = strstr(text, key);
    return p ? strtod(p + strlen(key), NULL) : -1;
}

static void test_cli(void) {
    char *d = tu_tmpdir();
    const char *F = tu_cli();
    CHECK(tu_system("mkdir -p '%s/c' '%s/s' '%s/n'", d, d, d) == 0);
    fc_rng r;
    fc_rng_seed(&r, 7);
    fc_error err = {0};
    char path[4096];
    const int pairs = 24;
    for (int i = 0; i < pairs + 1; i++) {
        fc_image a = smooth_image(64, 48, 100 + (uint64_t)i), b = smooth_image(64, 48, 500 + (uint64_t)i);
        snprintf(path, sizeof path, "%s/c/%02d.png", d, i);
        CHECK(fc_image_save_png(&a, path, 1, &err) == FC_OK);
        snprintf(path, sizeof path, "%s/n/%02d.png", d, i);
        CHECK(fc_image_save_png(&b, path, 1, &err) == FC_OK);
        if (i == pairs) { /* the last cover has no stego image */
            fc_image_free(&a);
            fc_image_free(&b);
            break;
        }
        for (size_t k = 0; k < (size_t)64 * 48 * 3; k++) {
            int v = a.px[k];
            if (fc_rng_below(&r, 2)) v += v == 255 ? -1 : v == 0 ? 1 : (fc_rng_below(&r, 2) ? 1 : -1);
            a.px[k] = (uint8_t)v;
        }
        snprintf(path, sizeof path, "%s/s/%02d.png", d, i);
        CHECK(fc_image_save_png(&a, path, 1, &err) == FC_OK);
        fc_image_free(&a);
        fc_image_free(&b);
    }
    char out[4096];
    snprintf(out, sizeof out, "%s/out.json", d);
    CHECK(tu_system("'%s' analyze --steganalysis '%s/c' '%s/s' --folds 3 --learners 11 --json > '%s'", F, d, d, out) ==
          0);
    uint8_t *txt = NULL;
    size_t len = 0;
    double acc = -1, ens = -1, np = -1, unmatched = -1;
    if (fc_read_file(out, 1 << 20, &txt, &len, &err) == FC_OK) {
        const char *t = (const char *)txt;
        np = json_after(t, "\"pairs\": ");
        unmatched = json_after(t, "\"unmatched_covers\": ");
        acc = json_after(t, "\"fld\": {\"accuracy\": {\"mean\": ");
        ens = json_after(t, "\"ensemble\": {\"learners\": 11, \"accuracy\": {\"mean\": ");
    }
    free(txt);
    CHECKF(np == pairs && unmatched == 1, "pairs %g, unmatched covers %g", np, unmatched);
    CHECKF(acc > 0.9 && ens > 0.9, "full-rate +-1 embedding: FLD %.3f, ensemble %.3f", acc, ens);
    /* covers against other covers: nothing to find */
    CHECK(tu_system("'%s' analyze --steganalysis '%s/c' '%s/n' --folds 3 --classifier fld --json > '%s'", F, d, d,
                    out) == 0);
    acc = -1;
    if (fc_read_file(out, 1 << 20, &txt, &len, &err) == FC_OK)
        acc = json_after((const char *)txt, "\"fld\": {\"accuracy\": {\"mean\": ");
    free(txt);
    CHECKF(acc >= 0 && acc < 0.8, "cover against cover: FLD %.3f", acc);
    CHECK(tu_system("'%s' analyze --steganalysis '%s/c' >/dev/null 2>&1", F, d) == FC_EUSAGE);
    CHECK(tu_system("'%s' analyze --steganalysis '%s/c' '%s/none' >/dev/null 2>&1", F, d, d) == FC_EINPUT);
    tu_system("rm -rf '%s'", d);
    free(d);
}

int main(void) {
    test_constant();
    test_hand_computed();
    test_invariants();
    test_sensitivity();
    test_classifiers();
    test_cli();
    return TEST_END();
}
