#include "model/net.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"

#define NOPARAM ((size_t)-1)

static fc_layer *push(fc_net *n, fc_layer_kind kind, const char *name) {
    /* Building past FC_NET_MAX_LAYERS is a programming error in an architecture
     * definition; finalize reports it. */
    if (n->nlayers >= FC_NET_MAX_LAYERS) {
        n->nlayers = FC_NET_MAX_LAYERS + 1;
        return NULL;
    }
    fc_layer *L = &n->layers[n->nlayers];
    const fc_layer *prev = n->nlayers ? &n->layers[n->nlayers - 1] : NULL;
    memset(L, 0, sizeof *L);
    L->kind = kind;
    snprintf(L->name, sizeof L->name, "%s", name ? name : "");
    if (prev) {
        L->in_c = prev->out_c;
        L->in_h = prev->out_h;
        L->in_w = prev->out_w;
    } else {
        L->in_c = n->in_c;
        L->in_h = n->in_h;
        L->in_w = n->in_w;
    }
    L->out_c = L->in_c;
    L->out_h = L->in_h;
    L->out_w = L->in_w;
    L->w_off = L->b_off = NOPARAM;
    n->nlayers++;
    return L;
}

void fc_net_init(fc_net *n, const char *prefix, int in_c, int in_h, int in_w) {
    memset(n, 0, sizeof *n);
    snprintf(n->prefix, sizeof n->prefix, "%s", prefix);
    n->in_c = in_c;
    n->in_h = in_h;
    n->in_w = in_w;
    n->training = 1;
    n->bn_momentum = 0.1f;
}

static void add_weight(fc_net *n, fc_layer *L, int ndim, const int *shape, int bias_n) {
    size_t w = 1;
    for (int i = 0; i < ndim; i++) {
        L->w_shape[i] = shape[i];
        w *= (size_t)shape[i];
    }
    L->w_ndim = ndim;
    L->w_off = n->nparams;
    L->w_n = w;
    n->nparams += w;
    if (bias_n > 0) {
        L->b_off = n->nparams;
        L->b_n = (size_t)bias_n;
        n->nparams += (size_t)bias_n;
    }
}

static void dense(fc_net *n, const char *name, int out, int bias) {
    fc_layer *L = push(n, FC_L_DENSE, name);
    if (!L) return;
    L->in_c = L->in_c * L->in_h * L->in_w;
    L->in_h = L->in_w = 1;
    L->out_c = out;
    L->out_h = L->out_w = 1;
    int shape[2] = {out, L->in_c};
    add_weight(n, L, 2, shape, bias ? out : 0);
}

void fc_net_dense(fc_net *n, const char *name, int out) { dense(n, name, out, 1); }
void fc_net_dense_nobias(fc_net *n, const char *name, int out) { dense(n, name, out, 0); }

void fc_net_conv(fc_net *n, const char *name, int transposed, int cout, int k, int stride, int pad, int bias) {
    fc_layer *L = push(n, transposed ? FC_L_CONVT : FC_L_CONV, name);
    if (!L) return;
    L->k = k;
    L->stride = stride;
    L->pad = pad;
    L->out_c = cout;
    if (transposed) {
        L->out_h = (L->in_h - 1) * stride - 2 * pad + k;
        L->out_w = (L->in_w - 1) * stride - 2 * pad + k;
        int shape[4] = {L->in_c, cout, k, k};
        add_weight(n, L, 4, shape, bias ? cout : 0);
    } else {
        L->out_h = (L->in_h + 2 * pad - k) / stride + 1;
        L->out_w = (L->in_w + 2 * pad - k) / stride + 1;
        int shape[4] = {cout, L->in_c, k, k};
        add_weight(n, L, 4, shape, bias ? cout : 0);
    }
}

void fc_net_act(fc_net *n, fc_layer_kind kind, float slope) {
    fc_layer *L = push(n, kind, "");
    if (L) L->slope = slope;
}

void fc_net_bn(fc_net *n, const char *name) {
    fc_layer *L = push(n, FC_L_BN, name);
    if (!L) return;
    int shape[1] = {L->in_c};
    add_weight(n, L, 1, shape, L->in_c); /* weight = gamma, bias = beta */
}

void fc_net_dropout(fc_net *n, float p) {
    fc_layer *L = push(n, FC_L_DROPOUT, "");
    if (L) L->p = p;
}

void fc_net_reshape(fc_net *n, int c, int h, int w) {
    fc_layer *L = push(n, FC_L_RESHAPE, "");
    if (!L) return;
    L->out_c = c;
    L->out_h = h;
    L->out_w = w;
}

void fc_net_upsample(fc_net *n) {
    fc_layer *L = push(n, FC_L_UPSAMPLE, "");
    if (!L) return;
    L->out_h = 2 * L->in_h;
    L->out_w = 2 * L->in_w;
}

void fc_net_mbstd(fc_net *n, int group) {
    fc_layer *L = push(n, FC_L_MBSTD, "");
    if (!L) return;
    L->group = group < 1 ? 1 : group;
    L->out_c = L->in_c + 1;
}

int fc_net_mbstd_group(const fc_net *n) {
    for (int i = 0; i < n->nlayers && i < FC_NET_MAX_LAYERS; i++)
        if (n->layers[i].kind == FC_L_MBSTD) return n->layers[i].group;
    return 0;
}

void fc_net_upconv(fc_net *n, const char *name, int cout, int bias) {
    fc_layer *L = push(n, FC_L_UPCONV, name);
    if (!L) return;
    L->k = 3;
    L->stride = 1;
    L->pad = 1;
    L->out_c = cout;
    L->out_h = 2 * L->in_h;
    L->out_w = 2 * L->in_w;
    int shape[4] = {cout, L->in_c, 3, 3};
    add_weight(n, L, 4, shape, bias ? cout : 0);
}

void fc_net_add_conv(fc_net *n, fc_conv_spec s) {
    if (s.kind == FC_CONV_UP) fc_net_upconv(n, s.name, s.out, s.bias);
    else fc_net_conv(n, s.name, s.kind == FC_CONV_T, s.out, s.k, s.stride ? s.stride : 1, s.pad, s.bias);
    if (s.spectral_norm) fc_net_spectral_norm(n);
}

void fc_net_spectral_norm(fc_net *n) {
    if (n->nlayers < 1 || n->nlayers > FC_NET_MAX_LAYERS) return;
    fc_layer *L = &n->layers[n->nlayers - 1];
    L->sn = 1; /* finalize checks the layer kind */
    if (L->w_off != NOPARAM) {
        L->sn_rows = L->w_shape[0];
        L->sn_cols = (int)(L->w_n / (size_t)L->w_shape[0]);
    }
}

static size_t in_size(const fc_layer *L) { return (size_t)L->in_c * L->in_h * L->in_w; }
static size_t out_size(const fc_layer *L) { return (size_t)L->out_c * L->out_h * L->out_w; }

/* Layers that write over their input buffer instead of owning one. */
static int in_place(const fc_layer *L) {
    return L->kind == FC_L_LRELU || L->kind == FC_L_RELU || L->kind == FC_L_SIGMOID || L->kind == FC_L_TANH ||
           L->kind == FC_L_RESHAPE;
}

static void release_buffers(fc_net *n) {
    for (int i = 0; i < n->nlayers && i < FC_NET_MAX_LAYERS; i++) {
        fc_layer *L = &n->layers[i];
        if (!in_place(L)) fc_free_aligned(L->out);
        L->out = NULL;
        free(L->mask);
        L->mask = NULL;
        fc_conv_free(L->conv);
        L->conv = NULL;
    }
    fc_free_aligned(n->dbuf[0]);
    fc_free_aligned(n->dbuf[1]);
    n->dbuf[0] = n->dbuf[1] = NULL;
}

fc_precision fc_net_set_precision(fc_net *n, fc_precision p) {
    n->precision = fc_precision_effective(p);
    for (int i = 0; i < n->nlayers; i++)
        if (n->layers[i].conv) fc_conv_set_precision(n->layers[i].conv, n->precision);
    return n->precision;
}

int fc_net_reserve(fc_net *n, int max_batch, fc_error *err) {
    if (max_batch <= n->max_batch) return FC_OK;
    release_buffers(n);
    n->max_batch = max_batch;
    size_t B = (size_t)max_batch;
    float *prev_out = NULL;
    for (int i = 0; i < n->nlayers; i++) {
        fc_layer *L = &n->layers[i];
        if (L->kind == FC_L_CONV || L->kind == FC_L_CONVT || L->kind == FC_L_UPCONV) {
            int up = L->kind == FC_L_UPCONV;
            fc_conv_desc d = {.transposed = L->kind != FC_L_CONV,
                              .cin = L->in_c,
                              .cout = L->out_c,
                              .k = up ? 4 : L->k,
                              .stride = up ? 2 : L->stride,
                              .pad = L->pad,
                              .h = L->in_h,
                              .w = L->in_w};
            int rc = fc_conv_create(&d, max_batch, &L->conv, err);
            if (rc) return fc_fail_ctx(err, rc, "%s.%s", n->prefix, L->name);
            fc_conv_set_precision(L->conv, n->precision);
        }
        if (in_place(L)) {
            L->out = prev_out; /* NULL for a first layer: handled in forward */
        } else {
            L->out = fc_alloc_floats(B * out_size(L));
            if (!L->out) return fc_fail(err, FC_ENOMEM, "out of memory for activations");
        }
        if (L->kind == FC_L_DROPOUT) {
            L->mask = malloc(B * out_size(L));
            if (!L->mask) return fc_fail(err, FC_ENOMEM, "out of memory for dropout mask");
        }
        prev_out = L->out;
    }
    n->dbuf[0] = fc_alloc_floats(B * n->max_act);
    n->dbuf[1] = fc_alloc_floats(B * n->max_act);
    if (!n->dbuf[0] || !n->dbuf[1]) return fc_fail(err, FC_ENOMEM, "out of memory for gradients");
    return FC_OK;
}

int fc_net_finalize(fc_net *n, int max_batch, fc_error *err) {
    if (n->nlayers > FC_NET_MAX_LAYERS) return fc_fail(err, FC_EINTERNAL, "too many layers");
    if (n->nlayers == 0) return fc_fail(err, FC_EINTERNAL, "empty network");
    if (in_place(&n->layers[0])) return fc_fail(err, FC_EINTERNAL, "a network cannot start with an in-place layer");
    n->max_act = 0;
    for (int i = 0; i < n->nlayers; i++) {
        fc_layer *L = &n->layers[i];
        if (L->kind == FC_L_RESHAPE && out_size(L) != in_size(L))
            return fc_fail(err, FC_EINTERNAL, "reshape changes the element count");
        if (in_size(L) > n->max_act) n->max_act = in_size(L);
        if (out_size(L) > n->max_act) n->max_act = out_size(L);
        if (L->kind == FC_L_UPCONV) {
            L->w_t = fc_alloc_floats(L->w_n / 9 * 16);
            L->dw_t = fc_alloc_floats(L->w_n / 9 * 16);
            if (!L->w_t || !L->dw_t) return fc_fail(err, FC_ENOMEM, "out of memory");
        }
        if (L->sn) {
            if (L->kind != FC_L_DENSE && L->kind != FC_L_CONV)
                return fc_fail(err, FC_EINTERNAL, "spectral norm on a layer that is not Dense or Conv2d");
            L->sn_u = calloc((size_t)L->sn_rows, sizeof(float));
            L->sn_v = calloc((size_t)L->sn_cols, sizeof(float));
            L->w_sn = fc_alloc_floats(L->w_n);
            L->dw_sn = fc_alloc_floats(L->w_n);
            L->sn_scratch = malloc(((size_t)L->sn_rows + (size_t)L->sn_cols) * sizeof(double));
            if (!L->sn_u || !L->sn_v || !L->w_sn || !L->dw_sn || !L->sn_scratch)
                return fc_fail(err, FC_ENOMEM, "out of memory");
            L->sn_u[0] = 1.0f; /* unit vectors until fc_net_init_params draws them */
            L->sn_v[0] = 1.0f;
        }
        if (L->kind == FC_L_BN) {
            L->running_mean = calloc((size_t)L->in_c, sizeof(float));
            L->running_var = malloc((size_t)L->in_c * sizeof(float));
            L->bn.mean = calloc((size_t)L->in_c, sizeof(float));
            L->bn.invstd = calloc((size_t)L->in_c, sizeof(float));
            if (!L->running_mean || !L->running_var || !L->bn.mean || !L->bn.invstd)
                return fc_fail(err, FC_ENOMEM, "out of memory");
            for (int c = 0; c < L->in_c; c++) L->running_var[c] = 1.0f;
        }
    }
    n->in_size = (int)in_size(&n->layers[0]);
    n->out_size = (int)out_size(&n->layers[n->nlayers - 1]);
    n->params = fc_alloc_floats(n->nparams);
    n->grads = fc_alloc_floats(n->nparams);
    n->adam_m = fc_alloc_floats(n->nparams);
    n->adam_v = fc_alloc_floats(n->nparams);
    if (!n->params || !n->grads || !n->adam_m || !n->adam_v) return fc_fail(err, FC_ENOMEM, "out of memory");
    n->drop_seed = 0x5eed;
    return fc_net_reserve(n, max_batch, err);
}

void fc_net_free(fc_net *n) {
    if (!n) return;
    release_buffers(n);
    for (int i = 0; i < n->nlayers && i < FC_NET_MAX_LAYERS; i++) {
        fc_layer *L = &n->layers[i];
        free(L->running_mean);
        free(L->running_var);
        free(L->bn.mean);
        free(L->bn.invstd);
        free(L->sn_u);
        free(L->sn_v);
        fc_free_aligned(L->w_sn);
        fc_free_aligned(L->dw_sn);
        free(L->sn_scratch);
        fc_free_aligned(L->w_t);
        fc_free_aligned(L->dw_t);
    }
    fc_free_aligned(n->params);
    fc_free_aligned(n->grads);
    fc_free_aligned(n->adam_m);
    fc_free_aligned(n->adam_v);
    memset(n, 0, sizeof *n);
}

void fc_net_init_params(fc_net *n, fc_rng *rng, int dcgan_init) {
    for (int i = 0; i < n->nlayers; i++) {
        fc_layer *L = &n->layers[i];
        if (L->w_off == NOPARAM) continue;
        float *w = n->params + L->w_off;
        float *b = L->b_off == NOPARAM ? NULL : n->params + L->b_off;
        if (L->kind == FC_L_BN) {
            if (dcgan_init) fc_rng_fill_normal(rng, w, L->w_n, 1.0f, 0.02f);
            else for (size_t j = 0; j < L->w_n; j++) w[j] = 1.0f;
            for (size_t j = 0; j < L->b_n; j++) b[j] = 0.0f;
            continue;
        }
        /* PyTorch's fan_in: Linear in; Conv2d cin*k*k; ConvTranspose2d weight [cin,cout,k,k] -> size(1)*k*k. */
        int fan_in = L->w_shape[1];
        if (L->w_ndim == 4) fan_in *= L->w_shape[2] * L->w_shape[3];
        float bound = 1.0f / sqrtf((float)fan_in); /* kaiming_uniform(a=sqrt(5)) gives exactly this */
        if (dcgan_init) {
            fc_rng_fill_normal(rng, w, L->w_n, 0.0f, 0.02f);
            if (b) for (size_t j = 0; j < L->b_n; j++) b[j] = 0.0f;
        } else {
            fc_rng_fill_uniform(rng, w, L->w_n, -bound, bound);
            if (b) fc_rng_fill_uniform(rng, b, L->b_n, -bound, bound);
        }
        if (L->sn) { /* PyTorch: u, v = normalize(N(0,1)) */
            float *vecs[2] = {L->sn_u, L->sn_v};
            int lens[2] = {L->sn_rows, L->sn_cols};
            for (int k = 0; k < 2; k++) {
                fc_rng_fill_normal(rng, vecs[k], (size_t)lens[k], 0.0f, 1.0f);
                double s = 0;
                for (int j = 0; j < lens[k]; j++) s += (double)vecs[k][j] * vecs[k][j];
                double nrm = sqrt(s) > 1e-12 ? sqrt(s) : 1e-12;
                for (int j = 0; j < lens[k]; j++) vecs[k][j] = (float)(vecs[k][j] / nrm);
            }
        }
    }
}

const float *fc_net_forward(fc_net *n, const float *x, int N) {
    const float *in = x;
    for (int i = 0; i < n->nlayers; i++) {
        fc_layer *L = &n->layers[i];
        const float *W = L->w_off == NOPARAM ? NULL : n->params + L->w_off;
        const float *b = L->b_off == NOPARAM ? NULL : n->params + L->b_off;
        size_t cnt = (size_t)N * out_size(L);
        if (L->sn) {
            L->sn_sigma = fc_sn_forward(L->w_sn, W, L->sn_u, L->sn_v, L->sn_rows, L->sn_cols, n->training,
                                        L->sn_scratch);
            W = L->w_sn;
        }
        switch (L->kind) {
        case FC_L_DENSE: fc_dense_forward_prec(n->precision, L->out, in, W, b, N, L->in_c, L->out_c); break;
        case FC_L_CONV:
        case FC_L_CONVT: fc_conv_forward(L->conv, N, in, W, b, L->out); break;
        case FC_L_LRELU: fc_leaky_relu_forward(L->out, in, cnt, L->slope); break;
        case FC_L_RELU: fc_relu_forward(L->out, in, cnt); break;
        case FC_L_SIGMOID: fc_sigmoid_forward(L->out, in, cnt); break;
        case FC_L_TANH: fc_tanh_forward(L->out, in, cnt); break;
        case FC_L_BN:
            if (n->training)
                fc_batchnorm_forward_train(L->out, in, W, b, L->running_mean, L->running_var, &L->bn, N, L->in_c,
                                           L->in_h * L->in_w, 1e-5f, n->bn_momentum);
            else
                fc_batchnorm_forward_eval(L->out, in, W, b, L->running_mean, L->running_var, N, L->in_c,
                                          L->in_h * L->in_w, 1e-5f);
            break;
        case FC_L_DROPOUT:
            if (n->training) {
                fc_dropout_key key = {n->drop_seed + (uint64_t)i, n->drop_counter, n->drop_rows};
                fc_dropout_forward(L->out, in, L->mask, N, out_size(L), L->p, &key);
            } else {
                memcpy(L->out, in, cnt * sizeof(float));
            }
            break;
        case FC_L_RESHAPE: break;
        case FC_L_UPSAMPLE: fc_upsample2_forward(L->out, in, N, L->in_c, L->in_h, L->in_w); break;
        case FC_L_MBSTD: fc_mbstd_forward(L->out, in, N, L->in_c, L->in_h * L->in_w, L->group); break;
        case FC_L_UPCONV:
            fc_upconv_weights(L->w_t, W, L->in_c, L->out_c);
            fc_conv_forward(L->conv, N, in, L->w_t, b, L->out);
            break;
        }
        in = L->out;
    }
    return in;
}

void fc_net_backward(fc_net *n, const float *x, const float *dy, int N, float *dx, int wgrad) {
    const float *g = dy; /* gradient wrt the current layer's output */
    int which = 0;
    for (int i = n->nlayers - 1; i >= 0; i--) {
        fc_layer *L = &n->layers[i];
        const float *in = i == 0 ? x : n->layers[i - 1].out;
        /* where dL/d(input of L) goes: the caller's dx for the first layer, else a scratch buffer */
        float *gin = i == 0 ? dx : n->dbuf[which];
        const float *W = L->w_off == NOPARAM ? NULL : n->params + L->w_off;
        float *dW = L->w_off == NOPARAM ? NULL : n->grads + L->w_off;
        float *db = L->b_off == NOPARAM ? NULL : n->grads + L->b_off;
        size_t cnt = (size_t)N * out_size(L);
        if (!gin && !wgrad) break; /* nothing more is needed */
        float *dW_orig = dW;
        if (L->sn) { /* the layer ran with W / sigma: its gradient goes to scratch, then through sigma */
            W = L->w_sn;
            if (wgrad) {
                fc_zero(L->dw_sn, L->w_n);
                dW = L->dw_sn;
            }
        }
        switch (L->kind) {
        case FC_L_DENSE:
            if (wgrad) fc_dense_backward_prec(n->precision, gin, dW, db, g, in, W, N, L->in_c, L->out_c);
            else fc_dense_backward_prec(n->precision, gin, NULL, NULL, g, in, W, N, L->in_c, L->out_c);
            break;
        case FC_L_CONV:
        case FC_L_CONVT:
            if (wgrad) fc_conv_backward_weights(L->conv, N, g, in, dW, db);
            if (gin) fc_conv_backward_data(L->conv, N, g, W, gin);
            break;
        case FC_L_LRELU:
            if (gin) fc_leaky_relu_backward(gin, g, L->out, cnt, L->slope);
            break;
        case FC_L_RELU:
            if (gin) fc_relu_backward(gin, g, L->out, cnt);
            break;
        case FC_L_SIGMOID:
            if (gin) fc_sigmoid_backward(gin, g, L->out, cnt);
            break;
        case FC_L_TANH:
            if (gin) fc_tanh_backward(gin, g, L->out, cnt);
            break;
        case FC_L_BN:
            if (gin) fc_batchnorm_backward(gin, wgrad ? dW : NULL, wgrad ? db : NULL, g, in, W, &L->bn, N, L->in_c,
                                           L->in_h * L->in_w);
            break;
        case FC_L_DROPOUT:
            if (gin) fc_dropout_backward(gin, g, L->mask, cnt, L->p);
            break;
        case FC_L_RESHAPE:
            if (gin && gin != g) memcpy(gin, g, cnt * sizeof(float));
            break;
        case FC_L_UPSAMPLE:
            if (gin) fc_upsample2_backward(gin, g, N, L->in_c, L->in_h, L->in_w);
            break;
        case FC_L_MBSTD:
            if (gin) fc_mbstd_backward(gin, g, in, N, L->in_c, L->in_h * L->in_w, L->group);
            break;
        case FC_L_UPCONV: /* L->w_t is the forward's transformed weight */
            if (wgrad) {
                fc_zero(L->dw_t, L->w_n / 9 * 16);
                fc_conv_backward_weights(L->conv, N, g, in, L->dw_t, db);
                fc_upconv_weights_backward(dW, L->dw_t, L->in_c, L->out_c);
            }
            if (gin) fc_conv_backward_data(L->conv, N, g, L->w_t, gin);
            break;
        }
        if (L->sn && wgrad)
            fc_sn_backward(dW_orig, L->dw_sn, n->params + L->w_off, L->sn_u, L->sn_v, L->sn_rows, L->sn_cols,
                           L->sn_sigma);
        if (i > 0) {
            g = gin;
            which ^= 1;
        }
    }
}

void fc_net_zero_grad(fc_net *n) { fc_zero(n->grads, n->nparams); }

void fc_net_adam(fc_net *n, const fc_adam_cfg *cfg, uint64_t t) {
    fc_adam_update(n->params, n->grads, n->adam_m, n->adam_v, n->nparams, cfg, t);
}

int fc_net_tensor_count(const fc_net *n) {
    int c = 0;
    for (int i = 0; i < n->nlayers; i++) {
        const fc_layer *L = &n->layers[i];
        if (L->w_off != NOPARAM) c++;
        if (L->b_off != NOPARAM) c++;
        if (L->kind == FC_L_BN || L->sn) c += 2;
    }
    return c;
}

void fc_net_tensor(const fc_net *n, int idx, fc_tensor_ref *t) {
    memset(t, 0, sizeof *t);
    int c = 0;
    for (int i = 0; i < n->nlayers; i++) {
        const fc_layer *L = &n->layers[i];
        const char *names[4] = {"weight", "bias", "running_mean", "running_var"};
        const char *sn_names[4] = {"weight_orig", "bias", "weight_u", "weight_v"}; /* torch spectral_norm */
        for (int k = 0; k < 4; k++) {
            int present = k == 0 ? L->w_off != NOPARAM : k == 1 ? L->b_off != NOPARAM : L->kind == FC_L_BN || L->sn;
            if (!present) continue;
            if (c++ != idx) continue;
            snprintf(t->name, sizeof t->name, "%s.%s.%s", n->prefix, L->name, (L->sn ? sn_names : names)[k]);
            if (L->sn && k >= 2) {
                t->ndim = 1;
                t->shape[0] = k == 2 ? L->sn_rows : L->sn_cols;
                t->n = (size_t)t->shape[0];
                t->data = k == 2 ? L->sn_u : L->sn_v;
                t->is_buffer = 1;
                return;
            }
            if (k == 0) {
                t->ndim = L->w_ndim;
                memcpy(t->shape, L->w_shape, sizeof t->shape);
                t->data = n->params ? n->params + L->w_off : NULL;
                t->n = L->w_n;
            } else {
                t->ndim = 1;
                t->shape[0] = (int)(k == 1 ? L->b_n : (size_t)L->in_c);
                t->n = (size_t)t->shape[0];
                t->data = k == 1 ? (n->params ? n->params + L->b_off : NULL) : k == 2 ? L->running_mean : L->running_var;
                t->is_buffer = k >= 2;
            }
            return;
        }
    }
}
