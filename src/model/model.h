/* fc_model: a generator and (unless loaded generator-only) a discriminator, with
 * the architecture, width and training progress.  Public API in facecrypt.h. */
#ifndef FC_MODEL_MODEL_H
#define FC_MODEL_MODEL_H
#include "facecrypt.h"
#include "model/net.h"

struct fc_model {
    fc_arch arch;
    float width;
    int has_d; /* 0 for a generator-only model (shipped weights) */
    fc_net G, D;
    int has_ema;       /* Gema holds an exponential moving average of G's weights */
    fc_net Gema;       /* same layers as G, prefix "G_ema"; used for sampling when has_ema */
    uint64_t step;     /* completed training steps */
    uint64_t adam_t;   /* Adam step counter (== step unless resumed from elsewhere) */
    uint64_t seed;     /* training seed */
};

/* face and face2: the same generator, the face training defaults (hinge loss, EMA, ...). */
static inline int fc_arch_is_face(fc_arch a) { return a == FC_ARCH_FACE || a == FC_ARCH_FACE2 || a == FC_ARCH_FACE128; }
/* The minibatch-stddev group of face2's discriminator. */
#define FC_FACE2_MBSTD_GROUP 4
/* Channel count scaled by the width multiplier (at least 1). */
int fc_scaled(int channels, float width);
/* Lay out the networks of an architecture (layers, tensor names and shapes)
 * without allocating anything: cheap at any width, so a checkpoint's tensors can
 * be checked against it before the model's memory is committed. */
int fc_model_plan(fc_model *m, fc_arch arch, float width, int with_d, fc_error *err);
/* Allocate a planned model (parameters, Adam moments, activations for max_batch). */
int fc_model_finalize(fc_model *m, int max_batch, fc_error *err);
/* Plan + finalize: the networks of an architecture without initialising weights. */
int fc_model_build(fc_model *m, fc_arch arch, float width, int with_d, int max_batch, fc_error *err);
/* Build an architecture's generator alone into G with a tensor-name prefix. */
void fc_model_build_g(fc_net *G, const char *prefix, fc_arch arch, float width);
/* Give the model an EMA generator, a copy of G (no-op when it has one). */
int fc_model_enable_ema(fc_model *m, fc_error *err);
/* Recompute the EMA generator's BatchNorm running statistics ("standing statistics",
 * Brock et al. 2019): forward batches x batch latent vectors from a fixed seed in training
 * mode and average the batch statistics.  Deterministic in Gema's weights. */
int fc_model_ema_refresh_bn(fc_model *m, int batches, int batch, fc_error *err);
/* Image value range the discriminator expects for real data: [lo, hi]. */
void fc_model_data_range(const fc_model *m, float *lo, float *hi);

#endif
