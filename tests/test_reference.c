/* The C engine against PyTorch: one whole training step of the report's model
 * (tests/data/ref_seed_step.bin from tools/torch_reference.py, float64 PyTorch
 * rounded to float32).  Checks every layer's activations, both losses, every
 * parameter gradient, the gradient into the generator's image, and the weights
 * after both Adam updates, through the same fc_trainer_step the training loop uses. */
#include <string.h>
#include "model/model.h"
#include "refdata.h"
#include "testutil.h"
#include "train/step.h"

#define B 4
#define IMG (3 * 64 * 64)

static ref_file *R;

/* Load "prefix + tensor name" for every tensor of a net into it. */
static int load_weights(fc_net *n, const char *prefix) {
    fc_error err = {0};
    for (int i = 0; i < fc_net_tensor_count(n); i++) {
        fc_tensor_ref t;
        fc_net_tensor(n, i, &t);
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t.name);
        uint64_t shape[4];
        for (int d = 0; d < t.ndim; d++) shape[d] = (uint64_t)t.shape[d];
        if (ref_get_full(R, name, t.ndim, shape, t.data, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return -1;
        }
    }
    return 0;
}

/* Compare n computed values with reference tensor `name`: relative error with a floor
 * of floor_frac x the tensor's largest magnitude must stay within tol. */
static void cmp(const char *name, const float *got, size_t numel, double tol, double floor_frac) {
    ref_tensor t;
    fc_error err = {0};
    if (ref_get(R, name, &t, &err)) {
        CHECKF(0, "missing reference tensor %s: %s", name, err.msg);
        return;
    }
    CHECKF(t.numel == numel, "%s: %zu elements, engine has %zu", name, t.numel, numel);
    if (t.numel == numel) {
        double floor = ref_absmax(&t) * floor_frac;
        if (floor < 1e-12) floor = 1e-12;
        ref_cmp c = ref_compare(&t, got, floor);
        printf("  %-28s n=%-6zu max_abs %.2e max_rel %.2e\n", name, c.n, c.max_abs, c.max_rel);
        CHECKF(c.max_rel <= tol, "%s: rel err %.3e > %.1e at %zu (got %.8g want %.8g)", name, c.max_rel, tol, c.worst,
               c.got, c.want);
    }
    ref_tensor_free(&t);
}

static void grads(fc_net *n, const char *prefix, double tol) {
    for (int i = 0; i < fc_net_tensor_count(n); i++) {
        fc_tensor_ref t;
        fc_net_tensor(n, i, &t);
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t.name);
        cmp(name, n->grads + (t.data - n->params), t.n, tol, 1e-3);
    }
}

static void weights(fc_net *n, const char *prefix) {
    for (int i = 0; i < fc_net_tensor_count(n); i++) {
        fc_tensor_ref t;
        fc_net_tensor(n, i, &t);
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t.name);
        /* An Adam step moves each weight by about lr = 1e-4; compare to 1e-3 of that
         * relative to the weight scale. */
        cmp(name, t.data, t.n, 1e-4, 1.0);
    }
}

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

int main(void) {
    fc_error err = {0};
    fc_set_threads(2);
    if (ref_open("tests/data/ref_seed_step.bin", &R, &err)) {
        fprintf(stderr, "%s (run from the repository root)\n", err.msg);
        CHECK(0);
        return TEST_END();
    }
    fc_model *m = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 1.0f, 0, &m, &err) == FC_OK);
    CHECK(load_weights(&m->G, "init/") == 0);
    CHECK(load_weights(&m->D, "init/") == 0);
    fc_model_set_dropout(m, 0.0f); /* the reference runs p = 0 (deterministic) */

    float *z1 = malloc(B * 100 * sizeof(float)), *z2 = malloc(B * 100 * sizeof(float));
    float *x = malloc(B * IMG * sizeof(float));
    uint64_t zs[2] = {B, 100}, xs[4] = {B, 3, 64, 64};
    CHECK(ref_get_full(R, "in/z1", 2, zs, z1, &err) == 0);
    CHECK(ref_get_full(R, "in/z2", 2, zs, z2, &err) == 0);
    CHECK(ref_get_full(R, "in/x", 4, xs, x, &err) == 0);

    /* ---- activations with the initial weights ---- */
    printf("activations (D step):\n");
    fc_net_reserve(&m->G, B, &err);
    fc_net_reserve(&m->D, 2 * B, &err);
    fc_net_forward(&m->G, z1, B);
    fc_layer *G = m->G.layers; /* fc, reshape, up1, lrelu, up2, lrelu, up3, lrelu, out, sigmoid */
    cmp("d_step/G/fc", G[0].out, (size_t)B * 8192, 1e-4, 1e-2);
    cmp("d_step/G/up1", G[2].out, (size_t)B * 128 * 16 * 16, 1e-4, 1e-2);
    cmp("d_step/G/up2", G[4].out, (size_t)B * 256 * 32 * 32, 1e-4, 1e-2);
    cmp("d_step/G/up3", G[6].out, (size_t)B * 512 * 64 * 64, 1e-4, 1e-2);
    cmp("d_step/G/out", G[9].out, (size_t)B * IMG, 1e-4, 1e-2);
    float *fake = malloc(B * IMG * sizeof(float));
    memcpy(fake, G[9].out, B * IMG * sizeof(float));
    const char *dn[2] = {"d_step/D_real", "d_step/D_fake"};
    const float *din[2] = {x, fake};
    for (int k = 0; k < 2; k++) {
        const float *logit = fc_net_forward(&m->D, din[k], B);
        fc_layer *D = m->D.layers; /* conv1, lrelu, conv2, lrelu, conv3, lrelu, reshape, dropout, fc */
        char name[64];
        const int idx[3] = {0, 2, 4};
        const size_t sz[3] = {64 * 32 * 32, 128 * 16 * 16, 128 * 8 * 8};
        const char *ln[3] = {"conv1", "conv2", "conv3"};
        for (int l = 0; l < 3; l++) {
            snprintf(name, sizeof name, "%s/%s", dn[k], ln[l]);
            cmp(name, D[idx[l]].out, B * sz[l], 1e-4, 1e-2);
        }
        snprintf(name, sizeof name, "%s/fc", dn[k]);
        cmp(name, logit, B, 1e-4, 1e-2);
        float prob[B];
        for (int i = 0; i < B; i++) prob[i] = sigmoid(logit[i]);
        snprintf(name, sizeof name, "%s/out", dn[k]);
        cmp(name, prob, B, 1e-4, 1e-2);
    }

    /* ---- the whole step, as training runs it ---- */
    fc_trainer t;
    fc_adam_cfg ad = {1e-4f, 0.9f, 0.999f, 1e-8f};
    CHECK(fc_trainer_init(&t, m, B, &ad, &ad, 1, &err) == FC_OK);
    fc_step_stats st;
    fc_trainer_step(&t, x, z1, z2, &st);
    double d_loss, g_loss, dx_mean, dgz_mean;
    CHECK(ref_scalar(R, "d_step/d_loss", &d_loss, &err) == 0);
    CHECK(ref_scalar(R, "g_step/g_loss", &g_loss, &err) == 0);
    CHECK(ref_scalar(R, "d_step/D_x_mean", &dx_mean, &err) == 0);
    CHECK(ref_scalar(R, "d_step/D_G_z_mean", &dgz_mean, &err) == 0);
    printf("losses: d %.7f (ref %.7f)  g %.7f (ref %.7f)  D(x) %.6f (ref %.6f)  D(G(z)) %.6f (ref %.6f)\n",
           st.d_loss, d_loss, st.g_loss, g_loss, st.d_real, dx_mean, st.d_fake, dgz_mean);
    CHECK(fabs(st.d_loss - d_loss) <= 1e-5 * fabs(d_loss));
    CHECK(fabs(st.g_loss - g_loss) <= 1e-5 * fabs(g_loss));
    CHECK(fabs(st.d_real - dx_mean) <= 1e-5 && fabs(st.d_fake - dgz_mean) <= 1e-5);

    printf("gradients:\n");
    grads(&m->D, "d_step/grad/", 1e-3); /* the G step computes no D weight gradients: these are the D step's */
    grads(&m->G, "g_step/grad/", 1e-3);
    cmp("g_step/G_grad/out", t.dimg, (size_t)B * IMG, 1e-3, 1e-3);
    printf("weights after both Adam steps:\n");
    weights(&m->D, "final/");
    weights(&m->G, "final/");

    fc_trainer_free(&t);
    fc_model_free(m);
    free(z1), free(z2), free(x), free(fake);
    ref_close(R);
    return TEST_END();
}
