/* One adversarial training step of the report's model (tools/torch_models.py is its PyTorch twin):
 *   D step: fakes = G(z1); d_loss = BCE(D(reals), 1) + BCE(D(fakes), 0); Adam on D.
 *   G step: fresh z2; g_loss = BCE(D(G(z2)), 1) through the updated D; Adam on G.
 * Each BCE is a mean over its batch.  D's Sigmoid is fused into the loss.
 *
 * Data parallel (fc_trainer_init_dist): B is the GLOBAL batch; this rank runs its rows
 * [row0, row0 + rows) (fc_data_shard) and, between backward and Adam, replaces each net's
 * fused gradient by the global-batch mean (fc_dist_allreduce_mean, weight rows/B), so
 * every rank applies the same update.  Every random input is a function of the global
 * layout, not of the split: z is drawn for all B rows on every rank (the shard takes its
 * rows), and D's dropout masks are keyed by (step, phase, global row): reals row i is
 * global row i, fakes row i is B + i.  With BatchNorm (dcgan) the batch statistics are
 * per rank (like PyTorch DDP without SyncBatchNorm), so only the seed arch is exactly
 * independent of the rank count.
 *
 * Options (fc_trainer_set_options; defaults BCE, no augmentation, no EMA):
 *   hinge loss   d_loss = mean relu(1 - D(x)) + mean relu(1 + D(G(z1))), g_loss = -mean D(G(z2));
 *   DiffAugment  D sees T(x), T(G(z)) with T drawn per image (src/nn/diffaug.c) in both steps,
 *                keyed by (seed, 2*step + phase, global row) like the dropout masks; the G step
 *                backpropagates through T;
 *   EMA          after G's Adam step, G_ema = d*G_ema + (1-d)*G, d = fc_ema_decay_at(decay, step);
 *   reuse_fakes  without a caller's z2 the G step takes z2 = z1 and G(z1) from the D step. */
#ifndef FC_TRAIN_STEP_H
#define FC_TRAIN_STEP_H
#include "facecrypt.h"
#include "model/model.h"

typedef struct fc_step_stats {
    float d_loss, g_loss;
    float d_real; /* mean D(x) on reals in the D step */
    float d_fake; /* mean D(G(z)) on fakes in the D step */
} fc_step_stats;

typedef struct fc_trainer {
    fc_model *m;
    int batch;           /* global batch B */
    int row0, rows;      /* this rank's rows of each global batch (b = rows) */
    const fc_dist *dist; /* borrowed; NULL = one process */
    fc_adam_cfg adam_g, adam_d;
    fc_rng zrng;     /* latent vectors: the global [B,100] on every rank */
    float *z;        /* [B,100] */
    float *dbatch;   /* [2b,3,S,S]: reals then fakes for the D step (S = fc_model_image_size) */
    float *dimg;     /* [b,3,S,S] dL/d G(z2) */
    float *targets;  /* [2b] */
    float *dlogits;  /* [2b] */
    float *probs;    /* [2b] */
    uint32_t *grows; /* [2b] global row of each D-step row: row0 + i, then B + row0 + i */
    /* 0 (fc_trainer_init*): a training step.  1: gradients only, for comparing runs before the
     * optimizer (tests/test_mpi.c): the step averages the gradients across ranks as usual but
     * applies neither Adam update and leaves m->step and m->adam_t alone, so the G step runs
     * through the unchanged D and, afterwards, m->D.grads and m->G.grads hold the global-batch
     * mean gradients of the D step and of the G step. */
    int grads_only;
    fc_loss loss;
    int diffaug;
    uint64_t aug_seed;        /* DiffAugment stream (from the model's seed) */
    float aug_bscale;         /* brightness scale: 0.5 for data in [0,1], 1 for [-1,1] */
    float ema_decay;          /* > 0: keep m->Gema */
    /* 1: when the caller passes no z2, the G step reuses the D step's z and fakes (and G's
     * activations from that forward: G is unchanged in between), saving one G forward */
    int reuse_fakes;
    fc_diffaug_params *augp;  /* [2b] */
    float *gaug, *daug;       /* [b,3,64,64] augmented G-step fakes, and dL/d(augmented fakes) */
} fc_trainer;

/* One process. */
int fc_trainer_init(fc_trainer *t, fc_model *m, int batch, const fc_adam_cfg *g, const fc_adam_cfg *d,
                    uint64_t seed, fc_error *err);
/* This rank's part of a data-parallel step (dist NULL: one process).  FC_EUSAGE if batch < world. */
int fc_trainer_init_dist(fc_trainer *t, fc_model *m, int batch, const fc_adam_cfg *g, const fc_adam_cfg *d,
                         uint64_t seed, const fc_dist *dist, fc_error *err);
void fc_trainer_free(fc_trainer *t);
/* Loss, DiffAugment, generator EMA (ema_decay > 0 gives the model an EMA generator) and
 * reuse_fakes (see fc_trainer). */
int fc_trainer_set_options(fc_trainer *t, fc_loss loss, int diffaug, float ema_decay, int reuse_fakes,
                           fc_error *err);
/* reals: this rank's [b,3,64,64] in the model's data range.  z1, z2: the GLOBAL [B,100] (the rank
 * takes its rows) or NULL to draw them from t->zrng.  st: means over this rank's rows (weight
 * b/B to combine ranks).  With several ranks this is a collective: every rank must call it. */
void fc_trainer_step(fc_trainer *t, const float *reals, const float *z1, const float *z2, fc_step_stats *st);
/* Set the discriminator's dropout probability (the reference test uses 0). */
void fc_model_set_dropout(fc_model *m, float p);

/* The learning rate for the step taken from step t (0-based) of a run of total steps: base
 * while t < from (or from == 0), then base * (total - t) / (total - from), falling linearly
 * to base / (total - from) at the last step. */
float fc_lr_linear_decay(float base, uint64_t t, uint64_t from, uint64_t total);

#endif
