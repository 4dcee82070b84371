/* facecrypt eval-gan: sliced Wasserstein distance (Karras et al. 2018) and, with
 * --spectrum, the radial power spectrum (Durall et al. 2020) of faces of a generator
 * against real faces, with the real-vs-real floor.  A thin client of fc_eval_gan and
 * fc_eval_gan_spectrum (src/analysis/evalgan.c) and the data cache (src/data). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
    printf("usage: facecrypt eval-gan --data DIR [--model M | --untrained [--arch A --width W]]\n"
           "                          [--partition P] [--cache-dir DIR] [--n N] [--seed S] [--threads T]\n"
           "                          [--no-reference] [--spectrum [--no-swd] [--plot PNG [--force]]] [--json]\n"
           "Sliced Wasserstein distance (Karras et al. 2018; x1e3 per Laplacian pyramid level 64, 32,\n"
           "16 px, and their average; lower is better) between N generated and N real faces, and\n"
           "between two disjoint sets of N real faces: the floor that sampling alone gives.\n"
           "  --model M       generator: a built-in name (facecrypt info --models) or a checkpoint file\n"
           "                  (default: the built-in default generator)\n"
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
           "  --spectrum      also the azimuthally averaged power spectrum (grey, mean removed, no\n"
           "                  window, each face's power normalised to sum 1) of the same faces:\n"
           "                  generated/real deviation per band (low, mid, high up to Nyquist, corner\n"
           "                  beyond it) and at the Nyquist points (docs/eval-gan.md)\n"
           "  --no-swd        with --spectrum: skip the SWD\n"
           "  --plot PNG      with --spectrum: write log10 power vs radial frequency as a PNG\n"
           "  --force         replace an existing --plot file\n"
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

static void jnum(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, "%.6g", v);
    else fputs("null", f);
}

static void jspectrum_cmp(FILE *f, const fc_spectrum *a, const fc_spectrum_cmp *c) {
    if (!a->count) {
        fputs("null", f);
        return;
    }
    fputs("{\"bands\": {", f);
    for (int b = 0; b < FC_SPECTRUM_BANDS; b++) {
        int lo, hi;
        fc_spectrum_band(a, b, &lo, &hi);
        fprintf(f, "%s\"%s\": {\"bins\": [%d, %d], \"dev\": ", b ? ", " : "", fc_spectrum_band_name(b), lo, hi);
        jnum(f, c->band_dev[b]);
        fprintf(f, ", \"worst_bin\": %d, \"worst_dev\": ", c->band_worst_bin[b]);
        jnum(f, c->band_worst[b]);
        fputc('}', f);
    }
    fputs("}, \"nyquist_dev\": ", f);
    jnum(f, c->nyquist_dev);
    fputs(", \"dev\": [", f);
    for (int b = 0; b < c->bins; b++) {
        if (b) fputs(", ", f);
        jnum(f, c->dev[b]);
    }
    fputs("]}", f);
}

static void jpower(FILE *f, const fc_spectrum *s) {
    if (!s->count) {
        fputs("null", f);
        return;
    }
    fputs("{\"power\": [", f);
    for (int b = 0; b < s->bins; b++) {
        if (b) fputs(", ", f);
        jnum(f, fc_spectrum_power(s, b));
    }
    fputs("], \"nyquist\": [", f);
    for (int k = 0; k < 3; k++) {
        if (k) fputs(", ", f);
        jnum(f, s->nyquist_sum[k] / s->count);
    }
    fputs("]}", f);
}

static void pct(double d) {
    if (isfinite(d)) printf(" %+12.1f%%", 100 * d);
    else printf(" %13s", "n/a");
}

static void text_spectrum(const fc_eval_spectrum_result *r) {
    const int ref = r->real_b.count > 0, h = r->gen.size / 2;
    printf("power spectrum (grey, mean removed, no window; radial bins of |k| in cycles per %d px):\n", r->gen.size);
    printf("%-8s %-7s %14s %14s%s\n", "band", "bins", "gen/real", "worst bin", ref ? "   real B/real A" : "");
    for (int b = 0; b < FC_SPECTRUM_BANDS; b++) {
        int lo, hi;
        char bins[32], worst[48];
        fc_spectrum_band(&r->gen, b, &lo, &hi);
        snprintf(bins, sizeof bins, "%d-%d", lo, hi);
        snprintf(worst, sizeof worst, "%+.1f%% @%d", 100 * r->gen_vs_real.band_worst[b], r->gen_vs_real.band_worst_bin[b]);
        printf("%-8s %-7s", fc_spectrum_band_name(b), bins);
        pct(r->gen_vs_real.band_dev[b]);
        printf(" %14s", worst);
        if (ref) pct(r->real_vs_real.band_dev[b]);
        printf("\n");
    }
    char pts[48];
    snprintf(pts, sizeof pts, "(%d,0)+(0,%d)+(%d,%d)", h, h, h, h);
    printf("%-8s %-22s", "nyquist", pts);
    pct(r->gen_vs_real.nyquist_dev);
    if (ref) pct(r->real_vs_real.nyquist_dev);
    printf("\n");
}

/* log10 power against radial frequency: generated, real A and (when measured) real B. */
static int spectrum_plot(const fc_eval_spectrum_result *r, const char *path, int force, fc_error *err) {
    double x[FC_SPECTRUM_MAX_BINS], y[3][FC_SPECTRUM_MAX_BINS];
    const fc_spectrum *sets[3] = {&r->gen, &r->real_a, &r->real_b};
    const int bins = r->gen.bins;
    for (int b = 0; b < bins; b++) {
        x[b] = b;
        for (int k = 0; k < 3; k++) {
            double p = fc_spectrum_power(sets[k], b);
            y[k][b] = b > 0 && p > 0 ? log10(p) : NAN; /* DC is removed */
        }
    }
    fc_plot_series ser[3] = {{"generated", x, y[0], (size_t)bins, FC_PLOT_AUTO},
                             {"real (set A)", x, y[1], (size_t)bins, FC_PLOT_AUTO},
                             {"real (set B)", x, y[2], (size_t)bins, FC_PLOT_AUTO}};
    char title[128];
    snprintf(title, sizeof title, "radial power spectrum, %d faces per set (Nyquist at %d)", r->n, r->gen.size / 2);
    fc_plot_opts o = {.width = 800, .height = 500, .title = title, .xlabel = "spatial frequency |k| (cycles per image)",
                      .ylabel = "log10 power (share of variance)"};
    fc_image im = {0};
    int rc = fc_plot_lines(ser, r->real_b.count ? 3 : 2, &o, &im, err);
    if (!rc) rc = fc_image_save_png(&im, path, force, err);
    fc_image_free(&im);
    return rc;
}

int cmd_eval_gan(int argc, char **argv) {
    const char *model = NULL, *data = NULL, *part_name = "train", *cache = NULL;
    long n = 1024, threads = 0;
    uint64_t seed = 1;
    int json = 0, untrained = 0, reference = 1, have_arch = 0, have_width = 0, spectrum = 0, swd = 1, force = 0;
    const char *plot = NULL;
    fc_arch arch = FC_ARCH_SEED;
    double width = 1.0;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if ((v = cli_opt(argc, argv, &i, "--model", &missing))) model = v;
        else if ((v = cli_opt(argc, argv, &i, "--data", &missing))) data = v;
        else if ((v = cli_opt(argc, argv, &i, "--partition", &missing))) part_name = v;
        else if ((v = cli_opt(argc, argv, &i, "--plot", &missing))) plot = v;
        else if ((v = cli_opt(argc, argv, &i, "--cache-dir", &missing))) cache = v;
        else if ((v = cli_opt(argc, argv, &i, "--n", &missing))) {
            if (cli_parse_int(v, 16, 1 << 20, &n)) return usage_err("--n must be 16..1048576, got", v);
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &missing))) {
            if (cli_parse_u64(v, &seed)) return usage_err("bad --seed", v);
        } else if ((v = cli_opt(argc, argv, &i, "--threads", &missing))) {
            if (cli_parse_int(v, 0, 1024, &threads)) return usage_err("bad --threads", v);
        } else if ((v = cli_opt(argc, argv, &i, "--arch", &missing))) {
            if (fc_arch_parse(v, &arch)) return usage_err("unknown --arch (seed|dcgan)", v);
            have_arch = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--width", &missing))) {
            if (cli_parse_float(v, 1e-3, 4, &width)) return usage_err("bad --width", v);
            have_width = 1;
        } else if (!strcmp(argv[i], "--untrained")) untrained = 1;
        else if (!strcmp(argv[i], "--no-reference")) reference = 0;
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--spectrum")) spectrum = 1;
        else if (!strcmp(argv[i], "--no-swd")) swd = 0;
        else if (!strcmp(argv[i], "--force")) force = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            help();
            return FC_OK;
        } else if (missing) return usage_err("missing value for", argv[i]);
        else return usage_err("unknown argument", argv[i]);
    }
    if (!data) return usage_err("--data DIR is required", NULL);
    if ((have_arch || have_width) && !untrained) return usage_err("--arch/--width only go with --untrained", NULL);
    if ((have_arch || have_width) && model) return usage_err("--untrained takes the arch and width of --model, or of --arch/--width, not both", NULL);
    if ((!swd || plot) && !spectrum) return usage_err("--no-swd and --plot go with --spectrum", NULL);
    if (plot && !force && access(plot, F_OK) == 0) return usage_err("the plot file exists (use --force to replace it):", plot);
    fc_error err = {0};
    fc_partition part;
    if (fc_partition_parse(part_name, &part, &err)) return usage_err("--partition must be train|val|test|all, got", part_name);
    fc_set_threads((int)threads);

    /* the model first: a bad --model fails before any data is decoded */
    fc_model *m = NULL;
    fc_dataset *ds = NULL;
    fc_eval_spectrum_result *sp = NULL;
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
    memset(&r, 0, sizeof r);
    r.n = (int)n;
    if (swd && (rc = fc_eval_gan(m, ds->pixels, ds->count, (int)n, seed, reference, &r, &err))) goto done;
    if (spectrum) {
        if (!(sp = malloc(sizeof *sp))) {
            rc = fc_fail(&err, FC_ENOMEM, "out of memory");
            goto done;
        }
        if ((rc = fc_eval_gan_spectrum(m, ds->pixels, ds->count, (int)n, seed, reference, sp, &err))) goto done;
        if (plot && (rc = spectrum_plot(sp, plot, force, &err))) goto done;
    }

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
        if (sp) {
            printf(",\n \"spectrum\": {\"size\": %d, \"bins\": %d, \"generated\": ", sp->gen.size, sp->gen.bins);
            jpower(stdout, &sp->gen);
            printf(",\n  \"real_a\": ");
            jpower(stdout, &sp->real_a);
            printf(",\n  \"real_b\": ");
            jpower(stdout, &sp->real_b);
            printf(",\n  \"generated_vs_real\": ");
            jspectrum_cmp(stdout, &sp->gen, &sp->gen_vs_real);
            printf(",\n  \"real_vs_real\": ");
            jspectrum_cmp(stdout, &sp->real_b, &sp->real_vs_real);
            printf(",\n  \"plot\": ");
            jstr(stdout, plot);
            printf("}");
        }
        printf("}\n");
    } else {
        printf("model: %s%s, arch %s, width %g, step %llu\n", untrained ? "untrained " : "",
               model ? model : untrained && (have_arch || have_width) ? "(fresh)" : "embedded generator", arch_name,
               (double)fc_model_width(m), (unsigned long long)fc_model_step(m));
        printf("real faces: %zu (%s partition of %s); %d per set, seed %llu\n", ds->count, fc_partition_name(part),
               data, r.n, (unsigned long long)seed);
        if (swd) {
            printf("%-19s", "SWD x1e3");
            for (int l = 0; l < r.gen.levels; l++) printf(" %7dpx", r.gen.res[l]);
            printf(" %9s\n", "avg");
            text_row("generated vs real", &r.gen);
            if (r.ref.levels) text_row("real vs real", &r.ref);
        }
        if (sp) text_spectrum(sp);
        if (plot) printf("plot: %s\n", plot);
    }
done:
    if (rc) cli_report(CMD, &err);
    free(sp);
    fc_dataset_free(ds);
    fc_model_free(m);
    return rc;
}
