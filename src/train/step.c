#include "train/step.h"
#include <stdlib.h>
#include <string.h>
#include "data/dataset.h"
#include "train/dist.h"
#include "util/error.h"

#define IMG fc_model_image_floats(t->m)
#define SIDE fc_model_image_size(t->m)

int fc_trainer_init(fc_trainer *t, fc_model *m, int batch, const fc_adam_cfg *g, const fc_adam_cfg *d,
                    uint64_t seed, fc_error *err) {
    return fc_trainer_init_dist(t, m, batch, g, d, seed, NULL, err);
}

int fc_trainer_init_dist(fc_trainer *t, fc_model *m, int batch, const fc_adam_cfg *g, const fc_adam_cfg *d,
                         uint64_t seed, const fc_dist *dist, fc_error *err) {
    memset(t, 0, sizeof *t);
    if (!m->has_d) return fc_fail(err, FC_EUSAGE, "this model has no discriminator (generator-only weights)");
    if (batch < 1) return fc_fail(err, FC_EUSAGE, "batch must be at least 1");
    int world = dist ? dist->world : 1, rank = dist ? dist->rank : 0;
    if (batch < world)
        return fc_fail(err, FC_EUSAGE, "the batch of %d is smaller than the %d processes sharing it", batch, world);
    t->m = m;
    t->batch = batch;
    t->dist = dist;
    fc_data_shard(batch, rank, world, &t->row0, &t->rows);
    /* A D step runs this process's reals and fakes as one batch: the minibatch-stddev groups
     * must not straddle them (nor a group be cut short by the batch's end). */
    int group = fc_net_mbstd_group(&m->D);
    if (group > 1 && t->rows % group)
        return fc_fail(err, FC_EUSAGE,
                       "%s's discriminator compares groups of %d samples: the batch per process (%d) must be a "
                       "multiple of %d",
                       fc_arch_name(m->arch), group, t->rows, group);
    t->adam_g = *g;
    t->adam_d = *d;
    fc_rng_seed(&t->zrng, seed);
    /* The D step runs reals and fakes through D as one batch of 2b when D has no batch statistics. */
    int b = t->rows;
    int rc = fc_net_reserve(&m->G, b, err);
    if (!rc) rc = fc_net_reserve(&m->D, 2 * b, err);
    if (rc) return rc;
    t->z = fc_alloc_floats((size_t)batch * FC_LATENT_DIM);
    t->dbatch = fc_alloc_floats(2 * (size_t)b * IMG);
    t->dimg = fc_alloc_floats((size_t)b * IMG);
    t->targets = fc_alloc_floats(2 * (size_t)b);
    t->dlogits = fc_alloc_floats(2 * (size_t)b);
    t->probs = fc_alloc_floats(2 * (size_t)b);
    t->grows = malloc(2 * (size_t)b * sizeof *t->grows);
    if (!t->z || !t->dbatch || !t->dimg || !t->targets || !t->dlogits || !t->probs || !t->grows) {
        fc_trainer_free(t);
        return fc_fail(err, FC_ENOMEM, "out of memory for a batch of %d", batch);
    }
    for (int i = 0; i < b; i++) {
        t->targets[i] = 1.0f;     /* reals */
        t->targets[b + i] = 0.0f; /* fakes */
        t->grows[i] = (uint32_t)(t->row0 + i);
        t->grows[b + i] = (uint32_t)(batch + t->row0 + i);
    }
    return FC_OK;
}

void fc_trainer_free(fc_trainer *t) {
    if (t->m) t->m->D.drop_rows = NULL; /* borrowed t->grows */
    fc_free_aligned(t->z);
    fc_free_aligned(t->dbatch);
    fc_free_aligned(t->dimg);
    fc_free_aligned(t->targets);
    fc_free_aligned(t->dlogits);
    fc_free_aligned(t->probs);
    free(t->grows);
    free(t->augp);
    fc_free_aligned(t->gaug);
    fc_free_aligned(t->daug);
    memset(t, 0, sizeof *t);
}

int fc_trainer_set_options(fc_trainer *t, fc_loss loss, int diffaug, float ema_decay, int reuse_fakes,
                           fc_error *err) {
    if (loss != FC_LOSS_BCE && loss != FC_LOSS_HINGE) return fc_fail(err, FC_EUSAGE, "unknown loss %d", (int)loss);
    if (!(ema_decay >= 0.0f && ema_decay < 1.0f)) return fc_fail(err, FC_EUSAGE, "EMA decay must be in [0, 1)");
    t->loss = loss;
    t->diffaug = diffaug;
    t->ema_decay = ema_decay;
    t->reuse_fakes = reuse_fakes != 0;
    float lo, hi;
    fc_model_data_range(t->m, &lo, &hi);
    t->aug_bscale = 0.5f * (hi - lo);
    t->aug_seed = t->m->seed ^ 0xd1ffa06a5eedULL;
    if (diffaug && !t->augp) {
        size_t b = (size_t)t->rows;
        t->augp = malloc(2 * b * sizeof *t->augp);
        t->gaug = fc_alloc_floats(b * IMG);
        t->daug = fc_alloc_floats(b * IMG);
        if (!t->augp || !t->gaug || !t->daug) return fc_fail(err, FC_ENOMEM, "out of memory for DiffAugment");
    }
    return ema_decay > 0.0f ? fc_model_enable_ema(t->m, err) : FC_OK;
}

/* DiffAugment of n images for D-step rows grows[0..n) at this step and phase. */
static void augment(fc_trainer *t, float *y, const float *x, const uint32_t *rows, int n, uint64_t counter,
                    fc_diffaug_params *p) {
    for (int i = 0; i < n; i++) fc_diffaug_draw(&p[i], t->aug_seed, counter, rows[i], SIDE, SIDE,
                                                t->aug_bscale);
    fc_diffaug_forward(y, x, p, n, 3, SIDE, SIDE);
}

/* D's loss on n logits of reals (real != 0) or fakes; dz and prob (sigmoid of the logits) for each. */
static float d_loss(const fc_trainer *t, const float *logits, int n, int real, float *dz, float *prob) {
    if (t->loss == FC_LOSS_HINGE) {
        fc_bce_logits(logits, t->targets, n, NULL, 1.0f, prob); /* probabilities for the statistics only */
        return fc_hinge_logits(logits, n, real ? 1.0f : -1.0f, dz, 1.0f);
    }
    return fc_bce_logits(logits, t->targets + (real ? 0 : t->rows), n, dz, 1.0f, prob);
}

static int has_batchnorm(const fc_net *n) {
    for (int i = 0; i < n->nlayers; i++)
        if (n->layers[i].kind == FC_L_BN) return 1;
    return 0;
}

static float mean(const float *x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return (float)(s / n);
}

/* z for this step: the caller's or a fresh global draw; returns this rank's rows. */
static const float *latent(fc_trainer *t, const float *z) {
    if (!z) {
        fc_rng_fill_normal(&t->zrng, t->z, (size_t)t->batch * FC_LATENT_DIM, 0.0f, 1.0f);
        z = t->z;
    }
    return z + (size_t)t->row0 * FC_LATENT_DIM;
}

void fc_trainer_step(fc_trainer *t, const float *reals, const float *z1, const float *z2, fc_step_stats *st) {
    fc_model *m = t->m;
    const int b = t->rows;
    const size_t bimg = (size_t)b * IMG;
    const double frac = (double)b / t->batch; /* this rank's share of the global mean */
    m->G.training = m->D.training = 1;

    /* ---- D step ---- */
    const float *zd = latent(t, z1);
    const float *fake = fc_net_forward(&m->G, zd, b);
    if (t->diffaug) {
        augment(t, t->dbatch, reals, t->grows, b, 2 * m->step, t->augp);
        augment(t, t->dbatch + bimg, fake, t->grows + b, b, 2 * m->step, t->augp + b);
    } else {
        memcpy(t->dbatch, reals, bimg * sizeof(float));
        memcpy(t->dbatch + bimg, fake, bimg * sizeof(float));
    }
    fc_net_zero_grad(&m->D);
    m->D.drop_counter = 2 * m->step; /* phase 0 */
    m->D.drop_rows = t->grows;
    float lr, lf;
    if (!has_batchnorm(&m->D)) {
        const float *logits = fc_net_forward(&m->D, t->dbatch, 2 * b);
        lr = d_loss(t, logits, b, 1, t->dlogits, t->probs);
        lf = d_loss(t, logits + b, b, 0, t->dlogits + b, t->probs + b);
        fc_net_backward(&m->D, t->dbatch, t->dlogits, 2 * b, NULL, 1);
    } else { /* batch statistics: reals and fakes in separate passes, as in Radford et al. */
        const float *logits = fc_net_forward(&m->D, t->dbatch, b);
        lr = d_loss(t, logits, b, 1, t->dlogits, t->probs);
        fc_net_backward(&m->D, t->dbatch, t->dlogits, b, NULL, 1);
        m->D.drop_rows = t->grows + b;
        logits = fc_net_forward(&m->D, t->dbatch + bimg, b);
        lf = d_loss(t, logits, b, 0, t->dlogits + b, t->probs + b);
        fc_net_backward(&m->D, t->dbatch + bimg, t->dlogits + b, b, NULL, 1);
    }
    fc_dist_allreduce_mean(t->dist, m->D.grads, m->D.nparams, frac);
    if (!t->grads_only) {
        m->adam_t++;
        fc_net_adam(&m->D, &t->adam_d, m->adam_t);
    }
    st->d_loss = lr + lf;
    st->d_real = mean(t->probs, b);
    st->d_fake = mean(t->probs + b, b);

    /* ---- G step: fresh z (or the D step's fakes), through the updated D, target "real" ---- */
    const float *zg, *fake2;
    if (t->reuse_fakes && !z2) {
        zg = zd; /* G's stored activations are still those of this z: G has not changed */
        fake2 = fake;
    } else {
        zg = latent(t, z2);
        fake2 = fc_net_forward(&m->G, zg, b);
    }
    m->D.drop_counter = 2 * m->step + 1; /* phase 1 */
    m->D.drop_rows = t->grows;           /* fakes of the G step: global rows row0 + i */
    const float *dx_in = fake2;
    if (t->diffaug) {
        augment(t, t->gaug, fake2, t->grows, b, 2 * m->step + 1, t->augp);
        dx_in = t->gaug;
    }
    const float *logits = fc_net_forward(&m->D, dx_in, b);
    st->g_loss = t->loss == FC_LOSS_HINGE ? fc_neg_mean_logits(logits, b, t->dlogits, 1.0f)
                                          : fc_bce_logits(logits, t->targets, b, t->dlogits, 1.0f, NULL);
    fc_net_backward(&m->D, dx_in, t->dlogits, b, t->diffaug ? t->daug : t->dimg, 0);
    if (t->diffaug) fc_diffaug_backward(t->dimg, t->daug, t->augp, b, 3, SIDE, SIDE);
    fc_net_zero_grad(&m->G);
    fc_net_backward(&m->G, zg, t->dimg, b, NULL, 1);
    fc_dist_allreduce_mean(t->dist, m->G.grads, m->G.nparams, frac);
    m->D.drop_rows = NULL;
    if (t->grads_only) return;
    fc_net_adam(&m->G, &t->adam_g, m->adam_t);
    if (t->ema_decay > 0.0f && m->has_ema)
        fc_ema_update(m->Gema.params, m->G.params, m->G.nparams, fc_ema_decay_at(t->ema_decay, m->step));
    m->step++;
}

void fc_model_set_dropout(fc_model *m, float p) {
    for (int i = 0; i < m->D.nlayers; i++)
        if (m->D.layers[i].kind == FC_L_DROPOUT) m->D.layers[i].p = p;
}

float fc_lr_linear_decay(float base, uint64_t t, uint64_t from, uint64_t total) {
    if (!from || t < from || total <= from) return base;
    if (t >= total) return 0.0f;
    return (float)((double)base * (double)(total - t) / (double)(total - from));
}
