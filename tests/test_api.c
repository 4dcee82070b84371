/* The public calls the CLI reaches the library through (include/facecrypt.h,
 * include/facecrypt_bench.h): saving with an overwrite flag, export, model
 * introspection, latent vectors, the distributed context, the cache folder, the
 * cipher-sensitivity experiment and the benchmark internals. */
#include <string.h>
#include <sys/stat.h>
#include "facecrypt.h"
#include "facecrypt_bench.h"
#include "model/safetensors.h"
#include "testutil.h"
#include "util/rng.h"

static char *D;
static char path_buf[4][4096];
static const char *P(int slot, const char *name) {
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", D, name);
    return path_buf[slot];
}

static void test_save_and_export(void) {
    fc_error err = {0};
    fc_model *m = NULL, *g = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 3, &m, &err) == FC_OK);
    if (!m) return;
    const char *full = P(0, "full.safetensors"), *gen = P(1, "gen.safetensors");
    fc_save_opts o = {.optimizer = 1, .overwrite = 0};
    CHECK(fc_model_save_opts(m, full, &o, &err) == FC_OK);
    /* overwrite flag: kept without it, replaced with it */
    CHECK(fc_model_save_opts(m, full, &o, &err) == FC_EUSAGE);
    o.overwrite = 1;
    CHECK(fc_model_save_opts(m, full, &o, &err) == FC_OK);

    fc_save_opts ex = {.generator_only = 1, .half = 1};
    fc_model_info mi;
    CHECK(fc_model_export(full, gen, &ex, &mi, &err) == FC_OK);
    CHECK(mi.arch == FC_ARCH_SEED && mi.width == 0.125f && mi.has_d && mi.g_params == fc_model_g_params(m) &&
          mi.d_params == fc_model_d_params(m));
    CHECK(fc_model_export(full, gen, &ex, NULL, &err) == FC_EUSAGE); /* exists, no overwrite */
    CHECK(fc_model_load(gen, &g, &err) == FC_OK);
    if (g) {
        fc_model_get_info(g, &mi);
        CHECK(!mi.has_d && mi.d_params == 0 && mi.g_params == fc_model_g_params(m));
        /* a generator-only file is no training state */
        fc_save_opts st = {.optimizer = 1, .optimizer_bf16 = 1, .half = 1};
        CHECK(fc_model_export(gen, P(2, "state.safetensors"), &st, NULL, &err) == FC_EINPUT);
        CHECK(strstr(err.msg, "no discriminator") != NULL);
        CHECK(fc_model_layer_count(g, 1) == 0 && !fc_model_d_sigmoid_fused(g));
        fc_model_free(g);
    }
    fc_model_free(m);
}

static void test_introspection(void) {
    fc_error err = {0};
    fc_model *m = NULL;
    CHECK(fc_model_create(FC_ARCH_DCGAN, 0.25f, 1, &m, &err) == FC_OK);
    if (!m) return;
    for (int net = 0; net < 2; net++) {
        size_t sum = 0;
        int n = fc_model_layer_count(m, net), convs = 0;
        CHECK(n > 3);
        for (int i = 0; i < n; i++) {
            fc_layer_info L;
            CHECK(fc_model_layer(m, net, i, &L, &err) == FC_OK);
            CHECK(!strcmp(L.net, net ? "D" : "G") && L.kind && L.out_c > 0 && L.out_h > 0);
            convs += !strcmp(L.kind, "Conv2d") || !strcmp(L.kind, "ConvTranspose2d");
            sum += L.params;
        }
        CHECK(convs >= 4);
        CHECK(sum == (net ? fc_model_d_params(m) : fc_model_g_params(m)));
        fc_layer_info L;
        CHECK(fc_model_layer(m, net, n, &L, &err) == FC_EUSAGE);
    }
    fc_layer_info last;
    CHECK(fc_model_layer(m, 0, fc_model_layer_count(m, 0) - 1, &last, &err) == FC_OK);
    CHECK(!strcmp(last.kind, "Tanh") && last.out_c == 3 && last.out_h == FC_IMAGE_SIZE);
    CHECK(fc_model_d_sigmoid_fused(m));
    fc_model_free(m);
}

static void test_latent(void) {
    enum { N = 64 };
    static float a[N * FC_LATENT_DIM], b[N * FC_LATENT_DIM];
    fc_latent_normal(5, N, a);
    fc_rng r;
    fc_rng_seed(&r, 5);
    fc_rng_fill_normal(&r, b, (size_t)N * FC_LATENT_DIM, 0, 1);
    CHECK(!memcmp(a, b, sizeof a)); /* the z of `sample --seed 5` and of eval-gan */
    fc_latent_normal(6, N, b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    double s = 0, s2 = 0;
    for (int i = 0; i < N * FC_LATENT_DIM; i++) s += a[i], s2 += (double)a[i] * a[i];
    s /= N * FC_LATENT_DIM, s2 /= N * FC_LATENT_DIM;
    CHECKF(fabs(s) < 0.05 && fabs(s2 - 1) < 0.05, "mean %g, second moment %g", s, s2);
}

static void test_dist(void) {
    fc_error err = {0};
    fc_dist *d = NULL;
    CHECK(fc_dist_open(&d, &err) == FC_OK && d); /* not under a launcher: rank 0 of 1 */
    CHECK(fc_dist_rank(d) == 0 && fc_dist_world(d) == 1);
    fc_dist_close(d);
    CHECK(fc_dist_rank(NULL) == 0 && fc_dist_world(NULL) == 1);
    fc_dist_close(NULL);
}

static void test_cache_dir(void) {
    fc_error err = {0};
    char buf[4096];
    struct stat st;
    CHECK(fc_data_cache_dir(P(0, "given/cache"), buf, sizeof buf, &err) == FC_OK);
    CHECK(!strcmp(buf, P(0, "given/cache")) && stat(buf, &st) == 0 && S_ISDIR(st.st_mode));
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL, *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    setenv("XDG_CACHE_HOME", P(1, "xdg"), 1);
    CHECK(fc_data_cache_dir(NULL, buf, sizeof buf, &err) == FC_OK);
    CHECK(!strcmp(buf, P(1, "xdg/facecrypt")) && stat(buf, &st) == 0 && S_ISDIR(st.st_mode));
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    CHECK(fc_data_cache_dir(NULL, buf, sizeof buf, &err) == FC_OK && buf[0] == 0); /* no default: no cache */
    /* a folder that cannot be made: the status says so, the name is still given */
    FILE *f = fopen(P(2, "file"), "w");
    if (f) fclose(f);
    CHECK(fc_data_cache_dir(P(2, "file/sub"), buf, sizeof buf, &err) != FC_OK && !strcmp(buf, P(2, "file/sub")));
    if (home) setenv("HOME", home, 1);
    if (xdg) setenv("XDG_CACHE_HOME", xdg, 1);
    free(home);
    free(xdg);
    CHECK(fc_dataset_count(NULL) == 0 && fc_dataset_pixels(NULL) == NULL && fc_dataset_size(NULL) == 0);
}

/* Field by field: fc_metric has padding after its int, which memcmp would read. */
static int same_metric(const fc_metric *a, const fc_metric *b) {
    return a->c == b->c && !memcmp(a->ch, b->ch, sizeof a->ch) && !memcmp(&a->all, &b->all, sizeof a->all);
}

static int same_sensitivity(const fc_cipher_sensitivity_result *a, const fc_cipher_sensitivity_result *b) {
    const double x[] = {a->npcr_pixel, a->uaci_pixel, a->tag_npcr_pixel, a->npcr_nonce,
                        a->uaci_nonce, a->npcr_key,   a->uaci_key};
    const double y[] = {b->npcr_pixel, b->uaci_pixel, b->tag_npcr_pixel, b->npcr_nonce,
                        b->uaci_nonce, b->npcr_key,   b->uaci_key};
    int same = a->bytes == b->bytes && a->changed_at == b->changed_at && !memcmp(x, y, sizeof x) &&
               same_metric(&a->entropy, &b->entropy);
    for (int i = 0; i < 3; i++) same = same && same_metric(&a->corr[i], &b->corr[i]);
    return same;
}

static void test_cipher_sensitivity(void) {
    fc_error err = {0};
    fc_image img = {0};
    CHECK(fc_image_alloc(&img, 32, 32, 3, &err) == FC_OK);
    if (!img.px) return;
    fc_rng r;
    fc_rng_seed(&r, 9);
    const size_t n = (size_t)32 * 32 * 3;
    for (size_t i = 0; i < n; i++) img.px[i] = (uint8_t)(i / 3 + fc_rng_below(&r, 8)); /* smooth, like a picture */
    fc_cipher_sensitivity_result a, b;
    CHECK(fc_cipher_sensitivity(&img, 1, 0, &a, &err) == FC_OK);
    CHECK(fc_cipher_sensitivity(&img, 1, 0, &b, &err) == FC_OK);
    CHECK(same_sensitivity(&a, &b)); /* deterministic in the seed */
    CHECK(a.bytes == n && a.changed_at < n);
    /* a stream cipher under one key and nonce changes exactly the changed byte... */
    CHECKF(fabs(a.npcr_pixel - 100.0 / n) < 1e-9, "npcr_pixel %g", a.npcr_pixel);
    /* ...and the tag, a fresh nonce or another key change nearly all of them */
    CHECKF(a.tag_npcr_pixel > 80 && a.npcr_nonce > 98 && a.npcr_key > 98, "tag %g nonce %g key %g", a.tag_npcr_pixel,
           a.npcr_nonce, a.npcr_key);
    CHECKF(a.uaci_nonce > 30 && a.uaci_nonce < 37 && a.entropy.all > 7.5, "uaci %g entropy %g", a.uaci_nonce,
           a.entropy.all);
    CHECK(fc_cipher_sensitivity(&img, 2, 0, &b, &err) == FC_OK && !same_sensitivity(&a, &b));
    fc_image_free(&img);
}

static void test_bench(void) {
    fc_error err = {0};
    fc_model *m = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.0625f, 1, &m, &err) == FC_OK);
    if (!m) return;
    double direct = fc_bench_step_flops(m, 4, 0), exec = fc_bench_step_flops(m, 4, 1);
    CHECK(direct > 0 && exec > 0 && exec <= direct);
    CHECK(fc_bench_step_flops(m, 8, 0) == 2 * direct);
    fc_bench_trainer *t = NULL;
    CHECK(fc_bench_trainer_create(m, 4, &t, &err) == FC_OK && t);
    if (t) {
        float d = NAN, g = NAN;
        fc_bench_trainer_step(t, &d, &g);
        CHECK(isfinite(d) && isfinite(g) && d > 0 && g > 0);
        CHECK(fc_model_step(m) == 1);
        fc_bench_trainer_free(t);
    }
    fc_bench_layer rows[FC_BENCH_MAX_LAYERS];
    int n = 0;
    fc_precision ran;
    CHECK(fc_bench_layers(m, 2, FC_PREC_FP32, rows, &n, &ran, &err) == FC_OK);
    CHECK(n >= 8 && ran == FC_PREC_FP32);
    for (int i = 0; i < n; i++) CHECK(rows[i].gflop > 0 && rows[i].ms[0] >= 0 && rows[i].ms[2] >= 0);
    fc_model_free(m);
}

int main(void) {
    D = tu_tmpdir();
    fc_set_threads(tu_threads(1));
    test_save_and_export();
    test_introspection();
    test_latent();
    test_dist();
    test_cache_dir();
    test_cipher_sensitivity();
    test_bench();
    tu_system("rm -rf '%s'", D);
    free(D);
    return TEST_END();
}
