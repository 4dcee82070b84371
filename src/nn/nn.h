/* The nn engine: float32, NCHW, forward and backward for each layer type.
 *
 * Style (after llm.c): each layer is a pair of plain functions over raw float
 * arrays whose shapes are given explicitly.  Parameters and gradients live in
 * the caller's buffers (a model keeps all of them in one fused array each).
 * Backward functions ACCUMULATE weight/bias gradients (+=): the caller zeroes
 * them at the start of a step.  Input gradients (dx) are OVERWRITTEN, and dx may
 * be NULL when not needed.  Heavy math goes to OpenBLAS (cblas_sgemm), or in
 * bf16 mode to the engine's bfloat16 GEMM (gemm_bf16.h); loops are OpenMP-parallel.
 *
 * Convolutions carry a plan (fc_conv) created once per shape: it owns its
 * scratch space so steady-state steps allocate nothing.
 *
 * Threads: call fc_set_threads first.  It sets the OpenMP thread count and
 * keeps OpenBLAS single-threaded: convolutions give each thread whole images
 * (single-threaded GEMMs), other GEMMs are split into per-thread blocks.  On a
 * 2-core machine this beat OpenBLAS's own pool by 4-10x under load (two pools
 * spinning on two cores).  A plan sizes its per-thread scratch for the thread
 * count at creation and never uses more threads than that.  Results do not
 * depend on the thread count except for float summation order.
 */
#ifndef FC_NN_H
#define FC_NN_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"
#include "util/rng.h"

/* ---- Dense: x [N,in] -> y [N,out];  W [out,in] (PyTorch Linear), b [out] ---- */
void fc_dense_forward(float *y, const float *x, const float *W, const float *b, int N, int in, int out);
void fc_dense_backward(float *dx, float *dW, float *db, const float *dy, const float *x, const float *W, int N,
                       int in, int out);
/* The same with the GEMMs at a precision (facecrypt.h fc_precision); the two above are fp32. */
void fc_dense_forward_prec(fc_precision prec, float *y, const float *x, const float *W, const float *b, int N, int in,
                           int out);
void fc_dense_backward_prec(fc_precision prec, float *dx, float *dW, float *db, const float *dy, const float *x,
                            const float *W, int N, int in, int out);

/* ---- Conv2d / ConvTranspose2d ----------------------------------------------
 * Conv2d:           x [N,cin,h,w] -> y [N,cout,oh,ow], W [cout,cin,k,k],
 *                   oh = (h + 2p - k)/s + 1
 * ConvTranspose2d:  x [N,cin,h,w] -> y [N,cout,oh,ow], W [cin,cout,k,k],
 *                   oh = (h - 1)*s - 2p + k
 * Bias b [cout] may be NULL (no bias). */
typedef struct fc_conv_desc {
    int transposed;
    int cin, cout, k, stride, pad;
    int h, w;   /* input spatial size */
    int oh, ow; /* output spatial size (filled in by fc_conv_create) */
} fc_conv_desc;

typedef struct fc_conv fc_conv; /* opaque plan */

/* Create a plan for batches of up to max_batch images. */
int fc_conv_create(const fc_conv_desc *d, int max_batch, fc_conv **out, fc_error *err);
/* The same with the algorithm chosen (tests, benchmarks): 0 automatic, 1 im2col of
 * the input (Conv2d only), 2 col2im into the output (ConvTranspose2d, or Conv2d
 * with stride 1), 3 Winograd F(3x3,2x2) (ConvTranspose2d k4 s2 p1 only).
 * fc_conv_create picks 3 where it applies, 2 for other ConvTranspose2d and for a
 * stride-1 Conv2d with cout*4 <= cin, else 1. */
int fc_conv_create_lowering(const fc_conv_desc *d, int max_batch, int lowering, fc_conv **out, fc_error *err);
void fc_conv_free(fc_conv *c);
const fc_conv_desc *fc_conv_get_desc(const fc_conv *c);
void fc_conv_forward(fc_conv *c, int N, const float *x, const float *W, const float *b, float *y);
/* dx = dL/dx (overwritten). */
void fc_conv_backward_data(fc_conv *c, int N, const float *dy, const float *W, float *dx);
/* dW += dL/dW, db += dL/db (db may be NULL). */
void fc_conv_backward_weights(fc_conv *c, int N, const float *dy, const float *x, float *dW, float *db);
/* Tuning knobs for benchmarks and tests (the defaults are measured choices):
 * par_images -1 auto, 0 images in sequence with each GEMM split across threads,
 * 1 one image per thread; col_budget_bytes > 0 caps the column buffer per thread
 * (Winograd: its transform buffer; either can only shrink below the create-time
 * size), 0 leaves it. */
void fc_conv_set_options(fc_conv *c, int par_images, int col_budget_bytes);
/* GEMM precision of the plan's three operations (default fp32; FC_PREC_BF16 on a
 * CPU without AVX512-BF16 stays fp32). */
void fc_conv_set_precision(fc_conv *c, fc_precision prec);

/* ---- element-wise activations (y may alias x; dx may alias dy) ------------ */
void fc_leaky_relu_forward(float *y, const float *x, size_t n, float slope);
/* Uses the forward OUTPUT y (sign of y == sign of x for slope > 0). */
void fc_leaky_relu_backward(float *dx, const float *dy, const float *y, size_t n, float slope);
void fc_relu_forward(float *y, const float *x, size_t n);
void fc_relu_backward(float *dx, const float *dy, const float *y, size_t n);
void fc_sigmoid_forward(float *y, const float *x, size_t n);
void fc_sigmoid_backward(float *dx, const float *dy, const float *y, size_t n);
void fc_tanh_forward(float *y, const float *x, size_t n);
void fc_tanh_backward(float *dx, const float *dy, const float *y, size_t n);

/* ---- Dropout (inverted: kept units are scaled by 1/(1-p)) -----------------
 * x, y, mask: [N, per_row]; mask = 1 where kept; p == 0 keeps all.  The mask is
 * counter-based: element j of row r is kept iff U(hash(seed, counter, g, j)) >= p
 * (U: 24-bit uniform in [0,1)), where g = key->rows[r] (NULL rows: g = r) is the
 * row's GLOBAL index.  So a sample's mask depends only on (seed, counter, its
 * place in the global batch): not on how the batch is split across processes or
 * threads, and not on earlier calls. */
typedef struct fc_dropout_key {
    uint64_t seed;        /* the stream (a run's dropout seed, mixed with the layer) */
    uint64_t counter;     /* one value per forward pass: e.g. from (step, phase) */
    const uint32_t *rows; /* [N] global row index of each local row; NULL = 0..N-1 */
} fc_dropout_key;
void fc_dropout_forward(float *y, const float *x, uint8_t *mask, int N, size_t per_row, float p,
                        const fc_dropout_key *key);
void fc_dropout_backward(float *dx, const float *dy, const uint8_t *mask, size_t n, float p);

/* ---- BatchNorm2d over x [N,C,HW] (PyTorch semantics: eps, momentum 0.1,
 * biased variance to normalise, unbiased variance in running_var) ----------- */
typedef struct fc_bn_cache {
    float *mean;   /* [C] batch mean (training) */
    float *invstd; /* [C] 1/sqrt(var+eps) */
} fc_bn_cache;
void fc_batchnorm_forward_train(float *y, const float *x, const float *gamma, const float *beta, float *running_mean,
                                float *running_var, fc_bn_cache *cache, int N, int C, int HW, float eps,
                                float momentum);
void fc_batchnorm_forward_eval(float *y, const float *x, const float *gamma, const float *beta,
                               const float *running_mean, const float *running_var, int N, int C, int HW, float eps);
/* Needs the forward input x.  dgamma/dbeta accumulate; dx overwritten. */
void fc_batchnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                           const float *gamma, const fc_bn_cache *cache, int N, int C, int HW);

/* ---- Binary cross-entropy on logits (Sigmoid + BCELoss fused, stable) ------
 * loss = mean_i [ softplus(z_i) - t_i z_i ];  dz (may be NULL) = (sigmoid(z)-t)/N * scale.
 * prob (may be NULL) receives sigmoid(z).  Returns the loss. */
float fc_bce_logits(const float *z, const float *t, int N, float *dz, float scale, float *prob);

/* ---- Nearest upsampling by 2 (torch.nn.Upsample(scale_factor=2), resize-convolution's
 * first half): x [N,C,h,w] -> y [N,C,2h,2w]; backward sums each 2x2 block (dx overwritten). */
void fc_upsample2_forward(float *y, const float *x, int N, int C, int h, int w);
void fc_upsample2_backward(float *dx, const float *dy, int N, int C, int h, int w);

/* ---- Minibatch standard deviation (src/nn/mbstd.c): x [N,C,HW] -> y [N,C+1,HW], the extra
 * channel the mean over features of the per-feature std over consecutive groups of `group`
 * samples; backward writes dx [N,C,HW] (overwritten) from dy [N,C+1,HW] and the forward's x. */
void fc_mbstd_forward(float *y, const float *x, int N, int C, int HW, int group);
void fc_mbstd_backward(float *dx, const float *dy, const float *x, int N, int C, int HW, int group);

/* ---- Resize-convolution (upsample x2 nearest, then Conv 3x3 p1) as ConvTranspose2d k4 s2 p1
 * (src/nn/upconv.c): Wt [cin,cout,4,4] from W [cout,cin,3,3]; the backward accumulates
 * dW += fold(dWt). */
void fc_upconv_weights(float *Wt, const float *W, int cin, int cout);
void fc_upconv_weights_backward(float *dW, const float *dWt, int cin, int cout);

/* ---- Spectral normalisation (Miyato et al. 2018) as torch.nn.utils.spectral_norm (dim 0,
 * eps 1e-12): W viewed as [rows, cols] (Conv2d [cout, cin*k*k], Linear [out, in]); u [rows]
 * and v [cols] persist between calls.  power_iter != 0 (training): v = normalize(W^T u),
 * u = normalize(W v) in place first.  Writes Wsn = W / sigma, sigma = u . (W v); returns sigma.
 * scratch: rows + cols doubles. */
float fc_sn_forward(float *Wsn, const float *W, float *u, float *v, int rows, int cols, int power_iter,
                    double *scratch);
/* dW += (dWsn - <dWsn, W>/sigma * u v^T) / sigma: PyTorch's gradient (u, v constants). */
void fc_sn_backward(float *dW, const float *dWsn, const float *W, const float *u, const float *v, int rows, int cols,
                    float sigma);

/* ---- DiffAugment (Zhao et al. 2020), "color,translation,cutout", one draw per image
 * (src/nn/diffaug.c has the exact definitions). */
typedef struct fc_diffaug_params {
    float brightness; /* added */
    float saturation; /* factor about the per-pixel channel mean */
    float contrast;   /* factor about the image mean */
    int tx, ty;       /* translation: out[h][w] = in[h + tx][w + ty] (0 outside) */
    int cx, cy;       /* cutout square (H/2 x W/2) centred at row cx, column cy */
} fc_diffaug_params;
/* Parameters of global row `row` for (seed, counter); brightness_scale 1 for data in [-1,1],
 * 0.5 for [0,1]. */
void fc_diffaug_draw(fc_diffaug_params *p, uint64_t seed, uint64_t counter, uint32_t row, int H, int W,
                     float brightness_scale);
/* x, y: [N,C,H,W], y must not alias x; prm[N].  Backward: dx = transpose of the linear part (overwritten). */
void fc_diffaug_forward(float *y, const float *x, const fc_diffaug_params *prm, int N, int C, int H, int W);
void fc_diffaug_backward(float *dx, const float *dy, const fc_diffaug_params *prm, int N, int C, int H, int W);

/* ---- Hinge loss on logits: mean_i relu(1 - sign z_i) (D: sign +1 reals, -1 fakes);
 * dz (may be NULL) = -sign/N * scale where the hinge is active.  Returns the loss. */
float fc_hinge_logits(const float *z, int N, float sign, float *dz, float scale);
/* The generator's hinge loss -mean(z); dz (may be NULL) = -scale/N. */
float fc_neg_mean_logits(const float *z, int N, float *dz, float scale);

/* ---- Weight EMA (Yazici et al. 2019): ema = decay*ema + (1-decay)*w; decay for update t
 * (0-based) with warm-up: min(decay, (1+t)/(10+t)). */
void fc_ema_update(float *ema, const float *w, size_t n, float decay);
float fc_ema_decay_at(float decay, uint64_t t);

/* ---- Adam (PyTorch semantics, bias-corrected, step t counts from 1) --------- */
typedef struct fc_adam_cfg {
    float lr, beta1, beta2, eps;
} fc_adam_cfg;
void fc_adam_update(float *w, const float *g, float *m, float *v, size_t n, const fc_adam_cfg *cfg, uint64_t t);

/* ---- helpers ---------------------------------------------------------------- */
/* FC_PREC_BF16 on a CPU without AVX512-BF16 is FC_PREC_FP32; anything else is itself. */
fc_precision fc_precision_effective(fc_precision p);
/* y[i] = 0 */
void fc_zero(float *y, size_t n);
/* 64-byte aligned allocation, zeroed; free with fc_free_aligned. NULL on failure. */
float *fc_alloc_floats(size_t n);
void fc_free_aligned(void *p);

#endif
