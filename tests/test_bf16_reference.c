/* bf16 mode against the float64 reference: one whole training step of the
 * report's model (tests/data/ref_seed_step.bin, see test_reference.c) with the
 * convolutions and dense layers in bfloat16 (FC_PREC_BF16_EMU everywhere; also
 * FC_PREC_BF16 where the CPU has AVX512-BF16).
 *
 * Bound, norm-wise per tensor: ||got - ref||_2 <= K_LAYER * u * ||ref||_2 with
 * u = 2^-8 (bf16's unit roundoff).  Each GEMM rounds both inputs (relative error
 * <= 2u per product), an error made in layer l reaches the gradients of every
 * earlier layer through the backward chain (the generator's first layer sees the
 * roundings of all nine GEMM layers of G and D, forward and backward), and a
 * gradient that is a sum of cancelling terms (every bias: the sum of dy over
 * 4 x H x W positions) carries the error of its terms relative to a smaller
 * result.  Measured on the machine this was written on (bf16-emu, 2 threads):
 * 4-23 u, the largest on G.fc / G.up1 (end of the chain) and D's biases
 * (cancellation).  K_LAYER = 48 (0.19 relative) is twice that: a wrong gradient
 * (O(1) relative error: a sign, a missing term, a wrong layout) fails it, and
 * float32 numerics where bf16 was asked fail the separate check that the result
 * differs from the float32 engine's.  test_bf16 checks each GEMM and convolution
 * against a tight element-wise bound. */
#include <string.h>
#include "model/model.h"
#include "refdata.h"
#include "testutil.h"
#include "train/step.h"

#define B 4
#define IMG (3 * 64 * 64)
#define K_LAYER 48.0
static const double U = 1.0 / 256;

static ref_file *R;

/* ||got - ref|| / (u ||ref||) over the reference's stored positions; also whether got
 * differs anywhere from other (the float32 result), when other != NULL. */
static void cmp(const char *name, const float *got, const float *other, size_t numel, double k) {
    ref_tensor t;
    fc_error err = {0};
    if (ref_get(R, name, &t, &err)) {
        CHECKF(0, "missing reference tensor %s: %s", name, err.msg);
        return;
    }
    CHECKF(t.numel == numel, "%s: %zu elements, engine has %zu", name, t.numel, numel);
    if (t.numel == numel) {
        double e = 0, r = 0;
        size_t differ = 0;
        for (size_t i = 0; i < t.n; i++) {
            size_t j = t.idx ? t.idx[i] : i;
            double d = (double)got[j] - t.val[i];
            e += d * d, r += (double)t.val[i] * t.val[i];
            if (other) differ += got[j] != other[j];
        }
        double ratio = sqrt(e) / (U * sqrt(r) + 1e-30);
        printf("  %-28s n=%-6zu ||err||/(u ||ref||) = %6.3f\n", name, t.n, ratio);
        CHECKF(ratio <= k, "%s: norm-wise error %.3f u x ||ref|| > %.0f u", name, ratio, k);
        if (other) CHECKF(differ > 0, "%s: identical to the float32 result (bf16 not applied?)", name);
    }
    ref_tensor_free(&t);
}

/* One training step at precision prec; returns the model (caller frees), trainer freed. */
static fc_model *step(fc_precision prec, const float *x, const float *z1, const float *z2, float *dimg,
                      fc_step_stats *st) {
    fc_error err = {0};
    fc_model *m = NULL;
    CHECK(fc_model_create(FC_ARCH_SEED, 1.0f, 0, &m, &err) == FC_OK);
    if (!m) return NULL;
    CHECKF(ref_load_net(R, &m->G, "init/", &err) == FC_OK, "%s", err.msg);
    CHECKF(ref_load_net(R, &m->D, "init/", &err) == FC_OK, "%s", err.msg);
    fc_model_set_dropout(m, 0.0f);
    CHECK(fc_model_set_precision(m, prec) == prec);
    fc_trainer t;
    fc_adam_cfg ad = {1e-4f, 0.9f, 0.999f, 1e-8f};
    CHECK(fc_trainer_init(&t, m, B, &ad, &ad, 1, &err) == FC_OK);
    fc_trainer_step(&t, x, z1, z2, st);
    memcpy(dimg, t.dimg, (size_t)B * IMG * sizeof(float));
    fc_trainer_free(&t);
    return m;
}

static void grads(const fc_model *m, const fc_model *m32, int G) {
    const fc_net *n = G ? &m->G : &m->D, *n32 = G ? &m32->G : &m32->D;
    for (int i = 0; i < fc_net_tensor_count(n); i++) {
        fc_tensor_ref t;
        fc_net_tensor(n, i, &t);
        if (t.is_buffer) continue;
        char name[96];
        snprintf(name, sizeof name, "%s%s", G ? "g_step/grad/" : "d_step/grad/", t.name);
        size_t off = (size_t)(t.data - n->params);
        cmp(name, n->grads + off, n32->grads + off, t.n, K_LAYER);
    }
}

static void run(fc_precision prec, const float *x, const float *z1, const float *z2, const fc_model *m32,
                const float *dimg32) {
    float *dimg = malloc((size_t)B * IMG * sizeof(float));
    fc_step_stats st;
    fc_model *m = step(prec, x, z1, z2, dimg, &st);
    if (!m) return;
    double d_loss, g_loss;
    fc_error err = {0};
    CHECK(ref_scalar(R, "d_step/d_loss", &d_loss, &err) == 0);
    CHECK(ref_scalar(R, "g_step/g_loss", &g_loss, &err) == 0);
    printf("%s: losses d %.6f (ref %.6f, |rel| %.1e)  g %.6f (ref %.6f, |rel| %.1e)\n", fc_precision_name(prec),
           st.d_loss, d_loss, fabs(st.d_loss - d_loss) / fabs(d_loss), st.g_loss, g_loss,
           fabs(st.g_loss - g_loss) / fabs(g_loss));
    CHECK(fabs(st.d_loss - d_loss) <= K_LAYER * U * fabs(d_loss));
    CHECK(fabs(st.g_loss - g_loss) <= K_LAYER * U * fabs(g_loss));
    printf("gradients (%s):\n", fc_precision_name(prec));
    grads(m, m32, 0);
    grads(m, m32, 1);
    cmp("g_step/G_grad/out", dimg, dimg32, (size_t)B * IMG, K_LAYER);
    fc_model_free(m);
    free(dimg);
}

int main(void) {
    fc_error err = {0};
    fc_set_threads(2);
    if (ref_open("tests/data/ref_seed_step.bin", &R, &err)) {
        fprintf(stderr, "%s (run from the repository root)\n", err.msg);
        CHECK(0);
        return TEST_END();
    }
    float *z1 = malloc(B * 100 * sizeof(float)), *z2 = malloc(B * 100 * sizeof(float));
    float *x = malloc(B * IMG * sizeof(float)), *dimg32 = malloc((size_t)B * IMG * sizeof(float));
    uint64_t zs[2] = {B, 100}, xs[4] = {B, 3, 64, 64};
    CHECK(ref_get_full(R, "in/z1", 2, zs, z1, &err) == 0);
    CHECK(ref_get_full(R, "in/z2", 2, zs, z2, &err) == 0);
    CHECK(ref_get_full(R, "in/x", 4, xs, x, &err) == 0);
    fc_step_stats st;
    fc_model *m32 = step(FC_PREC_FP32, x, z1, z2, dimg32, &st); /* to show bf16 is not float32 */
    if (m32) {
        run(FC_PREC_BF16_EMU, x, z1, z2, m32, dimg32);
        if (fc_bf16_available()) run(FC_PREC_BF16, x, z1, z2, m32, dimg32);
        else printf("SKIP the AVX512-BF16 kernel: this CPU lacks avx512_bf16 (bf16-emu above has the same numerics)\n");
    }
    fc_model_free(m32);
    free(z1), free(z2), free(x), free(dimg32);
    ref_close(R);
    return TEST_END();
}
