/* Model structure, checkpoints and the training step's invariants. */
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "model/checkpoint.h"
#include "model/model.h"
#include "testutil.h"
#include "train/step.h"

#define IMG (3 * 64 * 64)

static void test_counts(void) {
    fc_model *m = NULL;
    fc_error err = {0};
    CHECK(fc_model_create(FC_ARCH_SEED, 1.0f, 1, &m, &err) == FC_OK);
    CHECKF(fc_model_g_params(m) == 3750275, "G params %zu", fc_model_g_params(m));
    CHECKF(fc_model_d_params(m) == 404801, "D params %zu", fc_model_d_params(m));
    fc_model_free(m);
    /* width 0.25: G 100->2048, 32->32->64->128, ->3; D 16,32,32 */
    CHECK(fc_model_create(FC_ARCH_SEED, 0.25f, 1, &m, &err) == FC_OK);
    size_t g = 100 * 2048 + 2048 + 32 * 32 * 16 + 32 + 32 * 64 * 16 + 64 + 64 * 128 * 16 + 128 + 128 * 3 * 25 + 3;
    size_t d = 3 * 16 * 16 + 16 + 16 * 32 * 16 + 32 + 32 * 32 * 16 + 32 + 2048 + 1;
    CHECKF(fc_model_g_params(m) == g, "G params %zu want %zu", fc_model_g_params(m), g);
    CHECKF(fc_model_d_params(m) == d, "D params %zu want %zu", fc_model_d_params(m), d);
    fc_model_free(m);
    /* Radford DCGAN, 64x64: G 3,576,704 and D 2,765,568 (no biases; BN affine) as in PyTorch's example */
    CHECK(fc_model_create(FC_ARCH_DCGAN, 1.0f, 1, &m, &err) == FC_OK);
    CHECKF(fc_model_g_params(m) == 3576704, "dcgan G params %zu", fc_model_g_params(m));
    CHECKF(fc_model_d_params(m) == 2765568, "dcgan D params %zu", fc_model_d_params(m));
    fc_model_free(m);
}

static void test_generate_and_checkpoint(void) {
    fc_error err = {0};
    fc_model *m = NULL, *m2 = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 42, &m, &err) == FC_OK);
    float z[3 * 100], a[3 * IMG], b[3 * IMG];
    for (int i = 0; i < 300; i++) z[i] = (float)((i * 37) % 23) / 11.0f - 1.0f;
    CHECK(fc_model_generate(m, z, 3, a, &err) == FC_OK);
    int in_range = 1;
    for (int i = 0; i < 3 * IMG; i++) in_range &= a[i] > 0.0f && a[i] < 1.0f;
    CHECK(in_range); /* sigmoid output */
    /* batch independence: the second image alone equals the second of three */
    CHECK(fc_model_generate(m, z + 100, 1, b, &err) == FC_OK);
    CHECK(tu_max_abs_err(b, a + IMG, IMG, NULL) < 1e-5);

    char *dir = tu_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    m->step = 17;
    m->adam_t = 17;
    CHECK(fc_model_save(m, path, &err) == FC_OK);
    CHECK(fc_model_load(path, &m2, &err) == FC_OK);
    if (m2) {
        CHECK(fc_model_step(m2) == 17 && m2->adam_t == 17);
        CHECK(fabsf(fc_model_width(m2) - 0.125f) < 1e-6f);
        CHECK(m2->D.nparams == m->D.nparams);
        CHECK(memcmp(m2->D.params, m->D.params, m->D.nparams * sizeof(float)) == 0);
        CHECK(fc_model_generate(m2, z, 3, b, &err) == FC_OK);
        CHECK(memcmp(a, b, sizeof a) == 0);
        fc_model_free(m2);
    }
    /* G and D without Adam moments: a resume starts Adam afresh (adam_t 0, so its bias
     * correction restarts with the zero moments), keeping the step count */
    snprintf(path, sizeof path, "%s/nomoments.safetensors", dir);
    fc_ckpt_opts no = {.overwrite = 1};
    CHECK(fc_checkpoint_save(m, path, &no, &err) == FC_OK);
    m2 = NULL;
    CHECK(fc_model_load(path, &m2, &err) == FC_OK);
    CHECK(m2 && m2->has_d && m2->step == 17 && m2->adam_t == 0);
    fc_model_free(m2);
    /* generator-only F16 file: loads without D, outputs within F16 rounding */
    snprintf(path, sizeof path, "%s/g16.safetensors", dir);
    CHECK(fc_model_save_generator(m, path, 1, &err) == FC_OK);
    m2 = NULL;
    CHECK(fc_model_load(path, &m2, &err) == FC_OK);
    if (m2) {
        CHECK(!m2->has_d && fc_model_d_params(m2) == 0);
        CHECK(fc_model_generate(m2, z, 3, b, &err) == FC_OK);
        CHECK(tu_max_abs_err(a, b, 3 * IMG, NULL) < 2e-3);
        fc_trainer t;
        fc_adam_cfg ad = {1e-4f, 0.9f, 0.999f, 1e-8f};
        CHECK(fc_trainer_init(&t, m2, 2, &ad, &ad, 1, &err) == FC_EUSAGE); /* cannot train without D */
        fc_model_free(m2);
    }
    /* a truncated checkpoint is rejected */
    FILE *f = fopen(path, "r+b");
    if (f) {
        CHECK(ftruncate(fileno(f), 100) == 0);
        fclose(f);
    }
    m2 = NULL;
    CHECK(fc_model_load(path, &m2, &err) == FC_EINPUT && m2 == NULL);
    tu_system("rm -rf '%s'", dir);
    free(dir);
    fc_model_free(m);
}

/* Every metadata key fc_checkpoint_save writes itself is one fc_checkpoint_base_meta names
 * (an export passes on only the others), and the caller's extra keys are not; the writer's
 * values are there (generator_weights once went missing from the list). */
static void test_base_meta(void) {
    fc_error err = {0};
    fc_model *m = NULL;
    CHECK(fc_model_create(FC_ARCH_FACE, 0.125f, 3, &m, &err) == FC_OK);
    if (!m) return;
    char *dir = tu_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/meta.safetensors", dir);
    const char *extra[] = {"rng_z", "12", "batch", "4"};
    for (int gen_only = 0; gen_only < 2; gen_only++) {
        fc_ckpt_opts o = {.generator_only = gen_only, .overwrite = 1, .meta = extra, .n_meta = 2};
        CHECK(fc_checkpoint_save(m, path, &o, &err) == FC_OK);
        fc_st_file *f = NULL;
        CHECKF(fc_st_open(path, 0, &f, &err) == FC_OK, "%s", err.msg);
        if (!f) continue;
        size_t base = 0, other = 0;
        for (size_t i = 0; i < fc_st_meta_count(f); i++) {
            const char *k, *v;
            fc_st_meta_at(f, i, &k, &v);
            int is_extra = !strcmp(k, "rng_z") || !strcmp(k, "batch");
            CHECKF(fc_checkpoint_base_meta(k) == !is_extra, "metadata key \"%s\": base_meta %d", k,
                   fc_checkpoint_base_meta(k));
            CHECKF(v && *v, "metadata key \"%s\" has an empty value", k);
            base += !is_extra, other += is_extra;
        }
        CHECKF(other == 2 && base >= 8, "%zu base keys, %zu extra", base, other);
        const char *gw = fc_st_meta(f, "generator_weights");
        CHECK(gw && fc_checkpoint_base_meta("generator_weights"));
        CHECK(fc_st_meta(f, "format") && !strcmp(fc_st_meta(f, "format"), "facecrypt-checkpoint-1"));
        const char *contents = fc_st_meta(f, "contents");
        CHECK(contents && !strcmp(contents, gen_only ? "generator" : "generator+discriminator"));
        fc_st_close(f);
    }
    CHECK(!fc_checkpoint_base_meta("rng_z") && !fc_checkpoint_base_meta(""));
    tu_system("rm -rf '%s'", dir);
    free(dir);
    fc_model_free(m);
}

/* One training step changes both nets, and the same seed reproduces it exactly. */
static void test_step_determinism(void) {
    fc_error err = {0};
    float *reals = malloc(4 * IMG * sizeof(float));
    for (int i = 0; i < 4 * IMG; i++) reals[i] = (float)((i * 7919) % 1000) / 1000.0f;
    float *w[2];
    fc_step_stats st[2];
    for (int r = 0; r < 2; r++) {
        fc_model *m = NULL;
        CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 5, &m, &err) == FC_OK);
        fc_trainer t;
        fc_adam_cfg ad = {1e-3f, 0.5f, 0.999f, 1e-8f};
        CHECK(fc_trainer_init(&t, m, 4, &ad, &ad, 9, &err) == FC_OK);
        float *g0 = malloc(m->G.nparams * sizeof(float));
        memcpy(g0, m->G.params, m->G.nparams * sizeof(float));
        for (int s = 0; s < 3; s++) fc_trainer_step(&t, reals, NULL, NULL, &st[r]);
        CHECK(m->step == 3);
        CHECK(tu_max_abs_err(g0, m->G.params, m->G.nparams, NULL) > 1e-4);
        CHECK(isfinite(st[r].d_loss) && isfinite(st[r].g_loss) && st[r].d_real > 0 && st[r].d_real < 1);
        w[r] = malloc(m->G.nparams * sizeof(float));
        memcpy(w[r], m->G.params, m->G.nparams * sizeof(float));
        free(g0);
        fc_trainer_free(&t);
        fc_model_free(m);
    }
    CHECK(memcmp(&st[0], &st[1], sizeof st[0]) == 0);
    CHECK(w[0] && w[1] && memcmp(w[0], w[1], sizeof(float) * 100) == 0);
    free(w[0]);
    free(w[1]);
    free(reals);
}

/* reuse_fakes: the G step on the D step's fakes is the step with z2 = z1 given explicitly,
 * bit for bit (G's activations from the D step's forward are reused, not recomputed), and
 * differs from a step with fresh z. */
static void test_reuse_fakes(void) {
    fc_error err = {0};
    const int B = 4;
    float *reals = malloc((size_t)B * IMG * sizeof(float)), z[2][4 * FC_LATENT_DIM];
    for (int i = 0; i < B * IMG; i++) reals[i] = (float)((i * 7919) % 1000) / 1000.0f;
    fc_rng r;
    fc_rng_seed(&r, 3);
    fc_rng_fill_normal(&r, z[0], sizeof z / sizeof(float), 0.0f, 1.0f);
    fc_model *m[3] = {NULL, NULL, NULL};
    fc_trainer t[3];
    fc_adam_cfg ad = {1e-3f, 0.5f, 0.999f, 1e-8f};
    for (int k = 0; k < 3; k++) {
        CHECK(fc_model_create(FC_ARCH_FACE, 0.125f, 5, &m[k], &err) == FC_OK);
        CHECK(fc_trainer_init(&t[k], m[k], B, &ad, &ad, 9, &err) == FC_OK);
        CHECK(fc_trainer_set_options(&t[k], FC_LOSS_HINGE, 0, 0.0f, k == 0, &err) == FC_OK);
    }
    fc_step_stats st;
    for (int s = 0; s < 2; s++) {
        fc_trainer_step(&t[0], reals, z[s], NULL, &st); /* reuses */
        fc_trainer_step(&t[1], reals, z[s], z[s], &st); /* the same z again, recomputed */
        fc_trainer_step(&t[2], reals, z[s], z[1 - s], &st); /* another z */
    }
    CHECK(!memcmp(m[0]->G.params, m[1]->G.params, m[0]->G.nparams * sizeof(float)));
    CHECK(!memcmp(m[0]->D.params, m[1]->D.params, m[0]->D.nparams * sizeof(float)));
    CHECK(memcmp(m[0]->G.params, m[2]->G.params, m[0]->G.nparams * sizeof(float)) != 0);
    for (int k = 0; k < 3; k++) fc_trainer_free(&t[k]), fc_model_free(m[k]);
    free(reals);
}

/* Built-in generators by name: each loads, "default"/NULL is the default one, a name that is
 * not built in is taken as a path, and the CLI lists them. */
static void test_builtin_names(void) {
    fc_error err = {0};
    size_t n = fc_model_builtin_count();
    printf("built-in generators: %zu, default %s\n", n, n ? fc_model_builtin_default() : "(none)");
    CHECK(fc_model_builtin_name(n) == NULL);
    int found_default = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = fc_model_builtin_name(i);
        fc_model *m = NULL;
        CHECKF(fc_model_open(name, &m, &err) == FC_OK, "built-in '%s': %s", name, err.msg);
        CHECK(m && fc_model_g_params(m) > 0 && fc_model_d_params(m) == 0);
        found_default += !strcmp(name, fc_model_builtin_default());
        fc_model_free(m);
        CHECK(tu_system("%s info --models | grep -q '^%s '", tu_cli(), name) == 0);
    }
    if (n) {
        CHECK(found_default == 1);
        fc_model *a = NULL, *b = NULL, *c = NULL;
        CHECK(fc_model_open(NULL, &a, &err) == FC_OK && fc_model_open("default", &b, &err) == FC_OK &&
              fc_model_open(fc_model_builtin_default(), &c, &err) == FC_OK);
        CHECK(a && b && c && a->G.nparams == c->G.nparams && b->G.nparams == c->G.nparams &&
              !memcmp(a->G.params, c->G.params, c->G.nparams * sizeof(float)) &&
              !memcmp(b->G.params, c->G.params, c->G.nparams * sizeof(float)));
        fc_model_free(a), fc_model_free(b), fc_model_free(c);
    } else {
        fc_model *a = NULL;
        CHECK(fc_model_open(NULL, &a, &err) == FC_EUSAGE && a == NULL);
    }
    fc_model *m = NULL;
    CHECK(fc_model_open("no-such-model-name", &m, &err) == FC_EINPUT && m == NULL);
    CHECK(strstr(err.msg, "no-such-model-name") != NULL);
}

/* Write m's tensors (G, and D when with_d) as safetensors with the given
 * metadata (arch NULL: "format" alone, as a file made elsewhere); poison, when not NULL, names a tensor whose element 1 is set to bad. */
static int write_crafted(const fc_model *m, int with_d, const char *width, const char *arch, const char *poison,
                         float bad, int half, const char *path) {
    fc_st_entry e[64];
    uint64_t shapes[64][4];
    float *copies[64] = {0};
    size_t n = 0;
    const fc_net *nets[2] = {&m->G, &m->D};
    for (int ni = 0; ni < (with_d ? 2 : 1); ni++)
        for (int i = 0; i < fc_net_tensor_count(nets[ni]) && n < 64; i++, n++) {
            fc_tensor_ref r;
            fc_net_tensor(nets[ni], i, &r);
            for (int d = 0; d < r.ndim; d++) shapes[n][d] = (uint64_t)r.shape[d];
            const float *data = r.data;
            if (poison && !strcmp(poison, r.name)) {
                copies[n] = malloc(r.n * sizeof(float));
                memcpy(copies[n], r.data, r.n * sizeof(float));
                copies[n][1] = bad;
                data = copies[n];
            }
            static char names[64][48];
            snprintf(names[n], sizeof names[n], "%s", r.name);
            e[n] = (fc_st_entry){names[n], r.ndim, shapes[n], data, half && !r.is_buffer ? FC_ST_F16 : FC_ST_F32};
        }
    const char *meta[] = {"format", "facecrypt-checkpoint-1", "arch", arch, "width", width};
    fc_error err;
    int rc = fc_st_write(path, e, n, meta, arch ? 3 : 1, 1, &err);
    for (size_t i = 0; i < n; i++) free(copies[i]);
    return rc;
}

/* face2: face's G, and face's D with the minibatch-stddev channel before the Dense layer. */
static void test_face2(void) {
    fc_error err = {0};
    fc_model *f = NULL, *m = NULL;
    CHECK(fc_model_create(FC_ARCH_FACE, 0.125f, 3, &f, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_FACE2, 0.125f, 3, &m, &err) == FC_OK);
    if (!f || !m) {
        fc_model_free(f), fc_model_free(m);
        return;
    }
    fc_arch a;
    CHECK(fc_arch_parse("face2", &a) == FC_OK && a == FC_ARCH_FACE2 && !strcmp(fc_arch_name(a), "face2"));
    CHECK(fc_model_g_params(m) == fc_model_g_params(f));
    CHECKF(fc_model_d_params(m) == fc_model_d_params(f) + 16, "face2 D %zu, face D %zu", fc_model_d_params(m),
           fc_model_d_params(f));
    CHECK(fc_net_mbstd_group(&m->D) == FC_FACE2_MBSTD_GROUP && fc_net_mbstd_group(&f->D) == 0);
    CHECK(!fc_model_d_sigmoid_fused(m)); /* hinge logits, as face */
    /* the D step's reals and fakes must fill whole groups */
    fc_adam_cfg ad = {2e-4f, 0.5f, 0.999f, 1e-8f};
    fc_trainer t;
    CHECK(fc_trainer_init(&t, m, 6, &ad, &ad, 9, &err) == FC_EUSAGE);
    CHECKF(strstr(err.msg, "multiple of 4") != NULL, "message: %s", err.msg);
    CHECK(fc_trainer_init(&t, m, 8, &ad, &ad, 9, &err) == FC_OK);
    CHECK(fc_trainer_set_options(&t, FC_LOSS_HINGE, 0, 0.999f, 1, &err) == FC_OK);
    fc_rng r;
    fc_rng_seed(&r, 5);
    float *x = malloc(8 * FC_IMAGE_FLOATS * sizeof(float));
    for (size_t i = 0; i < 8 * (size_t)FC_IMAGE_FLOATS; i++) x[i] = fc_rng_uniform(&r);
    fc_step_stats st;
    fc_trainer_step(&t, x, NULL, NULL, &st);
    CHECK(isfinite(st.d_loss) && isfinite(st.g_loss) && m->step == 1);
    fc_trainer_free(&t);
    free(x);
    /* a file without our metadata: face2 recognised from D.fc's extra 16 inputs */
    char *dir = tu_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/f2.safetensors", dir);
    const fc_model *src[2] = {f, m};
    for (int k = 0; k < 2; k++)
        for (int meta = 0; meta < 2; meta++) {
            fc_model *l = NULL;
            CHECK(write_crafted(src[k], 1, "0.125", meta ? fc_arch_name(src[k]->arch) : NULL, NULL, 0, 0, path) == FC_OK);
            CHECKF(fc_model_load(path, &l, &err) == FC_OK, "%s", err.msg);
            CHECKF(l && l->arch == src[k]->arch && l->width == 0.125f && l->has_d, "%s (metadata %d): loaded as %s",
                   fc_arch_name(src[k]->arch), meta, l ? fc_arch_name(l->arch) : "nothing");
            if (l) CHECK(!memcmp(l->D.params, src[k]->D.params, src[k]->D.nparams * sizeof(float)));
            fc_model_free(l);
        }
    tu_system("rm -rf '%s'", dir);
    free(dir);
    fc_model_free(f), fc_model_free(m);
}

/* face128: face2 grown by G's conv5 block and D's conv0; faces of 128 x 128. */
static void test_face128(void) {
    fc_error err = {0};
    fc_model *f = NULL, *m = NULL;
    CHECK(fc_model_create(FC_ARCH_FACE2, 0.125f, 3, &f, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_FACE128, 0.125f, 3, &m, &err) == FC_OK);
    if (!f || !m) {
        fc_model_free(f), fc_model_free(m);
        return;
    }
    fc_arch a;
    CHECK(fc_arch_parse("face128", &a) == FC_OK && a == FC_ARCH_FACE128 && !strcmp(fc_arch_name(a), "face128"));
    CHECK(fc_arch_image_size(FC_ARCH_FACE128) == 128 && fc_arch_image_size(FC_ARCH_FACE2) == 64 &&
          fc_arch_image_size(FC_ARCH_SEED) == 64);
    CHECK(fc_model_image_size(m) == 128 && fc_model_image_floats(m) == 3 * 128 * 128 && fc_model_image_size(f) == 64);
    /* G: conv5 (4 x 4 x 3 x 3 weights at width 0.125) + bn5 (2 x 4); D: conv0 (4 x 3 x 16 + 4) and
     * conv1 reading 4 channels instead of 3 (8 x 16 more weights) */
    CHECKF(fc_model_g_params(m) == fc_model_g_params(f) + 4 * 4 * 9 + 8, "G %zu vs %zu", fc_model_g_params(m),
           fc_model_g_params(f));
    CHECKF(fc_model_d_params(m) == fc_model_d_params(f) + 4 * 48 + 4 + 8 * 16, "D %zu vs %zu", fc_model_d_params(m),
           fc_model_d_params(f));
    CHECK(m->D.in_h == 128 && m->G.layers[m->G.nlayers - 1].out_h == 128);
    CHECK(fc_net_mbstd_group(&m->D) == FC_FACE2_MBSTD_GROUP);
    /* a training step at 128 px: the trainer's buffers follow the model's image size */
    fc_adam_cfg ad = {2e-4f, 0.5f, 0.999f, 1e-8f};
    fc_trainer t;
    CHECK(fc_trainer_init(&t, m, 8, &ad, &ad, 9, &err) == FC_OK);
    CHECK(fc_trainer_set_options(&t, FC_LOSS_HINGE, 1, 0.999f, 1, &err) == FC_OK);
    fc_rng r;
    fc_rng_seed(&r, 5);
    const size_t img = fc_model_image_floats(m);
    float *x = malloc(8 * img * sizeof(float));
    for (size_t i = 0; i < 8 * img; i++) x[i] = fc_rng_uniform(&r);
    fc_step_stats st;
    fc_trainer_step(&t, x, NULL, NULL, &st);
    CHECK(isfinite(st.d_loss) && isfinite(st.g_loss) && m->step == 1);
    fc_trainer_free(&t);
    /* generation fills 3 x 128 x 128 per face and not a float more */
    float z[2 * FC_LATENT_DIM];
    for (int i = 0; i < 2 * FC_LATENT_DIM; i++) z[i] = fc_rng_normal(&r);
    for (size_t i = 0; i < 3 * img; i++) x[i] = -7.0f;
    CHECK(fc_model_generate(m, z, 2, x, &err) == FC_OK);
    int in_range = 1;
    for (size_t i = 0; i < 2 * img; i++) in_range &= x[i] >= 0.0f && x[i] <= 1.0f;
    CHECK(in_range && x[2 * img] == -7.0f);
    free(x);
    /* a file without our metadata: face128 recognised from G.conv5 */
    char *dir = tu_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/f128.safetensors", dir);
    for (int meta = 0; meta < 2; meta++) {
        fc_model *l = NULL;
        CHECK(write_crafted(m, 1, "0.125", meta ? "face128" : NULL, NULL, 0, 0, path) == FC_OK);
        CHECKF(fc_model_load(path, &l, &err) == FC_OK, "%s", err.msg);
        CHECKF(l && l->arch == FC_ARCH_FACE128 && l->has_d, "metadata %d: loaded as %s", meta,
               l ? fc_arch_name(l->arch) : "nothing");
        if (l) CHECK(!memcmp(l->D.params, m->D.params, m->D.nparams * sizeof(float)));
        fc_model_free(l);
    }
    tu_system("rm -rf '%s'", dir);
    free(dir);
    fc_model_free(f), fc_model_free(m);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long peak_rss_kb(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

/* A checkpoint whose metadata claims a larger model than its tensors hold is
 * refused from the shapes, before the model is allocated (width "4" used to
 * allocate 3-4 GB for 25 s first); NaN or infinite weights are refused with the
 * tensor's name (they made every face NaN: a cover of 0/1 values). */
static void test_hostile_checkpoints(void) {
    fc_error err = {0};
    fc_model *m = NULL, *m2 = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 0.125f, 3, &m, &err) == FC_OK);
    char *dir = tu_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/crafted.safetensors", dir);
    /* The crafting is right: the honest file loads. */
    for (int with_d = 0; with_d < 2; with_d++) {
        CHECK(write_crafted(m, with_d, "0.125", "seed", NULL, 0, 0, path) == FC_OK);
        CHECK(fc_model_load(path, &m2, &err) == FC_OK && m2 && m2->has_d == with_d);
        fc_model_free(m2);
        m2 = NULL;
    }
    struct {
        const char *width, *arch;
        int with_d;
        const char *want; /* in the message */
    } lies[] = {
        {"4", "seed", 1, "has shape [1024,100], expected [32768,100]"}, {"4", "seed", 0, "width 4 from its metadata"},
        {"3.5", "seed", 1, "G.fc.weight"},          {"4", "dcgan", 1, "missing tensor"},
        {"0.25", "seed", 0, "expected"},
    };
    for (size_t t = 0; t < sizeof lies / sizeof *lies; t++) {
        CHECK(write_crafted(m, lies[t].with_d, lies[t].width, lies[t].arch, NULL, 0, 0, path) == FC_OK);
        long rss0 = peak_rss_kb();
        double t0 = now_s();
        int rc = fc_model_load(path, &m2, &err);
        double secs = now_s() - t0;
        long grew_mb = (peak_rss_kb() - rss0) / 1024;
        CHECKF(rc == FC_EINPUT && !m2 && strstr(err.msg, lies[t].want) && secs < 2.0 && grew_mb < 64,
               "width %s arch %s: rc %d in %.2f s, peak memory +%ld MB, \"%s\"", lies[t].width, lies[t].arch, rc,
               secs, grew_mb, err.msg);
        fc_model_free(m2);
        m2 = NULL;
    }
    /* Non-finite values, in F32 and F16 files, in a weight, a bias, a running statistic. */
    const struct {
        const char *tensor;
        float bad;
        int half;
        const char *what;
    } poisons[] = {
        {"G.up2.weight", NAN, 0, "NaN"},      {"G.fc.bias", INFINITY, 0, "infinity"},
        {"G.out.weight", -INFINITY, 1, "infinity"}, {"D.conv1.weight", NAN, 1, "NaN"},
        {"G.up1.weight", 1e6f, 1, "infinity"}, /* finite in F32, overflows F16 */
    };
    for (size_t t = 0; t < sizeof poisons / sizeof *poisons; t++) {
        CHECK(write_crafted(m, 1, "0.125", "seed", poisons[t].tensor, poisons[t].bad, poisons[t].half, path) == FC_OK);
        int rc = fc_model_load(path, &m2, &err);
        CHECKF(rc == FC_EINPUT && !m2 && strstr(err.msg, poisons[t].tensor) && strstr(err.msg, poisons[t].what),
               "%s = %g: rc %d, \"%s\"", poisons[t].tensor, (double)poisons[t].bad, rc, err.msg);
        fc_model_free(m2);
        m2 = NULL;
    }
    /* Adam moments of a training checkpoint: shapes checked before allocation, values finite. */
    snprintf(path, sizeof path, "%s/full.safetensors", dir);
    m->G.adam_v[5] = NAN;
    CHECK(fc_model_save(m, path, &err) == FC_OK);
    CHECK(fc_model_load(path, &m2, &err) == FC_EINPUT && !m2 && strstr(err.msg, "optim.G.exp_avg_sq"));
    m->G.adam_v[5] = 0;
    fc_model_free(m2);
    tu_system("rm -rf '%s'", dir);
    free(dir);
    fc_model_free(m);
}

int main(void) {
    fc_set_threads(tu_threads(2));
    test_builtin_names();
    test_counts();
    test_generate_and_checkpoint();
    test_base_meta();
    test_step_determinism();
    test_reuse_fakes();
    test_face2();
    test_face128();
    test_hostile_checkpoints();
    return TEST_END();
}
