/* The C engine against PyTorch: one whole training step of the report's model
 * (tests/data/ref_seed_step.bin from tools/torch_reference.py, float64 PyTorch
 * rounded to float32).  Checks every layer's activations, both losses, every
 * parameter gradient, the gradient into the generator's image, and the weights
 * after both Adam updates, through the same fc_trainer_step the training loop uses.
 *
 * The measure.  Per tensor, the norm-wise relative error over the stored positions,
 *     nrel = ||got - want||_2 / ||want - base||_2,
 * base = the initial weights for the weights after Adam (so the error is measured against
 * the update, ~lr, not against the weights), else 0.  Element-wise relative error is
 * printed but not bounded: a gradient element that is a sum of terms cancelling to 1e-3 of
 * their size has no float32-meaningful relative accuracy, and which elements those are
 * depends on the BLAS kernel (OPENBLAS_CORETYPE) and the thread count.
 *
 * The bound.  What float32 can promise, per tensor:
 *     bound = max(K_TORCH * torch_err, C_EPS * FLT_EPSILON) + kink
 *   torch_err  float32 PyTorch's own norm-wise error on the same step against the same
 *              float64 reference (tests/data/ref_seed_f32err.txt, the largest over 1 and 2
 *              threads; tools/torch_reference.py --f32err).  It measures how ill-conditioned
 *              this tensor is in float32.  K_TORCH = 8: another float32 implementation of
 *              the same sums (other blocking, FMA or not, Winograd instead of direct, other
 *              thread splits) has an error of the same order with another constant; the
 *              worst-case bounds of a length-n sum go from ~sqrt(n) u (typical) to n u, and
 *              this engine measures at most 1.9x PyTorch here where no kink is involved
 *              (final/D.conv1.weight), so 8 leaves room for other
 *              kernels while staying orders of magnitude below the deliberate bugs below.
 *   C_EPS      16: a floor for tensors where PyTorch's float32 result happens to round to
 *              the reference exactly (losses, single sigmoid outputs): a few roundings of a
 *              well-conditioned value.
 *   kink       the LeakyReLU term.  Where a pre-activation of G lies within float32 rounding
 *              of 0, a correct float32 engine may take either derivative (1 or 0.2).  One
 *              such element (of 1M in up2, |pre| ~ 2e-9 against values ~0.1) moved
 *              G.fc.weight's gradient by 2.4e-4 norm-wise under OpenBLAS's Haswell kernels,
 *              100x its rounding error; PyTorch had none on this step.  kink_delta()
 *              computes, by a second, linear backward pass through G, the typical change of
 *              every G gradient from such elements: each element enters with the
 *              probability that rounding (standard deviation K_SIGMA x PyTorch's norm-wise
 *              error on that layer's pre-activations x their rms, K_SIGMA = 2 for the
 *              engine's own error) puts it across, so the figure is the root-mean-square
 *              effect of a realisation (about 1.5 elements cross here).  kink = F_KINK x its
 *              norm relative to the tensor's; F_KINK = 4 covers a realisation a few times
 *              the mean.  D's kinks are not modelled: the D-step gradients stay within
 *              K_TORCH of PyTorch.
 *              For G's weights after Adam the same gradient change goes through Adam's
 *              first step, u = -lr g / (|g| + eps).
 *
 * Sharpness.  After the comparison, plausible bugs applied to copies of the engine's
 * results must fail the same bounds (test_bug*): a step run on 3 of the 4 rows, a sign
 * flip, a transposed or spatially flipped weight gradient, a 1% error in one channel, a
 * wrong LeakyReLU slope, a loss averaged over the wrong count, a 10% learning-rate error.
 *
 * FC_TEST_THREADS sets the engine's thread count (default 2); tests/numerics-matrix.sh
 * runs this under several OPENBLAS_CORETYPE values and 1 and 2 threads. */
#include <float.h>
#include <string.h>
#include "model/model.h"
#include "nn/nn.h"
#include "refdata.h"
#include "testutil.h"
#include "train/step.h"

#define B 4
#define IMG (3 * 64 * 64)
#define K_TORCH 8.0
#define C_EPS 16.0
#define K_SIGMA 2.0
#define F_KINK 4.0
#define LR 1e-4
#define ADAM_EPS 1e-8

static ref_file *R;

/* ---- PyTorch's own float32 error (tests/data/ref_seed_f32err.txt) ---------------- */
#define MAX_ERR_ROWS 128
static struct {
    char name[96];
    double err;
} errs[MAX_ERR_ROWS];
static int nerrs;

static int load_f32err(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[512];
    while (fgets(line, sizeof line, f) && nerrs < MAX_ERR_ROWS) {
        if (line[0] == '#' || line[0] == '\n') continue;
        if (sscanf(line, "%95s %lf", errs[nerrs].name, &errs[nerrs].err) == 2 && errs[nerrs].err >= 0) nerrs++;
    }
    fclose(f);
    return nerrs > 0 ? 0 : -1;
}

static double torch_err(const char *name) {
    for (int i = 0; i < nerrs; i++)
        if (!strcmp(errs[i].name, name)) return errs[i].err;
    CHECKF(0, "tests/data/ref_seed_f32err.txt has no row %s (tools/torch_reference.py --f32err)", name);
    return 0;
}

static double bound_for(const char *name) { return fmax(K_TORCH * torch_err(name), C_EPS * FLT_EPSILON); }

/* ---- the comparison ---------------------------------------------------------------- */
static double worst_ratio;
static char worst_name[96];

/* nrel of got against reference tensor name (base as in ref_compare); -1 if it is missing. */
static double measure(const char *name, const float *got, size_t numel, const float *base, ref_cmp *out) {
    ref_tensor t;
    fc_error err = {0};
    if (ref_get(R, name, &t, &err)) {
        CHECKF(0, "missing reference tensor %s: %s", name, err.msg);
        return -1;
    }
    CHECKF(t.numel == numel, "%s: %zu elements, engine has %zu", name, t.numel, numel);
    ref_cmp c = {0};
    int ok = t.numel == numel;
    if (ok) c = ref_compare(&t, got, 1e-3 * ref_absmax(&t), base);
    ref_tensor_free(&t);
    if (out) *out = c;
    return ok ? c.nrel : -1;
}

/* Bound nrel by bound_for(name) + kink (a relative figure, see the top). */
static void cmp_k(const char *name, const float *got, size_t numel, const float *base, double kink) {
    ref_cmp c;
    double e = measure(name, got, numel, base, &c);
    if (e < 0) return;
    double b = bound_for(name) + kink, r = e / b;
    printf("  %-28s n=%-6zu max_rel %.1e  nrel %.2e  bound %.2e (torch %.1e, kink %.1e)  ratio %.3f\n", name, c.n,
           c.max_rel, e, b, torch_err(name), kink, r);
    CHECKF(e <= b, "%s: norm-wise error %.3e > bound %.3e (worst element %zu: got %.8g want %.8g)", name, e, b,
           c.worst, c.got, c.want);
    if (r > worst_ratio) {
        worst_ratio = r;
        snprintf(worst_name, sizeof worst_name, "%s", name);
    }
}
static void cmp(const char *name, const float *got, size_t numel) { cmp_k(name, got, numel, NULL, 0); }

static void cmp_scalar(const char *name, double got) {
    double want;
    fc_error err = {0};
    if (ref_scalar(R, name, &want, &err)) {
        CHECKF(0, "missing reference scalar %s", name);
        return;
    }
    double e = want != 0 ? fabs(got - want) / fabs(want) : fabs(got), b = bound_for(name), r = e / b;
    printf("  %-28s %.9g (ref %.9g)  rel %.2e  bound %.2e  ratio %.3f\n", name, got, want, e, b, r);
    CHECKF(e <= b, "%s: %.9g vs %.9g: rel %.3e > %.3e", name, got, want, e, b);
    if (r > worst_ratio) worst_ratio = r, snprintf(worst_name, sizeof worst_name, "%s", name);
}

/* A deliberate bug: the mutated values must fail the bound the real ones passed. */
static int bugs_rejected, bugs_tried;
static double reject(const char *bug, const char *name, const float *got, size_t numel, const float *base,
                     double kink) {
    double e = measure(name, got, numel, base, NULL), b = bound_for(name) + kink;
    bugs_tried++;
    bugs_rejected += e > b;
    printf("  bug %-52s %-26s nrel %.2e / bound %.2e = %7.1f %s\n", bug, name, e, b, e / b,
           e > b ? "rejected" : "ACCEPTED");
    CHECKF(e > b, "deliberate bug \"%s\" on %s passed the bound (nrel %.3e <= %.3e)", bug, name, e, b);
    return e / b;
}

/* ---- the model's tensors ------------------------------------------------------------ */
/* Flat offset of tensor i of net n in its fused parameter array. */
static size_t off_of(const fc_net *n, int i, fc_tensor_ref *t) {
    fc_net_tensor(n, i, t);
    return (size_t)(t->data - n->params);
}

/* ---- the LeakyReLU kink term (see the top) ----------------------------------------- */
/* G holds the weights of the G step and has run forward on z (N rows); dimg is dL/d G(z).
 * Runs G's backward twice in lockstep: g, the true gradient, and d, the change in it from
 * LeakyReLU elements that float32 rounding may have put on the other side of the kink.
 * sigma[i] is the rounding error's standard deviation on LeakyReLU layer i's input; an
 * element with pre-activation y crosses with probability p = erfc(|y| / (sigma sqrt 2)).
 * Each element enters d with weight sqrt(p) and a fixed pseudo-random sign, so that
 * E ||d||^2 = sum_i p_i ||effect of flipping i||^2: d is the typical change (one
 * realisation's root-mean-square), not a worst case.  dgrads (nparams, zeroed here)
 * receives that change for every parameter gradient; returns sum p, the expected number
 * of elements on the other side. */
static double kink_delta(fc_net *G, const float *z, const float *dimg, int N, const double *sigma, float *dgrads) {
    size_t cap = (size_t)N * G->max_act;
    double expected = 0;
    float *g = fc_alloc_floats(cap), *gn = fc_alloc_floats(cap), *d = fc_alloc_floats(cap), *dn = fc_alloc_floats(cap);
    if (!g || !gn || !d || !dn) {
        CHECKF(0, "out of memory");
        goto out;
    }
    memset(dgrads, 0, G->nparams * sizeof(float));
    size_t cnt = (size_t)N * G->out_size;
    memcpy(g, dimg, cnt * sizeof(float));
    memset(d, 0, cnt * sizeof(float));
    for (int i = G->nlayers - 1; i >= 0; i--) {
        fc_layer *L = &G->layers[i];
        const float *in = i == 0 ? z : G->layers[i - 1].out;
        const float *W = L->w_off == SIZE_MAX ? NULL : G->params + L->w_off;
        float *dW = L->w_off == SIZE_MAX ? NULL : dgrads + L->w_off;
        float *db = L->b_off == SIZE_MAX ? NULL : dgrads + L->b_off;
        size_t nout = (size_t)N * L->out_c * L->out_h * L->out_w;
        switch (L->kind) {
        case FC_L_DENSE:
            fc_dense_backward(i ? gn : NULL, NULL, NULL, g, in, W, N, L->in_c, L->out_c);
            fc_dense_backward(i ? dn : NULL, dW, db, d, in, W, N, L->in_c, L->out_c);
            break;
        case FC_L_CONV:
        case FC_L_CONVT:
            fc_conv_backward_weights(L->conv, N, d, in, dW, db);
            if (i) {
                fc_conv_backward_data(L->conv, N, g, W, gn);
                fc_conv_backward_data(L->conv, N, d, W, dn);
            }
            break;
        case FC_L_LRELU:
            fc_leaky_relu_backward(gn, g, L->out, nout, L->slope);
            fc_leaky_relu_backward(dn, d, L->out, nout, L->slope);
            for (size_t e = 0; sigma[i] > 0 && e < nout; e++) {
                float y = L->out[e], pre = y > 0 ? y : y / L->slope;
                double p = erfc(fabs(pre) / (sigma[i] * M_SQRT2));
                if (p < 1e-9) continue;
                expected += p;
                uint64_t h = (e + 1) * 0x9E3779B97F4A7C15ull;
                double sgn = (h ^ (h >> 29)) & 1 ? 1.0 : -1.0;
                /* the other derivative: slope instead of 1, or 1 instead of slope */
                dn[e] += (float)(sgn * sqrt(p) * (y > 0 ? L->slope - 1.0f : 1.0f - L->slope) * g[e]);
            }
            break;
        case FC_L_SIGMOID:
            fc_sigmoid_backward(gn, g, L->out, nout);
            fc_sigmoid_backward(dn, d, L->out, nout);
            break;
        case FC_L_RESHAPE:
            memcpy(gn, g, nout * sizeof(float));
            memcpy(dn, d, nout * sizeof(float));
            break;
        default:
            CHECKF(0, "kink_delta: unexpected layer kind %d in G", (int)L->kind);
            goto out;
        }
        float *s = g;
        g = gn, gn = s;
        s = d, d = dn, dn = s;
    }
out:
    fc_free_aligned(g), fc_free_aligned(gn), fc_free_aligned(d), fc_free_aligned(dn);
    return expected;
}

/* ||delta||_2 / ||want - base||_2 over the reference's stored positions of name. */
static double rel_norm(const char *name, const float *delta, const float *base) {
    ref_tensor t;
    fc_error err = {0};
    if (ref_get(R, name, &t, &err)) return 0;
    double a = 0, s = 0;
    for (size_t i = 0; i < t.n; i++) {
        size_t at = t.idx ? t.idx[i] : i;
        double sc = t.val[i] - (base ? base[at] : 0.0);
        a += (double)delta[at] * delta[at];
        s += sc * sc;
    }
    ref_tensor_free(&t);
    return s > 0 ? sqrt(a / s) : 0;
}

/* Adam's first step (bias corrections cancel at t = 1): the update for gradient g. */
static double adam1(double g) { return -LR * g / (fabs(g) + ADAM_EPS); }

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

int main(void) {
    fc_error err = {0};
    fc_set_threads(tu_threads(2));
    if (ref_open("tests/data/ref_seed_step.bin", &R, &err) || load_f32err("tests/data/ref_seed_f32err.txt")) {
        fprintf(stderr, "%s (run from the repository root)\n", err.msg[0] ? err.msg : "ref_seed_f32err.txt missing");
        CHECK(0);
        return TEST_END();
    }
    printf("threads %d, OPENBLAS_CORETYPE=%s\n", fc_get_threads(),
           getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "");
    fc_model *m = NULL, *m3 = NULL, *mk = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 1.0f, 0, &m, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_SEED, 1.0f, 0, &m3, &err) == FC_OK);
    CHECK(fc_model_create(FC_ARCH_SEED, 1.0f, 0, &mk, &err) == FC_OK);
    if (!m || !m3 || !mk) return TEST_END();
    fc_model *ms[3] = {m, m3, mk};
    for (int k = 0; k < 3; k++) {
        CHECKF(ref_load_net(R, &ms[k]->G, "init/", &err) == FC_OK, "%s", err.msg);
        CHECKF(ref_load_net(R, &ms[k]->D, "init/", &err) == FC_OK, "%s", err.msg);
        fc_model_set_dropout(ms[k], 0.0f); /* the reference runs p = 0 (deterministic) */
    }
    float *g0 = malloc(m->G.nparams * sizeof(float)), *d0 = malloc(m->D.nparams * sizeof(float));
    memcpy(g0, m->G.params, m->G.nparams * sizeof(float));
    memcpy(d0, m->D.params, m->D.nparams * sizeof(float));

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
    const size_t up2n = (size_t)B * 256 * 32 * 32;
    float *up2 = malloc(up2n * sizeof(float)); /* for a deliberate bug below */
    memcpy(up2, G[4].out, up2n * sizeof(float));
    cmp("d_step/G/fc", G[0].out, (size_t)B * 8192);
    cmp("d_step/G/up1", G[2].out, (size_t)B * 128 * 16 * 16);
    cmp("d_step/G/up2", G[4].out, up2n);
    cmp("d_step/G/up3", G[6].out, (size_t)B * 512 * 64 * 64);
    cmp("d_step/G/out", G[9].out, (size_t)B * IMG);
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
            cmp(name, D[idx[l]].out, B * sz[l]);
        }
        snprintf(name, sizeof name, "%s/fc", dn[k]);
        cmp(name, logit, B);
        float prob[B];
        for (int i = 0; i < B; i++) prob[i] = sigmoid(logit[i]);
        snprintf(name, sizeof name, "%s/out", dn[k]);
        cmp(name, prob, B);
    }

    /* ---- the whole step, as training runs it ---- */
    fc_trainer t;
    fc_adam_cfg ad = {(float)LR, 0.9f, 0.999f, (float)ADAM_EPS};
    CHECK(fc_trainer_init(&t, m, B, &ad, &ad, 1, &err) == FC_OK);
    fc_step_stats st;
    fc_trainer_step(&t, x, z1, z2, &st);
    printf("losses:\n");
    cmp_scalar("d_step/d_loss", st.d_loss);
    cmp_scalar("g_step/g_loss", st.g_loss);
    cmp_scalar("d_step/D_x_mean", st.d_real);
    cmp_scalar("d_step/D_G_z_mean", st.d_fake);

    /* the kink term: G at its step's weights (the initial ones), forward on z2, backward from
     * the engine's own dL/dG(z2).  sigma of a pre-activation's rounding error: its norm-wise
     * error (PyTorch float32's, times K_SIGMA) times the layer's rms pre-activation. */
    float *dg = malloc(mk->G.nparams * sizeof(float));
    CHECK(fc_net_reserve(&mk->G, B, &err) == FC_OK);
    fc_net_forward(&mk->G, z2, B);
    double sigma[FC_NET_MAX_LAYERS] = {0};
    const char *pre[3] = {"d_step/G/up1_pre", "d_step/G/up2_pre", "d_step/G/up3_pre"};
    for (int l = 0; l < 3; l++) { /* LeakyReLUs: layers 3, 5, 7 */
        const fc_layer *L = &mk->G.layers[3 + 2 * l];
        size_t n = (size_t)B * L->out_c * L->out_h * L->out_w;
        double ss = 0;
        for (size_t e = 0; e < n; e++) {
            double y = L->out[e] > 0 ? L->out[e] : L->out[e] / L->slope;
            ss += y * y;
        }
        sigma[3 + 2 * l] = K_SIGMA * torch_err(pre[l]) * sqrt(ss / n);
    }
    double nexp = kink_delta(&mk->G, z2, t.dimg, B, sigma, dg);
    printf("LeakyReLU elements of G(z2) expected across the kink by float32 rounding: %.2f (sigma %.1e %.1e %.1e)\n",
           nexp, sigma[3], sigma[5], sigma[7]);

    printf("gradients:\n");
    /* the G step computes no D weight gradients: these are the D step's */
    for (int i = 0; i < fc_net_tensor_count(&m->D); i++) {
        fc_tensor_ref r;
        size_t o = off_of(&m->D, i, &r);
        char name[96];
        snprintf(name, sizeof name, "d_step/grad/%s", r.name);
        cmp(name, m->D.grads + o, r.n);
    }
    double kink_g[16] = {0};
    for (int i = 0; i < fc_net_tensor_count(&m->G) && i < 16; i++) {
        fc_tensor_ref r;
        size_t o = off_of(&m->G, i, &r);
        char name[96];
        snprintf(name, sizeof name, "g_step/grad/%s", r.name);
        kink_g[i] = F_KINK * rel_norm(name, dg + o, NULL);
        cmp_k(name, m->G.grads + o, r.n, NULL, kink_g[i]);
    }
    cmp("g_step/G_grad/out", t.dimg, (size_t)B * IMG);

    printf("weights after both Adam steps (error relative to the update):\n");
    for (int i = 0; i < fc_net_tensor_count(&m->D); i++) {
        fc_tensor_ref r;
        size_t o = off_of(&m->D, i, &r);
        char name[96];
        snprintf(name, sizeof name, "final/%s", r.name);
        cmp_k(name, r.data, r.n, d0 + o, 0);
    }
    double kink_w[16] = {0};
    float *du = malloc(m->G.nparams * sizeof(float));
    for (size_t j = 0; j < m->G.nparams; j++)
        du[j] = (float)(adam1((double)m->G.grads[j] + dg[j]) - adam1(m->G.grads[j]));
    for (int i = 0; i < fc_net_tensor_count(&m->G) && i < 16; i++) {
        fc_tensor_ref r;
        size_t o = off_of(&m->G, i, &r);
        char name[96];
        snprintf(name, sizeof name, "final/%s", r.name);
        kink_w[i] = F_KINK * rel_norm(name, du + o, g0 + o);
        cmp_k(name, r.data, r.n, g0 + o, kink_w[i]);
    }
    printf("worst error / bound: %.3f (%s)\n", worst_ratio, worst_name);

    /* ---- deliberate bugs: each must fail the bounds above ---- */
    printf("deliberate bugs (each must be rejected):\n");
    /* 1. the same step on rows 0..2 of 4: one batch element's contribution lost */
    {
        fc_trainer t3;
        CHECK(fc_trainer_init(&t3, m3, B - 1, &ad, &ad, 1, &err) == FC_OK);
        fc_step_stats s3;
        fc_trainer_step(&t3, x, z1, z2, &s3);
        double least = INFINITY;
        int n = 0, nrej = 0;
        for (int net = 0; net < 2; net++) {
            fc_net *a = net ? &m3->G : &m3->D;
            for (int i = 0; i < fc_net_tensor_count(a); i++) {
                fc_tensor_ref r;
                size_t o = off_of(a, i, &r);
                char name[96];
                snprintf(name, sizeof name, "%s/grad/%s", net ? "g_step" : "d_step", r.name);
                double e = measure(name, a->grads + o, r.n, NULL, NULL);
                double b = bound_for(name) + (net ? kink_g[i] : 0);
                n += e != 0, nrej += e > b; /* e == 0: this bug leaves the tensor as it is */
                if (e != 0) least = fmin(least, e / b);
                if (e <= b && e != 0) printf("    passed: %s nrel %.2e bound %.2e\n", name, e, b);
                snprintf(name, sizeof name, "final/%s", r.name);
                e = measure(name, r.data, r.n, (net ? g0 : d0) + o, NULL);
                b = bound_for(name) + (net ? kink_w[i] : 0);
                n += e != 0, nrej += e > b;
                if (e != 0) least = fmin(least, e / b);
                if (e <= b && e != 0) printf("    passed: %s nrel %.2e bound %.2e\n", name, e, b);
            }
        }
        bugs_tried++, bugs_rejected += nrej == n;
        printf("  bug %-52s the %d gradients and weights it changes: least nrel / bound = %.1f, rejected %d of %d\n",
               "step on 3 of the 4 rows", n, least, nrej, n);
        CHECKF(nrej == n, "a step missing one row passed for %d of %d tensors", n - nrej, n);
        fc_trainer_free(&t3);
    }
    /* on copies of the engine's gradients */
    float *cp = malloc(m->G.nparams * sizeof(float));
    fc_tensor_ref r;
    size_t o;
    /* 2. sign flip of a bias gradient */
    o = off_of(&m->G, 7, &r); /* G.up3.bias */
    for (size_t j = 0; j < r.n; j++) cp[o + j] = -m->G.grads[o + j];
    reject("G.up3.bias gradient with its sign flipped", "g_step/grad/G.up3.bias", cp + o, r.n, NULL, kink_g[7]);
    /* 3. ConvTranspose weight gradient with in/out channels transposed ([in,out,4,4] read as [out,in,4,4]) */
    o = off_of(&m->G, 2, &r); /* G.up1.weight [128,128,4,4] */
    for (int a = 0; a < 128; a++)
        for (int b2 = 0; b2 < 128; b2++)
            for (int k = 0; k < 16; k++) cp[o + ((size_t)a * 128 + b2) * 16 + k] = m->G.grads[o + ((size_t)b2 * 128 + a) * 16 + k];
    reject("G.up1.weight gradient, in/out channels transposed", "g_step/grad/G.up1.weight", cp + o, r.n, NULL,
           kink_g[2]);
    /* 4. a Conv2d weight gradient with the kernel rotated by 180 degrees (correlation vs convolution) */
    o = off_of(&m->D, 2, &r); /* D.conv2.weight [128,64,4,4] */
    for (size_t q = 0; q < r.n / 16; q++)
        for (int k = 0; k < 16; k++) cp[o + q * 16 + k] = m->D.grads[o + q * 16 + 15 - k];
    reject("D.conv2.weight gradient, kernel rotated 180 degrees", "d_step/grad/D.conv2.weight", cp + o, r.n, NULL, 0);
    /* 5. one channel's gradient 1% too large (a partial sum counted 1.01 times).  Upstream of
     * G's LeakyReLUs one rounding-flipped kink moves a gradient by as much (the kink term), so
     * there the test resolves 10% in one channel, not 1%. */
    const struct {
        fc_net *n;
        int i, nch, per;
        float f;
        const char *name, *bug;
    } ch[] = {{&m->D, 0, 64, 3 * 16, 1.01f, "d_step/grad/D.conv1.weight", "one channel of a gradient 1% too large"},
              {&m->D, 4, 128, 128 * 16, 1.01f, "d_step/grad/D.conv3.weight", "one channel of a gradient 1% too large"},
              {&m->G, 6, 256, 512 * 16, 1.01f, "g_step/grad/G.up3.weight", "one channel of a gradient 1% too large"},
              {&m->G, 8, 3, 512 * 25, 1.01f, "g_step/grad/G.out.weight", "one channel of a gradient 1% too large"},
              {&m->G, 2, 128, 128 * 16, 1.1f, "g_step/grad/G.up1.weight", "one channel of a gradient 10% too large"},
              {&m->G, 1, 128, 64, 1.1f, "g_step/grad/G.fc.bias", "one channel of a gradient 10% too large"}};
    for (size_t c = 0; c < sizeof ch / sizeof ch[0]; c++) {
        o = off_of(ch[c].n, ch[c].i, &r);
        memcpy(cp + o, ch[c].n->grads + o, r.n * sizeof(float));
        for (int k = 0; k < ch[c].per; k++) cp[o + (size_t)(ch[c].nch / 2) * ch[c].per + k] *= ch[c].f;
        reject(ch[c].bug, ch[c].name, cp + o, r.n, NULL, ch[c].n == &m->G ? kink_g[ch[c].i] : 0);
    }
    /* 6. an activation with LeakyReLU slope 0.1 instead of 0.2 */
    for (size_t j = 0; j < up2n; j++) up2[j] = up2[j] < 0 ? 0.5f * up2[j] : up2[j];
    reject("LeakyReLU slope 0.1 instead of 0.2", "d_step/G/up2", up2, up2n, NULL, 0);
    /* 7. d_loss as one mean over the 2B rows instead of two means over B */
    {
        double want, got = st.d_loss / 2;
        ref_scalar(R, "d_step/d_loss", &want, &err);
        double e = fabs(got - want) / want, b = bound_for("d_step/d_loss");
        bugs_tried++, bugs_rejected += e > b;
        printf("  bug %-52s %-26s rel %.2e / bound %.2e = %7.1f %s\n", "d_loss averaged over 2B rows", "d_step/d_loss",
               e, b, e / b, e > b ? "rejected" : "ACCEPTED");
        CHECK(e > b);
    }
    /* 8. weights moved with a 10% larger learning rate */
    o = off_of(&m->G, 4, &r); /* G.up2.weight */
    for (size_t j = 0; j < r.n; j++) cp[o + j] = g0[o + j] + 1.1f * (r.data[j] - g0[o + j]);
    reject("G.up2.weight updated with lr 1.1e-4", "final/G.up2.weight", cp + o, r.n, g0 + o, kink_w[4]);
    o = off_of(&m->D, 6, &r); /* D.fc.weight */
    for (size_t j = 0; j < r.n; j++) cp[o + j] = d0[o + j] + 1.1f * (r.data[j] - d0[o + j]);
    reject("D.fc.weight updated with lr 1.1e-4", "final/D.fc.weight", cp + o, r.n, d0 + o, 0);
    printf("deliberate bugs rejected: %d of %d\n", bugs_rejected, bugs_tried);

    fc_trainer_free(&t);
    for (int k = 0; k < 3; k++) fc_model_free(ms[k]);
    free(z1), free(z2), free(x), free(fake), free(up2), free(g0), free(d0), free(dg), free(du), free(cp);
    ref_close(R);
    return TEST_END();
}
