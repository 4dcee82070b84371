/* The C engine against PyTorch for --arch face, face2 and face128: one whole training step
 * each (tests/data/ref_face_step.bin, ref_face2_step.bin and ref_face128_step.bin from
 * tools/torch_reference_face.py [--arch face2|face128]; face2's D adds the minibatch-stddev
 * channel, face128 one more block in G and in D at 128 px), float64 PyTorch
 * rounded to float32): DiffAugment parameters and images, every layer's activations
 * (resize-convolutions, BatchNorm, spectral norms), hinge losses, every parameter
 * gradient, the gradients into the augmented and the raw generated images, and the
 * state after both Adam updates and the EMA update (weights, BN statistics, spectral-norm
 * u and v, G_ema), through the same fc_trainer_step the training loop uses.
 *
 * Errors are norm-wise: ||got - want|| / ||want|| over the stored positions.  Bounds, in
 * units of float32's u = 6e-8 (PyTorch's own float32 step lands up to 1.1e-2 from float64 on
 * face's and face2's G gradients and 9.7e-4 on face128's worst tensor, Debian's torch 1.13;
 * tools/torch_reference_face.py --compare lists every tensor):
 *   activations, sigmas, losses  2e-5  (~300 u: some tens of roundings per value through a
 *                                       dozen layers, with BatchNorm's 1/std amplification)
 *   logits                       1e-4  (means of cancelling terms); face128's G-step logits and
 *                                       g_loss 3e-4: they go through the D that Adam's first
 *                                       step updated, and one of its entries is the sign flip
 *                                       below (5.8e-5 with OPENBLAS_CORETYPE=Haswell)
 *   gradients                    1e-4  (sums over the batch and positions that cancel); face128
 *                                       1e-3: its reductions run over 4x the positions (4 x 128
 *                                       x 128 per channel at bn5, conv5), and a BatchNorm in
 *                                       front of another makes its bias gradient a difference
 *                                       of nearly equal sums (bn4.bias: 2.8e-4 with Haswell's
 *                                       OpenBLAS kernels, 5e-6 with SkylakeX's)
 *   state after the step         2e-4 of each tensor's norm, or 2 lr absolute (Adam's first
 *                                       step is lr*sign(g): one gradient within rounding of 0 may
 *                                       land either way; face128's D.conv4.bias has one)
 * A wrong gradient, augmentation or normalisation is off by O(1). */
#include <string.h>
#include "model/model.h"
#include "refdata.h"
#include "testutil.h"
#include "train/step.h"

#define B 4
#define LR 2e-4 /* Adam's learning rate in the reference step */

static ref_file *R;

/* ||got - want|| / ||want|| over the reference's stored positions (absolute when want is 0),
 * passing at tol, or where ||got - want|| <= abs_floor (the state after Adam's first step,
 * where one entry whose gradient is within rounding of 0 may move by up to 2 lr either way:
 * a wrong update moves every entry). */
static void cmp_floor(const char *name, const float *got, size_t numel, double tol, double abs_floor) {
    ref_tensor t;
    fc_error err = {0};
    if (ref_get(R, name, &t, &err)) {
        CHECKF(0, "missing reference tensor %s: %s", name, err.msg);
        return;
    }
    CHECKF(t.numel == numel, "%s: %zu elements, engine has %zu", name, t.numel, numel);
    if (t.numel == numel) {
        double d2 = 0, w2 = 0;
        for (size_t i = 0; i < t.n; i++) {
            size_t j = t.idx ? t.idx[i] : i;
            double d = (double)got[j] - t.val[i];
            d2 += d * d;
            w2 += (double)t.val[i] * t.val[i];
        }
        double rel = w2 > 0 ? sqrt(d2 / w2) : sqrt(d2);
        printf("  %-34s n=%-6zu norm rel err %.2e\n", name, t.n, rel);
        CHECKF(rel <= tol || sqrt(d2) <= abs_floor, "%s: norm-wise relative error %.3e > %.1e (absolute %.3e)",
               name, rel, tol, sqrt(d2));
    }
    ref_tensor_free(&t);
}

static void cmp(const char *name, const float *got, size_t numel, double tol) { cmp_floor(name, got, numel, tol, 0); }

static void grads(fc_net *n, const char *prefix, double tol) {
    for (int i = 0; i < fc_net_tensor_count(n); i++) {
        fc_tensor_ref t;
        fc_net_tensor(n, i, &t);
        if (t.is_buffer) continue;
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t.name);
        cmp(name, n->grads + (t.data - n->params), t.n, tol);
    }
}

static void state(fc_net *n, const char *prefix, int with_buffers) {
    for (int i = 0; i < fc_net_tensor_count(n); i++) {
        fc_tensor_ref t;
        fc_net_tensor(n, i, &t);
        if (t.is_buffer && !with_buffers) continue;
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t.name);
        cmp_floor(name, t.data, t.n, 2e-4, 2 * LR);
    }
}

static void sigmas(fc_net *D, const char *prefix) {
    for (int i = 0; i < D->nlayers; i++) {
        if (!D->layers[i].sn) continue;
        char name[96];
        snprintf(name, sizeof name, "%sD.%s", prefix, D->layers[i].name);
        cmp(name, &D->layers[i].sn_sigma, 1, 2e-5);
    }
}

static void scalar(const char *name, double got, double tol, double scale) {
    double want = 0;
    fc_error err = {0};
    CHECKF(ref_scalar(R, name, &want, &err) == 0, "%s: %s", name, err.msg);
    double e = fabs(got - want) / scale;
    printf("  %-34s %.9f (ref %.9f) err %.2e\n", name, got, want, e);
    CHECKF(e <= tol, "%s: %.9g vs %.9g", name, got, want);
}

static void run_file(const char *path, fc_arch arch) {
    fc_error err = {0};
    printf("%s (%s):\n", path, fc_arch_name(arch));
    if (ref_open(path, &R, &err)) {
        fprintf(stderr, "%s (run from the repository root)\n", err.msg);
        CHECK(0);
        return;
    }
    const char *ra = ref_meta(R, "arch");
    CHECKF(ra && !strcmp(ra, fc_arch_name(arch)), "%s: arch %s, expected %s", path, ra ? ra : "(none)",
           fc_arch_name(arch));
    const char *as = ref_meta(R, "aug_seed");
    CHECK(as != NULL);
    uint64_t aug_seed = as ? strtoull(as, NULL, 10) : 0;
    fc_model *m = NULL;
    CHECK(fc_model_create(arch, 0.125f, 0, &m, &err) == FC_OK);
    if (!m) {
        ref_close(R);
        return;
    }
    CHECKF(ref_load_net(R, &m->G, "init/", &err) == FC_OK, "%s", err.msg);
    CHECKF(ref_load_net(R, &m->D, "init/", &err) == FC_OK, "%s", err.msg);

    /* face128: G's fifth block (conv5) and D's conv0 at 128 px */
    const int grow = arch == FC_ARCH_FACE128, S = fc_model_image_size(m), IMG = 3 * S * S;
    CHECK(S == (grow ? 128 : 64));
    float *z1 = malloc(B * 100 * sizeof(float)), *z2 = malloc(B * 100 * sizeof(float));
    float *x = malloc(B * IMG * sizeof(float)), *T = malloc(2 * B * IMG * sizeof(float));
    uint64_t zs[2] = {B, 100}, xs[4] = {B, 3, (uint64_t)S, (uint64_t)S};
    CHECK(ref_get_full(R, "in/z1", 2, zs, z1, &err) == 0);
    CHECK(ref_get_full(R, "in/z2", 2, zs, z2, &err) == 0);
    CHECK(ref_get_full(R, "in/x", 4, xs, x, &err) == 0);

    /* ---- DiffAugment parameters: the engine's counter-based draw, as ported to Python ---- */
    fc_diffaug_params p[3][B];
    const char *an[3] = {"aug/d_real", "aug/d_fake", "aug/g"};
    for (int k = 0; k < 3; k++) {
        float ref[B * 7];
        uint64_t shp[2] = {B, 7};
        CHECK(ref_get_full(R, an[k], 2, shp, ref, &err) == 0);
        int same = 1;
        for (int i = 0; i < B; i++) {
            uint32_t row = (uint32_t)(k == 1 ? B + i : i);
            fc_diffaug_draw(&p[k][i], aug_seed, k == 2 ? 1 : 0, row, S, S, 0.5f);
            const fc_diffaug_params *q = &p[k][i];
            float got[7] = {q->brightness, q->saturation, q->contrast, (float)q->tx, (float)q->ty, (float)q->cx,
                            (float)q->cy};
            same &= memcmp(got, ref + 7 * i, sizeof got) == 0;
        }
        CHECKF(same, "%s: the engine's DiffAugment draw differs from the reference's", an[k]);
    }

    /* ---- activations with the initial weights ---- */
    printf("activations (D step):\n");
    fc_net_reserve(&m->G, B, &err);
    fc_net_reserve(&m->D, 2 * B, &err);
    fc_net_forward(&m->G, z1, B);
    /* see build_face_g: fc, reshape, bn0, relu, 4 (face128: 5) x (upconv, bn, relu), out, sigmoid;
     * ReLU and Sigmoid run in place, so a BN layer's buffer holds the block's activation */
    fc_layer *G = m->G.layers;
    cmp("d_step/G/fc", G[0].out, (size_t)B * 1024, 2e-5);
    cmp("d_step/G/act0", G[2].out, (size_t)B * 1024, 2e-5);
    const int blocks = grow ? 5 : 4, gout = 4 + 3 * blocks;
    for (int i = 0; i < blocks; i++) {
        char name[64];
        const int cv = 4 + 3 * i, bn = cv + 1;
        size_t n = (size_t)B * G[cv].out_c * G[cv].out_h * G[cv].out_w;
        snprintf(name, sizeof name, "d_step/G/conv%d", i + 1);
        cmp(name, G[cv].out, n, 2e-5);
        snprintf(name, sizeof name, "d_step/G/act%d", i + 1);
        cmp(name, G[bn].out, n, 2e-5);
    }
    CHECK(G[gout].out_h == S && G[gout].out_c == 3);
    cmp("d_step/G/out", G[gout].out, (size_t)B * IMG, 2e-5);
    fc_diffaug_forward(T, x, p[0], B, 3, S, S);
    fc_diffaug_forward(T + B * IMG, G[gout].out, p[1], B, 3, S, S);
    cmp("d_step/T", T, 2 * (size_t)B * IMG, 2e-5);
    const float *logit = fc_net_forward(&m->D, T, 2 * B);
    /* [face128: conv0, lrelu,] conv1, lrelu, ..., conv4, lrelu, [face2, face128: mbstd,] reshape, fc */
    fc_layer *D = m->D.layers;
    const int convs = grow ? 5 : 4;
    for (int l = 0; l < convs; l++) {
        char name[64];
        snprintf(name, sizeof name, "d_step/D/conv%d", l + (grow ? 0 : 1));
        cmp(name, D[2 * l].out, 2 * (size_t)B * D[2 * l].out_c * D[2 * l].out_h * D[2 * l].out_w, 2e-5);
    }
    if (arch != FC_ARCH_FACE) {
        const int mb = 2 * convs;
        CHECK(D[mb].kind == FC_L_MBSTD && D[mb].out_c == D[mb - 2].out_c + 1);
        cmp("d_step/D/mbstd", D[mb].out, 2 * (size_t)B * D[mb].out_c * D[mb].out_h * D[mb].out_w, 2e-5);
    }
    cmp("d_step/D/fc", logit, 2 * B, 1e-4);
    const double ltol = grow ? 3e-4 : 1e-4, gtol = grow ? 1e-3 : 1e-4; /* see the bounds above */
    sigmas(&m->D, "d_step/sigma/");

    /* ---- the whole step, as training runs it (from the initial state again: the forwards
     * above moved BN running statistics and the spectral-norm vectors) ---- */
    CHECKF(ref_load_net(R, &m->G, "init/", &err) == FC_OK, "%s", err.msg);
    CHECKF(ref_load_net(R, &m->D, "init/", &err) == FC_OK, "%s", err.msg);
    fc_trainer t;
    fc_adam_cfg ad = {(float)LR, 0.5f, 0.999f, 1e-8f};
    CHECK(fc_trainer_init(&t, m, B, &ad, &ad, 1, &err) == FC_OK);
    CHECK(fc_trainer_set_options(&t, FC_LOSS_HINGE, 1, 0.999f, 0, &err) == FC_OK);
    t.aug_seed = aug_seed;
    fc_step_stats st;
    fc_trainer_step(&t, x, z1, z2, &st);
    printf("losses:\n");
    scalar("d_step/d_loss", st.d_loss, 2e-5, 1.0);
    /* g_loss = -mean(logits) cancels: bound relative to the logits' mean magnitude */
    double lmag = 0;
    const float *lg = m->D.layers[m->D.nlayers - 1].out;
    for (int i = 0; i < B; i++) lmag += fabs(lg[i]) / B;
    scalar("g_step/g_loss", st.g_loss, ltol, lmag > 0 ? lmag : 1.0);
    cmp("g_step/D/fc", lg, B, ltol);
    cmp("g_step/T", t.gaug, (size_t)B * IMG, 2e-5);
    sigmas(&m->D, "g_step/sigma/");

    printf("gradients:\n");
    grads(&m->D, "d_step/grad/", gtol); /* the G step computes no D weight gradients */
    grads(&m->G, "g_step/grad/", gtol);
    cmp("g_step/G_grad/T", t.daug, (size_t)B * IMG, gtol);
    cmp("g_step/G_grad/out", t.dimg, (size_t)B * IMG, gtol);
    printf("state after the step:\n");
    state(&m->D, "final/", 1);
    state(&m->G, "final/", 1);
    CHECK(m->has_ema);
    state(&m->Gema, "final/", 0); /* the EMA's parameters; its BN statistics are derived (refresh_bn) */

    fc_trainer_free(&t);
    fc_model_free(m);
    free(z1), free(z2), free(x), free(T);
    ref_close(R);
    R = NULL;
}

int main(void) {
    fc_set_threads(2);
    run_file("tests/data/ref_face_step.bin", FC_ARCH_FACE);
    run_file("tests/data/ref_face2_step.bin", FC_ARCH_FACE2);
    run_file("tests/data/ref_face128_step.bin", FC_ARCH_FACE128);
    return TEST_END();
}
