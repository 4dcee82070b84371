/* The PyTorch reference data (tests/data/ref_seed_step.bin, tools/torch_reference.py)
 * loads through tests/refdata.c, has the report's model's shapes and parameter counts, and is
 * self-consistent in ways recomputed here independently of PyTorch: the Dense layers,
 * the sigmoid, LeakyReLU and its backward, the loss, and the first Adam step. */
#include "testutil.h"
#include "refdata.h"
#include <string.h>

#define REF "tests/data/ref_seed_step.bin"

static const struct {
    const char *name;
    int ndim;
    uint64_t shape[4];
} params[] = {
    {"G.fc.weight", 2, {8192, 100}},      {"G.fc.bias", 1, {8192}},
    {"G.up1.weight", 4, {128, 128, 4, 4}}, {"G.up1.bias", 1, {128}},
    {"G.up2.weight", 4, {128, 256, 4, 4}}, {"G.up2.bias", 1, {256}},
    {"G.up3.weight", 4, {256, 512, 4, 4}}, {"G.up3.bias", 1, {512}},
    {"G.out.weight", 4, {3, 512, 5, 5}},   {"G.out.bias", 1, {3}},
    {"D.conv1.weight", 4, {64, 3, 4, 4}},  {"D.conv1.bias", 1, {64}},
    {"D.conv2.weight", 4, {128, 64, 4, 4}}, {"D.conv2.bias", 1, {128}},
    {"D.conv3.weight", 4, {128, 128, 4, 4}}, {"D.conv3.bias", 1, {128}},
    {"D.fc.weight", 2, {1, 8192}},        {"D.fc.bias", 1, {1}},
};
#define NPARAMS (sizeof params / sizeof params[0])

static int same_shape(const ref_tensor *t, int ndim, const uint64_t *shape) {
    if (t->ndim != ndim) return 0;
    for (int d = 0; d < ndim; d++)
        if (t->shape[d] != shape[d]) return 0;
    return 1;
}

static float sigm(double x) { return (float)(1.0 / (1.0 + exp(-x))); }

/* Every stored value of a tensor against a full array computed here. */
static void check_against(const ref_file *r, const char *name, const float *mine, double rtol, double floor) {
    ref_tensor t;
    fc_error err;
    int rc = ref_get(r, name, &t, &err);
    CHECKF(rc == FC_OK, "%s: %s", name, err.msg);
    if (rc) return;
    ref_cmp c = ref_compare(&t, mine, floor, NULL);
    CHECKF(c.max_rel <= rtol, "%s: max rel err %.3g at %zu (mine %.9g, ref %.9g)", name, c.max_rel, c.worst, c.got,
           c.want);
    ref_tensor_free(&t);
}

int main(void) {
    ref_file *r = NULL;
    fc_error err = {0};
    int rc = ref_open(REF, &r, &err);
    CHECKF(rc == FC_OK, "%s", err.msg);
    if (rc) return TEST_END();

    CHECK(strcmp(ref_meta(r, "arch"), "seed") == 0);
    CHECK(strcmp(ref_meta(r, "batch"), "4") == 0);
    CHECK(strcmp(ref_meta(r, "g_params"), "3750275") == 0);
    CHECK(strcmp(ref_meta(r, "d_params"), "404801") == 0);

    /* Shapes and parameter counts, from the report's table (not from the file). */
    size_t gp = 0, dp = 0;
    ref_tensor init[NPARAMS];
    for (size_t i = 0; i < NPARAMS; i++) {
        char nm[64];
        snprintf(nm, sizeof nm, "init/%s", params[i].name);
        rc = ref_get(r, nm, &init[i], &err);
        CHECKF(rc == FC_OK, "%s", err.msg);
        if (rc) return TEST_END();
        CHECKF(same_shape(&init[i], params[i].ndim, params[i].shape), "%s shape", nm);
        CHECK(init[i].idx == NULL); /* initial weights are whole */
        *(params[i].name[0] == 'G' ? &gp : &dp) += init[i].numel;
    }
    CHECK(gp == 3750275);
    CHECK(dp == 404801);

    /* Inputs. */
    float z1[4 * 100], z2[4 * 100];
    static float x[4 * 3 * 64 * 64];
    uint64_t sz[2] = {4, 100}, sx[4] = {4, 3, 64, 64};
    CHECK(ref_get_full(r, "in/z1", 2, sz, z1, &err) == FC_OK);
    CHECK(ref_get_full(r, "in/z2", 2, sz, z2, &err) == FC_OK);
    CHECK(ref_get_full(r, "in/x", 4, sx, x, &err) == FC_OK);
    int xbad = 0;
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        float q = x[i] * 255.0f;
        xbad += !(x[i] >= 0 && x[i] <= 1) || fabsf(q - roundf(q)) > 1e-3f;
    }
    CHECK(xbad == 0);
    CHECK(memcmp(z1, z2, sizeof z1) != 0);

    /* Losses: finite, and near what an untrained D (outputs ~0.5) gives. */
    double lr_, lf, dl, gl, dxm, dgz;
    CHECK(ref_scalar(r, "d_step/loss_real", &lr_, &err) == FC_OK);
    CHECK(ref_scalar(r, "d_step/loss_fake", &lf, &err) == FC_OK);
    CHECK(ref_scalar(r, "d_step/d_loss", &dl, &err) == FC_OK);
    CHECK(ref_scalar(r, "g_step/g_loss", &gl, &err) == FC_OK);
    CHECK(ref_scalar(r, "d_step/D_x_mean", &dxm, &err) == FC_OK);
    CHECK(ref_scalar(r, "d_step/D_G_z_mean", &dgz, &err) == FC_OK);
    CHECK(isfinite(dl) && isfinite(gl));
    CHECK(fabs(dl - (lr_ + lf)) < 1e-6);
    CHECK(fabs(dl - 2 * log(2.0)) < 0.1 && fabs(gl - log(2.0)) < 0.1);

    /* G's Dense layer: fc = z1 W^T + b (PyTorch Linear layout [out, in]). */
    static float fc[4 * 8192];
    for (int n = 0; n < 4; n++)
        for (int o = 0; o < 8192; o++) {
            double s = init[1].val[o];
            for (int k = 0; k < 100; k++) s += (double)z1[n * 100 + k] * init[0].val[(size_t)o * 100 + k];
            fc[n * 8192 + o] = (float)s;
        }
    check_against(r, "d_step/G/fc", fc, 1e-5, 1e-4);

    /* LeakyReLU(0.2) between pre- and post-activations (subsets share indices). */
    {
        ref_tensor pre, post;
        CHECK(ref_get(r, "d_step/G/up2_pre", &pre, &err) == FC_OK);
        CHECK(ref_get(r, "d_step/G/up2", &post, &err) == FC_OK);
        CHECK(pre.idx && post.idx && pre.n == 4096 && pre.numel == 4 * 256 * 32 * 32);
        CHECK(pre.idx[0] == 0 && pre.idx[pre.n - 1] == pre.numel - 1);
        CHECK(memcmp(pre.idx, post.idx, pre.n * sizeof *pre.idx) == 0);
        int bad = 0;
        for (size_t i = 0; i < pre.n; i++) {
            float want = pre.val[i] > 0 ? pre.val[i] : 0.2f * pre.val[i];
            bad += fabsf(post.val[i] - want) > 1e-6f * fabsf(want) + 1e-30f;
        }
        CHECK(bad == 0);
        ref_tensor_free(&pre);
        ref_tensor_free(&post);
    }

    /* D's head: out = sigmoid(fc), fc = conv3 . w + b; D(x) mean. */
    {
        static float c3[4 * 8192];
        float logit[4], out[4], mine[4];
        uint64_t s3[4] = {4, 128, 8, 8}, s1[2] = {4, 1};
        CHECK(ref_get_full(r, "d_step/D_real/conv3", 4, s3, c3, &err) == FC_OK);
        CHECK(ref_get_full(r, "d_step/D_real/fc", 2, s1, logit, &err) == FC_OK);
        CHECK(ref_get_full(r, "d_step/D_real/out", 2, s1, out, &err) == FC_OK);
        double mean = 0, bce = 0;
        for (int n = 0; n < 4; n++) {
            double s = init[17].val[0];
            for (int k = 0; k < 8192; k++) s += (double)c3[n * 8192 + k] * init[16].val[k];
            mine[n] = (float)s;
            CHECK(fabsf(out[n] - sigm(logit[n])) < 1e-7f);
            mean += out[n] / 4;
            bce += -log(out[n]) / 4;
        }
        ref_tensor t;
        CHECK(ref_get(r, "d_step/D_real/fc", &t, &err) == FC_OK);
        ref_cmp c = ref_compare(&t, mine, 1e-3, NULL);
        CHECKF(c.max_abs < 1e-5, "D fc logit off by %g", c.max_abs);
        ref_tensor_free(&t);
        CHECK(fabs(mean - dxm) < 1e-6);
        CHECK(fabs(bce - lr_) < 1e-6);
    }

    /* Sigmoid backward in the G step: dL/d(out_pre) = dL/d(out) * s (1 - s). */
    {
        static float s[4 * 3 * 64 * 64], g[4 * 3 * 64 * 64], mine[4 * 3 * 64 * 64];
        CHECK(ref_get_full(r, "g_step/G/out", 4, sx, s, &err) == FC_OK);
        CHECK(ref_get_full(r, "g_step/G_grad/out", 4, sx, g, &err) == FC_OK);
        for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) mine[i] = g[i] * s[i] * (1 - s[i]);
        check_against(r, "g_step/G_grad/out_pre", mine, 1e-5, 1e-12);
    }

    /* The first Adam step: w1 = w0 - lr * g / (|g| + eps) (bias corrections cancel at t = 1). */
    static const struct {
        const char *p;
        const char *grad;
        int k; /* index in params[] */
    } adam[] = {{"D.fc.weight", "d_step/grad/", 16},
                {"D.conv3.weight", "d_step/grad/", 14},
                {"G.up3.weight", "g_step/grad/", 6},
                {"G.out.bias", "g_step/grad/", 9}};
    for (size_t a = 0; a < sizeof adam / sizeof adam[0]; a++) {
        char gn[80], fn[80];
        snprintf(gn, sizeof gn, "%s%s", adam[a].grad, adam[a].p);
        snprintf(fn, sizeof fn, "final/%s", adam[a].p);
        ref_tensor g, f;
        CHECK(ref_get(r, gn, &g, &err) == FC_OK);
        CHECK(ref_get(r, fn, &f, &err) == FC_OK);
        CHECK(g.n == f.n && g.numel == init[adam[a].k].numel);
        CHECK((g.idx == NULL) == (f.idx == NULL));
        if (g.idx) CHECK(memcmp(g.idx, f.idx, g.n * sizeof *g.idx) == 0);
        int bad = 0, nonzero = 0;
        for (size_t i = 0; i < g.n && i < f.n; i++) {
            size_t at = g.idx ? g.idx[i] : i;
            double w0 = init[adam[a].k].val[at], gg = g.val[i];
            double w1 = w0 - 1e-4 * gg / (fabs(gg) + 1e-8);
            bad += fabs(f.val[i] - w1) > 1e-7 + 1e-6 * fabs(w1);
            nonzero += gg != 0;
        }
        CHECKF(bad == 0, "%s: %d values are not one Adam step from init", adam[a].p, bad);
        CHECK(nonzero > 0);
        ref_tensor_free(&g);
        ref_tensor_free(&f);
    }

    /* Listing: subsets appear once under their logical name. */
    int seen_sub = 0, seen_at = 0;
    for (size_t i = 0; i < ref_count(r); i++) {
        seen_sub += strcmp(ref_name(r, i), "g_step/grad/G.up3.weight") == 0;
        seen_at += strchr(ref_name(r, i), '@') != NULL;
    }
    CHECK(seen_sub == 1 && seen_at == 0);
    CHECK(ref_has(r, "final/G.fc.weight") && !ref_has(r, "final/G.nope"));
    ref_tensor none;
    CHECK(ref_get(r, "nope", &none, &err) == FC_EINPUT && none.val == NULL);

    for (size_t i = 0; i < NPARAMS; i++) ref_tensor_free(&init[i]);
    ref_close(r);
    return TEST_END();
}
