/* Steganalysis classifiers trained on cover/stego pairs, evaluated by K-fold
 * cross-validation over pairs: a regularised Fisher linear discriminant and the
 * ensemble of Kodovsky, Fridrich & Holub 2012 ("Ensemble Classifiers for
 * Steganalysis of Digital Media"): FLD base learners on random feature subspaces
 * and bootstrap samples of the training pairs, majority vote, out-of-bag error.
 * Label convention: score > threshold means stego. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/blas.h"
#include "util/error.h"
#include "util/rng.h"

#define INNER_FOLDS 4
static const double LAMBDA_GRID[] = {1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0};
#define N_LAMBDA (sizeof LAMBDA_GRID / sizeof LAMBDA_GRID[0])
#define BASE_LAMBDA 1e-10 /* the ensemble's base learners, raised when S_w is singular */

void fc_steg_cv_opts_init(fc_steg_cv_opts *o) {
    memset(o, 0, sizeof *o);
    o->folds = 5;
    o->seed = 1;
    o->fld = 1;
    o->ensemble = 1;
    o->learners = 51;
}

/* ---- linear algebra ------------------------------------------------------------ */
/* In-place Cholesky of the lower triangle of the d x d row-major a; 0 when positive definite. */
static int cholesky(double *a, int d) {
    for (int j = 0; j < d; j++) {
        double s = a[(size_t)j * d + j];
        for (int k = 0; k < j; k++) s -= a[(size_t)j * d + k] * a[(size_t)j * d + k];
        if (!(s > 0) || !isfinite(s)) return -1;
        const double l = sqrt(s);
        a[(size_t)j * d + j] = l;
        for (int i = j + 1; i < d; i++) {
            double t = a[(size_t)i * d + j];
            const double *ri = a + (size_t)i * d, *rj = a + (size_t)j * d;
            for (int k = 0; k < j; k++) t -= ri[k] * rj[k];
            a[(size_t)i * d + j] = t / l;
        }
    }
    return 0;
}

/* Solve L L^T x = b in place (L from cholesky). */
static void chol_solve(const double *l, int d, double *x) {
    for (int i = 0; i < d; i++) {
        double s = x[i];
        for (int k = 0; k < i; k++) s -= l[(size_t)i * d + k] * x[k];
        x[i] = s / l[(size_t)i * d + i];
    }
    for (int i = d - 1; i >= 0; i--) {
        double s = x[i];
        for (int k = i + 1; k < d; k++) s -= l[(size_t)k * d + i] * x[k];
        x[i] = s / l[(size_t)i * d + i];
    }
}

/* ---- FLD ------------------------------------------------------------------------ */
/* Workspace for FLD fits on up to n samples of up to d features. */
typedef struct fld_ws {
    double *z;    /* n x d centred samples */
    double *s;    /* d x d scatter */
    double *a;    /* d x d factor */
    double *m0, *m1;
} fld_ws;

static void fld_ws_free(fld_ws *w) {
    free(w->z);
    free(w->s);
    free(w->a);
    free(w->m0);
    free(w->m1);
    memset(w, 0, sizeof *w);
}

static int fld_ws_alloc(fld_ws *w, size_t n, size_t d, fc_error *err) {
    memset(w, 0, sizeof *w);
    w->z = malloc(n * d * sizeof *w->z);
    w->s = malloc(d * d * sizeof *w->s);
    w->a = malloc(d * d * sizeof *w->a);
    w->m0 = malloc(d * sizeof *w->m0);
    w->m1 = malloc(d * sizeof *w->m1);
    if (!w->z || !w->s || !w->a || !w->m0 || !w->m1) {
        fld_ws_free(w);
        return fc_fail(err, FC_ENOMEM, "out of memory (FLD on %zu samples of %zu features)", n, d);
    }
    return FC_OK;
}

/* Class means and within-class scatter S_w of the samples x[rows0] (cover) and
 * x[rows1] (stego), restricted to features feat[0..d-1] (all if NULL); x has ld
 * columns.  Leaves S_w in ws->s (lower triangle valid). */
static void fld_scatter(fld_ws *ws, const double *x, size_t ld, const size_t *rows0, size_t n0,
                        const size_t *rows1, size_t n1, const int *feat, int d) {
    for (int c = 0; c < 2; c++) {
        const size_t *rows = c ? rows1 : rows0, n = c ? n1 : n0;
        double *m = c ? ws->m1 : ws->m0;
        memset(m, 0, (size_t)d * sizeof *m);
        for (size_t i = 0; i < n; i++) {
            const double *r = x + rows[i] * ld;
            for (int j = 0; j < d; j++) m[j] += r[feat ? feat[j] : j];
        }
        for (int j = 0; j < d; j++) m[j] /= (double)n;
        for (size_t i = 0; i < n; i++) {
            const double *r = x + rows[i] * ld;
            double *z = ws->z + ((c ? n0 : 0) + i) * (size_t)d;
            for (int j = 0; j < d; j++) z[j] = r[feat ? feat[j] : j] - m[j];
        }
    }
    fc_dsyrk_lower_t(d, (int)(n0 + n1), 1.0, ws->z, d, 0.0, ws->s, d);
}

/* w = (S_w + lambda tr(S_w)/d I)^-1 (m1 - m0) from the scatter in ws->s; lambda is
 * raised 100-fold until the matrix factors.  Returns the lambda used (< 0: failed). */
static double fld_solve(fld_ws *ws, int d, double lambda, double *w) {
    double tr = 0;
    for (int j = 0; j < d; j++) tr += ws->s[(size_t)j * d + j];
    const double scale = tr > 0 ? tr / d : 1.0;
    for (int tries = 0; tries < 12; tries++, lambda *= 100) {
        memcpy(ws->a, ws->s, (size_t)d * d * sizeof *ws->a);
        for (int j = 0; j < d; j++) ws->a[(size_t)j * d + j] += lambda * scale;
        if (cholesky(ws->a, d)) continue;
        for (int j = 0; j < d; j++) w[j] = ws->m1[j] - ws->m0[j];
        chol_solve(ws->a, d, w);
        return lambda;
    }
    return -1;
}

static double dot_feat(const double *w, const double *r, const int *feat, int d) {
    double s = 0;
    for (int j = 0; j < d; j++) s += w[j] * r[feat ? feat[j] : j];
    return s;
}

/* ---- thresholds ------------------------------------------------------------------ */
typedef struct scored {
    double s;
    int stego;
} scored;

static int cmp_scored(const void *a, const void *b) {
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return x < y ? -1 : x > y;
}

/* Minimum over thresholds t of (P_FA + P_MD) / 2, where score > t says stego; *thr
 * receives a threshold that attains it.  v is sorted in place. */
static double min_pe(scored *v, size_t n, double *thr) {
    qsort(v, n, sizeof *v, cmp_scored);
    size_t n1 = 0;
    for (size_t i = 0; i < n; i++) n1 += (size_t)v[i].stego;
    const size_t n0 = n - n1;
    if (!n0 || !n1) {
        if (thr) *thr = 0;
        return 0.5;
    }
    /* t below everything: every cover a false alarm, no stego missed */
    double fa = (double)n0, md = 0, best = 0.5 * (fa / n0 + md / n1);
    double bt = v[0].s - 1.0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].stego) md++;
        else fa--;
        if (i + 1 < n && v[i + 1].s == v[i].s) continue; /* a threshold cannot split equal scores */
        const double pe = 0.5 * (fa / n0 + md / n1);
        if (pe < best) {
            best = pe;
            bt = i + 1 < n ? 0.5 * (v[i].s + v[i + 1].s) : v[i].s + 1.0;
        }
    }
    if (thr) *thr = bt;
    return best;
}

/* ---- data handling ------------------------------------------------------------------ */
/* Samples: row 2p is pair p's cover, row 2p + 1 its stego, standardised with the
 * mean and deviation over the training pairs. */
static void standardise(const double *cover, const double *stego, size_t n_pairs, size_t dim, const size_t *train,
                        size_t n_train, double *x) {
    for (size_t j = 0; j < dim; j++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n_train; i++) m += cover[train[i] * dim + j] + stego[train[i] * dim + j];
        m /= 2.0 * n_train;
        for (size_t i = 0; i < n_train; i++) {
            double a = cover[train[i] * dim + j] - m, b = stego[train[i] * dim + j] - m;
            v += a * a + b * b;
        }
        double sd = sqrt(v / (2.0 * n_train));
        double inv = sd > 0 ? 1.0 / sd : 0.0; /* a constant feature carries nothing */
        for (size_t p = 0; p < n_pairs; p++) {
            x[(2 * p) * dim + j] = (cover[p * dim + j] - m) * inv;
            x[(2 * p + 1) * dim + j] = (stego[p * dim + j] - m) * inv;
        }
    }
}

/* Rows of the given pairs' covers (rows0) and stegos (rows1). */
static void pair_rows(const size_t *pairs, size_t n, size_t *rows0, size_t *rows1) {
    for (size_t i = 0; i < n; i++) {
        rows0[i] = 2 * pairs[i];
        rows1[i] = 2 * pairs[i] + 1;
    }
}

static void score_stats(fc_steg_score *s, int k) {
    double m = 0, v = 0;
    for (int i = 0; i < k; i++) m += s->fold[i];
    m /= k;
    for (int i = 0; i < k; i++) v += (s->fold[i] - m) * (s->fold[i] - m);
    s->mean = m;
    s->std = k > 1 ? sqrt(v / (k - 1)) : 0;
}

/* ---- FLD with lambda from an inner cross-validation ------------------------------------ */
/* Error of the midpoint rule of the FLD (w, threshold w.(m0+m1)/2) on the given pairs. */
static double fld_midpoint_error(const fld_ws *ws, const double *w, int d, const double *x, size_t dim,
                                 const size_t *pairs, size_t n, double *acc_pe) {
    double thr = 0.5 * (dot_feat(w, ws->m0, NULL, d) + dot_feat(w, ws->m1, NULL, d));
    size_t wrong = 0;
    scored *v = acc_pe ? malloc(2 * n * sizeof *v) : NULL;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            double s = dot_feat(w, x + (2 * pairs[i] + (size_t)c) * dim, NULL, d);
            wrong += (size_t)((s > thr) != c);
            if (v) v[2 * i + (size_t)c] = (scored){s, c};
        }
    if (acc_pe) *acc_pe = v ? 1.0 - min_pe(v, 2 * n, NULL) : NAN;
    free(v);
    return (double)wrong / (2.0 * n);
}

static int fld_fold(const double *x, size_t dim, const size_t *train, size_t n_tr, const size_t *test, size_t n_te,
                    uint64_t seed, double *acc, double *acc_pe, double *lambda_used, fc_error *err) {
    const int d = (int)dim;
    fld_ws ws;
    int rc = fld_ws_alloc(&ws, 2 * n_tr, dim, err);
    if (rc) return rc;
    size_t *rows = malloc(2 * n_tr * sizeof *rows), *perm = malloc(n_tr * sizeof *perm),
           *in_tr = malloc(n_tr * sizeof *in_tr), *in_va = malloc(n_tr * sizeof *in_va);
    double *w = malloc(dim * sizeof *w), inner_err[N_LAMBDA] = {0};
    if (!rows || !perm || !in_tr || !in_va || !w) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory");
        goto done;
    }
    /* inner folds over the training pairs */
    memcpy(perm, train, n_tr * sizeof *perm);
    fc_rng rng;
    fc_rng_seed(&rng, seed);
    for (size_t i = n_tr; i > 1; i--) {
        size_t j = (size_t)fc_rng_below(&rng, i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    const int inner = n_tr >= 2 * INNER_FOLDS ? INNER_FOLDS : 0;
    for (int f = 0; f < inner; f++) {
        size_t nt = 0, nv = 0;
        for (size_t i = 0; i < n_tr; i++) {
            if ((int)(i * (size_t)inner / n_tr) == f) in_va[nv++] = perm[i];
            else in_tr[nt++] = perm[i];
        }
        pair_rows(in_tr, nt, rows, rows + nt);
        fld_scatter(&ws, x, dim, rows, nt, rows + nt, nt, NULL, d);
        for (size_t l = 0; l < N_LAMBDA; l++) {
            if (fld_solve(&ws, d, LAMBDA_GRID[l], w) < 0) {
                inner_err[l] += 1.0;
                continue;
            }
            inner_err[l] += fld_midpoint_error(&ws, w, d, x, dim, in_va, nv, NULL);
        }
    }
    size_t best = N_LAMBDA - 1; /* ties go to the stronger regularisation */
    for (size_t l = N_LAMBDA; l-- > 0;)
        if (inner_err[l] < inner_err[best]) best = l;
    pair_rows(train, n_tr, rows, rows + n_tr);
    fld_scatter(&ws, x, dim, rows, n_tr, rows + n_tr, n_tr, NULL, d);
    double lam = fld_solve(&ws, d, LAMBDA_GRID[best], w);
    if (lam < 0) {
        rc = fc_fail(err, FC_EINTERNAL, "FLD: scatter matrix cannot be factored");
        goto done;
    }
    *lambda_used = lam;
    *acc = 1.0 - fld_midpoint_error(&ws, w, d, x, dim, test, n_te, acc_pe);
done:
    fld_ws_free(&ws);
    free(rows);
    free(perm);
    free(in_tr);
    free(in_va);
    free(w);
    return rc;
}

/* ---- ensemble ------------------------------------------------------------------------------ */
typedef struct ens_ctx {
    const double *x;
    size_t dim;
    const size_t *train;
    size_t n_tr;
    fld_ws ws;
    size_t *boot, *rows;
    unsigned char *in_bag;
    int *feat;
    double *w;
} ens_ctx;

/* One base learner on dsub random features and a bootstrap sample of the training
 * pairs: its weights in w (dsub), features in feat, threshold in *thr, and which
 * training pairs (by position in train) were in its bag. */
static int base_learner(ens_ctx *e, fc_rng *rng, int dsub, double *thr) {
    const int d = (int)e->dim;
    /* random subspace: partial Fisher-Yates over 0..d-1 */
    int *all = e->feat; /* feat has room for d */
    for (int j = 0; j < d; j++) all[j] = j;
    for (int j = 0; j < dsub; j++) {
        int k = j + (int)fc_rng_below(rng, (uint64_t)(d - j)), t = all[j];
        all[j] = all[k];
        all[k] = t;
    }
    memset(e->in_bag, 0, e->n_tr);
    for (size_t i = 0; i < e->n_tr; i++) {
        size_t k = (size_t)fc_rng_below(rng, e->n_tr);
        e->boot[i] = e->train[k];
        e->in_bag[k] = 1;
    }
    pair_rows(e->boot, e->n_tr, e->rows, e->rows + e->n_tr);
    fld_scatter(&e->ws, e->x, e->dim, e->rows, e->n_tr, e->rows + e->n_tr, e->n_tr, e->feat, dsub);
    if (fld_solve(&e->ws, dsub, BASE_LAMBDA, e->w) < 0) return -1;
    /* threshold minimising the training error of this learner */
    scored *v = malloc(2 * e->n_tr * sizeof *v);
    if (!v) return -2;
    for (size_t i = 0; i < 2 * e->n_tr; i++)
        v[i] = (scored){dot_feat(e->w, e->x + e->rows[i] * e->dim, e->feat, dsub), i >= e->n_tr};
    min_pe(v, 2 * e->n_tr, thr);
    free(v);
    return 0;
}

/* Trains L learners of dsub features.  Returns the out-of-bag error over the
 * training samples; with test != NULL also the vote accuracy on the test pairs. */
static int ensemble_run(ens_ctx *e, uint64_t seed, int dsub, int L, const size_t *test, size_t n_te, double *oob,
                        double *acc, fc_error *err) {
    int *votes_oob = calloc(2 * e->n_tr, sizeof *votes_oob), *n_oob = calloc(2 * e->n_tr, sizeof *n_oob);
    int *votes_te = calloc(2 * n_te + 1, sizeof *votes_te);
    int rc = FC_OK;
    if (!votes_oob || !n_oob || !votes_te) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory");
        goto done;
    }
    fc_rng rng;
    fc_rng_seed(&rng, seed);
    for (int l = 0; l < L; l++) {
        double thr;
        int r = base_learner(e, &rng, dsub, &thr);
        if (r == -2) {
            rc = fc_fail(err, FC_ENOMEM, "out of memory");
            goto done;
        }
        if (r) {
            rc = fc_fail(err, FC_EINTERNAL, "ensemble: a base learner's scatter matrix cannot be factored");
            goto done;
        }
        for (size_t i = 0; i < e->n_tr; i++) {
            if (e->in_bag[i]) continue;
            for (int c = 0; c < 2; c++) {
                double s = dot_feat(e->w, e->x + (2 * e->train[i] + (size_t)c) * e->dim, e->feat, dsub);
                votes_oob[2 * i + (size_t)c] += s > thr ? 1 : -1;
                n_oob[2 * i + (size_t)c]++;
            }
        }
        for (size_t i = 0; i < n_te; i++)
            for (int c = 0; c < 2; c++) {
                double s = dot_feat(e->w, e->x + (2 * test[i] + (size_t)c) * e->dim, e->feat, dsub);
                votes_te[2 * i + (size_t)c] += s > thr ? 1 : -1;
            }
    }
    double wrong = 0, counted = 0;
    for (size_t i = 0; i < 2 * e->n_tr; i++) {
        if (!n_oob[i]) continue;
        counted++;
        int truth = (int)(i & 1);
        if (votes_oob[i] == 0) wrong += 0.5;
        else wrong += (votes_oob[i] > 0) != truth;
    }
    *oob = counted ? wrong / counted : 0.5;
    if (acc) {
        double right = 0;
        for (size_t i = 0; i < 2 * n_te; i++) {
            int truth = (int)(i & 1);
            if (votes_te[i] == 0) right += 0.5;
            else right += (votes_te[i] > 0) == truth;
        }
        *acc = right / (2.0 * n_te);
    }
done:
    free(votes_oob);
    free(n_oob);
    free(votes_te);
    return rc;
}

static int ensemble_fold(const double *x, size_t dim, const size_t *train, size_t n_tr, const size_t *test,
                         size_t n_te, uint64_t seed, int L, double *acc, double *oob, int *dsub_out, fc_error *err) {
    ens_ctx e = {.x = x, .dim = dim, .train = train, .n_tr = n_tr};
    size_t cap = dim < n_tr ? dim : n_tr;
    int rc = fld_ws_alloc(&e.ws, 2 * n_tr, cap, err);
    if (rc) return rc;
    e.boot = malloc(n_tr * sizeof *e.boot);
    e.rows = malloc(2 * n_tr * sizeof *e.rows);
    e.in_bag = malloc(n_tr);
    e.feat = malloc(dim * sizeof *e.feat);
    e.w = malloc(cap * sizeof *e.w);
    if (!e.boot || !e.rows || !e.in_bag || !e.feat || !e.w) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory");
        goto done;
    }
    /* d_sub by out-of-bag error over min(d, pairs) / {8, 4, 2, 1} */
    int best = 0;
    double best_oob = 2;
    for (int div = 8; div >= 1; div /= 2) {
        int ds = (int)(cap / (size_t)div);
        if (ds < 1 || ds == best) continue;
        double o = 1;
        if ((rc = ensemble_run(&e, seed, ds, L, NULL, 0, &o, NULL, err))) goto done;
        if (o < best_oob) {
            best_oob = o;
            best = ds;
        }
    }
    *dsub_out = best;
    rc = ensemble_run(&e, seed ^ 0x9e3779b97f4a7c15ull, best, L, test, n_te, oob, acc, err);
done:
    fld_ws_free(&e.ws);
    free(e.boot);
    free(e.rows);
    free(e.in_bag);
    free(e.feat);
    free(e.w);
    return rc;
}

/* ---- cross-validation ---------------------------------------------------------------------- */
int fc_steg_cv(const double *cover, const double *stego, size_t n_pairs, size_t dim, const fc_steg_cv_opts *o,
               fc_steg_cv_result *out, fc_error *err) {
    fc_steg_cv_opts def;
    if (!o) {
        fc_steg_cv_opts_init(&def);
        o = &def;
    }
    memset(out, 0, sizeof *out);
    const int k = o->folds ? o->folds : 5;
    const int L = o->learners ? (o->learners | 1) : 51;
    if (k < 2 || k > FC_STEG_MAX_FOLDS) return fc_fail(err, FC_EUSAGE, "folds must be 2..%d", FC_STEG_MAX_FOLDS);
    if (n_pairs < (size_t)k * 2) return fc_fail(err, FC_EINPUT, "%zu pairs are too few for %d folds", n_pairs, k);
    if (!dim || dim > 100000) return fc_fail(err, FC_EINPUT, "bad feature dimension %zu", dim);
    for (size_t i = 0; i < n_pairs * dim; i++)
        if (!isfinite(cover[i]) || !isfinite(stego[i])) return fc_fail(err, FC_EINPUT, "non-finite feature value");
    out->folds = k;
    out->pairs = n_pairs;
    out->dim = dim;
    out->ens_learners = L;

    size_t *perm = malloc(n_pairs * sizeof *perm), *train = malloc(n_pairs * sizeof *train),
           *test = malloc(n_pairs * sizeof *test);
    double *x = malloc(2 * n_pairs * dim * sizeof *x);
    int rc = FC_OK;
    if (!perm || !train || !test || !x) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory (%zu pairs of %zu features)", n_pairs, dim);
        goto done;
    }
    fc_rng rng;
    fc_rng_seed(&rng, o->seed);
    for (size_t i = 0; i < n_pairs; i++) perm[i] = i;
    for (size_t i = n_pairs; i > 1; i--) {
        size_t j = (size_t)fc_rng_below(&rng, i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (int f = 0; f < k && !rc; f++) {
        size_t n_tr = 0, n_te = 0;
        for (size_t i = 0; i < n_pairs; i++) {
            if ((int)(i * (size_t)k / n_pairs) == f) test[n_te++] = perm[i];
            else train[n_tr++] = perm[i];
        }
        standardise(cover, stego, n_pairs, dim, train, n_tr, x);
        uint64_t fs = o->seed * 0x100000001b3ull + (uint64_t)f;
        if (o->fld)
            rc = fld_fold(x, dim, train, n_tr, test, n_te, fs, &out->fld_acc.fold[f], &out->fld_acc_pe.fold[f],
                          &out->fld_lambda[f], err);
        if (!rc && o->ensemble)
            rc = ensemble_fold(x, dim, train, n_tr, test, n_te, fs ^ 0xe45e3b1e, L, &out->ens_acc.fold[f],
                               &out->ens_oob.fold[f], &out->ens_dsub[f], err);
    }
    if (!rc) {
        score_stats(&out->fld_acc, k);
        score_stats(&out->fld_acc_pe, k);
        score_stats(&out->ens_acc, k);
        score_stats(&out->ens_oob, k);
    }
done:
    free(perm);
    free(train);
    free(test);
    free(x);
    return rc;
}
