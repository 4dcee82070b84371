/* fc_eval_gan and `facecrypt eval-gan` on a tiny generated folder of face-like
 * pictures: the real-vs-real floor lies below an untrained generator, results are
 * deterministic in the seed, sizes are checked, and the command's exit codes and
 * JSON keys are right; the same for the radial power spectrum (--spectrum). */
#include <string.h>
#include <sys/stat.h>
#include "data/dataset.h"
#include "testutil.h"
#include "util/fileio.h"
#include "util/rng.h"

#define NFILES 36

/* One "face": a smooth two-colour background, a skin-coloured ellipse with two dark
 * eyes and a mouth, drawn with per-picture random colours, placement and size. */
static void make_picture(fc_image *im, int w, int h, fc_rng *r) {
    float bg0[3], bg1[3], skin[3];
    for (int c = 0; c < 3; c++) {
        bg0[c] = 255 * fc_rng_uniform(r);
        bg1[c] = 255 * fc_rng_uniform(r);
    }
    skin[0] = 170 + 70 * fc_rng_uniform(r);
    skin[1] = skin[0] * (0.65f + 0.15f * fc_rng_uniform(r));
    skin[2] = skin[1] * (0.7f + 0.2f * fc_rng_uniform(r));
    float cx = w * (0.45f + 0.1f * fc_rng_uniform(r)), cy = h * (0.45f + 0.1f * fc_rng_uniform(r));
    float rx = w * (0.22f + 0.08f * fc_rng_uniform(r)), ry = rx * (1.2f + 0.2f * fc_rng_uniform(r));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float t = (float)y / (float)h, dx = (x - cx) / rx, dy = (y - cy) / ry;
            float col[3];
            for (int c = 0; c < 3; c++) col[c] = bg0[c] * (1 - t) + bg1[c] * t;
            if (dx * dx + dy * dy < 1) {
                for (int c = 0; c < 3; c++) col[c] = skin[c];
                float ex = fabsf(dx) - 0.4f, ey = dy + 0.25f, my = dy - 0.45f;
                if (ex * ex + ey * ey < 0.02f) col[0] = col[1] = col[2] = 40;              /* eyes */
                if (fabsf(dx) < 0.35f && fabsf(my) < 0.06f) col[0] = 150, col[1] = col[2] = 60; /* mouth */
            }
            for (int c = 0; c < 3; c++) {
                float v = col[c] + 8 * (fc_rng_uniform(r) - 0.5f);
                im->px[((size_t)y * w + x) * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
}

static void make_folder(const char *dir, int n) {
    fc_rng r;
    fc_rng_seed(&r, 77);
    char path[4200];
    fc_error err = {0};
    for (int i = 0; i < n; i++) {
        int w = 72 + (i % 4) * 10, h = 80 + (i % 3) * 12; /* center crop + resize on the way in */
        fc_image im;
        if (fc_image_alloc(&im, w, h, 3, &err)) return;
        make_picture(&im, w, h, &r);
        snprintf(path, sizeof path, "%s/face%03d.png", dir, i);
        CHECK(fc_image_save_png(&im, path, 1, &err) == FC_OK);
        fc_image_free(&im);
    }
}

static int same_result(const fc_eval_gan_result *a, const fc_eval_gan_result *b) {
    return a->n == b->n && !memcmp(&a->gen, &b->gen, sizeof a->gen) && !memcmp(&a->ref, &b->ref, sizeof a->ref);
}

static void test_library(const char *data) {
    fc_error err = {0};
    fc_dataset *ds = NULL;
    fc_dataset_opts o = {.partition = FC_PART_ALL, .threads = 2};
    CHECK(fc_dataset_open(data, &o, &ds, &err) == FC_OK);
    if (!ds) return;
    CHECK(ds->count == NFILES);
    fc_model *m = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 3, &m, &err) == FC_OK);

    fc_eval_gan_result r, r2, r3;
    CHECK(fc_eval_gan(m, ds->pixels, ds->count, 16, 5, 1, &r, &err) == FC_OK);
    CHECK(r.n == 16 && r.gen.levels == 3 && r.ref.levels == 3);
    CHECK(r.gen.res[0] == 64 && r.gen.res[1] == 32 && r.gen.res[2] == 16);
    double gsum = 0, rsum = 0;
    for (int l = 0; l < 3; l++) {
        CHECKF(r.ref.swd[l] > 0 && r.ref.swd[l] < r.gen.swd[l], "level %d: real-real %.3f, untrained %.3f", l,
               r.ref.swd[l], r.gen.swd[l]);
        gsum += r.gen.swd[l];
        rsum += r.ref.swd[l];
    }
    CHECKF(r.ref.avg * 2 < r.gen.avg, "real-real %.3f vs untrained %.3f", r.ref.avg, r.gen.avg);
    CHECK(fabs(r.gen.avg - gsum / 3) < 1e-9 && fabs(r.ref.avg - rsum / 3) < 1e-9);
    fprintf(stderr, "SWD x1e3 (n=16): untrained %.2f %.2f %.2f avg %.2f; real-real %.2f %.2f %.2f avg %.2f\n",
            r.gen.swd[0], r.gen.swd[1], r.gen.swd[2], r.gen.avg, r.ref.swd[0], r.ref.swd[1], r.ref.swd[2], r.ref.avg);

    /* deterministic in the seed; another seed draws other faces */
    CHECK(fc_eval_gan(m, ds->pixels, ds->count, 16, 5, 1, &r2, &err) == FC_OK);
    CHECK(same_result(&r, &r2));
    CHECK(fc_eval_gan(m, ds->pixels, ds->count, 16, 6, 1, &r3, &err) == FC_OK);
    CHECK(r3.ref.avg != r.ref.avg && r3.gen.avg != r.gen.avg);
    /* without the reference, the generated-vs-real distance is the same one */
    CHECK(fc_eval_gan(m, ds->pixels, ds->count, 16, 5, 0, &r2, &err) == FC_OK);
    CHECK(r2.ref.levels == 0 && !memcmp(&r2.gen, &r.gen, sizeof r.gen));

    /* identical real pictures: the real-vs-real floor of one picture repeated is tiny
     * next to that of varied pictures (only patch positions differ) */
    uint8_t *same = malloc((size_t)32 * FC_DATA_IMAGE_BYTES);
    for (int i = 0; i < 32; i++) memcpy(same + (size_t)i * FC_DATA_IMAGE_BYTES, ds->pixels, FC_DATA_IMAGE_BYTES);
    CHECK(fc_eval_gan(m, same, 32, 16, 5, 1, &r2, &err) == FC_OK);
    CHECKF(r2.ref.avg < r.ref.avg, "one picture repeated %.3f, varied %.3f", r2.ref.avg, r.ref.avg);
    free(same);

    /* sizes */
    CHECK(fc_eval_gan(m, ds->pixels, ds->count, 15, 5, 1, &r2, &err) == FC_EUSAGE);
    CHECK(fc_eval_gan(m, ds->pixels, 31, 16, 5, 1, &r2, &err) == FC_EINPUT);
    CHECK(strstr(err.msg, "31 real faces") != NULL);
    CHECK(fc_eval_gan(m, ds->pixels, 16, 16, 5, 0, &r2, &err) == FC_OK);
    CHECK(fc_eval_gan(m, ds->pixels, 15, 16, 5, 0, &r2, &err) == FC_EINPUT);
    CHECK(fc_eval_gan(NULL, ds->pixels, ds->count, 16, 5, 0, &r2, &err) == FC_EUSAGE);
    fc_model_free(m);
    fc_dataset_free(ds);
}

/* fc_eval_gan_spectrum: the same faces as the SWD, deterministic, floor below an
 * untrained generator's noise in the high bands. */
static void test_spectrum_library(const char *data) {
    fc_error err = {0};
    fc_dataset *ds = NULL;
    fc_dataset_opts o = {.partition = FC_PART_ALL, .threads = 2};
    CHECK(fc_dataset_open(data, &o, &ds, &err) == FC_OK);
    if (!ds) return;
    fc_model *m = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 3, &m, &err) == FC_OK);
    fc_eval_spectrum_result *r = malloc(sizeof *r), *r2 = malloc(sizeof *r2);
    CHECK(fc_eval_gan_spectrum(m, ds->pixels, ds->count, 16, 5, 1, r, &err) == FC_OK);
    CHECK(r->n == 16 && r->gen.count == 16 && r->real_a.count == 16 && r->real_b.count == 16 && r->gen.bins == 46);
    for (int b = 2; b < FC_SPECTRUM_BANDS; b++)
        CHECKF(fabs(r->real_vs_real.band_dev[b]) < r->gen_vs_real.band_dev[b], "%s band: real-real %+.1f%%, untrained %+.1f%%",
               fc_spectrum_band_name(b), 100 * r->real_vs_real.band_dev[b], 100 * r->gen_vs_real.band_dev[b]);
    fprintf(stderr, "spectrum (n=16): untrained high %+.1f%% corner %+.1f%%; real-real high %+.1f%% corner %+.1f%%\n",
            100 * r->gen_vs_real.band_dev[2], 100 * r->gen_vs_real.band_dev[3], 100 * r->real_vs_real.band_dev[2],
            100 * r->real_vs_real.band_dev[3]);
    /* deterministic; without the reference the generated-vs-real figures are the same */
    CHECK(fc_eval_gan_spectrum(m, ds->pixels, ds->count, 16, 5, 1, r2, &err) == FC_OK && !memcmp(r, r2, sizeof *r));
    CHECK(fc_eval_gan_spectrum(m, ds->pixels, ds->count, 16, 5, 0, r2, &err) == FC_OK);
    CHECK(r2->real_b.count == 0 && !memcmp(&r2->gen_vs_real, &r->gen_vs_real, sizeof r->gen_vs_real));
    /* set A is the first n faces of the seed's permutation, as for the SWD: one face
     * repeated everywhere gives real A = real B exactly */
    uint8_t *same = malloc((size_t)32 * FC_DATA_IMAGE_BYTES);
    for (int i = 0; i < 32; i++) memcpy(same + (size_t)i * FC_DATA_IMAGE_BYTES, ds->pixels, FC_DATA_IMAGE_BYTES);
    CHECK(fc_eval_gan_spectrum(m, same, 32, 16, 5, 1, r2, &err) == FC_OK && r2->real_vs_real.band_dev[2] == 0);
    free(same);
    CHECK(fc_eval_gan_spectrum(m, ds->pixels, 31, 16, 5, 1, r2, &err) == FC_EINPUT);
    CHECK(fc_eval_gan_spectrum(NULL, ds->pixels, ds->count, 16, 5, 1, r2, &err) == FC_EUSAGE);
    free(r);
    free(r2);
    fc_model_free(m);
    fc_dataset_free(ds);
}

static char *slurp(const char *path) {
    uint8_t *buf = NULL;
    size_t len = 0;
    if (fc_read_file(path, 1 << 20, &buf, &len, NULL)) return NULL;
    char *s = realloc(buf, len + 1);
    if (!s) {
        free(buf);
        return NULL;
    }
    s[len] = 0;
    return s;
}

static void test_cli(const char *tmp, const char *data) {
    const char *fc = tu_cli();
    char cache[4200], out[4200], model[4200];
    snprintf(cache, sizeof cache, "%s/cache", tmp);
    snprintf(out, sizeof out, "%s/out.txt", tmp);
    snprintf(model, sizeof model, "%s/g.safetensors", tmp);
    const char *fresh = "--untrained --arch seed --width 0.125 --n 16 --threads 2 --partition all";

    /* exit codes */
    CHECK(tu_system("%s eval-gan --help >/dev/null", fc) == 0);
    CHECK(tu_system("%s eval-gan %s 2>/dev/null", fc, fresh) == 1);                        /* no --data */
    CHECK(tu_system("%s eval-gan --data %s --n 8 %s 2>/dev/null", fc, data, "--untrained") == 1); /* n < 16 */
    CHECK(tu_system("%s eval-gan --data %s --bogus 2>/dev/null", fc, data) == 1);
    CHECK(tu_system("%s eval-gan --data %s --arch seed 2>/dev/null", fc, data) == 1); /* --arch without --untrained */
    CHECK(tu_system("%s eval-gan --data %s %s --partition nope 2>/dev/null", fc, data, fresh) == 1);
    CHECK(tu_system("%s eval-gan --data %s/missing --cache-dir %s %s 2>/dev/null", fc, tmp, cache, fresh) == 2);
    CHECK(tu_system("%s eval-gan --data %s --model %s/missing.safetensors --cache-dir %s --n 16 2>/dev/null", fc,
                    data, tmp, cache) == 2);
    /* 36 faces: two sets of 32 do not fit, one set without the reference does */
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s --untrained --arch seed --width 0.125 --n 32 --partition all 2>/dev/null",
                    fc, data, cache) == 2);
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s --untrained --arch seed --width 0.125 --n 32 "
                    "--partition all --no-reference >/dev/null 2>&1",
                    fc, data, cache) == 0);

    /* JSON */
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s %s --seed 5 --json > %s", fc, data, cache, fresh, out) == 0);
    char *s = slurp(out);
    CHECK(s != NULL);
    if (s) {
        const char *keys[] = {"{\"model\": null", "\"untrained\": true", "\"arch\": \"seed\"", "\"width\": 0.125",
                              "\"step\": 0", "\"partition\": \"all\"", "\"real_faces\": 36", "\"n\": 16",
                              "\"seed\": 5", "\"resolutions\": [64, 32, 16]", "\"generated_vs_real\": {\"swd\": [",
                              "\"real_vs_real\": {\"swd\": [", "\"avg\": "};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) CHECKF(strstr(s, keys[k]) != NULL, "missing %s", keys[k]);
        CHECK(s[strlen(s) - 2] == '}');
        free(s);
    }
    /* --no-reference: real_vs_real is null */
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s %s --no-reference --json > %s", fc, data, cache, fresh,
                    out) == 0);
    s = slurp(out);
    CHECK(s && strstr(s, "\"real_vs_real\": null"));
    free(s);

    /* a checkpoint: as trained (step 0 here), and --untrained takes its arch and width */
    fc_model *m = NULL;
    fc_error err = {0};
    CHECK(fc_model_create(FC_ARCH_DCGAN, 0.125f, 9, &m, &err) == FC_OK);
    CHECK(fc_model_save_generator(m, model, 0, &err) == FC_OK);
    fc_model_free(m);
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s --model %s --n 16 --threads 2 --partition all --json > %s", fc, data, cache,
                    model, out) == 0);
    s = slurp(out);
    CHECK(s && strstr(s, "\"untrained\": false") && strstr(s, "\"arch\": \"dcgan\"") && strstr(s, model));
    free(s);
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s --model %s --untrained --n 16 --threads 2 --partition all > %s", fc, data,
                    cache, model, out) == 0);
    s = slurp(out);
    CHECK(s && strstr(s, "model: untrained") && strstr(s, "arch dcgan, width 0.125") && strstr(s, "real vs real") &&
          strstr(s, "generated vs real") && strstr(s, "64px"));
    free(s);
    CHECK(tu_system("%s eval-gan --data %s --model %s --arch seed --untrained 2>/dev/null", fc, data, model) == 1);

    /* --spectrum: table, JSON, plot */
    char plot[4200];
    snprintf(plot, sizeof plot, "%s/spectrum.png", tmp);
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s %s --no-swd 2>/dev/null", fc, data, cache, fresh) == 1);
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s %s --plot %s 2>/dev/null", fc, data, cache, fresh, plot) == 1);
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s %s --spectrum --plot %s > %s", fc, data, cache, fresh, plot,
                    out) == 0);
    s = slurp(out);
    CHECK(s && strstr(s, "SWD x1e3") && strstr(s, "power spectrum") && strstr(s, "corner   33-45") &&
          strstr(s, "nyquist") && strstr(s, "real B/real A") && strstr(s, plot));
    free(s);
    fc_image im;
    CHECK(fc_image_load(plot, &im, &err) == FC_OK && im.w == 800 && im.h == 500);
    fc_image_free(&im);
    /* an existing plot is kept unless --force */
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s %s --spectrum --no-swd --plot %s 2>/dev/null", fc, data, cache,
                    fresh, plot) == 1);
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s %s --spectrum --no-swd --plot %s --force --json > %s", fc,
                    data, cache, fresh, plot, out) == 0);
    s = slurp(out);
    CHECK(s != NULL);
    if (s) {
        const char *keys[] = {"\"generated_vs_real\": null", "\"real_vs_real\": null", "\"spectrum\": {\"size\": 64, \"bins\": 46",
                              "\"generated\": {\"power\": [", "\"real_a\": {\"power\": [", "\"real_b\": {\"power\": [",
                              "\"bands\": {\"low\": {\"bins\": [1, 10], \"dev\": ", "\"corner\": {\"bins\": [33, 45]",
                              "\"nyquist_dev\": ", "\"dev\": [null, ", "\"worst_bin\": ", "\"plot\": \""};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) CHECKF(strstr(s, keys[k]) != NULL, "missing %s", keys[k]);
        CHECK(s[strlen(s) - 2] == '}' && !strstr(s, "SWD"));
        free(s);
    }
    CHECK(tu_system("%s eval-gan --data %s --cache-dir %s %s --spectrum --no-reference --json > %s", fc, data, cache,
                    fresh, out) == 0);
    s = slurp(out);
    CHECK(s && strstr(s, "\"real_b\": null") && strstr(s, "\"spectrum\": {"));
    free(s);
}

/* Measuring at 128 px (--size 128): the data decoded at 128, a 64 px generator enlarged as
 * covers enlarge it, face128 native; and face128 at 64 px, area-reduced.  Four levels at
 * 128 (128, 64, 32, 16); the floor is the same real faces' at each size. */
static void test_sizes(const char *data) {
    fc_error err = {0};
    fc_dataset *d64 = NULL, *d128 = NULL;
    fc_dataset_opts o = {.partition = FC_PART_ALL, .threads = 2};
    CHECK(fc_dataset_open(data, &o, &d64, &err) == FC_OK);
    o.size = 128;
    CHECK(fc_dataset_open(data, &o, &d128, &err) == FC_OK);
    fc_model *m = NULL, *g = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 3, &m, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_FACE128, 0.125f, 3, &g, &err) == FC_OK);
    if (!d64 || !d128 || !m || !g) goto done;
    fc_eval_gan_result r, r2;
    /* fc_eval_gan is the 64 px measure */
    CHECK(fc_eval_gan(m, d64->pixels, d64->count, 16, 5, 1, &r, &err) == FC_OK);
    CHECK(fc_eval_gan_size(m, d64->pixels, d64->count, 64, 16, 5, 1, &r2, &err) == FC_OK && same_result(&r, &r2));
    /* a 64 px generator at 128 */
    CHECK(fc_eval_gan_size(m, d128->pixels, d128->count, 128, 16, 5, 1, &r, &err) == FC_OK);
    CHECK(r.gen.levels == 4 && r.gen.res[0] == 128 && r.gen.res[3] == 16 && r.ref.levels == 4);
    CHECKF(r.ref.avg > 0 && r.ref.avg * 2 < r.gen.avg, "at 128: real-real %.3f vs untrained %.3f", r.ref.avg, r.gen.avg);
    /* face128: native at 128, reduced at 64 */
    CHECK(fc_eval_gan_size(g, d128->pixels, d128->count, 128, 16, 5, 1, &r2, &err) == FC_OK);
    CHECK(r2.gen.levels == 4 && r2.ref.avg == r.ref.avg && r2.gen.avg != r.gen.avg && isfinite(r2.gen.avg));
    CHECK(fc_eval_gan_size(g, d64->pixels, d64->count, 64, 16, 5, 1, &r2, &err) == FC_OK && r2.gen.levels == 3);
    fc_eval_spectrum_result *sp = malloc(sizeof *sp);
    CHECK(fc_eval_gan_spectrum_size(m, d128->pixels, d128->count, 128, 16, 5, 1, sp, &err) == FC_OK &&
          sp->gen.size == 128 && sp->real_a.size == 128 && sp->gen.count == 16);
    free(sp);
    /* sizes it cannot measure at */
    CHECK(fc_eval_gan_size(m, d64->pixels, d64->count, 100, 16, 5, 1, &r2, &err) == FC_EUSAGE);
    for (int s = 0; s <= 512; s++)
        CHECKF(fc_eval_gan_size_valid(s) == (s == 32 || s == 64 || s == 128 || s == 256), "size %d", s);
done:
    fc_model_free(m);
    fc_model_free(g);
    fc_dataset_free(d64);
    fc_dataset_free(d128);
}

int main(void) {
    char *tmp = tu_tmpdir(), data[4200];
    snprintf(data, sizeof data, "%s/data", tmp);
    mkdir(data, 0777);
    make_folder(data, NFILES);
    test_library(data);
    test_spectrum_library(data);
    test_sizes(data);
    test_cli(tmp, data);
    tu_system("rm -rf '%s'", tmp);
    free(tmp);
    return TEST_END();
}
