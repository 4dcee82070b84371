/* facecrypt bench: speed measurements (never timed tests).
 *   train-step  whole adversarial steps on synthetic data (SPEC contract for its last line)
 *   layers      per-layer forward / backward-data / backward-weights times
 *   sample      generator faces per second at batch 1 and 64 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "model/model.h"
#include "data/dataset.h"
#include "train/step.h"
#include "util/error.h"

#define IMG (3 * FC_IMAGE_SIZE * FC_IMAGE_SIZE)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    fc_arch arch;
    double width;
    long batch, steps, threads, warmup;
    int batch_given; /* sample: time only --batch instead of 1 and 64 */
} bench_opts;

static int parse(int argc, char **argv, bench_opts *o, const char *what) {
    for (int i = 2; i < argc; i++) {
        int missing = 0;
        const char *v;
        long *target = NULL;
        if ((v = cli_opt(argc, argv, &i, "--arch", &missing))) {
            if (fc_arch_parse(v, &o->arch)) {
                fprintf(stderr, "facecrypt bench: unknown --arch '%s'\n", v);
                return FC_EUSAGE;
            }
            continue;
        }
        if ((v = cli_opt(argc, argv, &i, "--width", &missing))) {
            if (cli_parse_float(v, 1e-3, 4, &o->width)) {
                fprintf(stderr, "facecrypt bench: bad --width '%s'\n", v);
                return FC_EUSAGE;
            }
            continue;
        }
        if ((v = cli_opt(argc, argv, &i, "--batch", &missing))) {
            target = &o->batch;
            o->batch_given = 1;
        }
        else if ((v = cli_opt(argc, argv, &i, "--steps", &missing))) target = &o->steps;
        else if ((v = cli_opt(argc, argv, &i, "--threads", &missing))) target = &o->threads;
        else if ((v = cli_opt(argc, argv, &i, "--warmup", &missing))) target = &o->warmup;
        if (target) {
            if (cli_parse_int(v, target == &o->threads || target == &o->warmup ? 0 : 1, 1 << 20, target)) {
                fprintf(stderr, "facecrypt bench: bad value '%s' for %s\n", v, argv[i - 1]);
                return FC_EUSAGE;
            }
            continue;
        }
        fprintf(stderr, "facecrypt bench %s: %s '%s'\n", what, missing ? "missing value for" : "unknown option",
                argv[i]);
        return FC_EUSAGE;
    }
    return FC_OK;
}

/* FLOPs of one training step, counted from the layer shapes (2 per multiply-add):
 * G forward twice (D step, G step), G backward once (data + weights), D forward on 2B + B samples,
 * D backward with weights on 2B, D backward data-only on B. */
static double layer_macs(const fc_layer *L) {
    double out = (double)L->out_c * L->out_h * L->out_w;
    switch (L->kind) {
    case FC_L_DENSE: return (double)L->in_c * L->out_c;
    case FC_L_CONV: return out * L->in_c * L->k * L->k;
    case FC_L_CONVT: return (double)L->in_c * L->in_h * L->in_w * L->out_c * L->k * L->k;
    case FC_L_UPCONV: return out * L->in_c * 9; /* as Upsample + Conv 3x3 */
    default: return 0;
    }
}

/* executed != 0: count what the engine really multiplies — ConvTranspose k4 s2 p1 runs as
 * Winograd F(3x3, 2x2), 2.25x fewer multiply-adds than the direct form (src/nn/conv_wino.c). */
static double net_macs(const fc_net *n, int executed) {
    double s = 0;
    for (int i = 0; i < n->nlayers; i++) {
        const fc_layer *L = &n->layers[i];
        double m = layer_macs(L);
        if (executed && L->kind == FC_L_CONVT && L->k == 4 && L->stride == 2 && L->pad == 1) m /= 2.25;
        if (executed && L->kind == FC_L_UPCONV) m = (double)L->in_c * L->in_h * L->in_w * L->out_c * 16 / 2.25;
        s += m;
    }
    return s;
}

/* FLOPs of one step counted from the layer shapes (direct convolution), or as executed. */
static double step_flops(const fc_model *m, int B, int executed) {
    double g = net_macs(&m->G, executed), d = net_macs(&m->D, executed);
    /* forward 1x, backward-data 1x, backward-weights 1x the forward MACs (first layer's data grad skipped) */
    double gf = 2 * B * g, gb = B * 2 * g;
    double df = 3 * B * d, db = 2 * B * 2 * d + B * d;
    return 2.0 * (gf + gb + df + db);
}

double fc_bench_step_flops(const fc_model *m, int B) { return step_flops(m, B, 0); }

static int bench_train_step(bench_opts *o) {
    fc_error err = {0};
    fc_set_threads((int)o->threads);
    fc_model *m = NULL;
    int rc = fc_model_create(o->arch, (float)o->width, 1, &m, &err);
    if (rc) return cli_report("bench", &err);
    fc_trainer t;
    fc_train_config cfg; /* the architecture's training defaults: loss, DiffAugment, EMA, Adam */
    fc_train_config_default(&cfg);
    fc_train_config_for_arch(&cfg, o->arch);
    fc_adam_cfg a = {cfg.lr_g, cfg.beta1, cfg.beta2, cfg.adam_eps};
    if ((rc = fc_trainer_init(&t, m, (int)o->batch, &a, &a, 7, &err)) ||
        (rc = fc_trainer_set_options(&t, cfg.loss, cfg.diffaug, cfg.ema_decay, &err))) {
        fc_trainer_free(&t);
        fc_model_free(m);
        return cli_report("bench", &err);
    }
    float *reals = malloc((size_t)o->batch * IMG * sizeof(float));
    fc_rng r;
    fc_rng_seed(&r, 3);
    fc_rng_fill_uniform(&r, reals, (size_t)o->batch * IMG, 0.0f, 1.0f);
    fc_step_stats st;
    double flops = fc_bench_step_flops(m, (int)o->batch);
    printf("bench train-step: arch %s width %g batch %ld threads %d, %.1f GFLOP/step\n", fc_arch_name(o->arch),
           o->width, o->batch, fc_get_threads(), flops * 1e-9);
    for (long i = 0; i < o->warmup; i++) fc_trainer_step(&t, reals, NULL, NULL, &st);
    double best = 1e30, total = 0;
    for (long i = 0; i < o->steps; i++) {
        double t0 = now();
        fc_trainer_step(&t, reals, NULL, NULL, &st);
        double dt = now() - t0;
        total += dt;
        if (dt < best) best = dt;
        printf("  step %ld: %.3f s  (d_loss %.4f g_loss %.4f)\n", i + 1, dt, st.d_loss, st.g_loss);
        fflush(stdout);
    }
    double mean = total / o->steps;
    double exec = step_flops(m, (int)o->batch, 1);
    printf("mean %.3f s/step, best %.3f s/step: %.1f GFLOP/s counted from the layer shapes (direct convolution);\n"
           "  %.1f GFLOP/step executed (Winograd transposed convs) = %.1f GFLOP/s"
           " (compare with `facecrypt bench peak`)\n",
           mean, best, flops / mean * 1e-9, exec * 1e-9, exec / mean * 1e-9);
    printf("train-step: %.4f s/step %.2f img/s\n", mean, o->batch / mean);
    free(reals);
    fc_trainer_free(&t);
    fc_model_free(m);
    return FC_OK;
}

static int bench_sample(bench_opts *o) {
    fc_error err = {0};
    fc_set_threads((int)o->threads);
    fc_model *m = NULL;
    int rc = fc_model_create(o->arch, (float)o->width, 1, &m, &err);
    if (rc) return cli_report("bench", &err);
    long batches[2] = {1, 64};
    int nb = 2;
    if (o->batch_given) batches[0] = o->batch, nb = 1;
    for (int k = 0; k < nb; k++) {
        int B = (int)batches[k];
        float *z = calloc((size_t)B * FC_LATENT_DIM, sizeof(float));
        float *out = malloc((size_t)B * IMG * sizeof(float));
        fc_model_generate(m, z, B, out, &err); /* warm-up, plans */
        int reps = B == 1 ? 20 : 2;
        double t0 = now();
        for (int i = 0; i < reps; i++) fc_model_generate(m, z, B, out, &err);
        double dt = (now() - t0) / reps;
        printf("sample: batch %d: %.4f s/batch %.2f faces/s\n", B, dt, B / dt);
        free(z);
        free(out);
    }
    fc_model_free(m);
    return FC_OK;
}

int fc_bench_layers(fc_model *m, int batch, FILE *out); /* bench_layers.c */
int fc_bench_peak(int threads, FILE *out);               /* bench_peak.c */

static int bench_data(const char *dir) {
    fc_data_bench_result r;
    fc_error err = {0};
    if (!dir) {
        fprintf(stderr, "facecrypt bench data: give --data DIR\n");
        return FC_EUSAGE;
    }
    if (fc_data_bench(dir, FC_PART_ALL, 512, &r, &err)) return cli_report("bench", &err);
    printf("data: %zu files (%.1f MB, %zu failed): decode + center crop + resize to 64x64, per core:\n", r.files,
           r.mbytes, r.failed);
    printf("  scaled JPEG decode (libjpeg-turbo DCT scaling): %.0f img/s\n", r.img_per_s);
    printf("  full-size decode:                                %.0f img/s\n", r.img_per_s_full);
    return FC_OK;
}

int cmd_bench(int argc, char **argv) {
    bench_opts o = {FC_ARCH_SEED, 1.0, 64, 3, 2, 1, 0};
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        printf("usage: facecrypt bench train-step [--arch seed|dcgan|face] [--width W] [--batch B] [--steps N]\n"
               "                                  [--threads T] [--warmup K]\n"
               "       facecrypt bench layers     [--arch A] [--width W] [--batch B] [--threads T]\n"
               "       facecrypt bench sample     [--arch A] [--width W] [--batch B] [--threads T]\n"
               "       facecrypt bench peak       [--threads T]   (FMA loop and large sgemm)\n"
               "       facecrypt bench data       --data DIR      (JPEG decode + crop + resize per core)\n"
               "train-step ends with: train-step: <seconds> s/step <images> img/s\n");
        return argc < 2 ? FC_EUSAGE : FC_OK;
    }
    if (!strcmp(argv[1], "data")) {
        const char *dir = NULL;
        for (int i = 2; i < argc; i++) {
            int missing = 0;
            const char *v = cli_opt(argc, argv, &i, "--data", &missing);
            if (v) dir = v;
            else {
                fprintf(stderr, "facecrypt bench data: unknown option '%s'\n", argv[i]);
                return FC_EUSAGE;
            }
        }
        return bench_data(dir);
    }
    int rc = parse(argc, argv, &o, argv[1]);
    if (rc) return rc;
    if (!strcmp(argv[1], "peak")) return fc_bench_peak((int)o.threads, stdout);
    if (!strcmp(argv[1], "train-step")) return bench_train_step(&o);
    if (!strcmp(argv[1], "sample")) return bench_sample(&o);
    if (!strcmp(argv[1], "layers")) {
        fc_error err = {0};
        fc_set_threads((int)o.threads);
        fc_model *m = NULL;
        if ((rc = fc_model_create(o.arch, (float)o.width, 1, &m, &err))) return cli_report("bench", &err);
        rc = fc_bench_layers(m, (int)o.batch, stdout);
        fc_model_free(m);
        return rc;
    }
    fprintf(stderr, "facecrypt bench: unknown benchmark '%s' (train-step, layers, sample, peak, data)\n", argv[1]);
    return FC_EUSAGE;
}
