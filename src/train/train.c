/* The training loop: data, adversarial steps, log, sample grids, checkpoints, resume.
 *
 * Exact resume: everything a step depends on is a function of the checkpoint
 * (weights, Adam moments, step counter, the latent generator's state, the dropout
 * seed) and of (seed, step) for the data order and dropout masks, so a run stopped
 * and resumed ends with the same weights as one that ran straight through.
 *
 * Data parallel (c->dist, docs/distributed.md): every rank runs this loop on its
 * shard; rank 0 opens or resumes the model and broadcasts it, and alone writes
 * files and reports.  Every decision that ends the loop (an error, a stop request,
 * the time limit) is agreed by all ranks in a collective, so no rank is left
 * waiting in a collective that the others never enter. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "data/dataset.h"
#include "model/checkpoint.h"
#include "train/dist.h"
#include "train/resume_meta.h"
#include "train/step.h"
#include "train/trainlog.h"
#include "util/error.h"
#include "util/fileio.h"

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
    c->loss = FC_LOSS_BCE;
}

void fc_train_config_for_arch(fc_train_config *c, fc_arch arch) {
    c->arch = arch;
    if (!fc_arch_is_face(arch)) return;
    /* Miyato et al. 2018's hinge + spectral-norm setting (lr 2e-4, betas (0.5, 0.999)) and a
     * weight EMA of G for sampling.  DiffAugment is off by default: within the few epochs these
     * CPUs afford it slowed learning far more than it helped (models/README.md, "`face`: the
     * cover generator (default)": at batch 64 no faces by step 591 with it, faces by step 150 without). */
    c->loss = FC_LOSS_HINGE;
    c->diffaug = 0;
    c->reuse_fakes = 1;
    c->ema_decay = 0.999f;
    c->lr_g = c->lr_d = 2e-4f;
    c->beta1 = 0.5f;
    c->beta2 = 0.999f;
}

int fc_loss_parse(const char *name, fc_loss *out) {
    if (!strcmp(name, "bce")) *out = FC_LOSS_BCE;
    else if (!strcmp(name, "hinge")) *out = FC_LOSS_HINGE;
    else return FC_EUSAGE;
    return FC_OK;
}

const char *fc_loss_name(fc_loss loss) { return loss == FC_LOSS_HINGE ? "hinge" : "bce"; }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void msg(const fc_train_config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg(const fc_train_config *c, const char *fmt, ...) {
    if (!c->on_message || !fc_dist_is_root(c->dist)) return; /* other ranks stay quiet */
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->on_message(line, c->user);
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
    const fc_dist *dist;
    int root, world;
    fc_model *m;
    fc_trainer tr;
    fc_dataset *ds;
    fc_loader *ld;
    fc_trainlog log;
    data_cb_state dcs;
    char ckpt_path[4096], log_path[4096], samples_dir[4096], plot_path[4096];
    float *reals;            /* this rank's rows of a batch */
    float *zfix, *grid_buf;  /* rank 0: fixed latent vectors for sample grids, and their faces */
    uint64_t spe, total;     /* steps per epoch; the step to reach */
    uint64_t first;          /* the step the run started (or resumed) at */
    double t_start, ema_rate;
} run_state;

/* What the ranks agree on after each step, in one collective (a sum over ranks):
 * the step's statistics weighted by each rank's share of the batch (so the sums
 * are global-batch means), and how many ranks could not read their data, were
 * asked to stop, or reached the time limit. */
typedef struct step_votes {
    double d_loss, g_loss, d_real, d_fake;
    double data_failed, stop_asked, time_up;
} step_votes;
#define N_VOTES ((int)(sizeof(step_votes) / sizeof(double)))
_Static_assert(sizeof(step_votes) == 7 * sizeof(double), "step_votes is summed as an array of doubles");

static int save_checkpoint(run_state *s, fc_error *err) {
    char rz[80], rd[32], batch[32], lrg[32], lrd[32], b1[32], b2[32], ema[32];
    fc_rng_to_hex(&s->tr.zrng, rz, sizeof rz);
    snprintf(rd, sizeof rd, "%016" PRIx64, s->m->D.drop_seed);
    snprintf(batch, sizeof batch, "%d", s->cfg->batch);
    snprintf(lrg, sizeof lrg, "%.9g", s->cfg->lr_g);
    snprintf(lrd, sizeof lrd, "%.9g", s->cfg->lr_d);
    snprintf(b1, sizeof b1, "%.9g", s->cfg->beta1);
    snprintf(b2, sizeof b2, "%.9g", s->cfg->beta2);
    snprintf(ema, sizeof ema, "%.9g", s->tr.ema_decay);
    const char *meta[] = {"rng_z", rz, "dropout_seed", rd, "batch", batch, "lr_g", lrg, "lr_d", lrd,
                          "beta1", b1, "beta2", b2, "partition", s->cfg->partition,
                          "loss", fc_loss_name(s->tr.loss), "diffaug", s->tr.diffaug ? "1" : "0", "ema_decay", ema,
                          "reuse_fakes", s->tr.reuse_fakes ? "1" : "0"};
    fc_ckpt_opts o = {.with_optimizer = 1, .overwrite = 1, .meta = meta, .n_meta = sizeof meta / sizeof meta[0] / 2};
    return fc_checkpoint_save(s->m, s->ckpt_path, &o, err);
}

static int save_samples(run_state *s, fc_error *err) {
    int rc = fc_model_generate(s->m, s->zfix, N_SAMPLE, s->grid_buf, err);
    if (rc) return rc;
    fc_model_output_to_unit(s->m, s->grid_buf, (size_t)N_SAMPLE * fc_model_image_floats(s->m));
    fc_image grid;
    if ((rc = fc_grid_image_side(s->grid_buf, N_SAMPLE, fc_model_image_size(s->m), 8, 2, &grid, err))) return rc;
    char path[4200];
    snprintf(path, sizeof path, "%s/step_%07" PRIu64 ".png", s->samples_dir, s->m->step);
    rc = fc_image_save_png(&grid, path, 1, err);
    fc_image_free(&grid);
    return rc;
}

static int init_trainer(run_state *s, uint64_t zseed, fc_error *err) {
    const fc_train_config *c = s->cfg;
    int rc = fc_trainer_init_dist(&s->tr, s->m, c->batch, &(fc_adam_cfg){c->lr_g, c->beta1, c->beta2, c->adam_eps},
                                  &(fc_adam_cfg){c->lr_d, c->beta1, c->beta2, c->adam_eps}, zseed, c->dist, err);
    return rc ? rc : fc_trainer_set_options(&s->tr, c->loss, c->diffaug, c->ema_decay, c->reuse_fakes, err);
}

/* A resumed run with other loss/augmentation/EMA settings than its checkpoint's: say so. */
static void note_changed_options(const run_state *s, const fc_st_file *f) {
    const char *l = fc_st_meta(f, "loss"), *a = fc_st_meta(f, "diffaug"), *e = fc_st_meta(f, "ema_decay");
    const fc_train_config *c = s->cfg;
    char ema[32];
    snprintf(ema, sizeof ema, "%.9g", c->ema_decay);
    if ((l && strcmp(l, fc_loss_name(c->loss))) || (a && atoi(a) != (c->diffaug != 0)) || (e && strcmp(e, ema)))
        msg(c, "note: resuming with --loss %s --diffaug %d --ema %s; the checkpoint was trained with %s, %s, %s",
            fc_loss_name(c->loss), c->diffaug != 0, ema, l ? l : "?", a ? a : "?", e ? e : "?");
    if (!fc_st_find(f, "optim.G.exp_avg"))
        msg(c, "note: %s holds no Adam moments (export --resume-state --no-moments): they start fresh", s->ckpt_path);
    const char *r = fc_st_meta(f, "reuse_fakes"); /* absent: written before the option (fresh z) */
    if ((r ? atoi(r) != 0 : 0) != (c->reuse_fakes != 0))
        msg(c, "note: resuming with --reuse-fakes %d; the checkpoint was trained with %d", c->reuse_fakes != 0,
            r ? atoi(r) != 0 : 0);
}

/* Open or resume the model (rank 0; the others build a fresh one and receive rank 0's state). */
static int open_model(run_state *s, fc_error *err) {
    const fc_train_config *c = s->cfg;
    int exists = fc_file_exists(s->ckpt_path);
    if (!c->resume) {
        if (exists)
            return fc_fail(err, FC_EUSAGE, "%s already holds a checkpoint: use --resume to continue it, or another --out",
                           c->out_dir);
        int rc = fc_model_create(c->arch, c->width, c->seed, &s->m, err);
        if (rc) return rc;
        return init_trainer(s, c->seed ^ 0x2a7e5, err);
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
    if (!rc) rc = init_trainer(s, 0, err);
    if (!rc) note_changed_options(s, f);
    if (!rc && (fc_rng_from_hex(fc_st_meta(f, "rng_z"), &s->tr.zrng) || fc_resume_dropout_seed(f, &s->m->D.drop_seed)))
        rc = fc_fail(err, FC_EINPUT, "%s: missing or malformed generator state (rng_z, dropout_seed)", s->ckpt_path);
    fc_st_close(f);
    return rc;
}

/* A failure every rank detects identically: rank 0 reports it, the others fail quietly. */
static int quiet(fc_error *err, int code) {
    if (err) {
        err->code = code;
        err->msg[0] = 0;
    }
    return code;
}

/* After a collective fc_dist_agree: a rank that did not fail itself stops with the same
 * code; rank 0 says so, the others stay quiet (the failing rank reports its own error). */
static int agreed(const fc_dist *d, int rc, fc_error *err) {
    int all = fc_dist_agree(d, rc);
    if (rc || !all) return rc;
    if (fc_dist_is_root(d)) return fc_fail(err, all, "stopped: another process failed (see its message)");
    return quiet(err, all);
}

static void bcast_floats(const fc_dist *d, float *x, size_t n) { fc_dist_bcast(d, x, n * sizeof(float), 0); }

/* Rank 0's model and generator state to every rank (fresh runs too: the ranks start identical
 * by construction, not by trusting that every rank computed the same initialisation). */
static int share_model(run_state *s, fc_error *err) {
    const fc_dist *d = s->cfg->dist;
    fc_model *m = s->m;
    uint64_t shape[2] = {m->G.nparams, m->D.nparams}, mine[2] = {shape[0], shape[1]};
    fc_dist_bcast(d, shape, sizeof shape, 0);
    int rc = shape[0] != mine[0] || shape[1] != mine[1]
                 ? fc_fail(err, FC_EINTERNAL, "the processes built different models (%zu+%zu parameters, rank 0 has "
                                              "%llu+%llu)", m->G.nparams, m->D.nparams, (unsigned long long)shape[0],
                           (unsigned long long)shape[1])
                 : FC_OK;
    if ((rc = agreed(d, rc, err))) return rc;
    fc_net *nets[2] = {&m->G, &m->D};
    for (int k = 0; k < 2; k++) {
        fc_net *n = nets[k];
        bcast_floats(d, n->params, n->nparams);
        bcast_floats(d, n->adam_m, n->nparams);
        bcast_floats(d, n->adam_v, n->nparams);
        for (int i = 0; i < n->nlayers; i++) {
            fc_layer *L = &n->layers[i];
            if (L->kind == FC_L_BN) {
                bcast_floats(d, L->running_mean, (size_t)L->in_c);
                bcast_floats(d, L->running_var, (size_t)L->in_c);
            }
            if (L->sn) {
                bcast_floats(d, L->sn_u, (size_t)L->sn_rows);
                bcast_floats(d, L->sn_v, (size_t)L->sn_cols);
            }
        }
    }
    if (m->has_ema) bcast_floats(d, m->Gema.params, m->Gema.nparams);
    uint64_t st[8] = {m->step, m->adam_t, m->seed, m->D.drop_seed,
                      s->tr.zrng.s[0], s->tr.zrng.s[1], s->tr.zrng.s[2], s->tr.zrng.s[3]};
    fc_dist_bcast(d, st, sizeof st, 0);
    m->step = st[0], m->adam_t = st[1], m->seed = st[2], m->D.drop_seed = st[3];
    memcpy(s->tr.zrng.s, st + 4, sizeof s->tr.zrng.s);
    return FC_OK;
}

/* BatchNorm running statistics drift apart per rank (batch statistics are per rank); before
 * they are written, every rank takes their batch-weighted mean, so checkpoints, samples and
 * the ranks agree.  No-op without BatchNorm or with one process. */
static void sync_bn_buffers(run_state *s) {
    const fc_dist *d = s->cfg->dist;
    double frac = (double)s->tr.rows / s->tr.batch;
    fc_net *nets[2] = {&s->m->G, &s->m->D};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < nets[k]->nlayers; i++) {
            fc_layer *L = &nets[k]->layers[i];
            if (L->kind != FC_L_BN) continue;
            fc_dist_allreduce_mean(d, L->running_mean, (size_t)L->in_c, frac);
            fc_dist_allreduce_mean(d, L->running_var, (size_t)L->in_c, frac);
        }
}

/* One hash of everything training updates, compared across ranks. */
static int ranks_in_sync(run_state *s) {
    uint64_t h = 0;
    fc_net *nets[2] = {&s->m->G, &s->m->D};
    for (int k = 0; k < 2; k++) {
        h = fc_dist_hash(nets[k]->params, nets[k]->nparams * sizeof(float), h);
        h = fc_dist_hash(nets[k]->adam_m, nets[k]->nparams * sizeof(float), h);
        h = fc_dist_hash(nets[k]->adam_v, nets[k]->nparams * sizeof(float), h);
    }
    return fc_dist_same(s->cfg->dist, &h, sizeof h);
}

/* Checkpoint (+ loss curve) and/or sample grid: collective (buffers), written by rank 0. */
static int save_outputs(run_state *s, fc_trainlog *log, int ckpt, int samples, fc_error *err) {
    sync_bn_buffers(s);
    int rc = FC_OK;
    if (fc_dist_is_root(s->cfg->dist)) {
        rc = fc_model_ema_refresh_bn(s->m, 4, N_SAMPLE, err); /* standing statistics for the EMA generator */
        if (!rc && samples) rc = save_samples(s, err);
        if (!rc && ckpt) rc = save_checkpoint(s, err);
        if (!rc && ckpt && log) rc = fc_trainlog_plot(log, s->plot_path, err);
    }
    return agreed(s->cfg->dist, rc, err);
}

/* Threads per rank: as asked, else the node's cores shared among the ranks on it. */
static int threads_per_rank(const fc_train_config *c) {
    if (c->threads || !c->dist || c->dist->local_size <= 1) return c->threads;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int t = (int)(cores / c->dist->local_size);
    return t < 1 ? 1 : t;
}

static int open_data(const fc_train_config *c, int threads, int size, data_cb_state *dcs, fc_dataset **ds,
                     fc_error *err) {
    fc_partition part;
    int rc = fc_partition_parse(c->partition ? c->partition : "train", &part, err);
    if (rc) return rc;
    char cache_dir[4096];
    if ((rc = fc_data_cache_dir(c->cache_dir, cache_dir, sizeof cache_dir, err))) return rc;
    fc_dataset_opts dopt = {.partition = part,
                            .cache_dir = cache_dir[0] ? cache_dir : NULL,
                            .threads = threads,
                            .cb = {data_warn, data_progress, dcs},
                            .size = size};
    return fc_dataset_open(c->data_dir, &dopt, ds, err);
}

/* A failure that every rank detects identically: rank 0 reports it, the others fail quietly. */
static int fail_all(const run_state *s, fc_error *err, int rc) { return s->root ? rc : quiet(err, rc); }

/* ---- setup: checks, output folders, the model (rank 0's on every rank), the data, the
 * loader and buffers, the log, and the first sample grid of a fresh run. */
static int setup_model(run_state *s, fc_error *err) {
    const fc_train_config *c = s->cfg;
    int rc;
    if (s->root) {
        rc = fc_mkdirs(c->out_dir, err);
        if (!rc) rc = fc_mkdirs(s->samples_dir, err);
        if (!rc) rc = open_model(s, err);
    } else {
        rc = fc_model_create(c->arch, c->width, c->seed, &s->m, err);
        if (!rc) rc = init_trainer(s, 0, err);
    }
    if ((rc = agreed(s->dist, rc, err))) return rc;
    if ((rc = share_model(s, err))) return rc;
    fc_model_set_dropout(s->m, c->dropout);
    if (fc_model_set_precision(s->m, c->precision) != c->precision)
        msg(c, "--precision %s needs AVX512-BF16, which this CPU lacks: training in fp32", fc_precision_name(c->precision));
    else if (c->precision != FC_PREC_FP32)
        msg(c, "precision %s: bf16 convolution and dense inputs, fp32 sums, fp32 weights and Adam",
            fc_precision_name(c->precision));
    return FC_OK;
}

/* Rank 0 first (it may build the cache), then the others (they find it, if shared);
 * every rank must see the same images. */
static int setup_data(run_state *s, int threads, fc_error *err) {
    const fc_train_config *c = s->cfg;
    s->dcs = (data_cb_state){c, 0};
    const int size = fc_model_image_size(s->m); /* the data at the size D reads */
    int rc = s->root ? open_data(c, threads, size, &s->dcs, &s->ds, err) : FC_OK;
    if ((rc = agreed(s->dist, rc, err))) return rc;
    rc = s->root ? FC_OK : open_data(c, threads, size, &s->dcs, &s->ds, err);
    if ((rc = agreed(s->dist, rc, err))) return rc;
    size_t count = s->ds->count;
    uint64_t counts[2] = {count, ~(uint64_t)count};
    fc_dist_allreduce_max_u64(s->dist, counts, 2);
    if (counts[0] != ~counts[1])
        return fail_all(s, err, fc_fail(err, FC_EINPUT, "the processes see different data: %zu to %llu usable images in %s",
                                        count, (unsigned long long)~counts[1], c->data_dir));
    msg(c, "data: %zu images from %s (%s%zu skipped)%s%s", count, c->data_dir, s->ds->from_cache ? "cached, " : "",
        s->ds->skipped, s->ds->cache_path ? "; cache " : "", s->ds->cache_path ? s->ds->cache_path : "");
    if (count < (size_t)c->batch)
        return fail_all(s, err, fc_fail(err, FC_EINPUT, "%s has %zu usable images, fewer than one batch of %d",
                                        c->data_dir, count, c->batch));
    s->spe = count / (uint64_t)c->batch;
    s->total = c->steps ? c->steps : c->epochs * s->spe;
    if (c->lr_decay_from && c->lr_decay_from >= s->total)
        return fail_all(s, err, fc_fail(err, FC_EUSAGE, "--lr-decay-from %llu is not before the run's last step (%llu)",
                                        (unsigned long long)c->lr_decay_from, (unsigned long long)s->total));
    if (c->lr_decay_from)
        msg(c, "learning rates: constant to step %llu, then falling linearly to 1/%llu of it at step %llu",
            (unsigned long long)c->lr_decay_from, (unsigned long long)(s->total - c->lr_decay_from),
            (unsigned long long)s->total);
    float lo, hi;
    fc_model_data_range(s->m, &lo, &hi);
    fc_loader_opts lopt = {.batch = c->batch, .seed = c->seed, .lo = lo, .hi = hi,
                           .rank = fc_dist_rank(s->dist), .world = s->world};
    return fc_loader_create(s->ds, &lopt, &s->ld, err);
}

/* Buffers, fixed latent vectors for sample grids (so grids across training are
 * comparable) and the log. */
static int setup_outputs(run_state *s, fc_error *err) {
    const fc_train_config *c = s->cfg;
    int rc = FC_OK;
    s->reals = fc_alloc_floats((size_t)s->tr.rows * fc_model_image_floats(s->m));
    if (s->root) {
        s->zfix = fc_alloc_floats((size_t)N_SAMPLE * FC_LATENT_DIM);
        s->grid_buf = fc_alloc_floats((size_t)N_SAMPLE * fc_model_image_floats(s->m));
    }
    if (!s->reals || (s->root && (!s->zfix || !s->grid_buf))) rc = fc_fail(err, FC_ENOMEM, "out of memory");
    if (!rc && s->root) {
        fc_rng zr;
        fc_rng_seed(&zr, c->seed ^ 0x5a3b1e);
        fc_rng_fill_normal(&zr, s->zfix, (size_t)N_SAMPLE * FC_LATENT_DIM, 0, 1);
        rc = fc_trainlog_open(&s->log, s->log_path, s->m->step, err);
    }
    return agreed(s->dist, rc, err);
}

static int setup(run_state *s, fc_error *err) {
    const fc_train_config *c = s->cfg;
    s->dist = c->dist;
    s->root = fc_dist_is_root(s->dist);
    s->world = fc_dist_world(s->dist);
    if (c->batch < s->world) /* checks every rank makes identically: rank 0 speaks */
        return fail_all(s, err, c->batch < 1 ? fc_fail(err, FC_EUSAGE, "--batch must be at least 1")
                                             : fc_fail(err, FC_EUSAGE, "--batch %d is smaller than the %d processes "
                                                                       "sharing it", c->batch, s->world));
    snprintf(s->ckpt_path, sizeof s->ckpt_path, "%s/checkpoint.safetensors", c->out_dir);
    snprintf(s->log_path, sizeof s->log_path, "%s/log.csv", c->out_dir);
    snprintf(s->samples_dir, sizeof s->samples_dir, "%s/samples", c->out_dir);
    snprintf(s->plot_path, sizeof s->plot_path, "%s/loss.png", c->out_dir);
    const int threads = threads_per_rank(c);
    fc_set_threads(threads);
    int rc = setup_model(s, err);
    if (!rc) rc = setup_data(s, threads, err);
    if (!rc) rc = setup_outputs(s, err);
    if (rc) return rc;
    if (s->world > 1)
        msg(c, "data parallel: %d processes, %d thread%s each; rank 0 trains rows [%d, %d) of each batch of %d",
            s->world, fc_get_threads(), fc_get_threads() == 1 ? "" : "s", s->tr.row0, s->tr.row0 + s->tr.rows,
            c->batch);
    msg(c, "training %s (width %g): %zu images, batch %d, %" PRIu64 " steps/epoch, steps %" PRIu64 " -> %" PRIu64,
        fc_arch_name(s->m->arch), s->m->width, s->ds->count, c->batch, s->spe, s->m->step, s->total);
    if (s->m->step == 0 && (rc = save_outputs(s, NULL, 0, 1, err))) return rc;
    s->t_start = now();
    s->first = s->m->step;
    return FC_OK;
}

/* ---- step: this rank's batch and its part of one adversarial step.  A local data
 * error still takes part in the step's collectives (zero data), and is voted on. */
static void step(run_state *s, step_votes *v, double *wait, int *data_rc, fc_error *err) {
    const fc_train_config *c = s->cfg;
    fc_loader_stats ls0, ls1;
    fc_loader_get_stats(s->ld, &ls0);
    *data_rc = fc_loader_next(s->ld, s->m->step, s->reals, err);
    if (*data_rc) fc_zero(s->reals, (size_t)s->tr.rows * fc_model_image_floats(s->m));
    fc_loader_get_stats(s->ld, &ls1);
    *wait = ls1.wait_s - ls0.wait_s;
    fc_step_stats st;
    s->tr.adam_g.lr = fc_lr_linear_decay(c->lr_g, s->m->step, c->lr_decay_from, s->total);
    s->tr.adam_d.lr = fc_lr_linear_decay(c->lr_d, s->m->step, c->lr_decay_from, s->total);
    fc_trainer_step(&s->tr, s->reals, NULL, NULL, &st);
    const double frac = (double)s->tr.rows / c->batch;
    int want_stop = (c->stop && *c->stop) ? 1 : (c->max_seconds && now() - s->t_start > (double)c->max_seconds) ? 2 : 0;
    *v = (step_votes){.d_loss = frac * st.d_loss, .d_real = frac * st.d_real, .g_loss = frac * st.g_loss,
                      .d_fake = frac * st.d_fake, .data_failed = *data_rc != 0, .stop_asked = want_stop == 1,
                      .time_up = want_stop == 2};
}

/* ---- agree: one collective sums the votes; a rank that could not read its data
 * stops every rank. */
static int agree(run_state *s, step_votes *v, int data_rc, fc_error *err) {
    fc_dist_allreduce_sum_f64(s->dist, &v->d_loss, N_VOTES);
    if (v->data_failed > 0)
        return data_rc ? data_rc
               : s->root ? fc_fail(err, FC_EINPUT, "stopped: another process could not read its data")
                         : quiet(err, FC_EINPUT);
    return FC_OK;
}

/* After an agreed step: progress (log, callback), the checks, periodic outputs, and
 * whether to stop. */
static int after_step(run_state *s, const step_votes *v, double t0, double wait, int *stop, fc_error *err) {
    const fc_train_config *c = s->cfg;
    const uint64_t step = s->m->step;
    double dt = now() - t0, rate = c->batch / dt;
    s->ema_rate = s->ema_rate == 0 ? rate : 0.9 * s->ema_rate + 0.1 * rate;
    fc_train_progress p = {.step = step,
                           .total_steps = s->total,
                           .epoch = (step - 1) / s->spe,
                           .d_loss = (float)v->d_loss,
                           .g_loss = (float)v->g_loss,
                           .d_real = (float)v->d_real,
                           .d_fake = (float)v->d_fake,
                           .img_per_s = s->ema_rate,
                           .eta_s = (double)(s->total - step) * c->batch / s->ema_rate,
                           .data_wait_s = wait};
    int rc = FC_OK;
    if (s->root) {
        rc = fc_trainlog_append(&s->log, &p, err);
        if (!rc && c->on_step) c->on_step(&p, c->user);
    }
    if ((rc = agreed(s->dist, rc, err))) return rc;
    if (!isfinite(p.d_loss) || !isfinite(p.g_loss))
        return fail_all(s, err, fc_fail(err, FC_EINTERNAL, "loss became non-finite at step %" PRIu64 " (d %g, g %g)",
                                        step, p.d_loss, p.g_loss));
    if (c->check_sync && step % c->check_sync == 0 && !ranks_in_sync(s))
        return fail_all(s, err, fc_fail(err, FC_EINTERNAL,
                                        "--check-sync: the %d processes hold different weights after step %" PRIu64
                                        " (data-parallel replicas diverged)", s->world, step));
    int last = step == s->total;
    int want_samples = c->sample_every && step % c->sample_every == 0 && !last;
    int want_ckpt = c->ckpt_every && step % c->ckpt_every == 0 && !last;
    if ((want_samples || want_ckpt) && (rc = save_outputs(s, &s->log, want_ckpt, want_samples, err))) return rc;
    if (v->stop_asked > 0) msg(c, "stopping at step %" PRIu64 " as asked", step);
    else if (v->time_up > 0) msg(c, "time limit reached at step %" PRIu64, step);
    *stop = v->stop_asked > 0 || v->time_up > 0;
    return FC_OK;
}

/* ---- finish: the final (or interrupted) state; rank 0 knows whether a checkpoint exists. */
static int finish(run_state *s, fc_error *err) {
    const fc_train_config *c = s->cfg;
    int rc = FC_OK;
    int final = s->m->step > s->first || (s->root && !fc_file_exists(s->ckpt_path));
    fc_dist_bcast(s->dist, &final, sizeof final, 0);
    if (final && (rc = save_outputs(s, &s->log, 1, 1, err))) return rc;
    if (!final && s->root) rc = fc_trainlog_plot(&s->log, s->plot_path, err);
    if ((rc = agreed(s->dist, rc, err))) return rc;
    if (c->check_sync)
        msg(c, "check-sync: the %d process%s held identical weights at every check", s->world, s->world > 1 ? "es" : "");
    msg(c, "checkpoint %s at step %" PRIu64 "; log %s; loss curve %s; samples in %s", s->ckpt_path, s->m->step,
        s->log_path, s->plot_path, s->samples_dir);
    return FC_OK;
}

static void teardown(run_state *s) {
    fc_trainlog_close(&s->log);
    fc_loader_free(s->ld);
    fc_dataset_free(s->ds);
    fc_trainer_free(&s->tr);
    fc_model_free(s->m);
    fc_free_aligned(s->zfix);
    fc_free_aligned(s->grid_buf);
    fc_free_aligned(s->reals);
}

int fc_train(const fc_train_config *c, fc_error *err) {
    run_state s = {.cfg = c};
    int rc = setup(&s, err);
    for (int stop = 0; !rc && !stop && s.m->step < s.total;) {
        step_votes v;
        double t0 = now(), wait;
        int data_rc;
        step(&s, &v, &wait, &data_rc, err);
        rc = agree(&s, &v, data_rc, err);
        if (!rc) rc = after_step(&s, &v, t0, wait, &stop, err);
    }
    if (!rc) rc = finish(&s, err);
    teardown(&s);
    return rc;
}
