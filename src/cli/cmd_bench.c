/* facecrypt bench: speed measurements (never timed tests), through facecrypt_bench.h.
 *   train-step  whole adversarial steps on synthetic data (its last line is a fixed
 *               format that scripts read: "train-step: S s/step R img/s")
 *   layers      per-layer forward / backward-data / backward-weights times
 *   sample      generator faces per second at batch 1 and 64
 *   peak        the machine's FMA and sgemm ceilings (bench_peak.c)
 *   data        JPEG decode + crop + resize per core */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_opts.h"
#include "cli_util.h"
#include "commands.h"
#include "facecrypt_bench.h"


typedef struct {
    fc_arch arch;
    double width;
    int batch, steps, threads, warmup;
    int batch_given; /* sample: time only --batch instead of 1 and 64 */
    fc_precision prec;
    int prec_given; /* layers: only this precision instead of fp32 and bf16 */
    const char *data;
} bench_opts;

static const char HELP[] =
    "usage: facecrypt bench train-step [--arch seed|dcgan|face|face2|face128] [--width W] [--batch B] [--steps N]\n"
    "                                  [--threads T] [--warmup K] [--precision P]\n"
    "       facecrypt bench layers     [--arch A] [--width W] [--batch B] [--threads T] [--precision P]\n"
    "                                  (default: fp32, then bf16 where the CPU has AVX512-BF16)\n"
    "       facecrypt bench sample     [--arch A] [--width W] [--batch B] [--threads T] [--precision P]\n"
    "       facecrypt bench peak       [--threads T]   (FMA loop and large sgemm)\n"
    "       facecrypt bench data       --data DIR      (JPEG decode + crop + resize per core)\n"
    "train-step ends with: train-step: <seconds> s/step <images> img/s\n";

/* argv[0] is the benchmark's name; "bench data" takes --data only, the others the rest. */
static int parse(int argc, char **argv, bench_opts *o) {
    const int data = !strcmp(argv[0], "data");
    const cli_opt model_opts[] = {
        {.name = "--arch", .type = CLI_CALL, .dst = &o->arch, .parse = cli_parse_arch},
        {.name = "--width", .type = CLI_DOUBLE, .dst = &o->width, .lo = 1e-3, .hi = 4},
        {.name = "--precision", .type = CLI_CALL, .dst = &o->prec, .parse = cli_parse_precision, .given = &o->prec_given,
         .bad = "--precision must be fp32, bf16 or bf16-emu, got"},
        {.name = "--batch", .type = CLI_INT, .dst = &o->batch, .lo = 1, .hi = 1 << 20, .given = &o->batch_given},
        {.name = "--steps", .type = CLI_INT, .dst = &o->steps, .lo = 1, .hi = 1 << 20},
        {.name = "--threads", .type = CLI_INT, .dst = &o->threads, .lo = 0, .hi = 1 << 20},
        {.name = "--warmup", .type = CLI_INT, .dst = &o->warmup, .lo = 0, .hi = 1 << 20},
    };
    const cli_opt data_opts[] = {{.name = "--data", .type = CLI_STR, .dst = &o->data}};
    char name[64];
    snprintf(name, sizeof name, "bench %s", argv[0]);
    const cli_cmd cmd = {name, HELP, NULL, NULL, 0, data ? data_opts : model_opts,
                         data ? CLI_N(data_opts) : CLI_N(model_opts), NULL, 0};
    int done, rc = cli_parse(&cmd, argc, argv, &done);
    return rc ? rc : done ? -1 : FC_OK;
}

static int bench_train_step(bench_opts *o) {
    fc_error err = {0};
    fc_set_threads(o->threads);
    fc_model *m = NULL;
    fc_bench_trainer *t = NULL;
    int rc = fc_model_create(o->arch, (float)o->width, 1, &m, &err);
    if (rc) return cli_report("bench", &err);
    fc_precision prec = fc_model_set_precision(m, o->prec);
    cli_set_precision("bench", m, o->prec);
    if ((rc = fc_bench_trainer_create(m, o->batch, &t, &err))) {
        fc_model_free(m);
        return cli_report("bench", &err);
    }
    double flops = fc_bench_step_flops(m, o->batch, 0);
    printf("bench train-step: arch %s width %g batch %d threads %d precision %s, %.1f GFLOP/step\n",
           fc_arch_name(o->arch), o->width, o->batch, fc_get_threads(), fc_precision_name(prec), flops * 1e-9);
    for (int i = 0; i < o->warmup; i++) fc_bench_trainer_step(t, NULL, NULL);
    double best = 1e30, total = 0;
    for (int i = 0; i < o->steps; i++) {
        float d_loss, g_loss;
        double t0 = cli_now();
        fc_bench_trainer_step(t, &d_loss, &g_loss);
        double dt = cli_now() - t0;
        total += dt;
        if (dt < best) best = dt;
        printf("  step %d: %.3f s  (d_loss %.4f g_loss %.4f)\n", i + 1, dt, d_loss, g_loss);
        fflush(stdout);
    }
    double mean = total / o->steps;
    double exec = fc_bench_step_flops(m, o->batch, 1);
    printf("mean %.3f s/step, best %.3f s/step: %.1f GFLOP/s counted from the layer shapes (direct convolution);\n"
           "  %.1f GFLOP/step executed (Winograd transposed convs) = %.1f GFLOP/s"
           " (compare with `facecrypt bench peak`)\n",
           mean, best, flops / mean * 1e-9, exec * 1e-9, exec / mean * 1e-9);
    printf("train-step: %.4f s/step %.2f img/s\n", mean, o->batch / mean);
    fc_bench_trainer_free(t);
    fc_model_free(m);
    return FC_OK;
}

static int bench_sample(bench_opts *o) {
    fc_error err = {0};
    fc_set_threads(o->threads);
    fc_model *m = NULL;
    int rc = fc_model_create(o->arch, (float)o->width, 1, &m, &err);
    if (rc) return cli_report("bench", &err);
    fc_precision prec = fc_model_set_precision(m, o->prec);
    cli_set_precision("bench", m, o->prec);
    printf("sample: precision %s\n", fc_precision_name(prec));
    int batches[2] = {1, 64}, nb = 2;
    if (o->batch_given) batches[0] = o->batch, nb = 1;
    for (int k = 0; k < nb && !rc; k++) {
        int B = batches[k];
        float *z = calloc((size_t)B * FC_LATENT_DIM, sizeof(float));
        float *out = malloc((size_t)B * fc_model_image_floats(m) * sizeof(float));
        if (!z || !out) rc = fc_fail(&err, FC_ENOMEM, "out of memory");
        else rc = fc_model_generate(m, z, B, out, &err); /* warm-up, plans */
        int reps = B == 1 ? 20 : 2;
        double t0 = cli_now();
        for (int i = 0; i < reps && !rc; i++) rc = fc_model_generate(m, z, B, out, &err);
        double dt = (cli_now() - t0) / reps;
        if (!rc) printf("sample: batch %d: %.4f s/batch %.2f faces/s\n", B, dt, B / dt);
        free(z);
        free(out);
    }
    fc_model_free(m);
    return rc ? cli_report("bench", &err) : FC_OK;
}

static int bench_layers(fc_model *m, int B, fc_precision prec) {
    fc_bench_layer rows[FC_BENCH_MAX_LAYERS];
    fc_precision ran;
    fc_error err = {0};
    int n;
    if (fc_bench_layers(m, B, prec, rows, &n, &ran, &err)) return cli_report("bench", &err);
    printf("bench layers: arch %s width %g batch %d threads %d precision %s%s (ms per call, GFLOP/s)\n",
           fc_arch_name(fc_model_arch(m)), fc_model_width(m), B, fc_get_threads(), fc_precision_name(ran),
           ran != prec ? " (bf16 asked: this CPU lacks AVX512-BF16)" : "");
    printf("%-16s %-22s %8s %6s %8s %6s %8s %6s\n", "layer", "", "fwd ms", "GF/s", "bwd-d ms", "GF/s", "bwd-w ms",
           "GF/s");
    double tot[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        const fc_bench_layer *L = &rows[i];
        printf("%s.%-6s %-6s %-22s %8.1f %6.0f %8.1f %6.0f %8.1f %6.0f\n", L->net, L->name, L->kind, "", L->ms[0],
               L->gflop / (L->ms[0] * 1e-3), L->ms[1], L->gflop / (L->ms[1] * 1e-3), L->ms[2],
               L->gflop / (L->ms[2] * 1e-3));
        for (int k = 0; k < 3; k++) tot[k] += L->ms[k];
    }
    printf("total: forward %.1f ms, backward-data %.1f ms, backward-weights %.1f ms\n", tot[0], tot[1], tot[2]);
    return FC_OK;
}

int cli_bench_peak(int threads); /* bench_peak.c */

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
    bench_opts o = {.arch = FC_ARCH_SEED, .width = 1.0, .batch = 64, .steps = 3, .threads = 2, .warmup = 1, .prec = FC_PREC_FP32};
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(HELP, stdout);
        return argc < 2 ? FC_EUSAGE : FC_OK;
    }
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc) return rc < 0 ? FC_OK : rc;
    if (!strcmp(argv[1], "data")) return bench_data(o.data);
    if (!strcmp(argv[1], "peak")) return cli_bench_peak(o.threads);
    if (!strcmp(argv[1], "train-step")) return bench_train_step(&o);
    if (!strcmp(argv[1], "sample")) return bench_sample(&o);
    if (!strcmp(argv[1], "layers")) {
        fc_error err = {0};
        fc_set_threads(o.threads);
        fc_model *m = NULL;
        if ((rc = fc_model_create(o.arch, (float)o.width, 1, &m, &err))) return cli_report("bench", &err);
        /* both precisions unless one was asked; bf16 only where the CPU runs it */
        rc = bench_layers(m, o.batch, o.prec);
        if (!rc && !o.prec_given) {
            if (fc_bf16_available()) rc = bench_layers(m, o.batch, FC_PREC_BF16);
            else printf("bf16: skipped, this CPU lacks AVX512-BF16 (--precision bf16-emu times the portable kernel)\n");
        }
        fc_model_free(m);
        return rc;
    }
    fprintf(stderr, "facecrypt bench: unknown benchmark '%s' (train-step, layers, sample, peak, data)\n", argv[1]);
    return FC_EUSAGE;
}
