#include "train/step.h"
#include <stdlib.h>
#include <string.h>
#include "util/error.h"

#define IMG (3 * FC_IMAGE_SIZE * FC_IMAGE_SIZE)

int fc_trainer_init(fc_trainer *t, fc_model *m, int batch, const fc_adam_cfg *g, const fc_adam_cfg *d,
                    uint64_t seed, fc_error *err) {
    memset(t, 0, sizeof *t);
    if (!m->has_d) return fc_fail(err, FC_EUSAGE, "this model has no discriminator (generator-only weights)");
    if (batch < 1) return fc_fail(err, FC_EUSAGE, "batch must be at least 1");
    t->m = m;
    t->batch = batch;
    t->adam_g = *g;
    t->adam_d = *d;
    fc_rng_seed(&t->zrng, seed);
    /* The D step runs reals and fakes through D as one batch of 2B when D has no batch statistics. */
    int rc = fc_net_reserve(&m->G, batch, err);
    if (!rc) rc = fc_net_reserve(&m->D, 2 * batch, err);
    if (rc) return rc;
    size_t B = (size_t)batch;
    t->z = fc_alloc_floats(B * FC_LATENT_DIM);
    t->dbatch = fc_alloc_floats(2 * B * IMG);
    t->dimg = fc_alloc_floats(B * IMG);
    t->targets = fc_alloc_floats(2 * B);
    t->dlogits = fc_alloc_floats(2 * B);
    t->probs = fc_alloc_floats(2 * B);
    if (!t->z || !t->dbatch || !t->dimg || !t->targets || !t->dlogits || !t->probs) {
        fc_trainer_free(t);
        return fc_fail(err, FC_ENOMEM, "out of memory for a batch of %d", batch);
    }
    for (size_t i = 0; i < B; i++) {
        t->targets[i] = 1.0f;     /* reals */
        t->targets[B + i] = 0.0f; /* fakes */
    }
    return FC_OK;
}

void fc_trainer_free(fc_trainer *t) {
    fc_free_aligned(t->z);
    fc_free_aligned(t->dbatch);
    fc_free_aligned(t->dimg);
    fc_free_aligned(t->targets);
    fc_free_aligned(t->dlogits);
    fc_free_aligned(t->probs);
    memset(t, 0, sizeof *t);
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

void fc_trainer_step(fc_trainer *t, const float *reals, const float *z1, const float *z2, fc_step_stats *st) {
    fc_model *m = t->m;
    const int B = t->batch;
    const size_t bimg = (size_t)B * IMG;
    m->G.training = m->D.training = 1;

    /* ---- D step ---- */
    if (!z1) {
        fc_rng_fill_normal(&t->zrng, t->z, (size_t)B * FC_LATENT_DIM, 0.0f, 1.0f);
        z1 = t->z;
    }
    const float *fake = fc_net_forward(&m->G, z1, B);
    memcpy(t->dbatch, reals, bimg * sizeof(float));
    memcpy(t->dbatch + bimg, fake, bimg * sizeof(float));
    fc_net_zero_grad(&m->D);
    float lr, lf;
    if (!has_batchnorm(&m->D)) {
        const float *logits = fc_net_forward(&m->D, t->dbatch, 2 * B);
        lr = fc_bce_logits(logits, t->targets, B, t->dlogits, 1.0f, t->probs);
        lf = fc_bce_logits(logits + B, t->targets + B, B, t->dlogits + B, 1.0f, t->probs + B);
        fc_net_backward(&m->D, t->dbatch, t->dlogits, 2 * B, NULL, 1);
    } else { /* batch statistics: reals and fakes in separate passes, as in Radford et al. */
        const float *logits = fc_net_forward(&m->D, t->dbatch, B);
        lr = fc_bce_logits(logits, t->targets, B, t->dlogits, 1.0f, t->probs);
        fc_net_backward(&m->D, t->dbatch, t->dlogits, B, NULL, 1);
        logits = fc_net_forward(&m->D, t->dbatch + bimg, B);
        lf = fc_bce_logits(logits, t->targets + B, B, t->dlogits + B, 1.0f, t->probs + B);
        fc_net_backward(&m->D, t->dbatch + bimg, t->dlogits + B, B, NULL, 1);
    }
    m->adam_t++;
    fc_net_adam(&m->D, &t->adam_d, m->adam_t);
    st->d_loss = lr + lf;
    st->d_real = mean(t->probs, B);
    st->d_fake = mean(t->probs + B, B);

    /* ---- G step: fresh z, through the updated D, target "real" ---- */
    if (!z2) {
        fc_rng_fill_normal(&t->zrng, t->z, (size_t)B * FC_LATENT_DIM, 0.0f, 1.0f);
        z2 = t->z;
    }
    const float *fake2 = fc_net_forward(&m->G, z2, B);
    const float *logits = fc_net_forward(&m->D, fake2, B);
    st->g_loss = fc_bce_logits(logits, t->targets, B, t->dlogits, 1.0f, NULL);
    fc_net_backward(&m->D, fake2, t->dlogits, B, t->dimg, 0);
    fc_net_zero_grad(&m->G);
    fc_net_backward(&m->G, z2, t->dimg, B, NULL, 1);
    fc_net_adam(&m->G, &t->adam_g, m->adam_t);
    m->step++;
}

void fc_model_set_dropout(fc_model *m, float p) {
    for (int i = 0; i < m->D.nlayers; i++)
        if (m->D.layers[i].kind == FC_L_DROPOUT) m->D.layers[i].p = p;
}
