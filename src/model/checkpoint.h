/* Checkpoints: safetensors with PyTorch's tensor names and layouts (they load into
 * the PyTorch models of tools/torch_models.py).
 *   G.* / D.*                 parameters (and BatchNorm running statistics; for a spectral-normalised
 *                             layer weight_orig, weight_u, weight_v as torch.nn.utils.spectral_norm)
 *   G_ema.*                   the EMA of G's weights with its own BatchNorm statistics (training
 *                             checkpoints of runs with an EMA; a generator-only file stores the EMA
 *                             weights under G.* and says so in metadata "generator_weights")
 *   optim.G.exp_avg, optim.G.exp_avg_sq, optim.D.*   Adam moments over the fused
 *                             parameter array, in the order of fc_net_tensor (training checkpoints only)
 *   __metadata__              format, arch, width, step, adam_t, seed, and the training loop's state
 * Any of them may be stored as F16/BF16 (read back as float32).  A checkpoint without Adam
 * moments loads with adam_t = 0, so a resumed run restarts Adam's bias correction with
 * its fresh (zero) moments instead of taking steps of several times the learning rate. */
#ifndef FC_MODEL_CHECKPOINT_H
#define FC_MODEL_CHECKPOINT_H
#include "facecrypt.h"
#include "model/model.h"
#include "model/safetensors.h"

typedef struct fc_ckpt_opts {
    int with_optimizer;         /* store Adam moments (resume) */
    int generator_only;         /* store G only (shipped weights) */
    int half;                   /* parameters as F16 */
    int optimizer_bf16;         /* Adam moments as BF16 (compact resume state, models/README.md) */
    int overwrite;              /* replace an existing file */
    const char *const *meta;    /* extra metadata key/value pairs */
    size_t n_meta;
} fc_ckpt_opts;

int fc_checkpoint_save(const fc_model *m, const char *path, const fc_ckpt_opts *o, fc_error *err);
/* The public save options as checkpoint options (no extra metadata). */
fc_ckpt_opts fc_ckpt_opts_from_save(const fc_save_opts *o);
/* The metadata keys fc_checkpoint_save writes itself (a copy of a checkpoint passes on the others). */
int fc_checkpoint_base_meta(const char *key);
/* Load a model from an opened safetensors file (the caller keeps f for extra metadata). */
int fc_checkpoint_load_st(const fc_st_file *f, const char *what, fc_model **out, fc_error *err);

#endif
