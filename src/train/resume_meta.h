/* The training loop's state in checkpoint metadata (strings): the latent
 * generator's state "rng_z" (64 hex digits) and the dropout seed
 * "dropout_seed" (16 hex digits), with the migration of checkpoints written
 * before counter-based dropout masks ("rng_dropout", a generator's state). */
#ifndef FC_TRAIN_RESUME_META_H
#define FC_TRAIN_RESUME_META_H
#include <stddef.h>
#include <stdint.h>
#include "model/safetensors.h"
#include "util/rng.h"

#define FC_RNG_HEX_LEN 64
/* out: at least FC_RNG_HEX_LEN + 1 bytes. */
void fc_rng_to_hex(const fc_rng *r, char *out, size_t n);
/* 0, or -1 when s is NULL or not 64 hex digits. */
int fc_rng_from_hex(const char *s, fc_rng *r);
/* The checkpoint's dropout seed: "dropout_seed", or derived from an old "rng_dropout".
 * 0, or -1 when neither is there or well formed. */
int fc_resume_dropout_seed(const fc_st_file *f, uint64_t *out);

#endif
