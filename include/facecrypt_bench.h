/* facecrypt benchmarks: the measurements behind `facecrypt bench`, for callers that
 * time the engine.  Not needed to train, sample or encrypt.  Each call times work
 * on the caller's thread (and the engine's threads: fc_set_threads), so it is
 * meaningful only on an otherwise idle machine; none prints.  Thread-safety as in
 * facecrypt.h: one model, trainer or call per thread. */
#ifndef FACECRYPT_BENCH_H
#define FACECRYPT_BENCH_H
#include "facecrypt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* FLOPs (2 per multiply-add) of one training step at batch B, counted from the layer
 * shapes: G forward twice (D step, G step), G backward once (data + weights), D
 * forward on 2B + B samples, D backward with weights on 2B, data-only on B.
 * executed = 0: as direct convolutions; 1: what the engine multiplies (the
 * ConvTranspose k4 s2 p1 layers run as Winograd F(3x3, 2x2), 2.25x fewer). */
FC_API double fc_bench_step_flops(const fc_model *m, int batch, int executed);

/* Whole adversarial steps (the training step of fc_train) on fixed synthetic
 * data: uniform random reals, Adam at lr 1e-4, betas (0.9, 0.999).  The trainer
 * borrows m, which must outlive it. */
typedef struct fc_bench_trainer fc_bench_trainer;
FC_API FC_CHECK fc_status fc_bench_trainer_create(fc_model *m, int batch, fc_bench_trainer **out, fc_error *err);
FC_API void fc_bench_trainer_step(fc_bench_trainer *t, float *d_loss, float *g_loss);
FC_API void fc_bench_trainer_free(fc_bench_trainer *t); /* NULL ok */

/* Per-layer times of every convolution and dense layer (forward, backward-data,
 * backward-weights; mean of 3 after a warm-up) at batch B and precision prec. */
typedef struct fc_bench_layer {
    const char *net;  /* "G" or "D" */
    const char *name; /* "up0" */
    const char *kind; /* "dense", "conv", "convT" */
    double ms[3];     /* milliseconds per call: forward, backward-data, backward-weights */
    double gflop;     /* GFLOP of one call (the same for all three) */
} fc_bench_layer;
#define FC_BENCH_MAX_LAYERS 64
/* rows: room for FC_BENCH_MAX_LAYERS; *n layers timed; *ran: the precision in effect
 * (fp32 when bf16 was asked on a CPU without AVX512-BF16).  Sets m's precision. */
FC_API fc_status fc_bench_layers(fc_model *m, int batch, fc_precision prec, fc_bench_layer *rows, int *n,
                                 fc_precision *ran, fc_error *err);

/* Data-path throughput (facecrypt bench data): reads up to max_files (0 = 512)
 * files of DIR into memory, then times decode + center crop + resize to 64x64 on
 * one thread (its CPU clock, robust to a busy machine), with and without scaled
 * JPEG decoding. */
typedef struct fc_data_bench_result {
    size_t files;          /* files timed */
    size_t failed;         /* of which did not decode */
    double mbytes;         /* input size, MB */
    double img_per_s;      /* per core, scaled decode (what the cache build uses) */
    double img_per_s_full; /* per core, full-size decode */
} fc_data_bench_result;
FC_API fc_status fc_data_bench(const char *dir, fc_partition part, size_t max_files, fc_data_bench_result *r,
                               fc_error *err);

#ifdef __cplusplus
}
#endif
#endif
