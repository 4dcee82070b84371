/* Data parallelism (src/train/dist.c, docs/distributed.md).
 *
 * Always: the single-process fallbacks of the dist module.
 * With MPI in the build and mpirun on the PATH:
 *   - this binary re-runs itself under `mpirun -np 3` (--child): the collectives against
 *     values worked out here, fc_dist_same's detection of one differing bit, and the
 *     sharded trainer step (uneven shards 1/2/2 of a batch of 5) against a one-process
 *     trainer on the whole batch, inside each rank: the averaged gradients and losses before
 *     the optimizer, then the weights and losses after 3 Adam steps, each with a measure that
 *     float32 rounding cannot break but a sharding bug does (checked with deliberate bugs;
 *     see GRAD_TOL);
 *   - the CLI: `mpirun -np 2 facecrypt train` on a generated folder gives the weights of a
 *     one-process run within 1e-2 of the update and its losses within 1e-4, its log holds
 *     the global-mean losses, a 2-process run
 *     stopped and resumed gives the straight 2-process run's weights bit for bit, and a
 *     refused run exits 1 with one message.
 * Without mpirun: skipped with the reason (a failure if the build has MPI).  Without MPI in
 * the build: a launch of 2 processes must be refused; the rest is skipped. */
#include <string.h>
#include <sys/stat.h>
#include "model/model.h"
#include "data/dataset.h"
#include "testutil.h"
#include "train/dist.h"
#include "train/step.h"

#define IMG (3 * 64 * 64)
#define MPIRUN "mpirun --oversubscribe --bind-to none --mca btl_vader_single_copy_mechanism none"

/* ---- single process: every collective is the identity ---------------------------- */
static void test_single(void) {
    fc_dist d;
    fc_error err = {0};
    CHECK(fc_dist_init(&d, &err) == FC_OK); /* not launched by mpirun: no MPI */
    CHECK(d.rank == 0 && d.world == 1 && d.mpi == 0 && fc_dist_is_root(&d) && fc_dist_is_root(NULL));
    float x[5] = {1, -2, 3.5f, 0, 7};
    fc_dist_allreduce_mean(&d, x, 5, 1.0);
    fc_dist_allreduce_mean(NULL, x, 5, 1.0);
    CHECK(x[0] == 1 && x[1] == -2 && x[2] == 3.5f && x[4] == 7);
    double s[2] = {1.5, 2.5};
    fc_dist_allreduce_sum_f64(&d, s, 2);
    CHECK(s[0] == 1.5 && s[1] == 2.5);
    CHECK(fc_dist_agree(&d, 0) == 0 && fc_dist_agree(&d, 5) == 5 && fc_dist_agree(NULL, 2) == 2);
    CHECK(fc_dist_same(&d, x, sizeof x));
    /* the hash sees one flipped bit anywhere, also two sign bits that could cancel in a weak hash */
    float y[5];
    memcpy(y, x, sizeof x);
    uint64_t h = fc_dist_hash(x, sizeof x, 0);
    ((unsigned char *)y)[19] ^= 0x80;
    CHECK(fc_dist_hash(y, sizeof y, 0) != h);
    ((unsigned char *)y)[3] ^= 0x80;
    CHECK(fc_dist_hash(y, sizeof y, 0) != h);
    CHECK(fc_dist_hash(x, sizeof x, 1) != h);
    fc_dist_finalize(&d);
    CHECK(d.world == 1);
}

/* ---- under mpirun -np 3 ------------------------------------------------------------ */
static void child_collectives(const fc_dist *d) {
    const int B = 5;
    int row0, rows, r0[3], rs[3];
    fc_data_shard(B, d->rank, d->world, &row0, &rows);
    for (int r = 0; r < 3; r++) fc_data_shard(B, r, 3, &r0[r], &rs[r]);
    CHECK(rs[0] == 1 && rs[1] == 2 && rs[2] == 2 && rows == rs[d->rank]);
    /* weighted mean of per-rank values x_r[i] = (r + 1) * i + 0.5 with weights rows_r / B */
    float x[6];
    for (int i = 0; i < 6; i++) x[i] = (float)((d->rank + 1) * i) + 0.5f;
    fc_dist_allreduce_mean(d, x, 6, (double)rows / B);
    double worst = 0;
    for (int i = 0; i < 6; i++) {
        double want = 0;
        for (int r = 0; r < 3; r++) want += (double)rs[r] / B * ((r + 1) * i + 0.5);
        worst = fmax(worst, fabs(x[i] - want));
    }
    CHECKF(worst < 1e-5, "weighted allreduce off by %g", worst);
    double s[2] = {d->rank, 1};
    fc_dist_allreduce_sum_f64(d, s, 2);
    CHECK(s[0] == 3 && s[1] == 3);
    uint64_t m[2] = {(uint64_t)d->rank * 10, 7};
    fc_dist_allreduce_max_u64(d, m, 2);
    CHECK(m[0] == 20 && m[1] == 7);
    char msg[16];
    snprintf(msg, sizeof msg, "from rank %d", d->rank);
    fc_dist_bcast(d, msg, sizeof msg, 1);
    CHECK(strcmp(msg, "from rank 1") == 0);
    CHECK(fc_dist_agree(d, d->rank == 2 ? 4 : 0) == 4);
    CHECK(fc_dist_agree(d, 0) == 0);
    /* identical buffers agree; one bit flipped on one rank does not */
    float w[1000];
    for (int i = 0; i < 1000; i++) w[i] = (float)i * 0.25f;
    CHECK(fc_dist_same(d, w, sizeof w));
    if (d->rank == 1) ((unsigned char *)w)[2001] ^= 1;
    CHECK(!fc_dist_same(d, w, sizeof w));
    fc_dist_barrier(d);
}

/* How ranks are compared.  Sharding changes only the order of float32 sums, so:
 *   before the optimizer (trainer.grads_only): the global-mean gradients, norm-wise,
 *     ||g_ranks - g_one||_2 / ||g_one||_2 <= GRAD_TOL, and the losses relatively <= LOSS_TOL.
 *     GRAD_TOL = 1e-3: the rounding part is ~1e-6 (test_reference: every gradient within a few
 *     1e-6 of float64), but one LeakyReLU pre-activation within rounding of 0 may take the other
 *     derivative in one of the two runs, which moved a generator gradient by 2.4e-4 there;
 *     1e-3 allows a few such, and a real sharding bug (a rank's rows dropped, shards weighted
 *     equally) is 2 orders of magnitude above it (checked below).  LOSS_TOL = 1e-5: a mean of
 *     B BCE terms on forward passes within ~1e-6 of float64.
 *   after Adam (several steps, the CLI): Adam divides by |g|, so where a gradient is ~1e-8
 *     rounding moves a weight by up to lr: no element-wise bound holds.  The weights' difference
 *     is measured against the update, ||w_ranks - w_one||_2 / ||w_one - w_0||_2 <= UPD_TOL
 *     = 1e-2, and the logged losses relatively <= STEP_LOSS_TOL = 1e-4 (they see the weights
 *     through forward passes); a run that lost a rank's rows is far above both (checked below). */
#define GRAD_TOL 1e-3
#define LOSS_TOL 1e-5
#define UPD_TOL 1e-2
#define STEP_LOSS_TOL 1e-4

/* ||a - b||_2 / ||b - base||_2 (base NULL: ||b||_2); a NaN gives INFINITY. */
static double nrel(const float *a, const float *b, const float *base, size_t n) {
    double e = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i], t = (double)b[i] - (base ? base[i] : 0.0f);
        e += d * d;
        s += t * t;
    }
    double r = e == 0 ? 0 : s > 0 ? sqrt(e / s) : INFINITY;
    return isnan(r) ? INFINITY : r;
}

static double relerr(double a, double b) { return b != 0 ? fabs(a - b) / fabs(b) : fabs(a); }

/* Global-batch latents for `steps` steps: z1 then z2 per step, [B,100] each. */
static float *latents(int steps, int B) {
    float *z = malloc((size_t)steps * 2 * B * FC_LATENT_DIM * sizeof(float));
    fc_rng r;
    fc_rng_seed(&r, 77);
    fc_rng_fill_normal(&r, z, (size_t)steps * 2 * B * FC_LATENT_DIM, 0.0f, 1.0f);
    return z;
}
#define Z1(z, s, B) ((z) + (size_t)(2 * (s)) * (B)*FC_LATENT_DIM)
#define Z2(z, s, B) ((z) + (size_t)(2 * (s) + 1) * (B)*FC_LATENT_DIM)

static float *test_reals(int B) {
    float *reals = malloc((size_t)B * IMG * sizeof(float));
    for (size_t i = 0; i < (size_t)B * IMG; i++) reals[i] = (float)((i * 7919 + i / IMG * 131) % 1000) / 1000.0f;
    return reals;
}

/* A trainer for global rows [r0, r0 + n) of a batch of B run as its own one-process batch of n:
 * same latents (the caller passes them offset), same dropout masks (keyed by global row). */
static int rows_trainer(fc_trainer *t, fc_model *m, int B, int r0, int n, const fc_adam_cfg *ad) {
    fc_error err = {0};
    if (fc_trainer_init(t, m, n, ad, ad, 9, &err)) return -1;
    for (int i = 0; i < n; i++) {
        t->grows[i] = (uint32_t)(r0 + i);
        t->grows[n + i] = (uint32_t)(B + r0 + i);
    }
    return 0;
}

/* The sharded step's gradients and losses before the optimizer, against one process on the
 * whole batch (seed arch, dropout 0.2, uneven shards); then the same comparison must reject
 * gradients combined with plausible sharding bugs. */
static void child_grads(const fc_dist *d) {
    const int B = 5;
    fc_error err = {0};
    fc_model *ma = NULL, *mb = NULL, *mc = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 5, &ma, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 5, &mb, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 5, &mc, &err) == FC_OK);
    if (!ma || !mb || !mc) return;
    fc_adam_cfg ad = {1e-3f, 0.5f, 0.999f, 1e-8f};
    fc_trainer ta, tb, tc;
    CHECK(fc_trainer_init_dist(&ta, ma, B, &ad, &ad, 9, d, &err) == FC_OK);
    CHECK(fc_trainer_init(&tb, mb, B, &ad, &ad, 9, &err) == FC_OK);
    CHECK(rows_trainer(&tc, mc, B, ta.row0, ta.rows, &ad) == 0);
    ta.grads_only = tb.grads_only = tc.grads_only = 1;
    float *reals = test_reals(B), *z = latents(1, B);
    fc_step_stats sa = {0}, sb = {0}, sc = {0};
    fc_trainer_step(&ta, reals + (size_t)ta.row0 * IMG, Z1(z, 0, B), Z2(z, 0, B), &sa);
    fc_trainer_step(&tb, reals, Z1(z, 0, B), Z2(z, 0, B), &sb);
    fc_trainer_step(&tc, reals + (size_t)ta.row0 * IMG, Z1(z, 0, B) + (size_t)ta.row0 * FC_LATENT_DIM,
                    Z2(z, 0, B) + (size_t)ta.row0 * FC_LATENT_DIM, &sc);
    CHECK(ma->step == 0 && ma->adam_t == 0); /* no update */
    double f = (double)ta.rows / B, v[4] = {f * sa.d_loss, f * sa.g_loss, f * sa.d_real, f * sa.d_fake};
    fc_dist_allreduce_sum_f64(d, v, 4);
    double w[4] = {sb.d_loss, sb.g_loss, sb.d_real, sb.d_fake}, le = 0;
    for (int k = 0; k < 4; k++) le = fmax(le, relerr(v[k], w[k]));
    double eg = nrel(ma->G.grads, mb->G.grads, NULL, ma->G.nparams);
    double ed = nrel(ma->D.grads, mb->D.grads, NULL, ma->D.nparams);
    if (d->rank == 0)
        printf("before the optimizer, 3 ranks (rows 1/2/2 of 5) vs 1 process: gradients norm-wise G %.2e D %.2e "
               "(bound %.0e), losses rel %.2e (bound %.0e)\n",
               eg, ed, GRAD_TOL, le, LOSS_TOL);
    CHECKF(eg <= GRAD_TOL && ed <= GRAD_TOL, "rank %d: averaged gradients differ norm-wise: G %.3g D %.3g", d->rank, eg,
           ed);
    CHECKF(le <= LOSS_TOL, "global losses %g %g %g %g vs one process %g %g %g %g", v[0], v[1], v[2], v[3], w[0], w[1],
           w[2], w[3]);
    CHECK(fc_dist_same(d, ma->G.grads, ma->G.nparams * sizeof(float)));

    /* This rank's own gradients (tc: its rows alone), combined with the right shard weights,
     * must give the same; with a sharding bug, they must fail the bound. */
    const char *what[3] = {"shards weighted rows/B (correct)", "shards weighted 1/world", "rank 0's rows dropped"};
    for (int k = 0; k < 3; k++) {
        double wt = k == 0 ? (double)ta.rows / B : k == 1 ? 1.0 / d->world : d->rank == 0 ? 0.0 : (double)ta.rows / B;
        float *gg = malloc(mc->G.nparams * sizeof(float)), *gd = malloc(mc->D.nparams * sizeof(float));
        memcpy(gg, mc->G.grads, mc->G.nparams * sizeof(float));
        memcpy(gd, mc->D.grads, mc->D.nparams * sizeof(float));
        fc_dist_allreduce_mean(d, gg, mc->G.nparams, wt);
        fc_dist_allreduce_mean(d, gd, mc->D.nparams, wt);
        double bg = nrel(gg, mb->G.grads, NULL, mc->G.nparams), bd = nrel(gd, mb->D.grads, NULL, mc->D.nparams);
        if (d->rank == 0)
            printf("  %-34s gradients norm-wise G %.2e D %.2e: %s\n", what[k], bg, bd,
                   k == 0 ? (bg <= GRAD_TOL && bd <= GRAD_TOL ? "pass" : "FAIL")
                          : (bg > GRAD_TOL && bd > GRAD_TOL ? "rejected" : "ACCEPTED"));
        if (k == 0) CHECKF(bg <= GRAD_TOL && bd <= GRAD_TOL, "%s: G %.3g D %.3g", what[k], bg, bd);
        else CHECKF(bg > GRAD_TOL && bd > GRAD_TOL, "deliberate bug \"%s\" passed: G %.3g D %.3g", what[k], bg, bd);
        free(gg);
        free(gd);
    }
    free(reals);
    free(z);
    fc_trainer_free(&ta);
    fc_trainer_free(&tb);
    fc_trainer_free(&tc);
    fc_model_free(ma);
    fc_model_free(mb);
    fc_model_free(mc);
}

/* Several whole steps, sharded against the whole batch in one process: weights compared
 * relative to the update, losses relatively; a run that lost rank 0's row must fail. */
static void child_trainer(const fc_dist *d) {
    const int B = 5, STEPS = 3;
    fc_error err = {0};
    fc_model *ma = NULL, *mb = NULL, *mc = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 5, &ma, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 5, &mb, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 5, &mc, &err) == FC_OK);
    if (!ma || !mb || !mc) return;
    CHECK(ma->D.nlayers > 7 && ma->D.layers[7].kind == FC_L_DROPOUT && ma->D.layers[7].p > 0.1f);
    float *g0 = malloc(ma->G.nparams * sizeof(float)), *d0 = malloc(ma->D.nparams * sizeof(float));
    memcpy(g0, ma->G.params, ma->G.nparams * sizeof(float));
    memcpy(d0, ma->D.params, ma->D.nparams * sizeof(float));
    fc_adam_cfg ad = {1e-3f, 0.5f, 0.999f, 1e-8f};
    fc_trainer ta, tb, tc;
    CHECK(fc_trainer_init_dist(&ta, ma, B, &ad, &ad, 9, d, &err) == FC_OK);
    CHECK(fc_trainer_init(&tb, mb, B, &ad, &ad, 9, &err) == FC_OK);
    CHECK(rows_trainer(&tc, mc, B, 1, B - 1, &ad) == 0); /* the bug: rank 0's row (row 0) dropped */
    float *reals = test_reals(B), *z = latents(STEPS, B);
    fc_step_stats sa = {0}, sb = {0}, sc = {0};
    for (int s = 0; s < STEPS; s++) {
        fc_trainer_step(&ta, reals + (size_t)ta.row0 * IMG, Z1(z, s, B), Z2(z, s, B), &sa);
        fc_trainer_step(&tb, reals, Z1(z, s, B), Z2(z, s, B), &sb);
        if (d->rank == 0)
            fc_trainer_step(&tc, reals + IMG, Z1(z, s, B) + FC_LATENT_DIM, Z2(z, s, B) + FC_LATENT_DIM, &sc);
    }
    double f = (double)ta.rows / B, v[4] = {f * sa.d_loss, f * sa.g_loss, f * sa.d_real, f * sa.d_fake};
    fc_dist_allreduce_sum_f64(d, v, 4);
    double w[4] = {sb.d_loss, sb.g_loss, sb.d_real, sb.d_fake}, le = 0;
    for (int k = 0; k < 4; k++) le = fmax(le, relerr(v[k], w[k]));
    CHECKF(le <= STEP_LOSS_TOL, "global stats %g %g %g %g vs one process %g %g %g %g", v[0], v[1], v[2], v[3], w[0],
           w[1], w[2], w[3]);
    double eg = nrel(ma->G.params, mb->G.params, g0, ma->G.nparams);
    double ed = nrel(ma->D.params, mb->D.params, d0, ma->D.nparams);
    CHECKF(eg <= UPD_TOL && ed <= UPD_TOL, "rank %d: sharded vs whole batch after %d steps, relative to the update: G %.3g D %.3g",
           d->rank, STEPS, eg, ed);
    if (d->rank == 0) {
        printf("after %d Adam steps, 3 ranks vs 1 process: weights vs the update G %.2e D %.2e (bound %.0e), losses rel "
               "%.2e (bound %.0e)\n",
               STEPS, eg, ed, UPD_TOL, le, STEP_LOSS_TOL);
        double bg = nrel(mc->G.params, mb->G.params, g0, mc->G.nparams);
        double bd = nrel(mc->D.params, mb->D.params, d0, mc->D.nparams);
        double bw[4] = {sc.d_loss, sc.g_loss, sc.d_real, sc.d_fake}, bl = 0;
        for (int k = 0; k < 4; k++) bl = fmax(bl, relerr(bw[k], w[k]));
        printf("  run without rank 0's row: weights vs the update G %.2e D %.2e, losses rel %.2e: %s\n", bg, bd, bl,
               bg > UPD_TOL && bd > UPD_TOL && bl > STEP_LOSS_TOL ? "rejected" : "ACCEPTED");
        CHECKF(bg > UPD_TOL && bd > UPD_TOL && bl > STEP_LOSS_TOL,
               "deliberate bug (rank 0's row dropped) passed: G %.3g D %.3g losses %.3g", bg, bd, bl);
    }
    CHECK(fc_dist_same(d, ma->G.params, ma->G.nparams * sizeof(float)));
    CHECK(fc_dist_same(d, ma->D.adam_v, ma->D.nparams * sizeof(float)));
    CHECK(ma->step == STEPS);
    free(reals);
    free(z);
    free(g0);
    free(d0);
    fc_trainer_free(&ta);
    fc_trainer_free(&tb);
    fc_trainer_free(&tc);
    fc_model_free(ma);
    fc_model_free(mb);
    fc_model_free(mc);
}

static int child(void) {
    fc_dist d;
    fc_error err = {0};
    fc_set_threads(tu_threads(1));
    CHECK(fc_dist_init(&d, &err) == FC_OK);
    CHECKF(d.world == 3 && d.mpi == 1 && d.local_size == 3, "world %d mpi %d local %d", d.world, d.mpi, d.local_size);
    if (d.world == 3) {
        child_collectives(&d);
        child_grads(&d);
        child_trainer(&d);
    }
    fc_dist_finalize(&d);
    return TEST_END();
}

/* ---- the CLI ------------------------------------------------------------------------ */
static void make_dataset(const char *dir, int n) {
    char path[4200];
    fc_error err = {0};
    for (int i = 0; i < n; i++) {
        fc_image im;
        int w = 64 + (i % 3) * 9, h = 64 + (i % 2) * 13;
        if (fc_image_alloc(&im, w, h, 3, &err)) return;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    im.px[((size_t)y * w + x) * 3 + c] = (uint8_t)((x * (c + 2) + y * (i + 1) + i * 37) & 255);
        snprintf(path, sizeof path, "%s/img%03d.png", dir, i);
        fc_image_save_png(&im, path, 1, &err);
        fc_image_free(&im);
    }
}

/* Two checkpoints' weights compared relative to the update from w0 (the runs' initial model):
 * the larger over G and D of ||a - b||_2 / ||b - w0||_2; -1 if they do not load or differ in
 * shape/step.  bitwise: whether weights and Adam moments are identical. */
static double ckpt_diff(const char *a, const char *b, const fc_model *w0, int *bitwise) {
    fc_model *ma = NULL, *mb = NULL;
    fc_error err = {0};
    double d = -1;
    if (fc_model_load(a, &ma, &err) == FC_OK && fc_model_load(b, &mb, &err) == FC_OK && ma->has_d && mb->has_d &&
        ma->G.nparams == mb->G.nparams && ma->D.nparams == mb->D.nparams && ma->G.nparams == w0->G.nparams &&
        ma->D.nparams == w0->D.nparams && ma->step == mb->step && ma->step > 0) {
        d = fmax(nrel(ma->G.params, mb->G.params, w0->G.params, ma->G.nparams),
                 nrel(ma->D.params, mb->D.params, w0->D.params, ma->D.nparams));
        if (bitwise)
            *bitwise = !memcmp(ma->G.params, mb->G.params, ma->G.nparams * sizeof(float)) &&
                       !memcmp(ma->D.params, mb->D.params, ma->D.nparams * sizeof(float)) &&
                       !memcmp(ma->G.adam_v, mb->G.adam_v, ma->G.nparams * sizeof(float)) &&
                       !memcmp(ma->D.adam_m, mb->D.adam_m, ma->D.nparams * sizeof(float));
    } else {
        fprintf(stderr, "ckpt_diff %s %s: %s\n", a, b, err.msg);
    }
    fc_model_free(ma);
    fc_model_free(mb);
    return d;
}

/* Columns d_loss, g_loss, d_real, d_fake of log.csv: the largest relative difference between two logs. */
static double log_diff(const char *a, const char *b, int *rows) {
    FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
    double worst = fa && fb ? 0 : 1e9;
    char la[512], lb[512];
    *rows = 0;
    while (fa && fb && fgets(la, sizeof la, fa) && fgets(lb, sizeof lb, fb)) {
        float x[4], y[4];
        unsigned long long s1, e1, s2, e2;
        if (sscanf(la, "%llu,%llu,%f,%f,%f,%f", &s1, &e1, &x[0], &x[1], &x[2], &x[3]) != 6) continue;
        if (sscanf(lb, "%llu,%llu,%f,%f,%f,%f", &s2, &e2, &y[0], &y[1], &y[2], &y[3]) != 6 || s1 != s2) return 1e9;
        for (int k = 0; k < 4; k++) worst = fmax(worst, relerr(x[k], y[k]));
        (*rows)++;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return worst;
}

static int count_lines(const char *path, const char *needle) {
    FILE *f = fopen(path, "r");
    char line[4096];
    int n = 0;
    while (f && fgets(line, sizeof line, f)) n += strstr(line, needle) != NULL;
    if (f) fclose(f);
    return n;
}

static void test_cli(const char *tmp) {
    char data[4200], common[8192], p[4400], q[4400];
    snprintf(data, sizeof data, "%s/data", tmp);
    mkdir(data, 0777);
    make_dataset(data, 20); /* batch 5: 4 steps per epoch, so 6 steps cross an epoch */
    snprintf(common, sizeof common,
             "%s train --data %s --cache-dir %s/cache --width 0.125 --batch 5 --seed 7 --sample-every 0 "
             "--ckpt-every 0",
             tu_cli(), data, tmp);
    CHECK(tu_system("%s --out %s/one --steps 6 --threads 2 2>%s/one.log", common, tmp, tmp) == 0);
    CHECK(tu_system(MPIRUN " -np 2 %s --out %s/two --steps 6 --threads 1 --check-sync 1 2>%s/two.log", common, tmp,
                    tmp) == 0);
    snprintf(p, sizeof p, "%s/one/checkpoint.safetensors", tmp);
    snprintf(q, sizeof q, "%s/two/checkpoint.safetensors", tmp);
    fc_model *w0 = NULL; /* the runs' initial weights: train.c creates the model from --seed */
    fc_error err = {0};
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 7, &w0, &err) == FC_OK);
    if (!w0) return;
    double d = ckpt_diff(q, p, w0, NULL);
    printf("CLI, 2 processes (batch 5: rows 2/3) vs 1 process, 6 steps: weights vs the update %.3g (bound %.0e)\n", d,
           UPD_TOL);
    CHECKF(d >= 0 && d <= UPD_TOL, "2-process weights differ from the 1-process run by %g of the update", d);
    /* rank 0 alone reports and writes; the log holds global means */
    snprintf(p, sizeof p, "%s/two.log", tmp);
    CHECKF(count_lines(p, "training seed") == 1, "%d 'training' lines", count_lines(p, "training seed"));
    CHECK(count_lines(p, "check-sync: the 2 processes held identical weights") == 1);
    CHECK(count_lines(p, "rank 0 trains rows [0, 2) of each batch of 5") == 1);
    snprintf(p, sizeof p, "%s/one/log.csv", tmp);
    snprintf(q, sizeof q, "%s/two/log.csv", tmp);
    int rows = 0;
    double ld = log_diff(p, q, &rows);
    printf("CLI log.csv, 2 processes vs 1: losses rel %.3g over %d steps (bound %.0e)\n", ld, rows, STEP_LOSS_TOL);
    CHECKF(rows == 6 && ld <= STEP_LOSS_TOL, "log rows %d, relative loss difference %g", rows, ld);
    snprintf(p, sizeof p, "%s/two/samples/step_0000006.png", tmp);
    struct stat st;
    CHECK(stat(p, &st) == 0);

    /* stopped after 3 steps and resumed to 6 under MPI: the straight 2-process run, bit for bit */
    CHECK(tu_system(MPIRUN " -np 2 %s --out %s/res --steps 3 --threads 1 2>/dev/null", common, tmp) == 0);
    CHECK(tu_system(MPIRUN " -np 2 %s --out %s/res --steps 6 --threads 1 --resume 2>/dev/null", common, tmp) == 0);
    snprintf(p, sizeof p, "%s/res/checkpoint.safetensors", tmp);
    snprintf(q, sizeof q, "%s/two/checkpoint.safetensors", tmp);
    int same = 0;
    d = ckpt_diff(p, q, w0, &same);
    CHECKF(d == 0 && same, "resumed 2-process run differs from the straight one by %g", d);
    fc_model_free(w0);

    /* a refused run: every rank stops, exit code 1, one message */
    CHECK(tu_system(MPIRUN " -np 2 %s --out %s/two --steps 6 --threads 1 >/dev/null 2>%s/refused.log", common, tmp,
                    tmp) == 1);
    snprintf(p, sizeof p, "%s/refused.log", tmp);
    CHECKF(count_lines(p, "already holds a checkpoint") == 1, "%d messages",
           count_lines(p, "already holds a checkpoint"));
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--child")) return child();
    /* Open MPI refuses to run as root without these (containers, CI) */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    test_single();
    int have_mpirun = tu_system("command -v mpirun >/dev/null 2>&1") == 0;
    if (!have_mpirun) {
        if (fc_dist_compiled()) CHECKF(0, "this build has MPI but mpirun is missing (apt-get install openmpi-bin)");
        else printf("skipped: mpirun is missing and this build has no MPI: data-parallel runs not tested\n");
        return TEST_END();
    }
    /* Open MPI's own allocations outlive MPI_Finalize (LeakSanitizer reports them in libmpi and in
     * unloaded components): under `make asan` the MPI processes run without leak checking (this
     * process keeps it; the one-process runs of test_train cover the training code's leaks). */
    if (getenv("FC_SANITIZE")) setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    char *tmp = tu_tmpdir();
    if (!fc_dist_compiled()) {
        /* each process would train alone and write the same files: refused */
        CHECK(tu_system(MPIRUN " -np 2 %s train --data %s --out %s/x 2>/dev/null", tu_cli(), tmp, tmp) == 1);
        printf("skipped: this build has no MPI (install libopenmpi-dev and rebuild): equivalence not tested\n");
    } else {
        CHECK(tu_system(MPIRUN " -np 3 %s --child", argv[0]) == 0);
        test_cli(tmp);
    }
    tu_system("rm -rf '%s'", tmp);
    free(tmp);
    return TEST_END();
}
