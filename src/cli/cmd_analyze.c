/* facecrypt analyze: the measurements image-encryption papers report, for a plain
 * image, a container and its cover, as an aligned table or JSON, plus histogram
 * plots.  A thin client of the library's analysis API (include/facecrypt.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_opts.h"
#include "cli_util.h"
#include "commands.h"

#define CMD "analyze"
#define CHI_STEPS 100 /* chi-square probability at 1%, 2%, ..., 100% of the values */

static const char HELP_HEAD[] =
    "usage: facecrypt analyze [--plain P] [--container C] [--cover V] [--histograms DIR]\n"
    "                         [--pairs N] [--seed S] [--no-cipher] [--json] [--force]\n"
    "Computes everything the given images allow:\n"
    "  each image            Shannon entropy; adjacent-pixel correlation (horizontal,\n"
    "                        vertical, diagonal) per channel\n"
    "  --container C         chi-square attack (Westfeld & Pfitzmann) and RS analysis\n"
    "                        (Fridrich et al.); with --cover also on the cover\n"
    "  --container + --cover PSNR, SSIM, NPCR and UACI of the container against the cover\n"
    "  --plain P             sensitivity of the cipher layer: NPCR and UACI between the\n"
    "                        ciphertexts of P's pixels and of P with one pixel changed\n"
    "                        (same key and nonce; fresh nonce) or under a key differing\n"
    "                        in one bit; entropy and correlation of the ciphertext\n"
    "                        (analysis keys come from --seed; they protect nothing)\n"
    "options:\n";
static const char HELP_TAIL[] = "NPCR/UACI ideal values for independent uniform bytes: 99.6094% / 33.4635%.\n"
                                "\n"
                                "       facecrypt analyze --steganalysis COVERS_DIR STEGO_DIR [options]\n"
                                "trains a detector (SPAM features, FLD and ensemble classifiers) on cover/stego pairs\n"
                                "and reports its cross-validated accuracy; see facecrypt analyze --steganalysis --help.\n";

/* ---- what is measured ---------------------------------------------------------- */
typedef struct image_report {
    const char *role, *path;
    fc_image img;
    fc_metric entropy;
    fc_metric corr[3];
    int stego; /* chi-square and RS computed */
    double chi[CHI_STEPS];
    fc_rs_result rs;
    uint64_t hist[3][256];
} image_report;

typedef struct pair_report {
    int done;
    fc_metric psnr, ssim, npcr, uaci;
} pair_report;

typedef struct cipher_report {
    int done;
    fc_cipher_sensitivity_result r;
} cipher_report;

static int measure_image(image_report *r, size_t pairs, uint64_t seed, int stego, fc_error *err) {
    int rc = fc_entropy(&r->img, &r->entropy, err);
    if (!rc) rc = fc_adjacent_correlation(&r->img, pairs, seed, r->corr, err);
    if (!rc) rc = fc_histogram(&r->img, r->hist, err);
    if (!rc && stego) {
        rc = fc_chi_square_attack(&r->img, CHI_STEPS, r->chi, err);
        if (!rc) rc = fc_rs_analysis(&r->img, &r->rs, err);
        r->stego = !rc;
    }
    return rc;
}

static int measure_pair(const image_report *c, const image_report *v, pair_report *p, fc_error *err) {
    int rc = fc_psnr(&c->img, &v->img, &p->psnr, err);
    if (!rc) rc = fc_ssim(&c->img, &v->img, &p->ssim, err);
    if (!rc) rc = fc_npcr_uaci(&c->img, &v->img, &p->npcr, &p->uaci, err);
    p->done = !rc;
    return rc;
}

/* ---- text output ------------------------------------------------------------------ */
static const char *num(char *buf, size_t n, double v, int prec) {
    if (isnan(v)) snprintf(buf, n, "n/a");
    else if (isinf(v)) snprintf(buf, n, v > 0 ? "inf" : "-inf");
    else snprintf(buf, n, "%.*f", prec, v);
    return buf;
}

/* "label  r  g  b  all" with numbers right-aligned in 10-wide columns */
static void row4(const char *label, const fc_metric *m, int prec) {
    char b[4][32];
    printf("  %-30s%10s%10s%10s%10s\n", label, num(b[0], 32, m->ch[0], prec), num(b[1], 32, m->ch[1], prec),
           num(b[2], 32, m->ch[2], prec), num(b[3], 32, m->all, prec));
}

static void header4(const char *title, const char *last) {
    printf("\n%s\n  %-30s%10s%10s%10s%10s\n", title, "", "R", "G", "B", last);
}

static const char *DIRNAME[3] = {"horizontal", "vertical", "diagonal"};

static double chi_at(const image_report *r, int percent) { return r->chi[percent - 1]; }

static void print_text(image_report *imgs[3], const pair_report *pr, const cipher_report *cr, size_t pairs) {
    char b[6][32];
    printf("images\n");
    for (int i = 0; i < 3; i++)
        if (imgs[i]) printf("  %-10s %5d x %-5d  %s\n", imgs[i]->role, imgs[i]->img.w, imgs[i]->img.h, imgs[i]->path);

    header4("entropy (bits per value; ideal 8)", "all");
    for (int i = 0; i < 3; i++)
        if (imgs[i]) row4(imgs[i]->role, &imgs[i]->entropy, 4);
    if (cr->done) row4("cipher layer", &cr->r.entropy, 4);

    char title[96];
    if (pairs) snprintf(title, sizeof title, "adjacent-pixel correlation (%zu random pairs)", pairs);
    else snprintf(title, sizeof title, "adjacent-pixel correlation (all pairs)");
    header4(title, "mean");
    for (int i = 0; i < 4; i++) {
        const fc_metric *corr = i < 3 ? (imgs[i] ? imgs[i]->corr : NULL) : (cr->done ? cr->r.corr : NULL);
        if (!corr) continue;
        const char *role = i < 3 ? imgs[i]->role : "cipher layer";
        for (int d = 0; d < 3; d++) {
            char label[64];
            snprintf(label, sizeof label, "%-13s %s", d ? "" : role, DIRNAME[d]);
            row4(label, &corr[d], 4);
        }
    }

    if (pr->done) {
        header4("container vs cover", "all");
        row4("PSNR (dB)", &pr->psnr, 2);
        row4("SSIM", &pr->ssim, 5);
        row4("NPCR (% values changed)", &pr->npcr, 4);
        row4("UACI (%)", &pr->uaci, 4);
    }

    int any_stego = (imgs[1] && imgs[1]->stego) || (imgs[2] && imgs[2]->stego);
    if (any_stego) {
        header4("steganalysis (detectors of LSB replacement; facecrypt changes values by +-1)", "all");
        for (int i = 1; i < 3; i++) {
            const image_report *r = imgs[i];
            if (!r || !r->stego) continue;
            char label[64];
            snprintf(label, sizeof label, "%s RS embedding rate", r->role);
            row4(label, &r->rs.rate, 4);
        }
        printf("  %-30s%10s%10s%10s\n", "chi-square p, share scanned:", "10%", "50%", "100%");
        for (int i = 1; i < 3; i++) {
            const image_report *r = imgs[i];
            if (!r || !r->stego) continue;
            printf("  %-30s%10s%10s%10s\n", r->role, num(b[0], 32, chi_at(r, 10), 4), num(b[1], 32, chi_at(r, 50), 4),
                   num(b[2], 32, chi_at(r, 100), 4));
        }
    }

    if (cr->done) {
        printf("\ncipher layer (XChaCha20-Poly1305 over the plain image's %zu pixel bytes)\n", cr->r.bytes);
        printf("  %-44s%10s%10s\n", "", "NPCR (%)", "UACI (%)");
        printf("  %-44s%10s%10s\n", "one pixel changed, same key and nonce", num(b[0], 32, cr->r.npcr_pixel, 4),
               num(b[1], 32, cr->r.uaci_pixel, 4));
        printf("  %-44s%10s%10s\n", "one pixel changed, fresh nonce (as encrypt)", num(b[2], 32, cr->r.npcr_nonce, 4),
               num(b[3], 32, cr->r.uaci_nonce, 4));
        printf("  %-44s%10s%10s\n", "one key bit changed, same nonce", num(b[4], 32, cr->r.npcr_key, 4),
               num(b[5], 32, cr->r.uaci_key, 4));
        printf("  %-44s%10s%10s\n", "ideal (independent uniform bytes)", "99.6094", "33.4635");
        printf("  A stream cipher under one nonce changes only the changed byte; the tag changes\n"
               "  entirely (%.1f%% of its bytes), and every encryption draws a fresh nonce.\n",
               cr->r.tag_npcr_pixel);
    }
}

/* ---- JSON output ------------------------------------------------------------------ */
static void jnum(FILE *f, double v) { cli_json_num(f, v, 10); }

/* PREFIX npcr, "uaci": uaci */
static void jnpcr_uaci(FILE *f, const char *prefix, double npcr, double uaci) {
    fputs(prefix, f);
    jnum(f, npcr);
    fputs(", \"uaci\": ", f);
    jnum(f, uaci);
}

static void jmetric(FILE *f, const fc_metric *m) {
    fputs("{\"r\": ", f);
    jnum(f, m->ch[0]);
    fputs(", \"g\": ", f);
    jnum(f, m->ch[1]);
    fputs(", \"b\": ", f);
    jnum(f, m->ch[2]);
    fputs(", \"all\": ", f);
    jnum(f, m->all);
    fputc('}', f);
}

static void jcorr(FILE *f, const fc_metric corr[3], size_t pairs) {
    fprintf(f, "{\"pairs\": %zu", pairs);
    for (int d = 0; d < 3; d++) {
        fprintf(f, ", \"%s\": ", DIRNAME[d]);
        jmetric(f, &corr[d]);
    }
    fputc('}', f);
}

static void print_json(image_report *imgs[3], const pair_report *pr, const cipher_report *cr, size_t pairs,
                       uint64_t seed) {
    FILE *f = stdout;
    fprintf(f, "{\n  \"seed\": %llu", (unsigned long long)seed);
    for (int i = 0; i < 3; i++) {
        const image_report *r = imgs[i];
        if (!r) continue;
        fprintf(f, ",\n  \"%s\": {\"path\": ", r->role);
        cli_json_str(f, r->path);
        fprintf(f, ", \"width\": %d, \"height\": %d, \"channels\": %d,\n    \"entropy\": ", r->img.w, r->img.h, r->img.c);
        jmetric(f, &r->entropy);
        fputs(",\n    \"correlation\": ", f);
        jcorr(f, r->corr, pairs);
        if (r->stego) {
            fputs(",\n    \"rs\": {\"rate\": ", f);
            jmetric(f, &r->rs.rate);
            const double *arr[4] = {r->rs.r_m, r->rs.s_m, r->rs.r_neg, r->rs.s_neg};
            const char *nm[4] = {"r_m", "s_m", "r_neg_m", "s_neg_m"};
            for (int a = 0; a < 4; a++) {
                fprintf(f, ", \"%s\": [", nm[a]);
                for (int k = 0; k < r->img.c; k++) {
                    if (k) fputs(", ", f);
                    jnum(f, arr[a][k]);
                }
                fputc(']', f);
            }
            fputs("},\n    \"chi_square\": {\"p_full\": ", f);
            jnum(f, r->chi[CHI_STEPS - 1]);
            fputs(", \"p_by_percent_scanned\": [", f);
            for (int s = 0; s < CHI_STEPS; s++) {
                if (s) fputs(", ", f);
                jnum(f, r->chi[s]);
            }
            fputs("]}", f);
        }
        fputc('}', f);
    }
    if (pr->done) {
        fputs(",\n  \"container_vs_cover\": {\"psnr_db\": ", f);
        jmetric(f, &pr->psnr);
        fputs(",\n    \"ssim\": ", f);
        jmetric(f, &pr->ssim);
        fputs(",\n    \"npcr_percent\": ", f);
        jmetric(f, &pr->npcr);
        fputs(",\n    \"uaci_percent\": ", f);
        jmetric(f, &pr->uaci);
        fputc('}', f);
    }
    if (cr->done) {
        fprintf(f, ",\n  \"cipher\": {\"bytes\": %zu, \"changed_byte\": %zu,\n", cr->r.bytes, cr->r.changed_at);
        jnpcr_uaci(f, "    \"one_pixel_same_nonce\": {\"npcr\": ", cr->r.npcr_pixel, cr->r.uaci_pixel);
        fputs(", \"tag_npcr\": ", f);
        jnum(f, cr->r.tag_npcr_pixel);
        jnpcr_uaci(f, "},\n    \"one_pixel_fresh_nonce\": {\"npcr\": ", cr->r.npcr_nonce, cr->r.uaci_nonce);
        jnpcr_uaci(f, "},\n    \"one_key_bit\": {\"npcr\": ", cr->r.npcr_key, cr->r.uaci_key);
        fputs("},\n    \"entropy\": ", f);
        jmetric(f, &cr->r.entropy);
        fputs(",\n    \"correlation\": ", f);
        jcorr(f, cr->r.corr, pairs);
        fputc('}', f);
    }
    fputs("\n}\n", f);
}

/* ---- plots --------------------------------------------------------------------------- */
#define MAX_PLOTS 4
typedef struct plot_out {
    char path[4096];
    uint8_t *png;
    size_t len;
} plot_out;

static int plot_path(char *buf, size_t n, const char *dir, const char *name, fc_error *err) {
    if ((size_t)snprintf(buf, n, "%s/%s", dir, name) >= n) return fc_fail(err, FC_EUSAGE, "path too long: %s", dir);
    return FC_OK;
}

/* Render every plot to PNG bytes (nothing is written yet). */
static int render_plots(image_report *imgs[3], const char *dir, plot_out *po, int *np, fc_error *err) {
    *np = 0;
    int rc = FC_OK;
    for (int i = 0; i < 3 && !rc; i++) {
        image_report *r = imgs[i];
        if (!r) continue;
        char name[64], title[128];
        snprintf(name, sizeof name, "%s_hist.png", r->role);
        snprintf(title, sizeof title, "%s histogram", r->role);
        fc_plot_opts o = {.width = 720, .height = 600, .title = title, .xlabel = "value", .ylabel = "count"};
        fc_image im;
        plot_out *p = &po[(*np)++];
        if ((rc = plot_path(p->path, sizeof p->path, dir, name, err))) break;
        if ((rc = fc_plot_histogram((const uint64_t(*)[256])r->hist, r->img.c, 1, &o, &im, err))) break;
        rc = fc_image_encode_png(&im, &p->png, &p->len, err);
        fc_image_free(&im);
    }
    if (!rc && imgs[1] && imgs[1]->stego) {
        double x[CHI_STEPS];
        for (int s = 0; s < CHI_STEPS; s++) x[s] = s + 1;
        fc_plot_series ser[2] = {{"container", x, imgs[1]->chi, CHI_STEPS, FC_PLOT_AUTO},
                                 {"cover", x, imgs[2] && imgs[2]->stego ? imgs[2]->chi : NULL,
                                  imgs[2] && imgs[2]->stego ? CHI_STEPS : 0, FC_PLOT_AUTO}};
        fc_plot_opts o = {.width = 800, .height = 420, .title = "chi-square attack (Westfeld & Pfitzmann)",
                          .xlabel = "share of the image scanned (%)", .ylabel = "p(embedding)", .ymin = -0.02,
                          .ymax = 1.02};
        fc_image im;
        plot_out *p = &po[(*np)++];
        if (!(rc = plot_path(p->path, sizeof p->path, dir, "chi_square.png", err)) &&
            !(rc = fc_plot_lines(ser, ser[1].n ? 2 : 1, &o, &im, err))) {
            rc = fc_image_encode_png(&im, &p->png, &p->len, err);
            fc_image_free(&im);
        }
    }
    return rc;
}

/* Write all plots; on failure remove the ones this call wrote. */
static int write_plots(plot_out *po, int np, int force, fc_error *err) {
    for (int i = 0; i < np; i++) {
        int rc = fc_write_file_atomic(po[i].path, po[i].png, po[i].len, force, err);
        if (rc) {
            for (int j = 0; j < i; j++) remove(po[j].path);
            return rc;
        }
    }
    return FC_OK;
}

/* ---- command ------------------------------------------------------------------------- */
int cmd_analyze(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--steganalysis")) return cmd_analyze_steganalysis(argc, argv);
    const char *plain = NULL, *container = NULL, *cover = NULL, *hdir = NULL;
    uint64_t seed = 1, pairs = 0;
    int json = 0, force = 0, no_cipher = 0;
    const cli_opt opts[] = {
        {.name = "--plain", .type = CLI_STR, .dst = &plain},
        {.name = "--container", .type = CLI_STR, .dst = &container},
        {.name = "--cover", .type = CLI_STR, .dst = &cover},
        {.name = "--histograms", .type = CLI_STR, .dst = &hdir, .label = "--histograms DIR",
         .help = "write plain_hist.png, container_hist.png, cover_hist.png and\n"
                 "chi_square.png (probability vs share of the image scanned)"},
        {.name = "--pairs", .type = CLI_U64, .dst = &pairs, .lo = 0, .hi = (double)((uint64_t)1 << 32), .bad = "bad --pairs", .label = "--pairs N",
         .help = "correlation over N random adjacent pairs (0 = every pair; default)"},
        {.name = "--seed", .type = CLI_U64, .dst = &seed, .bad = "bad --seed", .label = "--seed S",
         .help = "seed for random pairs and analysis keys (default 1)"},
        {.name = "--no-cipher", .type = CLI_FLAG, .dst = &no_cipher, .label = "--no-cipher", .help = "skip the cipher-layer analysis"},
        {.name = "--json", .type = CLI_FLAG, .dst = &json, .label = "--json", .help = "machine-readable output (non-finite numbers are null)"},
        {.name = "--force", .type = CLI_FLAG, .dst = &force, .label = "--force", .help = "replace existing plot files"},
    };
    const cli_cmd cmd = {CMD, HELP_HEAD, HELP_TAIL, NULL, 21, opts, CLI_N(opts), NULL, 0};
    int done, rc0 = cli_parse(&cmd, argc, argv, &done);
    if (rc0 || done) return rc0;
    if (!plain && !container && !cover) return cli_usage_err(CMD, "nothing to analyze: give --plain, --container or --cover", NULL);

    fc_error err = {0};
    image_report r[3];
    memset(r, 0, sizeof r);
    image_report *imgs[3] = {NULL, NULL, NULL};
    const char *paths[3] = {plain, container, cover}, *roles[3] = {"plain", "container", "cover"};
    plot_out po[MAX_PLOTS];
    memset(po, 0, sizeof po);
    int np = 0, rc = FC_OK;
    pair_report pr = {0};
    cipher_report cr = {0};

    /* refuse to replace plots before doing any work */
    if (hdir && !force)
        for (int i = 0; i < 4; i++) {
            char p[4096];
            const char *names[4] = {"plain_hist.png", "container_hist.png", "cover_hist.png", "chi_square.png"};
            if ((i < 3 && !paths[i]) || (i == 3 && !container)) continue; /* not drawn */
            if (plot_path(p, sizeof p, hdir, names[i], &err)) return cli_report(CMD, &err);
            if (fc_file_exists(p)) {
                fprintf(stderr, "facecrypt " CMD ": %s exists; use --force to replace it\n", p);
                return FC_EUSAGE;
            }
        }

    for (int i = 0; i < 3; i++) {
        if (!paths[i]) continue;
        r[i].role = roles[i];
        r[i].path = paths[i];
        if ((rc = fc_image_load(paths[i], &r[i].img, &err))) {
            fc_fail_ctx(&err, rc, "%s", paths[i]);
            goto done;
        }
        imgs[i] = &r[i];
    }
    for (int i = 0; i < 3 && !rc; i++)
        if (imgs[i]) rc = measure_image(imgs[i], (size_t)pairs, seed, i > 0, &err);
    if (!rc && imgs[1] && imgs[2]) {
        if (r[1].img.w != r[2].img.w || r[1].img.h != r[2].img.h) {
            rc = fc_fail(&err, FC_EINPUT, "container %dx%d and cover %dx%d differ in size", r[1].img.w, r[1].img.h,
                         r[2].img.w, r[2].img.h);
            goto done;
        }
        rc = measure_pair(&r[1], &r[2], &pr, &err);
    }
    if (!rc && imgs[0] && !no_cipher) {
        rc = fc_cipher_sensitivity(&r[0].img, seed, (size_t)pairs, &cr.r, &err);
        cr.done = !rc;
    }
    if (rc) goto done;
    if (hdir) {
        if ((rc = fc_mkdirs(hdir, &err))) goto done;
        if ((rc = render_plots(imgs, hdir, po, &np, &err))) goto done;
        if ((rc = write_plots(po, np, force, &err))) goto done;
    }
    if (json) print_json(imgs, &pr, &cr, (size_t)pairs, seed);
    else print_text(imgs, &pr, &cr, (size_t)pairs);
    if (fflush(stdout) != 0) rc = fc_fail(&err, FC_EIO, "cannot write the report");
done:
    if (rc) cli_report(CMD, &err);
    for (int i = 0; i < 3; i++) fc_image_free(&r[i].img);
    for (int i = 0; i < np; i++) free(po[i].png);
    return rc;
}
