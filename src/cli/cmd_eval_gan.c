/* facecrypt eval-gan: sliced Wasserstein distance (Karras et al. 2018) and, with
 * --spectrum, the radial power spectrum (Durall et al. 2020) of faces of a generator
 * against real faces, with the real-vs-real floor.  A thin client of fc_eval_gan and
 * fc_eval_gan_spectrum and the data cache (fc_dataset_open). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli_opts.h"
#include "cli_util.h"
#include "commands.h"

#define CMD "eval-gan"

static const char HELP_HEAD[] =
    "usage: facecrypt eval-gan --data DIR [--model M | --untrained [--arch A --width W]]\n"
    "                          [--partition P] [--cache-dir DIR] [--n N] [--seed S] [--threads T]\n"
    "                          [--size 64|128] [--no-reference] [--spectrum [--no-swd] [--plot PNG [--force]]]\n"
    "                          [--json]\n"
    "Sliced Wasserstein distance (Karras et al. 2018; x1e3 per Laplacian pyramid level 64, 32,\n"
    "16 px, and their average; lower is better) between N generated and N real faces, and\n"
    "between two disjoint sets of N real faces: the floor that sampling alone gives.\n";

static int usage_err(const char *msg, const char *arg) { return cli_usage_err(CMD, msg, arg); }

static int parse_partition(const char *v, void *dst) { return fc_partition_parse(v, dst, NULL); }

static void on_warn(void *ctx, const char *line) {
    (void)ctx;
    fprintf(stderr, "facecrypt " CMD ": warning: %s\n", line);
}

static void on_progress(void *ctx, size_t done, size_t total) {
    if (!*(int *)ctx) return;
    fprintf(stderr, "\rdecoding images for the cache: %zu/%zu", done, total);
    if (done == total) fputc('\n', stderr);
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

static void jnum(FILE *f, double v) { cli_json_num(f, v, 6); }

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
    const char *model = NULL, *data = NULL, *cache = NULL, *plot = NULL;
    int n = 1024, threads = 0, size = 64;
    uint64_t seed = 1;
    int json = 0, untrained = 0, reference = 1, have_arch = 0, have_width = 0, spectrum = 0, swd = 1, force = 0;
    fc_arch arch = FC_ARCH_SEED;
    fc_partition part = FC_PART_TRAIN;
    double width = 1.0;
    const cli_opt opts[] = {
        {.name = "--model", .type = CLI_STR, .dst = &model, .label = "--model M",
         .help = CLI_MODEL_HELP},
        {.name = "--untrained", .type = CLI_FLAG, .dst = &untrained, .label = "--untrained",
         .help = "a freshly initialised model (weights from --seed) of the same arch and\n"
                 "width as --model, or of --arch/--width"},
        {.name = "--data", .type = CLI_STR, .dst = &data, .label = "--data DIR",
         .help = "CelebA layout or a folder of images (decoded once into the data cache)"},
        {.name = "--partition", .type = CLI_CALL, .dst = &part, .parse = parse_partition,
         .bad = "--partition must be train|val|test|all, got", .label = "--partition P",
         .help = "train (default), val, test or all"},
        {.name = "--cache-dir", .type = CLI_STR, .dst = &cache, .label = "--cache-dir DIR",
         .help = "where the decoded data cache lives (default ~/.cache/facecrypt)"},
        {.name = "--size", .type = CLI_INT, .dst = &size, .lo = 32, .hi = 256, .bad = "--size must be 32, 64, 128 or 256, got",
         .label = "--size S",
         .help = "measure at S x S px (default 64): real faces decoded at S; generated faces\n"
                 "area-reduced when drawn larger, enlarged as face covers enlarge them\n"
                 "(Lanczos-3) when drawn smaller: --size 128 compares a 64 px generator's\n"
                 "faces at --face-scale 2 with face128's native ones"},
        {.name = "--n", .type = CLI_INT, .dst = &n, .lo = 16, .hi = 1 << 20, .bad = "--n must be 16..1048576, got", .label = "--n N",
         .help = "faces per set (default 1024, at least 16; the reference needs 2N real faces)"},
        {.name = "--seed", .type = CLI_U64, .dst = &seed, .bad = "bad --seed", .label = "--seed S",
         .help = "z (as `facecrypt sample --n N --seed S`), choice of real faces, patches,\n"
                 "directions (default 1)"},
        {.name = "--threads", .type = CLI_INT, .dst = &threads, .lo = 0, .hi = 1024, .bad = "bad --threads", .label = "--threads T",
         .help = "threads (default 0: all cores)"},
        {.name = "--no-reference", .type = CLI_UNSET, .dst = &reference, .label = "--no-reference",
         .help = "skip the real-vs-real distance (then N real faces suffice)"},
        {.name = "--spectrum", .type = CLI_FLAG, .dst = &spectrum, .label = "--spectrum",
         .help = "also the azimuthally averaged power spectrum (grey, mean removed, no\n"
                 "window, each face's power normalised to sum 1) of the same faces:\n"
                 "generated/real deviation per band (low, mid, high up to Nyquist, corner\n"
                 "beyond it) and at the Nyquist points (docs/eval-gan.md)"},
        {.name = "--no-swd", .type = CLI_UNSET, .dst = &swd, .label = "--no-swd", .help = "with --spectrum: skip the SWD"},
        {.name = "--plot", .type = CLI_STR, .dst = &plot, .label = "--plot PNG",
         .help = "with --spectrum: write log10 power vs radial frequency as a PNG"},
        {.name = "--force", .type = CLI_FLAG, .dst = &force, .label = "--force", .help = "replace an existing --plot file"},
        {.name = "--json", .type = CLI_FLAG, .dst = &json, .label = "--json", .help = "machine-readable output"},
        {.name = "--arch", .type = CLI_CALL, .dst = &arch, .parse = cli_parse_arch, .given = &have_arch,
         .bad = "unknown --arch (seed|dcgan|face|face2|face128)"},
        {.name = "--width", .type = CLI_DOUBLE, .dst = &width, .lo = 1e-3, .hi = 4, .given = &have_width, .bad = "bad --width"},
    };
    const cli_cmd cmd = {CMD, HELP_HEAD, NULL, NULL, 15, opts, CLI_N(opts), NULL, 0};
    int done, rc0 = cli_parse(&cmd, argc, argv, &done);
    if (rc0 || done) return rc0;
    if (!data) return usage_err("--data DIR is required", NULL);
    if (!fc_eval_gan_size_valid(size)) return usage_err("--size must be 32, 64, 128 or 256", NULL);
    if ((have_arch || have_width) && !untrained) return usage_err("--arch/--width only go with --untrained", NULL);
    if ((have_arch || have_width) && model) return usage_err("--untrained takes the arch and width of --model, or of --arch/--width, not both", NULL);
    if ((!swd || plot) && !spectrum) return usage_err("--no-swd and --plot go with --spectrum", NULL);
    if (plot && !force && access(plot, F_OK) == 0) return usage_err("the plot file exists (use --force to replace it):", plot);
    fc_error err = {0};
    fc_set_threads(threads);

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
    if (fc_data_cache_dir(cache, cache_dir, sizeof cache_dir, &err)) {
        on_warn(NULL, err.msg); /* no cache: decode in memory */
        cache_dir[0] = 0;
    }
    int tty = isatty(2);
    fc_dataset_opts dopt = {.partition = part,
                            .cache_dir = cache_dir[0] ? cache_dir : NULL,
                            .threads = threads,
                            .cb = {on_warn, on_progress, &tty},
                            .size = size};
    if ((rc = fc_dataset_open(data, &dopt, &ds, &err))) goto done;

    fc_eval_gan_result r;
    memset(&r, 0, sizeof r);
    r.n = n;
    if (swd &&
        (rc = fc_eval_gan_size(m, fc_dataset_pixels(ds), fc_dataset_count(ds), size, n, seed, reference, &r, &err)))
        goto done;
    if (spectrum) {
        if (!(sp = malloc(sizeof *sp))) {
            rc = fc_fail(&err, FC_ENOMEM, "out of memory");
            goto done;
        }
        if ((rc = fc_eval_gan_spectrum_size(m, fc_dataset_pixels(ds), fc_dataset_count(ds), size, n, seed, reference,
                                            sp, &err)))
            goto done;
        if (plot && (rc = spectrum_plot(sp, plot, force, &err))) goto done;
    }

    const char *arch_name = fc_arch_name(fc_model_arch(m));
    if (json) {
        printf("{\"model\": ");
        cli_json_str(stdout, have_arch || have_width ? NULL : model ? model : "embedded");
        printf(", \"untrained\": %s, \"arch\": \"%s\", \"width\": %g, \"step\": %llu,\n", untrained ? "true" : "false",
               arch_name, (double)fc_model_width(m), (unsigned long long)fc_model_step(m));
        printf(" \"data\": ");
        cli_json_str(stdout, data);
        printf(", \"partition\": \"%s\", \"real_faces\": %zu, \"n\": %d, \"seed\": %llu, \"size\": %d,\n \"resolutions\": [",
               fc_partition_name(part), fc_dataset_count(ds), r.n, (unsigned long long)seed, size);
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
            cli_json_str(stdout, plot);
            printf("}");
        }
        printf("}\n");
    } else {
        printf("model: %s%s, arch %s, width %g, step %llu\n", untrained ? "untrained " : "",
               model ? model : untrained && (have_arch || have_width) ? "(fresh)" : "embedded generator", arch_name,
               (double)fc_model_width(m), (unsigned long long)fc_model_step(m));
        printf("real faces: %zu (%s partition of %s); %d per set, seed %llu; at %dx%d px\n", fc_dataset_count(ds),
               fc_partition_name(part), data, r.n, (unsigned long long)seed, size, size);
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
