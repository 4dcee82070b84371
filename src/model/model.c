#include "model/model.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"

int fc_model_create(fc_arch arch, float width, uint64_t seed, fc_model **out, fc_error *err) {
    *out = NULL;
    fc_model *m = calloc(1, sizeof *m);
    if (!m) return fc_fail(err, FC_ENOMEM, "out of memory");
    int rc = fc_model_build(m, arch, width, 1, 1, err);
    if (rc) {
        fc_model_free(m);
        return rc;
    }
    fc_rng rng;
    fc_rng_seed(&rng, seed);
    fc_net_init_params(&m->G, &rng, arch == FC_ARCH_DCGAN);
    fc_net_init_params(&m->D, &rng, arch == FC_ARCH_DCGAN);
    m->seed = seed;
    m->D.drop_seed = seed ^ 0xd409u;
    *out = m;
    return FC_OK;
}

void fc_model_free(fc_model *m) {
    if (!m) return;
    fc_net_free(&m->G);
    fc_net_free(&m->D);
    fc_net_free(&m->Gema);
    free(m);
}

fc_arch fc_model_arch(const fc_model *m) { return m->arch; }
float fc_model_width(const fc_model *m) { return m->width; }
size_t fc_model_g_params(const fc_model *m) { return m->G.nparams; }
size_t fc_model_d_params(const fc_model *m) { return m->has_d ? m->D.nparams : 0; }
uint64_t fc_model_step(const fc_model *m) { return m->step; }
int fc_model_image_size(const fc_model *m) { return fc_arch_image_size(m->arch); }
size_t fc_model_image_floats(const fc_model *m) {
    const size_t s = (size_t)fc_model_image_size(m);
    return 3 * s * s;
}

fc_precision fc_model_set_precision(fc_model *m, fc_precision p) {
    fc_precision e = fc_net_set_precision(&m->G, p);
    if (m->has_d) fc_net_set_precision(&m->D, p);
    return e;
}

int fc_model_generate(fc_model *m, const float *z, int n, float *out, fc_error *err) {
    if (n < 0) return fc_fail(err, FC_EUSAGE, "negative sample count");
    fc_net *G = m->has_ema ? &m->Gema : &m->G;
    const int chunk = 64;
    int rc = fc_net_reserve(G, n < chunk ? (n ? n : 1) : chunk, err);
    if (rc) return rc;
    int was_training = G->training;
    G->training = 0; /* batchnorm uses running statistics */
    const size_t osz = (size_t)G->out_size;
    for (int i = 0; i < n; i += chunk) {
        int b = n - i < chunk ? n - i : chunk;
        const float *y = fc_net_forward(G, z + (size_t)i * FC_LATENT_DIM, b);
        memcpy(out + (size_t)i * osz, y, (size_t)b * osz * sizeof(float));
    }
    G->training = was_training;
    return FC_OK;
}

int fc_model_enable_ema(fc_model *m, fc_error *err) {
    if (m->has_ema) return FC_OK;
    fc_model_build_g(&m->Gema, "G_ema", m->arch, m->width);
    int rc = fc_net_finalize(&m->Gema, 1, err);
    if (rc) {
        fc_net_free(&m->Gema);
        return rc;
    }
    memcpy(m->Gema.params, m->G.params, m->G.nparams * sizeof(float));
    for (int i = 0; i < m->G.nlayers; i++) {
        const fc_layer *S = &m->G.layers[i];
        fc_layer *T = &m->Gema.layers[i];
        if (S->kind != FC_L_BN) continue;
        memcpy(T->running_mean, S->running_mean, (size_t)S->in_c * sizeof(float));
        memcpy(T->running_var, S->running_var, (size_t)S->in_c * sizeof(float));
    }
    m->Gema.training = 0;
    m->has_ema = 1;
    return FC_OK;
}

int fc_model_ema_refresh_bn(fc_model *m, int batches, int batch, fc_error *err) {
    if (!m->has_ema) return FC_OK;
    fc_net *G = &m->Gema;
    int has_bn = 0;
    for (int i = 0; i < G->nlayers; i++) has_bn |= G->layers[i].kind == FC_L_BN;
    if (!has_bn) return FC_OK;
    int rc = fc_net_reserve(G, batch, err);
    if (rc) return rc;
    float *z = fc_alloc_floats((size_t)batch * FC_LATENT_DIM);
    if (!z) return fc_fail(err, FC_ENOMEM, "out of memory");
    fc_rng r;
    fc_rng_seed(&r, 0x57a2d1257a75ULL); /* fixed: the statistics depend on the weights only */
    G->training = 1;
    for (int k = 0; k < batches; k++) {
        G->bn_momentum = 1.0f / (float)(k + 1); /* running = mean of the batches' statistics */
        fc_rng_fill_normal(&r, z, (size_t)batch * FC_LATENT_DIM, 0.0f, 1.0f);
        fc_net_forward(G, z, batch);
    }
    G->bn_momentum = 0.1f;
    G->training = 0;
    fc_free_aligned(z);
    return FC_OK;
}

void fc_model_output_to_unit(const fc_model *m, float *x, size_t n) {
    if (m->arch != FC_ARCH_DCGAN) return;
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * (x[i] + 1.0f);
}

int fc_grid_image(const float *imgs, int n, int cols, int pad, fc_image *out, fc_error *err) {
    return fc_grid_image_side(imgs, n, FC_IMAGE_SIZE, cols, pad, out, err);
}

int fc_grid_image_side(const float *imgs, int n, int side, int cols, int pad, fc_image *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    if (n <= 0) return fc_fail(err, FC_EUSAGE, "no images for a grid");
    if (side <= 0 || side > 1024) return fc_fail(err, FC_EUSAGE, "bad image side %d for a grid", side);
    if (cols <= 0) cols = (int)ceil(sqrt((double)n));
    if (cols > n) cols = n;
    int rows = (n + cols - 1) / cols, S = side;
    int W = cols * S + (cols + 1) * pad, H = rows * S + (rows + 1) * pad;
    int rc = fc_image_alloc(out, W, H, 3, err);
    if (rc) return rc;
    memset(out->px, 255, (size_t)W * H * 3); /* white gutters */
    for (int i = 0; i < n; i++) {
        int ox = pad + (i % cols) * (S + pad), oy = pad + (i / cols) * (S + pad);
        const float *im = imgs + (size_t)i * 3 * S * S;
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++)
                for (int c = 0; c < 3; c++) {
                    float v = im[(size_t)c * S * S + (size_t)y * S + x];
                    v = v < 0 ? 0 : v > 1 ? 1 : v;
                    out->px[((size_t)(oy + y) * W + ox + x) * 3 + c] = (uint8_t)lrintf(v * 255.0f);
                }
    }
    return FC_OK;
}

void fc_latent_normal(uint64_t seed, size_t n, float *z) {
    fc_rng r;
    fc_rng_seed(&r, seed);
    fc_rng_fill_normal(&r, z, n * FC_LATENT_DIM, 0.0f, 1.0f);
}
