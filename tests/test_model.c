/* Model structure, checkpoints and the training step's invariants. */
#include <string.h>
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
    CHECK(fc_model_save(m, path, &err) == FC_OK);
    CHECK(fc_model_load(path, &m2, &err) == FC_OK);
    if (m2) {
        CHECK(fc_model_step(m2) == 17);
        CHECK(fabsf(fc_model_width(m2) - 0.125f) < 1e-6f);
        CHECK(m2->D.nparams == m->D.nparams);
        CHECK(memcmp(m2->D.params, m->D.params, m->D.nparams * sizeof(float)) == 0);
        CHECK(fc_model_generate(m2, z, 3, b, &err) == FC_OK);
        CHECK(memcmp(a, b, sizeof a) == 0);
        fc_model_free(m2);
    }
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

int main(void) {
    fc_set_threads(tu_threads(2));
    test_counts();
    test_generate_and_checkpoint();
    test_step_determinism();
    return TEST_END();
}
