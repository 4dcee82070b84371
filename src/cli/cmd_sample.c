/* facecrypt sample: faces from a generator, as a grid PNG and/or raw float32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_opts.h"
#include "cli_util.h"
#include "commands.h"


int cmd_sample(int argc, char **argv) {
    const char *model = NULL, *zpath = NULL, *raw = NULL, *png = NULL;
    int n = 64, cols = 0, threads = 0, force = 0, have_n = 0;
    fc_precision prec = FC_PREC_FP32;
    uint64_t seed = 1;
    const cli_opt opts[] = {
        {.name = "--model", .type = CLI_STR, .dst = &model, .label = "--model",
         .help = CLI_MODEL_HELP},
        {.name = "--z", .type = CLI_STR, .dst = &zpath, .label = "--z", .help = "N x 100 little-endian float32 latent vectors"},
        {.name = "--n", .type = CLI_INT, .dst = &n, .lo = 1, .hi = 1 << 20, .given = &have_n, .bad = "--n must be 1..1048576, got",
         .label = "--n/--seed", .help = "draw N latent vectors from N(0,1) with this seed (default 64, 1)"},
        {.name = "--seed", .type = CLI_U64, .dst = &seed, .bad = "bad --seed"},
        {.name = "--out", .alias = "-o", .type = CLI_STR, .dst = &png, .label = "-o",
         .help = "write a grid PNG;  --raw  write N x 3 x S x S float32 (generator output; S 64, face128 128)"},
        {.name = "--raw", .type = CLI_STR, .dst = &raw},
        {.name = "--cols", .type = CLI_INT, .dst = &cols, .lo = 1, .hi = 4096, .bad = "bad --cols"},
        {.name = "--precision", .type = CLI_CALL, .dst = &prec, .parse = cli_parse_precision,
         .bad = "--precision must be fp32, bf16 or bf16-emu, got"},
        {.name = "--threads", .type = CLI_INT, .dst = &threads, .lo = 0, .hi = 1024, .bad = "bad --threads"},
        {.name = "--force", .type = CLI_FLAG, .dst = &force},
    };
    const cli_cmd cmd = {"sample",
                         "usage: facecrypt sample [--model M] (--z Z.f32 | --n N --seed S)\n"
                         "                        [-o grid.png] [--raw OUT.f32] [--cols C] [--threads T] [--force]\n"
                         "                        [--precision fp32|bf16|bf16-emu]\n",
                         NULL, NULL, 10, opts, CLI_N(opts), NULL, 0};
    int done, rc0 = cli_parse(&cmd, argc, argv, &done);
    if (rc0 || done) return rc0;
    if (!raw && !png) return cli_usage_err("sample", "nothing to write: give -o grid.png and/or --raw OUT.f32", NULL);
    if (zpath && have_n) return cli_usage_err("sample", "--z and --n exclude each other", NULL);
    fc_error err = {0};
    fc_set_threads(threads);
    float *z = NULL, *out = NULL;
    fc_model *m = NULL;
    int rc;
    if (zpath) {
        uint8_t *buf;
        size_t len;
        if ((rc = fc_read_file(zpath, (size_t)1 << 31, &buf, &len, &err))) return cli_report("sample", &err);
        if (len == 0 || len % (FC_LATENT_DIM * sizeof(float))) {
            free(buf);
            fprintf(stderr, "facecrypt sample: %s holds %zu bytes, not a whole number of 100-float vectors\n", zpath,
                    len);
            return FC_EINPUT;
        }
        n = (int)(len / (FC_LATENT_DIM * sizeof(float)));
        z = (float *)buf; /* little-endian host (x86-64) */
    } else {
        z = malloc((size_t)n * FC_LATENT_DIM * sizeof(float));
        if (!z) return FC_ENOMEM;
        fc_latent_normal(seed, (size_t)n, z);
    }
    if ((rc = cli_load_model(model, &m, &err))) goto done;
    out = malloc((size_t)n * fc_model_image_floats(m) * sizeof(float));
    if (!out) {
        rc = fc_fail(&err, FC_ENOMEM, "out of memory for %d faces", n);
        goto done;
    }
    cli_set_precision("sample", m, prec);
    if ((rc = fc_model_generate(m, z, n, out, &err))) goto done;
    if (raw &&
        (rc = fc_write_file_atomic(raw, out, (size_t)n * fc_model_image_floats(m) * sizeof(float), force, &err)))
        goto done;
    if (png) {
        fc_model_output_to_unit(m, out, (size_t)n * fc_model_image_floats(m));
        fc_image grid;
        if ((rc = fc_grid_image_side(out, n, fc_model_image_size(m), cols, 2, &grid, &err))) goto done;
        rc = fc_image_save_png(&grid, png, force, &err);
        fc_image_free(&grid);
        if (rc && raw) remove(raw); /* no partial results */
    }
done:
    if (rc) cli_report("sample", &err);
    fc_model_free(m);
    free(z);
    free(out);
    return rc;
}
