/* facecrypt eval-gan: sliced Wasserstein distance (Karras et al. 2018) between faces
 * of a generator and real faces, with the real-vs-real floor.  A thin client of
 * fc_eval_gan (src/analysis/evalgan.c) and the data cache (src/data). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/dataset.h"
#include "util/error.h"
#include "util/fileio.h"

#define CMD "eval-gan"

static int usage_err(const char *msg, const char *arg) {
    fprintf(stderr, "facecrypt " CMD ": %s%s%s (see --help)\n", msg, arg ? " " : "", arg ? arg : "");
    return FC_EUSAGE;
}

static void help(void) {
    printf("usage: facecrypt eval-gan --data DIR [--model M.safetensors | --untrained [--arch A --width W]]\n"
           "                          [--partition P] [--cache-dir DIR] [--n N] [--seed S] [--threads T]\n"
           "                          [--no-reference] [--json]\n"
           "Sliced Wasserstein distance (Karras et al. 2018; x1e3 per Laplacian pyramid level 64, 32,\n"
           "16 px, and their average; lower is better) between N generated and N real faces, and\n"
           "between two disjoint sets of N real faces: the floor that sampling alone gives.\n"
           "  --model M       generator checkpoint (default: the embedded generator)\n"
           "  --untrained     a freshly initialised model (weights from --seed) of the same arch and\n"
           "                  width as --model, or of --arch/--width\n"
           "  --data DIR      CelebA layout or a folder of images (decoded once into the data cache)\n"
           "  --partition P   train (default), val, test or all\n"
           "  --cache-dir DIR where the decoded 64x64 cache lives (default ~/.cache/facecrypt)\n"
           "  --n N           faces per set (default 1024, at least 16; the reference needs 2N real faces)\n"
           "  --seed S        z (as `facecrypt sample --n N --seed S`), choice of real faces, patches,\n"
           "                  directions (default 1)\n"
           "  --threads T     threads (default 0: all cores)\n"
           "  --no-reference  skip the real-vs-real distance (then N real faces suffice)\n"
           "  --json          machine-readable output\n");
}

static void on_warn(void *ctx, const char *line) {
    (void)ctx;
    fprintf(stderr, "facecrypt " CMD ": warning: %s\n", line);
}

static void on_progress(void *ctx, size_t done, size_t total) {
    if (!*(int *)ctx) return;
    fprintf(stderr, "\rdecoding images for the cache: %zu/%zu", done, total);
    if (done == total) fputc('\n', stderr);
}

static void jstr(FILE *f, const char *s) {
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void jswd(FILE *f, const fc_swd_result *r) {
    if (!r->levels) {
        fputs("null", f);
        return;
    }
    fputs("{\"swd\": [", f);
    for (int l = 0; l < r->levels; l++) fprintf(f, "%s%.4f", l ? ", " : "", r->swd[l]);
    fprintf(f, "], \"avg\": %.4f}", r->avg);
}

static void text_row(const char *name, const fc_swd_result *r) {
    printf("%-19s", name);
    for (int l = 0; l < r->levels; l++) printf(" %9.3f", r->swd[l]);
    printf(" %9.3f\n", r->avg);
}

int cmd_eval_gan(int argc, char **argv) {
    const char *model = NULL, *data = NULL, *part_name = "train", *cache = NULL;
    long n = 1024, threads = 0;
    uint64_t seed = 1;
    int json = 0, untrained = 0, reference = 1, have_arch = 0, have_width = 0;
    fc_arch arch = FC_ARCH_SEED;
    double width = 1.0;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if ((v = cli_opt(argc, argv, &i, "--model", &missing))) model = v;
        else if ((v = cli_opt(argc, argv, &i, "--data", &missing))) data = v;
        else if ((v = cli_opt(argc, argv, &i, "--partition", &missing))) part_name = v;
        else if ((v = cli_opt(argc, argv, &i, "--cache-dir", &missing))) cache = v;
        else if ((v = cli_opt(argc, argv, &i, "--n", &missing))) {
            if (cli_parse_int(v, 16, 1 << 20, &n)) return usage_err("--n must be 16..1048576, got", v);
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &missing))) {
            if (cli_parse_u64(v, &seed)) return usage_err("bad --seed", v);
        } else if ((v = cli_opt(argc, argv, &i, "--threads", &missing))) {
            if (cli_parse_int(v, 0, 1024, &threads)) return usage_err("bad --threads", v);
        } else if ((v = cli_opt(argc, argv, &i, "--arch", &missing))) {
            if (fc_arch_parse(v, &arch)) return usage_err("unknown --arch (seed|dcgan|face)", v);
            have_arch = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--width", &missing))) {
            if (cli_parse_float(v, 1e-3, 4, &width)) return usage_err("bad --width", v);
            have_width = 1;
        } else if (!strcmp(argv[i], "--untrained")) untrained = 1;
        else if (!strcmp(argv[i], "--no-reference")) reference = 0;
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            help();
            return FC_OK;
        } else if (missing) return usage_err("missing value for", argv[i]);
        else return usage_err("unknown argument", argv[i]);
    }
    if (!data) return usage_err("--data DIR is required", NULL);
    if ((have_arch || have_width) && !untrained) return usage_err("--arch/--width only go with --untrained", NULL);
    if ((have_arch || have_width) && model) return usage_err("--untrained takes the arch and width of --model, or of --arch/--width, not both", NULL);
    fc_error err = {0};
    fc_partition part;
    if (fc_partition_parse(part_name, &part, &err)) return usage_err("--partition must be train|val|test|all, got", part_name);
    fc_set_threads((int)threads);

    /* the model first: a bad --model fails before any data is decoded */
    fc_model *m = NULL;
    fc_dataset *ds = NULL;
    int rc;
    if (untrained && (have_arch || have_width)) {
        rc = fc_model_create(arch, (float)width, seed, &m, &err);
    } else {
        rc = cli_load_model(model, &m, &err);
        if (!rc && untrained) {
            arch = fc_model_arch(m);
            float w = fc_model_width(m);
            fc_model_free(m);
            m = NULL;
            rc = fc_model_create(arch, w, seed, &m, &err);
        }
    }
    if (rc) goto done;

    char cache_dir[4096];
    if (cache) snprintf(cache_dir, sizeof cache_dir, "%s", cache);
    else if (fc_data_default_cache_dir(cache_dir, sizeof cache_dir, NULL)) cache_dir[0] = 0;
    int tty = isatty(2);
    fc_dataset_opts dopt = {.partition = part,
                            .cache_dir = cache_dir[0] ? cache_dir : NULL,
                            .threads = (int)threads,
                            .cb = {on_warn, on_progress, &tty}};
    if (dopt.cache_dir && fc_mkdirs(dopt.cache_dir, &err)) {
        on_warn(NULL, err.msg); /* no cache: decode in memory */
        dopt.cache_dir = NULL;
    }
    if ((rc = fc_dataset_open(data, &dopt, &ds, &err))) goto done;

    fc_eval_gan_result r;
    if ((rc = fc_eval_gan(m, ds->pixels, ds->count, (int)n, seed, reference, &r, &err))) goto done;

    const char *arch_name = fc_arch_name(fc_model_arch(m));
    if (json) {
        printf("{\"model\": ");
        jstr(stdout, have_arch || have_width ? NULL : model ? model : "embedded");
        printf(", \"untrained\": %s, \"arch\": \"%s\", \"width\": %g, \"step\": %llu,\n", untrained ? "true" : "false",
               arch_name, (double)fc_model_width(m), (unsigned long long)fc_model_step(m));
        printf(" \"data\": ");
        jstr(stdout, data);
        printf(", \"partition\": \"%s\", \"real_faces\": %zu, \"n\": %d, \"seed\": %llu,\n \"resolutions\": [",
               fc_partition_name(part), ds->count, r.n, (unsigned long long)seed);
        for (int l = 0; l < r.gen.levels; l++) printf("%s%d", l ? ", " : "", r.gen.res[l]);
        printf("],\n \"generated_vs_real\": ");
        jswd(stdout, &r.gen);
        printf(",\n \"real_vs_real\": ");
        jswd(stdout, &r.ref);
        printf("}\n");
    } else {
        printf("model: %s%s, arch %s, width %g, step %llu\n", untrained ? "untrained " : "",
               model ? model : untrained && (have_arch || have_width) ? "(fresh)" : "embedded generator", arch_name,
               (double)fc_model_width(m), (unsigned long long)fc_model_step(m));
        printf("real faces: %zu (%s partition of %s); %d per set, seed %llu\n", ds->count, fc_partition_name(part),
               data, r.n, (unsigned long long)seed);
        printf("%-19s", "SWD x1e3");
        for (int l = 0; l < r.gen.levels; l++) printf(" %7dpx", r.gen.res[l]);
        printf(" %9s\n", "avg");
        text_row("generated vs real", &r.gen);
        if (r.ref.levels) text_row("real vs real", &r.ref);
    }
done:
    if (rc) cli_report(CMD, &err);
    fc_dataset_free(ds);
    fc_model_free(m);
    return rc;
}
