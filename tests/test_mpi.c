/* Data parallelism (src/train/dist.c, docs/distributed.md).
 *
 * Always: the single-process fallbacks of the dist module.
 * With MPI in the build and mpirun on the PATH:
 *   - this binary re-runs itself under `mpirun -np 3` (--child): the collectives against
 *     values worked out here, fc_dist_same's detection of one differing bit, and the
 *     sharded trainer step (uneven shards 1/2/2 of a batch of 5) against a one-process
 *     trainer on the whole batch, inside each rank;
 *   - the CLI: `mpirun -np 2 facecrypt train` on a generated folder gives the weights of a
 *     one-process run within 1e-5, its log holds the global-mean losses, a 2-process run
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

static double max_abs(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d;
    }
    return m;
}

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

/* The sharded step against the whole batch in one process, seed arch with dropout 0.2. */
static void child_trainer(const fc_dist *d) {
    const int B = 5, STEPS = 3;
    fc_error err = {0};
    fc_model *ma = NULL, *mb = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 5, &ma, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 5, &mb, &err) == FC_OK);
    if (!ma || !mb) return;
    CHECK(ma->D.nlayers > 7 && ma->D.layers[7].kind == FC_L_DROPOUT && ma->D.layers[7].p > 0.1f);
    fc_adam_cfg ad = {1e-3f, 0.5f, 0.999f, 1e-8f};
    fc_trainer ta, tb;
    CHECK(fc_trainer_init_dist(&ta, ma, B, &ad, &ad, 9, d, &err) == FC_OK);
    CHECK(fc_trainer_init(&tb, mb, B, &ad, &ad, 9, &err) == FC_OK);
    float *reals = malloc((size_t)B * IMG * sizeof(float));
    for (size_t i = 0; i < (size_t)B * IMG; i++) reals[i] = (float)((i * 7919 + i / IMG * 131) % 1000) / 1000.0f;
    fc_step_stats sa = {0}, sb = {0};
    for (int s = 0; s < STEPS; s++) {
        fc_trainer_step(&ta, reals + (size_t)ta.row0 * IMG, NULL, NULL, &sa);
        fc_trainer_step(&tb, reals, NULL, NULL, &sb);
    }
    double f = (double)ta.rows / B, v[4] = {f * sa.d_loss, f * sa.g_loss, f * sa.d_real, f * sa.d_fake};
    fc_dist_allreduce_sum_f64(d, v, 4);
    CHECKF(fabs(v[0] - sb.d_loss) < 1e-5 && fabs(v[1] - sb.g_loss) < 1e-5 && fabs(v[2] - sb.d_real) < 1e-5 &&
               fabs(v[3] - sb.d_fake) < 1e-5,
           "global stats %g %g %g %g vs one process %g %g %g %g", v[0], v[1], v[2], v[3], sb.d_loss, sb.g_loss,
           sb.d_real, sb.d_fake);
    double eg = max_abs(ma->G.params, mb->G.params, ma->G.nparams);
    double ed = max_abs(ma->D.params, mb->D.params, ma->D.nparams);
    CHECKF(eg <= 1e-5 && ed <= 1e-5, "rank %d: sharded vs whole batch after %d steps: G %.3g D %.3g", d->rank, STEPS,
           eg, ed);
    if (d->rank == 0) printf("trainer, 3 ranks (rows 1/2/2 of 5) vs 1 process, %d steps: max |dG| %.3g |dD| %.3g\n", STEPS, eg, ed);
    CHECK(fc_dist_same(d, ma->G.params, ma->G.nparams * sizeof(float)));
    CHECK(fc_dist_same(d, ma->D.adam_v, ma->D.nparams * sizeof(float)));
    CHECK(ma->step == STEPS);
    free(reals);
    fc_trainer_free(&ta);
    fc_trainer_free(&tb);
    fc_model_free(ma);
    fc_model_free(mb);
}

static int child(void) {
    fc_dist d;
    fc_error err = {0};
    fc_set_threads(1);
    CHECK(fc_dist_init(&d, &err) == FC_OK);
    CHECKF(d.world == 3 && d.mpi == 1 && d.local_size == 3, "world %d mpi %d local %d", d.world, d.mpi, d.local_size);
    if (d.world == 3) {
        child_collectives(&d);
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

/* max |a - b| over G and D parameters of two checkpoints; -1 if they do not load or differ in shape/step. */
static double ckpt_diff(const char *a, const char *b, int *bitwise) {
    fc_model *ma = NULL, *mb = NULL;
    fc_error err = {0};
    double d = -1;
    if (fc_model_load(a, &ma, &err) == FC_OK && fc_model_load(b, &mb, &err) == FC_OK && ma->has_d && mb->has_d &&
        ma->G.nparams == mb->G.nparams && ma->D.nparams == mb->D.nparams && ma->step == mb->step && ma->step > 0) {
        d = fmax(max_abs(ma->G.params, mb->G.params, ma->G.nparams), max_abs(ma->D.params, mb->D.params, ma->D.nparams));
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

/* Columns d_loss, g_loss, d_real, d_fake of log.csv: the largest difference between two logs. */
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
        for (int k = 0; k < 4; k++) worst = fmax(worst, fabs(x[k] - y[k]));
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
    double d = ckpt_diff(p, q, NULL);
    printf("CLI, 2 processes (batch 5: rows 2/3) vs 1 process, 6 steps: max |dw| %.3g\n", d);
    CHECKF(d >= 0 && d <= 1e-5, "2-process weights differ from the 1-process run by %g", d);
    /* rank 0 alone reports and writes; the log holds global means */
    snprintf(p, sizeof p, "%s/two.log", tmp);
    CHECKF(count_lines(p, "training seed") == 1, "%d 'training' lines", count_lines(p, "training seed"));
    CHECK(count_lines(p, "check-sync: the 2 processes held identical weights") == 1);
    CHECK(count_lines(p, "rank 0 trains rows [0, 2) of each batch of 5") == 1);
    snprintf(p, sizeof p, "%s/one/log.csv", tmp);
    snprintf(q, sizeof q, "%s/two/log.csv", tmp);
    int rows = 0;
    double ld = log_diff(p, q, &rows);
    printf("CLI log.csv, 2 processes vs 1: max |d loss| %.3g over %d steps\n", ld, rows);
    CHECKF(rows == 6 && ld <= 1e-5, "log rows %d, loss difference %g", rows, ld);
    snprintf(p, sizeof p, "%s/two/samples/step_0000006.png", tmp);
    struct stat st;
    CHECK(stat(p, &st) == 0);

    /* stopped after 3 steps and resumed to 6 under MPI: the straight 2-process run, bit for bit */
    CHECK(tu_system(MPIRUN " -np 2 %s --out %s/res --steps 3 --threads 1 2>/dev/null", common, tmp) == 0);
    CHECK(tu_system(MPIRUN " -np 2 %s --out %s/res --steps 6 --threads 1 --resume 2>/dev/null", common, tmp) == 0);
    snprintf(p, sizeof p, "%s/res/checkpoint.safetensors", tmp);
    snprintf(q, sizeof q, "%s/two/checkpoint.safetensors", tmp);
    int same = 0;
    d = ckpt_diff(p, q, &same);
    CHECKF(d == 0 && same, "resumed 2-process run differs from the straight one by %g", d);

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
