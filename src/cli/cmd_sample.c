/* facecrypt sample: faces from a generator, as a grid PNG and/or raw float32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/rng.h"

#define IMG (3 * FC_IMAGE_SIZE * FC_IMAGE_SIZE)

static int usage_err(const char *msg, const char *arg) {
    fprintf(stderr, "facecrypt sample: %s%s%s (see --help)\n", msg, arg ? " " : "", arg ? arg : "");
    return FC_EUSAGE;
}

int cmd_sample(int argc, char **argv) {
    const char *model = NULL, *zpath = NULL, *raw = NULL, *png = NULL;
    long n = 64, cols = 0, threads = 0;
    fc_precision prec = FC_PREC_FP32;
    uint64_t seed = 1;
    int force = 0, have_n = 0;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if ((v = cli_opt(argc, argv, &i, "--model", &missing))) model = v;
        else if ((v = cli_opt(argc, argv, &i, "--z", &missing))) zpath = v;
        else if ((v = cli_opt(argc, argv, &i, "--raw", &missing))) raw = v;
        else if ((v = cli_opt(argc, argv, &i, "-o", &missing)) || (v = cli_opt(argc, argv, &i, "--out", &missing)))
            png = v;
        else if ((v = cli_opt(argc, argv, &i, "--n", &missing))) {
            if (cli_parse_int(v, 1, 1 << 20, &n)) return usage_err("--n must be 1..1048576, got", v);
            have_n = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &missing))) {
            if (cli_parse_u64(v, &seed)) return usage_err("bad --seed", v);
        } else if ((v = cli_opt(argc, argv, &i, "--cols", &missing))) {
            if (cli_parse_int(v, 1, 4096, &cols)) return usage_err("bad --cols", v);
        } else if ((v = cli_opt(argc, argv, &i, "--precision", &missing))) {
            if (fc_precision_parse(v, &prec)) return usage_err("--precision must be fp32, bf16 or bf16-emu, got", v);
        } else if ((v = cli_opt(argc, argv, &i, "--threads", &missing))) {
            if (cli_parse_int(v, 0, 1024, &threads)) return usage_err("bad --threads", v);
        } else if (!strcmp(argv[i], "--force")) force = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: facecrypt sample [--model M] (--z Z.f32 | --n N --seed S)\n"
                   "                        [-o grid.png] [--raw OUT.f32] [--cols C] [--threads T] [--force]\n"
                   "                        [--precision fp32|bf16|bf16-emu]\n"
                   "  --model    generator: a built-in name (facecrypt info --models) or a checkpoint file\n"
                   "             (default: the built-in default generator)\n"
                   "  --z        N x 100 little-endian float32 latent vectors\n"
                   "  --n/--seed draw N latent vectors from N(0,1) with this seed (default 64, 1)\n"
                   "  -o         write a grid PNG;  --raw  write N x 3 x 64 x 64 float32 (generator output)\n");
            return FC_OK;
        } else if (missing) return usage_err("missing value for", argv[i]);
        else return usage_err("unknown argument", argv[i]);
    }
    if (!raw && !png) return usage_err("nothing to write: give -o grid.png and/or --raw OUT.f32", NULL);
    if (zpath && have_n) return usage_err("--z and --n exclude each other", NULL);
    fc_error err = {0};
    fc_set_threads((int)threads);
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
        n = (long)(len / (FC_LATENT_DIM * sizeof(float)));
        z = (float *)buf; /* little-endian host (x86-64) */
    } else {
        z = malloc((size_t)n * FC_LATENT_DIM * sizeof(float));
        if (!z) return FC_ENOMEM;
        fc_rng r;
        fc_rng_seed(&r, seed);
        fc_rng_fill_normal(&r, z, (size_t)n * FC_LATENT_DIM, 0.0f, 1.0f);
    }
    out = malloc((size_t)n * IMG * sizeof(float));
    if (!out) {
        free(z);
        return FC_ENOMEM;
    }
    if ((rc = cli_load_model(model, &m, &err))) goto done;
    cli_set_precision("sample", m, prec);
    if ((rc = fc_model_generate(m, z, (int)n, out, &err))) goto done;
    if (raw && (rc = fc_write_file_atomic(raw, out, (size_t)n * IMG * sizeof(float), force, &err))) goto done;
    if (png) {
        fc_model_output_to_unit(m, out, (size_t)n * IMG);
        fc_image grid;
        if ((rc = fc_grid_image(out, (int)n, (int)cols, 2, &grid, &err))) goto done;
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
