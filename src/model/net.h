/* A sequential network over the nn engine: the generator and the discriminator
 * are each one fc_net.  All parameters of a net live in one fused array (and so
 * do their gradients and Adam moments): one allocation, one all-reduce, one
 * optimizer call.  Each layer keeps its forward output for the backward pass. */
#ifndef FC_MODEL_NET_H
#define FC_MODEL_NET_H
#include <stddef.h>
#include <stdint.h>
#include "nn/nn.h"

typedef enum fc_layer_kind {
    FC_L_DENSE,
    FC_L_CONV,  /* Conv2d */
    FC_L_CONVT, /* ConvTranspose2d */
    FC_L_LRELU,
    FC_L_RELU,
    FC_L_SIGMOID,
    FC_L_TANH,
    FC_L_BN,
    FC_L_DROPOUT,
    FC_L_RESHAPE, /* reinterpret [N,F] as [N,C,H,W] or back (Flatten): no data movement */
    FC_L_UPSAMPLE, /* nearest-neighbour x2 (resize-convolution's first half) */
    FC_L_UPCONV,   /* nearest x2 then Conv 3x3 p1 (weights [cout,cin,3,3]), run as ConvT k4 s2 p1 */
    FC_L_MBSTD,    /* minibatch standard deviation: one extra channel (src/nn/mbstd.c) */
} fc_layer_kind;

typedef struct fc_layer {
    fc_layer_kind kind;
    char name[24];           /* parameter prefix, e.g. "up1" -> "G.up1.weight" */
    int in_c, in_h, in_w;    /* per-sample input shape (dense: in_c features, h = w = 1) */
    int out_c, out_h, out_w; /* per-sample output shape */
    int k, stride, pad;      /* conv */
    float slope;             /* leaky relu */
    float p;                 /* dropout */
    int group;               /* minibatch stddev: samples per group */
    /* parameters: offsets into net->params (SIZE_MAX if none) */
    size_t w_off, b_off, w_n, b_n;
    int w_shape[4], w_ndim; /* PyTorch layout */
    fc_conv *conv;          /* conv plan */
    /* batchnorm: running statistics (buffers, saved in checkpoints) and cache */
    float *running_mean, *running_var;
    fc_bn_cache bn;
    /* spectral normalisation of the weight (Dense, Conv2d): u [sn_rows], v [sn_cols] are buffers
     * (saved as weight_u, weight_v); w_sn = W / sigma is what forward and backward use; dw_sn is
     * scratch for its gradient; sn_scratch holds sn_rows + sn_cols doubles */
    int sn, sn_rows, sn_cols;
    float *sn_u, *sn_v, *w_sn, *dw_sn, sn_sigma;
    double *sn_scratch;
    float *w_t, *dw_t; /* upconv: the equivalent ConvTranspose weight [cin,cout,4,4] and its gradient */
    /* forward output [max_batch * out size]; NULL for in-place-free layers */
    float *out;
    uint8_t *mask; /* dropout mask */
} fc_layer;

#define FC_NET_MAX_LAYERS 32

typedef struct fc_net {
    char prefix[8]; /* "G", "D" or "G_ema" */
    int nlayers;
    fc_layer layers[FC_NET_MAX_LAYERS];
    int max_batch;
    size_t nparams;
    float *params, *grads, *adam_m, *adam_v; /* fused, nparams each */
    float *dbuf[2];                          /* ping-pong gradient buffers, max activation size */
    size_t max_act;                          /* largest per-sample activation (floats) */
    int in_c, in_h, in_w;                    /* per-sample input shape */
    int in_size, out_size;                   /* per-sample input/output floats */
    int training;                            /* dropout / batchnorm / spectral-norm mode */
    fc_precision precision;                  /* of the conv and dense GEMMs (fc_net_set_precision) */
    float bn_momentum;                       /* BatchNorm running-stat momentum (PyTorch's 0.1) */
    /* Dropout masks (counter-based, see fc_dropout_forward): layer i uses seed drop_seed + i.
     * Before each training forward the caller sets drop_counter (a fresh value per pass) and
     * drop_rows (global index of each input row, borrowed; NULL = 0..N-1). */
    uint64_t drop_seed, drop_counter;
    const uint32_t *drop_rows;
} fc_net;

/* Building: add layers in order, then fc_net_finalize allocates everything. */
void fc_net_init(fc_net *n, const char *prefix, int in_c, int in_h, int in_w);
void fc_net_dense(fc_net *n, const char *name, int out);
void fc_net_dense_nobias(fc_net *n, const char *name, int out); /* before BatchNorm: a bias would be inert */
void fc_net_conv(fc_net *n, const char *name, int transposed, int cout, int k, int stride, int pad, int bias);
/* A convolution layer by named fields, e.g.
 *     fc_net_add_conv(G, (fc_conv_spec){.name = "up1", .kind = FC_CONV_T, .out = 256, .k = 4, .stride = 2, .pad = 1});
 * kind: FC_CONV (Conv2d), FC_CONV_T (ConvTranspose2d) or FC_CONV_UP (Upsample x2 nearest + Conv2d
 * 3x3 p1, run as one layer: k, stride and pad are implied).  stride 0 means 1.  bias: 0 or 1. */
typedef enum fc_conv_kind { FC_CONV = 0, FC_CONV_T = 1, FC_CONV_UP = 2 } fc_conv_kind;
typedef struct fc_conv_spec {
    const char *name;
    fc_conv_kind kind;
    int out, k, stride, pad, bias;
    int spectral_norm; /* normalise the weight (fc_net_spectral_norm) */
} fc_conv_spec;
void fc_net_add_conv(fc_net *n, fc_conv_spec s);
void fc_net_act(fc_net *n, fc_layer_kind kind, float slope);
void fc_net_bn(fc_net *n, const char *name);
void fc_net_dropout(fc_net *n, float p);
void fc_net_reshape(fc_net *n, int c, int h, int w);
void fc_net_upsample(fc_net *n);
/* Resize-convolution: Upsample x2 (nearest) + Conv2d 3x3 p1 in one layer (src/nn/upconv.c). */
void fc_net_upconv(fc_net *n, const char *name, int cout, int bias);
/* Minibatch standard deviation over consecutive groups of `group` samples (Karras et al. 2018):
 * C channels in, C + 1 out.  A batch through it must keep the groups it means together:
 * fc_trainer_init refuses a per-process batch that is not a multiple of the group. */
void fc_net_mbstd(fc_net *n, int group);
/* The group of the net's minibatch-stddev layer, 0 when it has none. */
int fc_net_mbstd_group(const fc_net *n);
/* Spectral normalisation on the last added layer (Dense or Conv2d). */
void fc_net_spectral_norm(fc_net *n);
int fc_net_finalize(fc_net *n, int max_batch, fc_error *err);
void fc_net_free(fc_net *n);
/* PyTorch default initialisation (kaiming_uniform(a=sqrt(5)) for weights, U(-1/sqrt(fan_in), ..) for bias;
 * BN gamma 1, beta 0), or DCGAN's N(0, 0.02) when dcgan_init. */
void fc_net_init_params(fc_net *n, fc_rng *rng, int dcgan_init);
/* GEMM precision of every conv and dense layer (kept across fc_net_reserve); returns
 * the precision in effect (FC_PREC_BF16 without AVX512-BF16 runs fp32). */
fc_precision fc_net_set_precision(fc_net *n, fc_precision p);
/* Grow the batch capacity (reallocates activations and conv plans). */
int fc_net_reserve(fc_net *n, int max_batch, fc_error *err);

/* Forward N samples; returns the output (owned by the net, valid until the next forward). */
const float *fc_net_forward(fc_net *n, const float *x, int N);
/* Backward from dy (dL/d output).  Accumulates weight grads when wgrad != 0; writes dL/dx into dx when
 * dx != NULL.  x must be the same input passed to the last forward. */
void fc_net_backward(fc_net *n, const float *x, const float *dy, int N, float *dx, int wgrad);
void fc_net_zero_grad(fc_net *n);
void fc_net_adam(fc_net *n, const fc_adam_cfg *cfg, uint64_t t);

/* Parameter tensor iteration for checkpoints: tensor i of fc_net_tensor_count(). Names are "G.up1.weight".
 * Works on a net that is built but not finalized (data is then NULL). */
typedef struct fc_tensor_ref {
    char name[48];
    int ndim, shape[4];
    float *data;
    size_t n;
    int is_buffer; /* BN running stats, spectral-norm u and v (not trained) */
} fc_tensor_ref;
int fc_net_tensor_count(const fc_net *n);
void fc_net_tensor(const fc_net *n, int i, fc_tensor_ref *out);

#endif
