/* facecrypt analyze --steganalysis COVERS_DIR STEGO_DIR: a trained detector of
 * embedding.  Images of the two folders are paired by file name without its
 * extension (cover.png with cover.png or cover.ppm); SPAM features of every image
 * (fc_spam_features), then FLD and ensemble classifiers by K-fold cross-validation
 * over pairs (fc_steg_cv).  A thin client of the library's analysis API. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli_opts.h"
#include "cli_util.h"
#include "commands.h"

#define CMD "analyze --steganalysis"

static const char HELP_HEAD[] =
    "usage: facecrypt analyze --steganalysis COVERS_DIR STEGO_DIR [--folds K] [--seed S]\n"
    "                         [--learners L] [--classifier fld|ensemble|both] [--json]\n"
    "Trains a detector of hidden data and reports how well it tells stego images from\n"
    "their covers.  Images (PNG, JPEG, PPM) are paired by file name without extension\n"
    "(COVERS_DIR/x.png with STEGO_DIR/x.png); each pair stays in one fold.\n"
    "  features              second-order SPAM, T = 3 (Pevny, Bas & Fridrich 2010), 686\n"
    "                        values; colour images: mean of the channels\n"
    "  FLD                   Fisher linear discriminant, ridge chosen by inner 4-fold\n"
    "                        cross-validation, threshold at the projected class means;\n"
    "                        also 1 - P_E with the threshold tuned on each test fold\n"
    "                        (the usual figure; optimistic on small folds)\n"
    "  ensemble              Kodovsky, Fridrich & Holub 2012: L FLDs on random subspaces\n"
    "                        and bootstrap samples, majority vote; d_sub by out-of-bag error\n"
    "options:\n";
static const char HELP_TAIL[] = "Accuracy 0.5 = the detector cannot tell; 1.0 = it tells every image.\n";

static int parse_classifier(const char *v, void *dst) {
    if (strcmp(v, "fld") && strcmp(v, "ensemble") && strcmp(v, "both")) return -1;
    *(const char **)dst = v;
    return 0;
}

static int parse_learners(const char *v, void *dst) {
    char *end;
    long l = strtol(v, &end, 10);
    if (!*v || *end || l < 1 || l > 10001 || !(l & 1)) return -1;
    *(int *)dst = (int)l;
    return 0;
}

/* ---- folders ------------------------------------------------------------------------- */
typedef struct entry {
    char *stem, *path;
} entry;

typedef struct listing {
    entry *e;
    size_t n, cap;
} listing;

static void listing_free(listing *l) {
    for (size_t i = 0; i < l->n; i++) {
        free(l->e[i].stem);
        free(l->e[i].path);
    }
    free(l->e);
    memset(l, 0, sizeof *l);
}

static int has_image_ext(const char *name, size_t *stem_len) {
    static const char *ext[] = {".png", ".jpg", ".jpeg", ".ppm", ".pgm", ".pnm"};
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name) return 0;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (!strcasecmp(dot, ext[i])) {
            *stem_len = (size_t)(dot - name);
            return 1;
        }
    return 0;
}

static int cmp_entry(const void *a, const void *b) { return strcmp(((const entry *)a)->stem, ((const entry *)b)->stem); }

/* The image files directly in dir, sorted by stem; two files with one stem are refused. */
static int list_dir(const char *dir, listing *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d) return fc_fail(err, FC_EINPUT, "cannot open folder %s", dir);
    struct dirent *de;
    int rc = FC_OK;
    while (!rc && (de = readdir(d))) {
        size_t sl;
        if (de->d_name[0] == '.' || !has_image_ext(de->d_name, &sl)) continue;
        size_t pl = strlen(dir) + 1 + strlen(de->d_name) + 1;
        char *path = malloc(pl), *stem = strndup(de->d_name, sl);
        if (!path || !stem) {
            free(path);
            free(stem);
            rc = fc_fail(err, FC_ENOMEM, "out of memory");
            break;
        }
        snprintf(path, pl, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) || !S_ISREG(st.st_mode)) {
            free(path);
            free(stem);
            continue;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 256;
            entry *e = realloc(out->e, cap * sizeof *e);
            if (!e) {
                free(path);
                free(stem);
                rc = fc_fail(err, FC_ENOMEM, "out of memory");
                break;
            }
            out->e = e;
            out->cap = cap;
        }
        out->e[out->n++] = (entry){stem, path};
    }
    closedir(d);
    if (rc) {
        listing_free(out);
        return rc;
    }
    qsort(out->e, out->n, sizeof *out->e, cmp_entry);
    for (size_t i = 1; i < out->n; i++)
        if (!strcmp(out->e[i].stem, out->e[i - 1].stem)) {
            rc = fc_fail(err, FC_EINPUT, "%s and %s have the same name", out->e[i - 1].path, out->e[i].path);
            listing_free(out);
            return rc;
        }
    return FC_OK;
}

/* ---- features of one pair ----------------------------------------------------------------- */
typedef struct pair_stat {
    double changed;  /* share of values that differ */
    double values;   /* values per image (w h c) */
} pair_stat;

static int pair_features(const char *cpath, const char *spath, double *fc, double *fs, pair_stat *ps,
                         fc_error *err) {
    fc_image c = {0}, s = {0};
    int rc = fc_image_load(cpath, &c, err);
    if (rc) {
        fc_fail_ctx(err, rc, "%s", cpath);
        return rc;
    }
    if ((rc = fc_image_load(spath, &s, err))) {
        fc_fail_ctx(err, rc, "%s", spath);
        goto done;
    }
    if (c.w != s.w || c.h != s.h || c.c != s.c) {
        rc = fc_fail(err, FC_EINPUT, "%s (%dx%dx%d) and %s (%dx%dx%d) differ in shape", cpath, c.w, c.h, c.c, spath,
                     s.w, s.h, s.c);
        goto done;
    }
    if ((rc = fc_spam_features(&c, fc, err))) {
        fc_fail_ctx(err, rc, "%s", cpath);
        goto done;
    }
    if ((rc = fc_spam_features(&s, fs, err))) {
        fc_fail_ctx(err, rc, "%s", spath);
        goto done;
    }
    size_t n = (size_t)c.w * c.h * c.c, diff = 0;
    for (size_t i = 0; i < n; i++) diff += c.px[i] != s.px[i];
    ps->changed = (double)diff / (double)n;
    ps->values = (double)n;
done:
    fc_image_free(&c);
    fc_image_free(&s);
    return rc;
}

/* ---- output --------------------------------------------------------------------------------- */
static void jscore(const char *name, const fc_steg_score *s, int k) {
    printf("\"%s\": {\"mean\": %.6f, \"std\": %.6f, \"folds\": [", name, s->mean, s->std);
    for (int f = 0; f < k; f++) printf("%s%.6f", f ? ", " : "", s->fold[f]);
    printf("]}");
}

static void jstr(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') printf("\\%c", ch);
        else if (ch < 0x20) printf("\\u%04x", ch);
        else putchar(ch);
    }
    putchar('"');
}

static void tscore(const char *label, const fc_steg_score *s, int k) {
    printf("  %-28s %.4f +- %.4f   ", label, s->mean, s->std);
    for (int f = 0; f < k; f++) printf(" %.3f", s->fold[f]);
    printf("\n");
}

/* ---- command --------------------------------------------------------------------------------- */
int cmd_analyze_steganalysis(int argc, char **argv) {
    const char *dirs[2] = {NULL, NULL};
    int json = 0, folds = 5, learners = 51, stega = 0;
    uint64_t seed = 1;
    const char *classifier = "both";
    const cli_opt opts[] = {
        {.name = "--steganalysis", .type = CLI_FLAG, .dst = &stega},
        {.name = "--folds", .type = CLI_INT, .dst = &folds, .lo = 2, .hi = FC_STEG_MAX_FOLDS, .bad = "bad --folds (2..20)",
         .label = "--folds K", .help = "K-fold cross-validation over pairs (default 5)"},
        {.name = "--seed", .type = CLI_U64, .dst = &seed, .label = "--seed S",
         .help = "folds, subspaces, bootstrap samples (default 1)"},
        {.name = "--learners", .type = CLI_CALL, .dst = &learners, .parse = parse_learners,
         .bad = "--learners must be odd, 1..10001, got", .label = "--learners L", .help = "ensemble size (odd; default 51)"},
        {.name = "--classifier", .type = CLI_CALL, .dst = &classifier, .parse = parse_classifier,
         .bad = "--classifier must be fld, ensemble or both, got", .label = "--classifier C",
         .help = "fld, ensemble or both (default)"},
        {.name = "--json", .type = CLI_FLAG, .dst = &json, .label = "--json", .help = "machine-readable output"},
    };
    const cli_cmd cmd = {CMD, HELP_HEAD, HELP_TAIL, NULL, 21, opts, CLI_N(opts), dirs, 2};
    int done, rc0 = cli_parse(&cmd, argc, argv, &done);
    if (rc0 || done) return rc0;
    if (!dirs[1]) return cli_usage_err(CMD, "give COVERS_DIR and STEGO_DIR", NULL);

    fc_error err = {0};
    listing lc = {0}, ls = {0};
    double *fcov = NULL, *fste = NULL;
    pair_stat *ps = NULL;
    size_t *ci = NULL, *si = NULL, np = 0;
    int rc = list_dir(dirs[0], &lc, &err);
    if (!rc) rc = list_dir(dirs[1], &ls, &err);
    if (rc) goto done;
    /* merge the two sorted listings */
    ci = malloc((lc.n + 1) * sizeof *ci);
    si = malloc((lc.n + 1) * sizeof *si);
    if (!ci || !si) {
        rc = fc_fail(&err, FC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t a = 0, b = 0; a < lc.n && b < ls.n;) {
        int c = strcmp(lc.e[a].stem, ls.e[b].stem);
        if (c < 0) a++;
        else if (c > 0) b++;
        else {
            ci[np] = a++;
            si[np++] = b++;
        }
    }
    if (np < (size_t)folds * 2) {
        rc = fc_fail(&err, FC_EINPUT, "%zu pairs (of %zu covers, %zu stego images) are too few for %d folds", np,
                     lc.n, ls.n, folds);
        goto done;
    }
    fcov = malloc(np * FC_SPAM_DIM * sizeof *fcov);
    fste = malloc(np * FC_SPAM_DIM * sizeof *fste);
    ps = malloc(np * sizeof *ps);
    if (!fcov || !fste || !ps) {
        rc = fc_fail(&err, FC_ENOMEM, "out of memory");
        goto done;
    }
    /* features, images in parallel; the first failure (in pair order) is reported */
    int *prc = calloc(np, sizeof *prc);
    fc_error *perr = calloc(np, sizeof *perr);
    if (!prc || !perr) {
        free(prc);
        free(perr);
        rc = fc_fail(&err, FC_ENOMEM, "out of memory");
        goto done;
    }
#pragma omp parallel for schedule(dynamic)
    for (size_t p = 0; p < np; p++)
        prc[p] = pair_features(lc.e[ci[p]].path, ls.e[si[p]].path, fcov + p * FC_SPAM_DIM, fste + p * FC_SPAM_DIM,
                               &ps[p], &perr[p]);
    for (size_t p = 0; p < np && !rc; p++)
        if (prc[p]) {
            rc = prc[p];
            err = perr[p];
        }
    free(prc);
    free(perr);
    if (rc) goto done;

    fc_steg_cv_opts o;
    fc_steg_cv_opts_init(&o);
    o.folds = (int)folds;
    o.seed = seed;
    o.learners = (int)learners;
    o.fld = strcmp(classifier, "ensemble") != 0;
    o.ensemble = strcmp(classifier, "fld") != 0;
    fc_steg_cv_result r;
    if ((rc = fc_steg_cv(fcov, fste, np, FC_SPAM_DIM, &o, &r, &err))) goto done;

    double changed = 0, values = 0, same = 0;
    for (size_t p = 0; p < np; p++) {
        changed += ps[p].changed;
        values += ps[p].values;
        same += ps[p].changed == 0;
    }
    changed /= (double)np;
    values /= (double)np;
    const int k = r.folds;
    if (json) {
        printf("{\n  \"features\": \"spam686\", \"covers\": ");
        jstr(dirs[0]);
        printf(", \"stego\": ");
        jstr(dirs[1]);
        printf(",\n  \"pairs\": %zu, \"unmatched_covers\": %zu, \"unmatched_stego\": %zu, \"identical_pairs\": %.0f,\n",
               np, lc.n - np, ls.n - np, same);
        printf("  \"values_per_image\": %.1f, \"changed_share\": %.6f, \"folds\": %d, \"seed\": %llu", values, changed,
               k, (unsigned long long)seed);
        if (o.fld) {
            printf(",\n  \"fld\": {");
            jscore("accuracy", &r.fld_acc, k);
            printf(", ");
            jscore("accuracy_pe", &r.fld_acc_pe, k);
            printf(", \"lambda\": [");
            for (int f = 0; f < k; f++) printf("%s%g", f ? ", " : "", r.fld_lambda[f]);
            printf("]}");
        }
        if (o.ensemble) {
            printf(",\n  \"ensemble\": {\"learners\": %d, ", r.ens_learners);
            jscore("accuracy", &r.ens_acc, k);
            printf(", ");
            jscore("oob_error", &r.ens_oob, k);
            printf(", \"d_sub\": [");
            for (int f = 0; f < k; f++) printf("%s%d", f ? ", " : "", r.ens_dsub[f]);
            printf("]}");
        }
        printf("\n}\n");
    } else {
        printf("steganalysis: SPAM features (686), %zu cover/stego pairs, %d-fold cross-validation over pairs\n", np, k);
        printf("  covers %s (%zu unmatched), stego %s (%zu unmatched)\n", dirs[0], lc.n - np, dirs[1], ls.n - np);
        printf("  mean %.0f values per image, %.4f%% of them changed%s\n", values, 100 * changed,
               same ? " (some pairs are identical)" : "");
        printf("\n  %-28s %-18s  per fold\n", "detector", "accuracy");
        if (o.fld) {
            tscore("FLD", &r.fld_acc, k);
            tscore("FLD 1 - P_E (test-tuned)", &r.fld_acc_pe, k);
        }
        if (o.ensemble) {
            char label[64];
            int ds = r.ens_dsub[0];
            for (int f = 1; f < k; f++)
                if (r.ens_dsub[f] != ds) ds = 0;
            if (ds) snprintf(label, sizeof label, "ensemble (L %d, d_sub %d)", r.ens_learners, ds);
            else snprintf(label, sizeof label, "ensemble (L %d)", r.ens_learners);
            tscore(label, &r.ens_acc, k);
            fc_steg_score oob = r.ens_oob;
            for (int f = 0; f < k; f++) oob.fold[f] = 1 - oob.fold[f];
            oob.mean = 1 - oob.mean;
            tscore("ensemble out-of-bag", &oob, k);
        }
        printf("  0.5 = cannot tell stego from cover; 1.0 = tells every image\n");
    }
    if (fflush(stdout) != 0) rc = fc_fail(&err, FC_EIO, "cannot write the report");
done:
    if (rc) cli_report("analyze", &err);
    listing_free(&lc);
    listing_free(&ls);
    free(ci);
    free(si);
    free(fcov);
    free(fste);
    free(ps);
    return rc;
}
