/* facecrypt bench train-step: whole adversarial steps on synthetic data, and the
 * step's FLOPs counted from the layer shapes (include/facecrypt_bench.h). */
#include <stdlib.h>
#include "facecrypt_bench.h"
#include "train/step.h"
#include "util/error.h"
#include "util/rng.h"

#define IMG fc_model_image_floats(m)

static double layer_macs(const fc_layer *L) {
    double out = (double)L->out_c * L->out_h * L->out_w;
    switch (L->kind) {
    case FC_L_DENSE: return (double)L->in_c * L->out_c;
    case FC_L_CONV: return out * L->in_c * L->k * L->k;
    case FC_L_CONVT: return (double)L->in_c * L->in_h * L->in_w * L->out_c * L->k * L->k;
    case FC_L_UPCONV: return out * L->in_c * 9; /* as Upsample + Conv 3x3 */
    default: return 0;
    }
}

/* executed != 0: ConvTranspose k4 s2 p1 runs as Winograd F(3x3, 2x2), 2.25x fewer
 * multiply-adds than the direct form (src/nn/conv_wino.c); so does Upsample + Conv 3x3, run as
 * one such ConvTranspose on folded weights (src/nn/upconv.c). */
static double net_macs(const fc_net *n, int executed) {
    double s = 0;
    for (int i = 0; i < n->nlayers; i++) {
        const fc_layer *L = &n->layers[i];
        double m = layer_macs(L);
        if (executed && L->kind == FC_L_CONVT && L->k == 4 && L->stride == 2 && L->pad == 1) m /= 2.25;
        if (executed && L->kind == FC_L_UPCONV) m = (double)L->in_c * L->in_h * L->in_w * L->out_c * 16 / 2.25;
        s += m;
    }
    return s;
}

double fc_bench_step_flops(const fc_model *m, int B, int executed) {
    double g = net_macs(&m->G, executed), d = net_macs(&m->D, executed);
    /* forward 1x, backward-data 1x, backward-weights 1x the forward MACs (first layer's data grad skipped) */
    double gf = 2 * B * g, gb = B * 2 * g;
    double df = 3 * B * d, db = 2 * B * 2 * d + B * d;
    return 2.0 * (gf + gb + df + db);
}

struct fc_bench_trainer {
    fc_trainer t;
    float *reals;
};

int fc_bench_trainer_create(fc_model *m, int batch, fc_bench_trainer **out, fc_error *err) {
    *out = NULL;
    fc_bench_trainer *b = calloc(1, sizeof *b);
    if (!b || !(b->reals = malloc((size_t)batch * IMG * sizeof(float)))) {
        free(b);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    /* the architecture's training defaults: loss, DiffAugment, EMA, Adam */
    fc_train_config cfg;
    fc_train_config_default(&cfg);
    fc_train_config_for_arch(&cfg, fc_model_arch(m));
    fc_adam_cfg a = {cfg.lr_g, cfg.beta1, cfg.beta2, cfg.adam_eps};
    int rc = fc_trainer_init(&b->t, m, batch, &a, &a, 7, err);
    if (!rc && (rc = fc_trainer_set_options(&b->t, cfg.loss, cfg.diffaug, cfg.ema_decay, cfg.reuse_fakes, err))) fc_trainer_free(&b->t);
    if (rc) {
        free(b->reals);
        free(b);
        return rc;
    }
    fc_rng r;
    fc_rng_seed(&r, 3);
    fc_rng_fill_uniform(&r, b->reals, (size_t)batch * IMG, 0.0f, 1.0f);
    *out = b;
    return FC_OK;
}

void fc_bench_trainer_step(fc_bench_trainer *b, float *d_loss, float *g_loss) {
    fc_step_stats st;
    fc_trainer_step(&b->t, b->reals, NULL, NULL, &st);
    if (d_loss) *d_loss = st.d_loss;
    if (g_loss) *g_loss = st.g_loss;
}

void fc_bench_trainer_free(fc_bench_trainer *b) {
    if (!b) return;
    fc_trainer_free(&b->t);
    free(b->reals);
    free(b);
}
