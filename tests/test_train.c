/* End-to-end training on a tiny generated image folder: outputs, exact resume, errors. */
#include <string.h>
#include <sys/stat.h>
#include "model/checkpoint.h"
#include "train/step.h"
#include "util/fileio.h"
#include "testutil.h"

static void make_dataset(const char *dir, int n) {
    char path[4200];
    fc_error err = {0};
    for (int i = 0; i < n; i++) {
        fc_image im;
        int w = 70 + (i % 5) * 7, h = 64 + (i % 3) * 11; /* varied sizes: center crop + resize */
        if (fc_image_alloc(&im, w, h, 3, &err)) return;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    im.px[((size_t)y * w + x) * 3 + c] = (uint8_t)((x * (c + 1) + y * (i + 1) + i * 31) & 255);
        snprintf(path, sizeof path, "%s/img%03d.png", dir, i);
        fc_image_save_png(&im, path, 1, &err);
        fc_image_free(&im);
    }
    snprintf(path, sizeof path, "%s/broken.jpg", dir); /* a corrupt file: skipped with a warning */
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("\xff\xd8\xff\xe0 not really a jpeg", f);
        fclose(f);
    }
}

static int run_train_sched(fc_arch arch, const char *data, const char *out, const char *cache, uint64_t steps,
                           int resume, uint64_t lr_decay_from) {
    fc_train_config c;
    fc_train_config_default(&c);
    fc_train_config_for_arch(&c, arch);
    c.diffaug = arch == FC_ARCH_FACE; /* off by default; the resume test covers its draws too */
    c.data_dir = data;
    c.out_dir = out;
    c.cache_dir = cache;
    c.width = 0.125f;
    c.batch = 4;
    c.steps = steps;
    c.seed = 11;
    c.threads = tu_threads(2);
    c.resume = resume;
    c.sample_every = 2;
    c.ckpt_every = 2;
    c.lr_decay_from = lr_decay_from;
    fc_error err = {0};
    int rc = fc_train(&c, &err);
    if (rc) fprintf(stderr, "fc_train: %s\n", err.msg);
    return rc;
}

static int run_train_arch(fc_arch arch, const char *data, const char *out, const char *cache, uint64_t steps,
                          int resume) {
    return run_train_sched(arch, data, out, cache, steps, resume, 0);
}

static int run_train(const char *data, const char *out, const char *cache, uint64_t steps, int resume) {
    return run_train_arch(FC_ARCH_SEED, data, out, cache, steps, resume);
}

/* ||a - b|| / ||b|| over G and D parameters of two checkpoints (-1 if they do not load). */
static double rel_diff(const char *a, const char *b) {
    fc_model *ma = NULL, *mb = NULL;
    fc_error err = {0};
    double d = -1;
    if (fc_model_load(a, &ma, &err) == FC_OK && fc_model_load(b, &mb, &err) == FC_OK && ma->has_d && mb->has_d &&
        ma->G.nparams == mb->G.nparams && ma->D.nparams == mb->D.nparams) {
        double num = 0, den = 0;
        const fc_net *na[2] = {&ma->G, &ma->D}, *nb[2] = {&mb->G, &mb->D};
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < na[k]->nparams; i++) {
                double x = na[k]->params[i], y = nb[k]->params[i];
                num += (x - y) * (x - y), den += y * y;
            }
        d = sqrt(num / den);
    }
    fc_model_free(ma);
    fc_model_free(mb);
    return d;
}

/* The compact resume state (export --resume-state): F16 weights, BF16 Adam moments, the loop's
 * metadata; a run resumed from it lands near the straight run (F16 rounding of the weights is
 * the only difference, ~3e-4 relative), much nearer than the 5 steps it trains move the weights. */
static void test_resume_state(const char *tmp, const char *data, const char *cache, const char *straight) {
    char c[4200], d[4200], p[4400], q[4400];
    snprintf(c, sizeof c, "%s/run_c", tmp);
    snprintf(d, sizeof d, "%s/run_d", tmp);
    CHECK(run_train(data, c, cache, 3, 0) == FC_OK);
    mkdir(d, 0777);
    CHECK(tu_system("%s export %s/checkpoint.safetensors -o %s/checkpoint.safetensors --resume-state >/dev/null",
                    tu_cli(), c, d) == 0);
    snprintf(p, sizeof p, "%s/checkpoint.safetensors", d);
    fc_st_file *f = NULL;
    fc_error err = {0};
    CHECK(fc_st_open(p, 0, &f, &err) == FC_OK);
    if (f) {
        const fc_st_tensor *w = fc_st_find(f, "G.fc.weight"), *m = fc_st_find(f, "optim.D.exp_avg_sq");
        CHECK(w && w->dtype == FC_ST_F16 && m && m->dtype == FC_ST_BF16);
        CHECK(fc_st_meta(f, "rng_z") && fc_st_meta(f, "batch") && !strcmp(fc_st_meta(f, "step"), "3"));
        fc_st_close(f);
    }
    CHECK(run_train(data, d, cache, 8, 1) == FC_OK);
    snprintf(q, sizeof q, "%s/checkpoint.safetensors", straight);
    char r[4400];
    snprintf(r, sizeof r, "%s/checkpoint.safetensors", c);
    double near = rel_diff(p, q), moved = rel_diff(r, q);
    printf("resume from the compact state: |w - straight| / |straight| = %.2e (5 steps move the weights %.2e)\n",
           near, moved);
    CHECKF(near >= 0 && near <= 1e-3, "resumed from the compact state: %.3g from the straight run", near);
    CHECKF(moved > 3 * 1e-3, "the test cannot tell: 5 steps move the weights only %.3g", moved);
    /* --no-moments: the same state without the Adam moments, under half the size; the run
     * resumes from it with fresh moments (adam_t restarted) and trains on to step 8 */
    char e[4200], pe[4400];
    snprintf(e, sizeof e, "%s/run_e", tmp);
    mkdir(e, 0777);
    CHECK(tu_system("%s export %s/checkpoint.safetensors -o %s/checkpoint.safetensors --resume-state --no-moments "
                    ">/dev/null", tu_cli(), c, e) == 0);
    snprintf(pe, sizeof pe, "%s/checkpoint.safetensors", e);
    struct stat st_full, st_slim;
    CHECK(stat(p, &st_full) == 0 && stat(pe, &st_slim) == 0 && st_slim.st_size * 2 < st_full.st_size);
    f = NULL;
    CHECK(fc_st_open(pe, 0, &f, &err) == FC_OK);
    if (f) {
        CHECK(!fc_st_find(f, "optim.G.exp_avg") && !fc_st_find(f, "optim.D.exp_avg_sq"));
        CHECK(fc_st_find(f, "D.conv1.weight") && fc_st_meta(f, "rng_z") && !strcmp(fc_st_meta(f, "step"), "3"));
        fc_st_close(f);
    }
    fc_model *me = NULL;
    CHECK(fc_model_load(pe, &me, &err) == FC_OK && me && me->adam_t == 0 && me->has_d);
    fc_model_free(me);
    CHECK(run_train(data, e, cache, 8, 1) == FC_OK);
    me = NULL;
    CHECK(fc_model_load(pe, &me, &err) == FC_OK && me && me->step == 8 && me->adam_t == 5);
    fc_model_free(me);
    CHECK(tu_system("%s export %s/checkpoint.safetensors -o %s/x.safetensors --no-moments 2>/dev/null", tu_cli(), c,
                    tmp) == 1);
    /* a generator-only file is no training state */
    CHECK(tu_system("%s export %s/checkpoint.safetensors -o %s/g.safetensors >/dev/null && "
                    "%s export %s/g.safetensors -o %s/g2.safetensors --resume-state 2>/dev/null",
                    tu_cli(), c, tmp, tu_cli(), tmp, tmp) == 2);
}

static int same_checkpoints(const char *a, const char *b) {
    fc_model *ma = NULL, *mb = NULL;
    fc_error err = {0};
    int same = fc_model_load(a, &ma, &err) == FC_OK && fc_model_load(b, &mb, &err) == FC_OK &&
               ma->G.nparams == mb->G.nparams && ma->step == mb->step &&
               memcmp(ma->G.params, mb->G.params, ma->G.nparams * sizeof(float)) == 0 &&
               memcmp(ma->D.params, mb->D.params, ma->D.nparams * sizeof(float)) == 0 &&
               memcmp(ma->G.adam_v, mb->G.adam_v, ma->G.nparams * sizeof(float)) == 0 && ma->has_ema == mb->has_ema &&
               (!ma->has_ema || memcmp(ma->Gema.params, mb->Gema.params, ma->G.nparams * sizeof(float)) == 0);
    fc_model_free(ma);
    fc_model_free(mb);
    return same;
}

int main(void) {
    char *tmp = tu_tmpdir(), data[4200], cache[4200], a[4200], b[4200], p[4400];
    snprintf(data, sizeof data, "%s/data", tmp);
    snprintf(cache, sizeof cache, "%s/cache", tmp);
    snprintf(a, sizeof a, "%s/run_a", tmp);
    snprintf(b, sizeof b, "%s/run_b", tmp);
    mkdir(data, 0777);
    make_dataset(data, 24);

    /* straight through: 8 steps (epoch = 24/4 = 6 steps, so it crosses an epoch) */
    CHECK(run_train(data, a, cache, 8, 0) == FC_OK);
    /* stopped after 3, resumed to 8 */
    CHECK(run_train(data, b, cache, 3, 0) == FC_OK);
    CHECK(run_train(data, b, cache, 8, 1) == FC_OK);
    snprintf(p, sizeof p, "%s/checkpoint.safetensors", a);
    char q[4400];
    snprintf(q, sizeof q, "%s/checkpoint.safetensors", b);
    CHECKF(same_checkpoints(p, q), "resumed run differs from the straight run");
    test_resume_state(tmp, data, cache, a);

    /* --lr-decay-from: the schedule, a decayed run that resumes exactly, and one that differs
     * from the constant-rate run; a start at or after the last step is refused */
    CHECK(fc_lr_linear_decay(2e-4f, 3, 0, 10) == 2e-4f && fc_lr_linear_decay(2e-4f, 5, 6, 10) == 2e-4f);
    CHECK(fc_lr_linear_decay(2e-4f, 6, 6, 10) == 2e-4f && fabsf(fc_lr_linear_decay(2e-4f, 8, 6, 10) - 1e-4f) < 1e-9f);
    CHECK(fabsf(fc_lr_linear_decay(2e-4f, 9, 6, 10) - 0.5e-4f) < 1e-9f && fc_lr_linear_decay(2e-4f, 10, 6, 10) == 0);
    {
        char da[4200], db[4200], dq[4400];
        snprintf(da, sizeof da, "%s/decay_a", tmp);
        snprintf(db, sizeof db, "%s/decay_b", tmp);
        CHECK(run_train_sched(FC_ARCH_SEED, data, da, cache, 8, 0, 5) == FC_OK);
        CHECK(run_train_sched(FC_ARCH_SEED, data, db, cache, 3, 0, 0) == FC_OK);
        CHECK(run_train_sched(FC_ARCH_SEED, data, db, cache, 8, 1, 5) == FC_OK);
        snprintf(p, sizeof p, "%s/checkpoint.safetensors", da);
        snprintf(dq, sizeof dq, "%s/checkpoint.safetensors", db);
        CHECKF(same_checkpoints(p, dq), "--lr-decay-from: resumed run differs from the straight run");
        snprintf(dq, sizeof dq, "%s/checkpoint.safetensors", a);
        const double d = rel_diff(p, dq);
        CHECKF(d > 0, "--lr-decay-from 5 left the weights of the constant-rate run (rel diff %g)", d);
        snprintf(dq, sizeof dq, "%s/decay_c", tmp);
        CHECK(run_train_sched(FC_ARCH_SEED, data, dq, cache, 8, 0, 8) == FC_EUSAGE);
    }

    /* --arch face (hinge loss, DiffAugment, EMA, spectral norm): the same exact resume, the
     * EMA generator and the spectral-norm vectors in the checkpoint, sampling from the EMA */
    {
        char fa[4200], fb[4200];
        snprintf(fa, sizeof fa, "%s/face_a", tmp);
        snprintf(fb, sizeof fb, "%s/face_b", tmp);
        CHECK(run_train_arch(FC_ARCH_FACE, data, fa, cache, 8, 0) == FC_OK);
        CHECK(run_train_arch(FC_ARCH_FACE, data, fb, cache, 3, 0) == FC_OK);
        CHECK(run_train_arch(FC_ARCH_FACE, data, fb, cache, 8, 1) == FC_OK);
        snprintf(p, sizeof p, "%s/checkpoint.safetensors", fa);
        char q[4400];
        snprintf(q, sizeof q, "%s/checkpoint.safetensors", fb);
        CHECKF(same_checkpoints(p, q), "face: resumed run differs from the straight run");
        fc_model *fm = NULL;
        fc_error ferr = {0};
        CHECK(fc_model_load(p, &fm, &ferr) == FC_OK && fm->arch == FC_ARCH_FACE && fm->has_ema && fm->step == 8);
        if (fm) {
            /* the EMA moved away from G, and u of a spectral-norm layer is a unit vector */
            CHECK(memcmp(fm->Gema.params, fm->G.params, fm->G.nparams * sizeof(float)) != 0);
            double un = 0;
            for (int i = 0; i < fm->D.layers[0].sn_rows; i++) un += (double)fm->D.layers[0].sn_u[i] * fm->D.layers[0].sn_u[i];
            CHECK(fm->D.layers[0].sn && fabs(un - 1) < 1e-4);
            /* generate uses the EMA generator: export it and compare with a generator-only load */
            float z[200], g1[2 * 3 * 64 * 64], g2[2 * 3 * 64 * 64];
            for (int i = 0; i < 200; i++) z[i] = (float)((i * 37) % 11) / 5.0f - 1.0f;
            CHECK(fc_model_generate(fm, z, 2, g1, &ferr) == FC_OK);
            snprintf(q, sizeof q, "%s/face_g.safetensors", tmp);
            CHECK(fc_model_save_generator(fm, q, 0, &ferr) == FC_OK);
            fc_model *gm = NULL;
            CHECK(fc_model_load(q, &gm, &ferr) == FC_OK && gm && !gm->has_d && !gm->has_ema);
            if (gm) {
                CHECK(fc_model_generate(gm, z, 2, g2, &ferr) == FC_OK);
                CHECK(memcmp(g1, g2, sizeof g1) == 0);
                float lo = 1, hi = 0;
                for (size_t i = 0; i < sizeof g2 / sizeof *g2; i++) lo = fminf(lo, g2[i]), hi = fmaxf(hi, g2[i]);
                CHECK(lo >= 0 && hi <= 1); /* the product's contract: generator output in [0,1] */
            }
            fc_model_free(gm);
        }
        fc_model_free(fm);
    }

    /* outputs */
    snprintf(p, sizeof p, "%s/samples/step_0000004.png", a);
    fc_image im;
    fc_error err = {0};
    CHECK(fc_image_load(p, &im, &err) == FC_OK && im.w == 8 * 64 + 9 * 2);
    fc_image_free(&im);
    snprintf(p, sizeof p, "%s/loss.png", a);
    CHECK(fc_image_load(p, &im, &err) == FC_OK && im.w == 800);
    fc_image_free(&im);
    snprintf(p, sizeof p, "%s/log.csv", b);
    FILE *f = fopen(p, "r");
    int lines = 0;
    char line[512];
    while (f && fgets(line, sizeof line, f)) lines++;
    if (f) fclose(f);
    CHECKF(lines == 9, "log.csv of the resumed run has %d lines, want header + 8", lines);

    /* a new run into a used folder without --resume is refused; --resume without checkpoint is bad input */
    CHECK(run_train(data, a, cache, 2, 0) == FC_EUSAGE);
    snprintf(p, sizeof p, "%s/none", tmp);
    CHECK(run_train(data, p, cache, 2, 1) == FC_EINPUT);
    /* missing and empty data folders: exit code 2 through the CLI */
    snprintf(p, sizeof p, "%s/empty", tmp);
    mkdir(p, 0777);
    CHECK(tu_system("%s train --data %s/nope --out %s/r1 --steps 1 2>/dev/null", tu_cli(), tmp, tmp) == 2);
    CHECK(tu_system("%s train --data %s --out %s/r2 --steps 1 2>/dev/null", tu_cli(), p, tmp) == 2);
    CHECK(tu_system("%s train --out %s/r3 2>/dev/null", tu_cli(), tmp) == 1);
    /* CLI end to end with the required checkpoint, then sample from it per the CLI contract (sample --model) */
    CHECK(tu_system("%s train --data %s --out %s/cli --width 0.125 --batch 4 --steps 2 --cache-dir %s "
                    "--threads 2 2>/dev/null",
                    tu_cli(), data, tmp, cache) == 0);
    f = fopen(p, "w"); /* reuse p as z file path */
    snprintf(p, sizeof p, "%s/z.f32", tmp);
    f = fopen(p, "wb");
    float z[2 * 100];
    for (int i = 0; i < 200; i++) z[i] = (float)(i % 7) - 3.0f;
    if (f) {
        fwrite(z, sizeof z, 1, f);
        fclose(f);
    }
    CHECK(tu_system("%s sample --model %s/cli/checkpoint.safetensors --z %s --raw %s/out.f32", tu_cli(), tmp, p, tmp) == 0);
    struct stat st;
    snprintf(p, sizeof p, "%s/out.f32", tmp);
    CHECK(stat(p, &st) == 0 && st.st_size == 2 * 3 * 64 * 64 * 4);
    /* existing output is not overwritten without --force */
    CHECK(tu_system("%s sample --model %s/cli/checkpoint.safetensors --n 2 --raw %s 2>/dev/null", tu_cli(), tmp, p) == 1);
    CHECK(tu_system("%s sample --model %s/cli/checkpoint.safetensors --n 2 --raw %s --force", tu_cli(), tmp, p) == 0);
    CHECK(tu_system("%s info %s/cli/checkpoint.safetensors | grep -q 'step:          2'", tu_cli(), tmp) == 0);
    /* kill -9 at arbitrary moments of a run that checkpoints every step: whatever is on disk
     * loads, and --resume continues from it */
    snprintf(p, sizeof p, "%s/killed/checkpoint.safetensors", tmp);
    int loaded = 0;
    for (int k = 0; k < 4; k++) {
        int resume = fc_file_exists(p);
        /* the kill comes 0.3-1.6 s after a checkpoint exists (polled, for up to 2 minutes: a
         * loaded or sanitizer machine starts slowly), so it lands at varying points of the
         * steps and checkpoint writes that follow */
        tu_system("%s train --data %s --out %s/killed --width 0.125 --batch 4 --steps 100000 --cache-dir %s "
                  "--ckpt-every 1 --sample-every 0 --threads 1 %s 2>/dev/null & pid=$!; i=0; "
                  "while [ ! -f %s ] && [ $i -lt 2400 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; i=$((i+1)); done; "
                  "sleep %d.%d; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null",
                  tu_cli(), data, tmp, cache, resume ? "--resume" : "", p, k / 2, 3 + 4 * k % 10);
        if (!fc_file_exists(p)) continue; /* killed before its first checkpoint */
        fc_model *km = NULL;
        CHECKF(fc_model_load(p, &km, &err) == FC_OK, "checkpoint after kill -9 does not load: %s", err.msg);
        loaded += km != NULL;
        fc_model_free(km);
    }
    CHECKF(loaded > 0, "no checkpoint was written before any of the kills");
    {
        fc_model *km = NULL;
        uint64_t at = 0;
        if (fc_model_load(p, &km, &err) == FC_OK) at = fc_model_step(km);
        fc_model_free(km);
        km = NULL;
        CHECK(tu_system("%s train --data %s --out %s/killed --width 0.125 --batch 4 --steps %llu --cache-dir %s "
                        "--resume --threads 1 2>/dev/null",
                        tu_cli(), data, tmp, (unsigned long long)at + 2, cache) == 0);
        CHECK(fc_model_load(p, &km, &err) == FC_OK && fc_model_step(km) == at + 2);
        fc_model_free(km);
    }
    tu_system("rm -rf '%s'", tmp);
    free(tmp);
    return TEST_END();
}
