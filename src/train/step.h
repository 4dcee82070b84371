/* One adversarial training step (SPEC "The report's model"):
 *   D step: fakes = G(z1); d_loss = BCE(D(reals), 1) + BCE(D(fakes), 0); Adam on D.
 *   G step: fresh z2; g_loss = BCE(D(G(z2)), 1) through the updated D; Adam on G.
 * Each BCE is a mean over its batch.  D's Sigmoid is fused into the loss. */
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
    int batch;
    fc_adam_cfg adam_g, adam_d;
    fc_rng zrng;     /* latent vectors */
    float *z;        /* [B,100] */
    float *dbatch;   /* [2B, 3,64,64]: reals then fakes for the D step */
    float *dimg;     /* [B,3,64,64] dL/d G(z2) */
    float *targets;  /* [2B] */
    float *dlogits;  /* [2B] */
    float *probs;    /* [2B] */
} fc_trainer;

int fc_trainer_init(fc_trainer *t, fc_model *m, int batch, const fc_adam_cfg *g, const fc_adam_cfg *d,
                    uint64_t seed, fc_error *err);
void fc_trainer_free(fc_trainer *t);
/* reals: [B,3,64,64] in the model's data range.  z1, z2: [B,100] or NULL to draw from t->zrng. */
void fc_trainer_step(fc_trainer *t, const float *reals, const float *z1, const float *z2, fc_step_stats *st);
/* Set the discriminator's dropout probability (the reference test uses 0). */
void fc_model_set_dropout(fc_model *m, float p);

#endif
