/* The training loop: data, adversarial steps, log, sample grids, checkpoints, resume.
 *
 * Exact resume: everything a step depends on is a function of the checkpoint
 * (weights, Adam moments, step counter, the latent and dropout generators' states)
 * and of (seed, step) for the data order, so a run stopped and resumed ends with
 * the same weights as one that ran straight through. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "data/dataset.h"
#include "model/checkpoint.h"
#include "train/step.h"
#include "train/trainlog.h"
#include "util/error.h"
#include "util/fileio.h"

#define IMG (3 * FC_IMAGE_SIZE * FC_IMAGE_SIZE)
#define N_SAMPLE 64

void fc_train_config_default(fc_train_config *c) {
    memset(c, 0, sizeof *c);
    c->partition = "train";
    c->arch = FC_ARCH_SEED;
    c->width = 1.0f;
    c->epochs = 1;
    c->batch = 64;
    c->seed = 1;
    c->lr_g = c->lr_d = 1e-4f;
    c->beta1 = 0.9f;
    c->beta2 = 0.999f;
    c->adam_eps = 1e-8f;
    c->dropout = 0.2f;
    c->sample_every = 500;
    c->ckpt_every = 500;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void msg(const fc_train_config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg(const fc_train_config *c, const char *fmt, ...) {
    if (!c->on_message) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->on_message(line, c->user);
}

static void rng_to_hex(const fc_rng *r, char *out, size_t n) {
    snprintf(out, n, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, r->s[0], r->s[1], r->s[2], r->s[3]);
}

static int rng_from_hex(const char *s, fc_rng *r) {
    if (!s || strlen(s) != 64) return -1;
    for (int i = 0; i < 4; i++) {
        char part[17];
        memcpy(part, s + 16 * i, 16);
        part[16] = 0;
        char *end;
        r->s[i] = strtoull(part, &end, 16);
        if (*end) return -1;
    }
    return 0;
}

/* data pipeline callbacks -> one-line messages */
typedef struct data_cb_state {
    const fc_train_config *cfg;
    int last_decile;
} data_cb_state;

static void data_warn(void *ctx, const char *line) {
    data_cb_state *d = ctx;
    msg(d->cfg, "data: %s", line);
}

static void data_progress(void *ctx, size_t done, size_t total) {
    data_cb_state *d = ctx;
    int decile = total ? (int)(done * 10 / total) : 10;
    if (decile > d->last_decile || done == total) {
        d->last_decile = decile;
        msg(d->cfg, "decoding images for the cache: %zu/%zu", done, total);
    }
}

typedef struct run_state {
    const fc_train_config *cfg;
    fc_model *m;
    fc_trainer tr;
    char ckpt_path[4096], log_path[4096], samples_dir[4096], plot_path[4096];
    float *zfix, *grid_buf;
} run_state;

static int save_checkpoint(run_state *s, fc_error *err) {
    char rz[80], rd[80], batch[32], lrg[32], lrd[32], b1[32], b2[32];
    rng_to_hex(&s->tr.zrng, rz, sizeof rz);
    rng_to_hex(&s->m->D.rng, rd, sizeof rd);
    snprintf(batch, sizeof batch, "%d", s->cfg->batch);
    snprintf(lrg, sizeof lrg, "%.9g", s->cfg->lr_g);
    snprintf(lrd, sizeof lrd, "%.9g", s->cfg->lr_d);
    snprintf(b1, sizeof b1, "%.9g", s->cfg->beta1);
    snprintf(b2, sizeof b2, "%.9g", s->cfg->beta2);
    const char *meta[] = {"rng_z", rz, "rng_dropout", rd, "batch", batch, "lr_g", lrg, "lr_d", lrd,
                          "beta1", b1, "beta2", b2, "partition", s->cfg->partition};
    fc_ckpt_opts o = {.with_optimizer = 1, .overwrite = 1, .meta = meta, .n_meta = sizeof meta / sizeof meta[0] / 2};
    return fc_checkpoint_save(s->m, s->ckpt_path, &o, err);
}

static int save_samples(run_state *s, fc_error *err) {
    int rc = fc_model_generate(s->m, s->zfix, N_SAMPLE, s->grid_buf, err);
    if (rc) return rc;
    fc_model_output_to_unit(s->m, s->grid_buf, (size_t)N_SAMPLE * IMG);
    fc_image grid;
    if ((rc = fc_grid_image(s->grid_buf, N_SAMPLE, 8, 2, &grid, err))) return rc;
    char path[4200];
    snprintf(path, sizeof path, "%s/step_%07" PRIu64 ".png", s->samples_dir, s->m->step);
    rc = fc_image_save_png(&grid, path, 1, err);
    fc_image_free(&grid);
    return rc;
}

/* Open or resume the model. */
static int open_model(run_state *s, fc_error *err) {
    const fc_train_config *c = s->cfg;
    int exists = fc_file_exists(s->ckpt_path);
    if (!c->resume) {
        if (exists)
            return fc_fail(err, FC_EUSAGE, "%s already holds a checkpoint: use --resume to continue it, or another --out",
                           c->out_dir);
        int rc = fc_model_create(c->arch, c->width, c->seed, &s->m, err);
        if (rc) return rc;
        return fc_trainer_init(&s->tr, s->m, c->batch,
                               &(fc_adam_cfg){c->lr_g, c->beta1, c->beta2, c->adam_eps},
                               &(fc_adam_cfg){c->lr_d, c->beta1, c->beta2, c->adam_eps}, c->seed ^ 0x2a7e5, err);
    }
    if (!exists) return fc_fail(err, FC_EINPUT, "--resume: no checkpoint at %s", s->ckpt_path);
    fc_st_file *f = NULL;
    int rc = fc_st_open(s->ckpt_path, 0, &f, err);
    if (rc) return rc;
    rc = fc_checkpoint_load_st(f, s->ckpt_path, &s->m, err);
    if (!rc && !s->m->has_d) rc = fc_fail(err, FC_EINPUT, "%s holds no discriminator: cannot resume", s->ckpt_path);
    if (!rc && (s->m->arch != c->arch || fabsf(s->m->width - c->width) > 1e-6f))
        rc = fc_fail(err, FC_EUSAGE, "--resume: the checkpoint is --arch %s --width %g, not %s %g",
                     fc_arch_name(s->m->arch), s->m->width, fc_arch_name(c->arch), c->width);
    const char *b = rc ? NULL : fc_st_meta(f, "batch");
    if (!rc && b && atoi(b) != c->batch)
        rc = fc_fail(err, FC_EUSAGE, "--resume: the run used --batch %s, not %d", b, c->batch);
    if (!rc) rc = fc_trainer_init(&s->tr, s->m, c->batch, &(fc_adam_cfg){c->lr_g, c->beta1, c->beta2, c->adam_eps},
                                  &(fc_adam_cfg){c->lr_d, c->beta1, c->beta2, c->adam_eps}, 0, err);
    if (!rc && (rng_from_hex(fc_st_meta(f, "rng_z"), &s->tr.zrng) ||
                rng_from_hex(fc_st_meta(f, "rng_dropout"), &s->m->D.rng)))
        rc = fc_fail(err, FC_EINPUT, "%s: missing or malformed generator state (rng_z, rng_dropout)", s->ckpt_path);
    fc_st_close(f);
    return rc;
}

int fc_train(const fc_train_config *c, fc_error *err) {
    run_state s = {.cfg = c};
    fc_dataset *ds = NULL;
    fc_loader *ld = NULL;
    fc_trainlog log = {0};
    float *reals = NULL;
    int rc;
    if (c->batch < 1) return fc_fail(err, FC_EUSAGE, "--batch must be at least 1");
    if ((rc = fc_mkdirs(c->out_dir, err))) return rc;
    snprintf(s.ckpt_path, sizeof s.ckpt_path, "%s/checkpoint.safetensors", c->out_dir);
    snprintf(s.log_path, sizeof s.log_path, "%s/log.csv", c->out_dir);
    snprintf(s.samples_dir, sizeof s.samples_dir, "%s/samples", c->out_dir);
    snprintf(s.plot_path, sizeof s.plot_path, "%s/loss.png", c->out_dir);
    if ((rc = fc_mkdirs(s.samples_dir, err))) return rc;
    fc_set_threads(c->threads);

    if ((rc = open_model(&s, err))) goto done;
    fc_model_set_dropout(s.m, c->dropout);

    /* data */
    float lo, hi;
    fc_model_data_range(s.m, &lo, &hi);
    fc_partition part;
    if ((rc = fc_partition_parse(c->partition ? c->partition : "train", &part, err))) goto done;
    char cache_dir[4096];
    if (c->cache_dir) snprintf(cache_dir, sizeof cache_dir, "%s", c->cache_dir);
    else if (fc_data_default_cache_dir(cache_dir, sizeof cache_dir, err)) cache_dir[0] = 0;
    data_cb_state dcs = {c, 0};
    fc_dataset_opts dopt = {.partition = part,
                            .cache_dir = cache_dir[0] ? cache_dir : NULL,
                            .threads = c->threads,
                            .cb = {data_warn, data_progress, &dcs}};
    if (dopt.cache_dir && (rc = fc_mkdirs(dopt.cache_dir, err))) goto done;
    if ((rc = fc_dataset_open(c->data_dir, &dopt, &ds, err))) goto done;
    size_t count = ds->count;
    msg(c, "data: %zu images from %s (%s%zu skipped)%s%s", count, c->data_dir,
        ds->from_cache ? "cached, " : "", ds->skipped, ds->cache_path ? "; cache " : "",
        ds->cache_path ? ds->cache_path : "");
    if (count < (size_t)c->batch) {
        rc = fc_fail(err, FC_EINPUT, "%s has %zu usable images, fewer than one batch of %d", c->data_dir, count, c->batch);
        goto done;
    }
    uint64_t spe = count / (uint64_t)c->batch;
    uint64_t total = c->steps ? c->steps : c->epochs * spe;
    fc_loader_opts lopt = {.batch = c->batch, .seed = c->seed, .lo = lo, .hi = hi, .rank = 0, .world = 1};
    if ((rc = fc_loader_create(ds, &lopt, &ld, err))) goto done;

    /* fixed latent vectors for sample grids, so grids across training are comparable */
    s.zfix = fc_alloc_floats((size_t)N_SAMPLE * FC_LATENT_DIM);
    s.grid_buf = fc_alloc_floats((size_t)N_SAMPLE * IMG);
    reals = fc_alloc_floats((size_t)c->batch * IMG);
    if (!s.zfix || !s.grid_buf || !reals) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory");
        goto done;
    }
    fc_rng zr;
    fc_rng_seed(&zr, c->seed ^ 0x5a3b1e);
    fc_rng_fill_normal(&zr, s.zfix, (size_t)N_SAMPLE * FC_LATENT_DIM, 0, 1);

    if ((rc = fc_trainlog_open(&log, s.log_path, s.m->step, err))) goto done;
    msg(c, "training %s (width %g): %zu images, batch %d, %" PRIu64 " steps/epoch, steps %" PRIu64 " -> %" PRIu64,
        fc_arch_name(s.m->arch), s.m->width, count, c->batch, spe, s.m->step, total);
    if (s.m->step == 0 && (rc = save_samples(&s, err))) goto done;

    double t_start = now(), ema_rate = 0;
    uint64_t first = s.m->step;
    while (s.m->step < total) {
        if (c->stop && *c->stop) {
            msg(c, "stopping at step %" PRIu64 " as asked", s.m->step);
            break;
        }
        if (c->max_seconds && now() - t_start > (double)c->max_seconds) {
            msg(c, "time limit reached at step %" PRIu64, s.m->step);
            break;
        }
        double t0 = now();
        fc_loader_stats ls0, ls1;
        fc_loader_get_stats(ld, &ls0);
        if ((rc = fc_loader_next(ld, s.m->step, reals, err))) goto done;
        fc_loader_get_stats(ld, &ls1);
        double wait = ls1.wait_s - ls0.wait_s;
        fc_step_stats st;
        fc_trainer_step(&s.tr, reals, NULL, NULL, &st);
        double dt = now() - t0, rate = c->batch / dt;
        ema_rate = ema_rate == 0 ? rate : 0.9 * ema_rate + 0.1 * rate;
        fc_train_progress p = {.step = s.m->step,
                               .total_steps = total,
                               .epoch = (s.m->step - 1) / spe,
                               .d_loss = st.d_loss,
                               .g_loss = st.g_loss,
                               .d_real = st.d_real,
                               .d_fake = st.d_fake,
                               .img_per_s = ema_rate,
                               .eta_s = (double)(total - s.m->step) * c->batch / ema_rate,
                               .data_wait_s = wait};
        if ((rc = fc_trainlog_append(&log, &p, err))) goto done;
        if (c->on_step) c->on_step(&p, c->user);
        if (!isfinite(st.d_loss) || !isfinite(st.g_loss)) {
            rc = fc_fail(err, FC_EINTERNAL, "loss became non-finite at step %" PRIu64 " (d %g, g %g)", s.m->step,
                         st.d_loss, st.g_loss);
            goto done;
        }
        int last = s.m->step == total;
        if (c->sample_every && s.m->step % c->sample_every == 0 && !last && (rc = save_samples(&s, err))) goto done;
        if (c->ckpt_every && s.m->step % c->ckpt_every == 0 && !last) {
            if ((rc = save_checkpoint(&s, err)) || (rc = fc_trainlog_plot(&log, s.plot_path, err))) goto done;
        }
    }
    /* final (or interrupted) state */
    if (s.m->step > first || !fc_file_exists(s.ckpt_path)) {
        if ((rc = save_checkpoint(&s, err))) goto done;
        if ((rc = save_samples(&s, err))) goto done;
    }
    rc = fc_trainlog_plot(&log, s.plot_path, err);
    msg(c, "checkpoint %s at step %" PRIu64 "; log %s; loss curve %s; samples in %s", s.ckpt_path, s.m->step, s.log_path,
        s.plot_path, s.samples_dir);
done:
    fc_trainlog_close(&log);
    fc_loader_free(ld);
    fc_dataset_free(ds);
    fc_trainer_free(&s.tr);
    fc_model_free(s.m);
    fc_free_aligned(s.zfix);
    fc_free_aligned(s.grid_buf);
    fc_free_aligned(reals);
    return rc;
}
