/* Measure what content-adaptive embedding buys: for a few covers and payloads
 * of 0.1 .. 0.4 bits per channel value (bpc), the number of changed values and
 * the total HILL distortion of
 *   lsbm     v1's LSB matching (one bit per keyed slot, +-1 with a random sign),
 *   stc      STC (h = 10) under HILL costs (src/stego/stc_image.c),
 *   stc+si   the same with side-informed costs (generated faces only: the
 *            generator's unrounded output is the side information),
 * beside the rate-distortion bound of the HILL costs (payload-limited sender).
 * Distortion is always the sum of HILL costs of the changes actually made (for
 * stc+si the plain HILL cost too, so the columns compare; the SI cost it
 * minimised is printed as "si-cost").
 *
 *   make build/tools/stc_measure
 *   build/tools/stc_measure [--faces N] [--celeba DIR --photos K] [--time]
 *
 * Faces: N grids of 4x4 generated 64x64 faces (256x256) from the embedded
 * generator, latent vectors from a fixed seed.  Photos: the first K files of
 * DIR (e.g. /work/shared/data/celeba/img_align_celeba), as decoded.  --time
 * also times one STC embedding of 3 Mi values (indicative on a shared CPU).
 * A measurement tool, not a test: it reads data outside the repository. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "crypto/stream.h"
#include "facecrypt.h"
#include "stego/costs.h"
#include "stego/lsb.h"
#include "stego/perm.h"
#include "stego/stc.h"
#include "stego/stc_image.h"

static const double BPC[] = {0.1, 0.2, 0.3, 0.4};
#define NB (sizeof BPC / sizeof *BPC)
/* A HILL cost this high means a residual of (nearly) zero within the 15x15
 * window: a flat or saturated area.  Such changes dominate LSBM's total. */
#define FLAT_COST 1e6f

typedef struct acc {
    double changes[NB], dist[NB], sicost[NB], bound[NB], bflips[NB], flat[NB];
    double n; /* values */
    int covers;
} acc;

static void die(const char *what, const fc_error *err) {
    fprintf(stderr, "stc_measure: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

/* One cover (w x h RGB), unrounded values (0..255 scale) or NULL. */
static void measure(const uint8_t *cover, int w, int h, const float *unrounded, acc *plain, acc *si, uint64_t seed) {
    size_t n = (size_t)w * h * 3;
    fc_error err = {0};
    float *rho = malloc(n * sizeof(float)), *rp = malloc(n * sizeof(float)), *rm = malloc(n * sizeof(float));
    float *sp = malloc(n * sizeof(float)), *sm = malloc(n * sizeof(float)), *flip = malloc(n * sizeof(float));
    uint8_t *px = malloc(n), *signs = malloc(n / 8 + 1), *msg = malloc(n / 8 + 1);
    if (!rho || !rp || !rm || !sp || !sm || !flip || !px || !signs || !msg) die("out of memory", NULL);
    if (fc_hill_costs(cover, w, h, 3, rho, &err)) die("HILL", &err);
    fc_costs_pm(cover, rho, NULL, n, rp, rm);
    if (unrounded) fc_costs_pm(cover, rho, unrounded, n, sp, sm);
    uint8_t key[32] = {0}, nonce[24] = {0};
    memcpy(key, &seed, sizeof seed);
    fc_keystream(key, nonce, 0, signs, n / 8 + 1);
    fc_keystream(key, nonce, 1u << 30, msg, n / 8 + 1);
    fc_perm perm;
    if (fc_perm_init(&perm, (uint32_t)n, key, &err)) die("perm", &err);
    for (size_t i = 0; i < n; i++) flip[i] = rp[i] < rm[i] ? rp[i] : rm[i];
    for (size_t b = 0; b < NB; b++) {
        size_t len = (size_t)(BPC[b] * (double)n / 8);
        /* LSB matching as in format v1: keyed slot s carries message bit s. */
        double ch = 0, d = 0;
        for (uint64_t s = 0; s < 8 * (uint64_t)len; s++) {
            uint32_t c = fc_perm_apply(&perm, (uint32_t)s);
            unsigned bit = (msg[s >> 3] >> (s & 7)) & 1u;
            uint8_t v = fc_lsb_match(cover[c], bit, 1, (signs[c >> 3] >> (c & 7)) & 1);
            if (v != cover[c]) {
                ch++;
                d += rho[c];
                plain[0].flat[b] += rho[c] >= FLAT_COST;
            }
        }
        plain[0].changes[b] += ch;
        plain[0].dist[b] += d;
        double lam, fl;
        double bd = fc_stc_bound(flip, n, 8.0 * (double)len, &lam, &fl);
        plain[0].bound[b] += bd;
        plain[0].bflips[b] += fl;
        /* STC + HILL */
        fc_stc_stats st;
        memcpy(px, cover, n);
        if (fc_stc_embed_image(px, 0, &perm, rp, rm, signs, key, msg, len, &st, &err)) die("stc", &err);
        plain[1].changes[b] += (double)st.changes;
        for (size_t i = 0; i < n; i++) plain[1].flat[b] += px[i] != cover[i] && rho[i] >= FLAT_COST;
        plain[1].dist[b] += st.distortion;
        plain[1].bound[b] += bd;
        plain[1].bflips[b] += fl;
        if (unrounded) {
            memcpy(px, cover, n);
            if (fc_stc_embed_image(px, 0, &perm, sp, sm, signs, key, msg, len, &st, &err)) die("stc+si", &err);
            double dh = 0;
            for (size_t i = 0; i < n; i++)
                if (px[i] != cover[i]) {
                    dh += rho[i];
                    si->flat[b] += rho[i] >= FLAT_COST;
                }
            si->changes[b] += (double)st.changes;
            si->dist[b] += dh;
            si->sicost[b] += st.distortion;
        }
    }
    for (int k = 0; k < 2; k++) {
        plain[k].n += (double)n;
        plain[k].covers++;
    }
    if (unrounded) {
        si->n += (double)n;
        si->covers++;
    }
    fc_perm_free(&perm);
    free(rho);
    free(rp);
    free(rm);
    free(sp);
    free(sm);
    free(flip);
    free(px);
    free(signs);
    free(msg);
}

static void report(const char *what, const acc *a, const acc *si) {
    if (!a[0].covers) return;
    printf("\n%s: %d covers, %.0f values each\n", what, a[0].covers, a[0].n / a[0].covers);
    printf("  bpc   method   changes/1000 values  (in flat areas)  HILL distortion/value   D/bound\n");
    for (size_t b = 0; b < NB; b++) {
        const char *names[2] = {"lsbm", "stc"};
        for (int k = 0; k < 2; k++)
            printf("  %.1f   %-7s  %8.2f            %8.3f          %10.4g            %8.3g\n", BPC[b], names[k],
                   1000 * a[k].changes[b] / a[k].n, 1000 * a[k].flat[b] / a[k].n, a[k].dist[b] / a[k].n,
                   a[k].dist[b] / a[k].bound[b]);
        if (si && si->covers)
            printf("  %.1f   %-7s  %8.2f            %8.3f          %10.4g            (SI cost/value %.4g)\n", BPC[b],
                   "stc+si", 1000 * si->changes[b] / si->n, 1000 * si->flat[b] / si->n, si->dist[b] / si->n,
                   si->sicost[b] / si->n);
        printf("  %.1f   %-7s  %8.2f                              %10.4g\n", BPC[b], "bound", 1000 * a[0].bflips[b] / a[0].n,
               a[0].bound[b] / a[0].n);
    }
}

static int faces(int grids, acc *plain, acc *si) {
    fc_error err = {0};
    fc_model *m = NULL;
    if (fc_model_load_default(&m, &err)) die("generator", &err);
    if (fc_model_image_size(m) != FC_IMAGE_SIZE) {
        fprintf(stderr, "stc_measure: the default generator draws %d px faces; this tool tiles 64 px ones\n",
                fc_model_image_size(m));
        exit(2);
    }
    const int nf = 16, fsz = 3 * FC_IMAGE_SIZE * FC_IMAGE_SIZE, W = 4 * FC_IMAGE_SIZE;
    float *z = malloc(sizeof(float) * nf * FC_LATENT_DIM), *out = malloc(sizeof(float) * nf * fsz);
    float *u = malloc(sizeof(float) * W * W * 3);
    uint8_t *px = malloc((size_t)W * W * 3);
    uint8_t key[32] = {7}, nonce[24] = {0};
    for (int g = 0; g < grids; g++) {
        fc_stream_normals(key, nonce, (uint64_t)g * nf * FC_LATENT_DIM, (size_t)nf * FC_LATENT_DIM, z);
        if (fc_model_generate(m, z, nf, out, &err)) die("generate", &err);
        fc_model_output_to_unit(m, out, (size_t)nf * fsz);
        /* tile f at (f % 4, f / 4); CHW -> interleaved; 255 v unrounded, rounded as fc_grid_image */
        for (int f = 0; f < nf; f++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < FC_IMAGE_SIZE; y++)
                    for (int x = 0; x < FC_IMAGE_SIZE; x++) {
                        float v = out[(size_t)f * fsz + ((size_t)c * FC_IMAGE_SIZE + y) * FC_IMAGE_SIZE + x];
                        v = v < 0 ? 0 : v > 1 ? 1 : v;
                        size_t i = (((size_t)(f / 4) * FC_IMAGE_SIZE + y) * W + (size_t)(f % 4) * FC_IMAGE_SIZE + x) * 3 + c;
                        u[i] = 255.0f * v;
                        px[i] = (uint8_t)lrintf(255.0f * v);
                    }
        measure(px, W, W, u, plain, si, 1000 + (uint64_t)g);
    }
    fc_model_free(m);
    free(z);
    free(out);
    free(u);
    free(px);
    return 0;
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void photos(const char *dir, int k, acc *plain) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "stc_measure: cannot open %s\n", dir);
        exit(1);
    }
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (nn == cap) names = realloc(names, (cap = cap ? 2 * cap : 1024) * sizeof *names);
        names[nn++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof *names, cmpstr);
    for (size_t i = 0; i < nn && (int)i < k; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        fc_image im = {0};
        fc_error err = {0};
        if (fc_image_load(path, &im, &err)) die(path, &err);
        measure(im.px, im.w, im.h, NULL, plain, NULL, 2000 + i);
        fc_image_free(&im);
    }
    for (size_t i = 0; i < nn; i++) free(names[i]);
    free(names);
}

static void time_stc(void) {
    const uint64_t n = 3u << 20;
    uint8_t *x = malloc(n), *y = malloc(n), *msg = malloc(n / 8);
    float *rho = malloc(n * sizeof(float));
    uint8_t key[32] = {1}, nonce[24] = {0};
    fc_keystream(key, nonce, 0, x, n);
    fc_keystream(key, nonce, n, msg, n / 8);
    for (uint64_t i = 0; i < n; i++) {
        rho[i] = (float)(x[i] + 1);
        x[i] &= 1;
    }
    for (int h = 7; h <= 12; h++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        fc_error err = {0};
        if (fc_stc_embed(x, rho, n, msg, n / 5, h, FC_STC_SEED_DEFAULT, y, NULL, &err)) die("stc", &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("STC embed, %llu values, rate 0.2, h = %d: %.2f s\n", (unsigned long long)n, h,
               (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    }
    free(x);
    free(y);
    free(msg);
    free(rho);
}

int main(int argc, char **argv) {
    int nfaces = 4, nphotos = 0, timing = 0;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--faces") && i + 1 < argc) nfaces = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--celeba") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--photos") && i + 1 < argc) nphotos = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--time")) timing = 1;
        else {
            fprintf(stderr, "usage: stc_measure [--faces N] [--celeba DIR --photos K] [--time]\n");
            return 2;
        }
    }
    acc fp[2], fsi, pp[2];
    memset(fp, 0, sizeof fp);
    memset(&fsi, 0, sizeof fsi);
    memset(pp, 0, sizeof pp);
    if (nfaces > 0) faces(nfaces, fp, &fsi);
    if (dir && nphotos > 0) photos(dir, nphotos, pp);
    report("generated faces (4x4 grid of 64x64, 256x256)", fp, &fsi);
    report("photos", pp, NULL);
    if (timing) time_stc();
    return 0;
}
