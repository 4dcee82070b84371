/* Unit tests of the nn engine against independent expectations: convolution
 * against a naive direct (double) convolution in every execution mode, dense
 * against naive loops, dropout's mask statistics, determinism and independence of the batch split, Adam against
 * a 2-step update worked out by hand, BatchNorm's running statistics and eval
 * mode, BCE against PyTorch's Sigmoid+BCELoss formula, the activations'
 * formulas, and the memory/thread helpers. */
#include <cblas.h>
#include <string.h>
#include "nn/nn.h"
#include "testutil.h"

static fc_rng g_rng;

static float *randn(size_t n, float std) {
    float *p = fc_alloc_floats(n);
    fc_rng_fill_normal(&g_rng, p, n, 0.0f, std);
    return p;
}

/* max |a-b| / max(1, max|b|) */
static double scaled_err(const float *a, const float *b, size_t n) {
    double m = 1.0, e = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)b[i]));
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= e)) e = d;
    }
    return e / m;
}

/* ---- naive convolution (double), straight from the definitions ------------- */
typedef struct {
    int tr, cin, cout, k, s, p, h, w, oh, ow, N;
} shape;

/* Calls f(n, i, o, iy, ix, oy, ox, ky, kx) for every (input, output, tap) triple. */
#define FOR_TAPS(S, BODY)                                                                            \
    for (int n = 0; n < (S).N; n++)                                                                  \
        for (int o = 0; o < (S).cout; o++)                                                           \
            for (int i = 0; i < (S).cin; i++)                                                        \
                for (int ky = 0; ky < (S).k; ky++)                                                   \
                    for (int kx = 0; kx < (S).k; kx++)                                               \
                        for (int a = 0; a < ((S).tr ? (S).h : (S).oh); a++)                          \
                            for (int bb = 0; bb < ((S).tr ? (S).w : (S).ow); bb++) {                 \
                                /* conv: (a,bb) is the output pixel; convT: the input pixel */       \
                                int oy, ox, iy, ix;                                                  \
                                if (!(S).tr) {                                                       \
                                    oy = a, ox = bb, iy = a * (S).s - (S).p + ky, ix = bb * (S).s - (S).p + kx; \
                                } else {                                                             \
                                    iy = a, ix = bb, oy = a * (S).s - (S).p + ky, ox = bb * (S).s - (S).p + kx; \
                                }                                                                    \
                                if (iy < 0 || iy >= (S).h || ix < 0 || ix >= (S).w || oy < 0 ||     \
                                    oy >= (S).oh || ox < 0 || ox >= (S).ow)                          \
                                    continue;                                                        \
                                size_t xi = (((size_t)n * (S).cin + i) * (S).h + iy) * (S).w + ix;   \
                                size_t yi = (((size_t)n * (S).cout + o) * (S).oh + oy) * (S).ow + ox; \
                                size_t wi = (S).tr ? (((size_t)i * (S).cout + o) * (S).k + ky) * (S).k + kx \
                                                   : (((size_t)o * (S).cin + i) * (S).k + ky) * (S).k + kx; \
                                BODY;                                                                \
                            }

static void naive_forward(shape S, const float *x, const float *W, const float *b, float *y) {
    size_t yn = (size_t)S.N * S.cout * S.oh * S.ow, plane = (size_t)S.oh * S.ow;
    double *acc = calloc(yn, sizeof(double));
    FOR_TAPS(S, acc[yi] += (double)W[wi] * x[xi]);
    for (size_t j = 0; j < yn; j++) y[j] = (float)(acc[j] + (b ? b[(j / plane) % S.cout] : 0.0));
    free(acc);
}

static void naive_backward(shape S, const float *dy, const float *x, const float *W, float *dx, float *dW,
                           float *db) {
    size_t xn = (size_t)S.N * S.cin * S.h * S.w, wn = (size_t)S.cin * S.cout * S.k * S.k;
    size_t yn = (size_t)S.N * S.cout * S.oh * S.ow, plane = (size_t)S.oh * S.ow;
    double *ax = calloc(xn, sizeof(double)), *aw = calloc(wn, sizeof(double)), *ab = calloc(S.cout, sizeof(double));
    FOR_TAPS(S, {
        ax[xi] += (double)W[wi] * dy[yi];
        aw[wi] += (double)x[xi] * dy[yi];
    });
    for (size_t j = 0; j < yn; j++) ab[(j / plane) % S.cout] += dy[j];
    for (size_t j = 0; j < xn; j++) dx[j] = (float)ax[j];
    for (size_t j = 0; j < wn; j++) dW[j] = (float)aw[j];
    for (int o = 0; o < S.cout; o++) db[o] = (float)ab[o];
    free(ax);
    free(aw);
    free(ab);
}

/* Run one shape in every execution mode and compare with the naive reference. */
static void test_conv_shape(int tr, int cin, int cout, int k, int s, int p, int h, int w, int N, int bias) {
    shape S = {tr, cin, cout, k, s, p, h, w, 0, 0, N};
    S.oh = tr ? (h - 1) * s - 2 * p + k : (h + 2 * p - k) / s + 1;
    S.ow = tr ? (w - 1) * s - 2 * p + k : (w + 2 * p - k) / s + 1;
    size_t xn = (size_t)N * cin * h * w, yn = (size_t)N * cout * S.oh * S.ow, wn = (size_t)cin * cout * k * k;
    float *x = randn(xn, 1), *W = randn(wn, 0.2f), *b = bias ? randn(cout, 0.5f) : NULL, *dy = randn(yn, 1);
    float *ry = fc_alloc_floats(yn), *rdx = fc_alloc_floats(xn), *rdW = fc_alloc_floats(wn),
          *rdb = fc_alloc_floats(cout);
    float *y = fc_alloc_floats(yn), *dx = fc_alloc_floats(xn), *dW = fc_alloc_floats(wn), *db = fc_alloc_floats(cout);
    naive_forward(S, x, W, b, ry);
    naive_backward(S, dy, x, W, rdx, rdW, rdb);
    char name[96];
    snprintf(name, sizeof name, "%s %d->%d k%d s%d p%d %dx%d N%d%s", tr ? "convT" : "conv", cin, cout, k, s, p, h, w,
             N, bias ? "" : " nobias");
    /* lowering 0 = automatic, 1 = im2col (conv), 2 = col2im (convT; conv with stride 1),
     * 3 = Winograd (convT k4 s2 p1) */
    for (int lower = 0; lower <= 3; lower++) {
        if ((lower == 1 && tr) || (lower == 2 && !tr && s != 1) || (lower == 3 && !(tr && k == 4 && s == 2 && p == 1)))
            continue;
        fc_conv_desc d = {.transposed = tr, .cin = cin, .cout = cout, .k = k, .stride = s, .pad = p, .h = h, .w = w};
        fc_conv *c = NULL;
        fc_error err = {0};
        int rc = fc_conv_create_lowering(&d, N, lower, &c, &err);
        CHECKF(rc == FC_OK, "%s: create: %s", name, err.msg);
        if (rc) continue;
        CHECKF(fc_conv_get_desc(c)->oh == S.oh && fc_conv_get_desc(c)->ow == S.ow, "%s: output size %dx%d", name,
               fc_conv_get_desc(c)->oh, fc_conv_get_desc(c)->ow);
        /* modes: automatic; images in sequence; one image per thread; tiny column chunks */
        const int modes[4][2] = {{-1, 0}, {0, 0}, {1, 0}, {-1, 1}};
        for (int m = 0; m < 4; m++) {
            fc_conv_set_options(c, modes[m][0], modes[m][1]);
            memset(y, 0xff, yn * sizeof(float)); /* NaN: every output must be written */
            fc_conv_forward(c, N, x, W, b, y);
            double e = scaled_err(y, ry, yn);
            CHECKF(e <= 1e-4, "%s lower %d mode %d: forward error %.3g", name, lower, m, e);
            memset(dx, 0xff, xn * sizeof(float));
            fc_conv_backward_data(c, N, dy, W, dx);
            e = scaled_err(dx, rdx, xn);
            CHECKF(e <= 1e-4, "%s lower %d mode %d: backward-data error %.3g", name, lower, m, e);
            /* weights accumulate: start from 1 and subtract it afterwards */
            for (size_t j = 0; j < wn; j++) dW[j] = 1.0f;
            for (int o = 0; o < cout; o++) db[o] = 1.0f;
            fc_conv_backward_weights(c, N, dy, x, dW, bias ? db : NULL);
            for (size_t j = 0; j < wn; j++) dW[j] -= 1.0f;
            for (int o = 0; o < cout; o++) db[o] -= 1.0f;
            e = scaled_err(dW, rdW, wn);
            CHECKF(e <= 1e-4, "%s lower %d mode %d: backward-weights error %.3g", name, lower, m, e);
            if (bias) {
                e = scaled_err(db, rdb, cout);
                CHECKF(e <= 1e-4, "%s lower %d mode %d: bias-gradient error %.3g", name, lower, m, e);
            } else {
                int untouched = 1;
                for (int o = 0; o < cout; o++) untouched &= db[o] == 0.0f;
                CHECKF(untouched, "%s: db written without bias", name);
            }
            /* a smaller batch than the plan's maximum */
            if (N > 1) {
                fc_conv_forward(c, 1, x, W, b, y);
                e = scaled_err(y, ry, yn / N);
                CHECKF(e <= 1e-4, "%s lower %d mode %d: forward N=1 error %.3g", name, lower, m, e);
            }
        }
        fc_conv_free(c);
    }
    float *ptrs[] = {x, W, b, dy, ry, rdx, rdW, rdb, y, dx, dW, db};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) fc_free_aligned(ptrs[i]);
}

static void test_conv_create_errors(void) {
    fc_conv *c = (fc_conv *)1;
    fc_error err = {0};
    fc_conv_desc d = {.transposed = 0, .cin = 3, .cout = 4, .k = 5, .stride = 1, .pad = 0, .h = 3, .w = 3};
    CHECK(fc_conv_create(&d, 4, &c, &err) != FC_OK && c == NULL && err.msg[0]);
    d.k = 3;
    d.stride = 0;
    CHECK(fc_conv_create(&d, 4, &c, &err) != FC_OK && c == NULL);
    d.stride = 2;
    CHECK(fc_conv_create_lowering(&d, 4, 2, &c, &err) != FC_OK); /* output lowering needs stride 1 */
    CHECK(fc_conv_create_lowering(&d, 4, 3, &c, &err) != FC_OK); /* Winograd: ConvTranspose2d k4 s2 p1 only */
    CHECK(fc_conv_create(&d, 0, &c, &err) != FC_OK);
}

/* ---- dense ---------------------------------------------------------------------- */
static void test_dense(int N, int in, int out) {
    float *x = randn((size_t)N * in, 1), *W = randn((size_t)out * in, 0.1f), *b = randn(out, 1);
    float *y = fc_alloc_floats((size_t)N * out), *ry = fc_alloc_floats((size_t)N * out);
    for (int n = 0; n < N; n++)
        for (int o = 0; o < out; o++) {
            double s = b[o];
            for (int i = 0; i < in; i++) s += (double)x[(size_t)n * in + i] * W[(size_t)o * in + i];
            ry[(size_t)n * out + o] = (float)s;
        }
    fc_dense_forward(y, x, W, b, N, in, out);
    double e = scaled_err(y, ry, (size_t)N * out);
    CHECKF(e <= 1e-4, "dense %dx%d->%d forward error %.3g", N, in, out, e);
    fc_dense_forward(y, x, W, NULL, N, in, out);
    for (int n = 0; n < N; n++)
        for (int o = 0; o < out; o++) ry[(size_t)n * out + o] -= b[o];
    e = scaled_err(y, ry, (size_t)N * out);
    CHECKF(e <= 1e-4, "dense no-bias forward error %.3g", e);
    float *ptrs[] = {x, W, b, y, ry};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) fc_free_aligned(ptrs[i]);
}

/* ---- dropout -------------------------------------------------------------------- */
static void test_dropout(void) {
    const int N = 64;
    const size_t per = 1 << 14, n = (size_t)N * per;
    float *x = randn(n, 1), *y = fc_alloc_floats(n), *dy = randn(n, 1), *dx = fc_alloc_floats(n);
    uint8_t *mask = malloc(n), *mask2 = malloc(n);
    fc_dropout_key key = {.seed = 7, .counter = 0, .rows = NULL};
    fc_dropout_forward(y, x, mask, N, per, 0.0f, &key);
    CHECK(memcmp(x, y, n * sizeof(float)) == 0);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) kept += mask[i];
    CHECK(kept == n);

    const float p = 0.2f;
    key.seed = 42;
    fc_dropout_forward(y, x, mask, N, per, p, &key);
    kept = 0;
    size_t bad_scale = 0, bad_zero = 0;
    for (size_t i = 0; i < n; i++) {
        kept += mask[i];
        if (mask[i]) bad_scale += fabsf(y[i] - x[i] / (1.0f - p)) > 1e-6f * (1 + fabsf(x[i]));
        else bad_zero += y[i] != 0.0f;
    }
    double frac = (double)kept / n; /* binomial sd = sqrt(.16/n) = 0.0004 */
    CHECKF(fabs(frac - 0.8) < 0.003, "kept fraction %.4f", frac);
    CHECK(bad_scale == 0 && bad_zero == 0);
    /* every row and every element position drops at the rate p (no row or column pattern) */
    size_t worst_row = 0, col_kept[8] = {0};
    for (int r = 0; r < N; r++) {
        size_t k = 0;
        for (size_t j = 0; j < per; j++) k += mask[(size_t)r * per + j];
        size_t dev = k > per * 4 / 5 ? k - per * 4 / 5 : per * 4 / 5 - k;
        if (dev > worst_row) worst_row = dev;
        for (size_t j = 0; j < 8; j++) col_kept[j] += mask[(size_t)r * per + j * 1000];
    }
    CHECKF(worst_row < 300, "a row keeps %zu away from 80%% of %zu", worst_row, per); /* sd 51 */
    size_t col_total = 0;
    for (int j = 0; j < 8; j++) col_total += col_kept[j];
    CHECK(col_total > 8 * N * 6 / 10 && col_total < 8 * N * 95 / 100);
    /* adjacent elements are uncorrelated: P(both kept) ~ 0.64 */
    size_t both = 0;
    for (size_t i = 0; i + 1 < n; i += 2) both += mask[i] && mask[i + 1];
    double pb = (double)both / (n / 2);
    CHECKF(fabs(pb - 0.64) < 0.005, "P(adjacent both kept) %.4f", pb);
    /* backward uses the same mask and scale */
    fc_dropout_backward(dx, dy, mask, n, p);
    size_t bad_bwd = 0;
    for (size_t i = 0; i < n; i++)
        bad_bwd += mask[i] ? fabsf(dx[i] - dy[i] / (1.0f - p)) > 1e-6f * (1 + fabsf(dy[i])) : dx[i] != 0.0f;
    CHECK(bad_bwd == 0);
    /* same key, same mask, also with other thread counts; another seed or counter, another mask */
    int th = fc_get_threads();
    fc_set_threads(1);
    fc_dropout_forward(y, x, mask2, N, per, p, &key);
    fc_set_threads(th);
    CHECK(memcmp(mask, mask2, n) == 0);
    key.seed = 43;
    fc_dropout_forward(y, x, mask2, N, per, p, &key);
    CHECK(memcmp(mask, mask2, n) != 0);
    key.seed = 42;
    key.counter = 1;
    fc_dropout_forward(y, x, mask2, N, per, p, &key);
    CHECK(memcmp(mask, mask2, n) != 0);
    /* the mask of a row depends on its global index only: rows [0,N) computed as two shards with
     * explicit global rows give the whole batch's mask; and different rows get different masks */
    key.counter = 0;
    uint32_t rows[64];
    for (int r = 0; r < N; r++) rows[r] = (uint32_t)r;
    const int split = 23; /* uneven */
    key.rows = rows;
    fc_dropout_forward(y, x, mask2, split, per, p, &key);
    key.rows = rows + split;
    fc_dropout_forward(y, x + (size_t)split * per, mask2 + (size_t)split * per, N - split, per, p, &key);
    CHECK(memcmp(mask, mask2, n) == 0);
    CHECK(memcmp(mask, mask + per, per) != 0);
    /* a row placed elsewhere in the local buffer keeps its global mask */
    uint32_t g = 40;
    key.rows = &g;
    fc_dropout_forward(y, x, mask2, 1, per, p, &key);
    CHECK(memcmp(mask2, mask + 40 * per, per) == 0);
    fc_free_aligned(x);
    fc_free_aligned(y);
    fc_free_aligned(dy);
    fc_free_aligned(dx);
    free(mask);
    free(mask2);
}

/* ---- Adam: two steps worked out by hand ------------------------------------------ */
static void test_adam(void) {
    /* lr 0.1, betas (0.9, 0.999), eps 1e-8.  Element 0: w=1, g=0.5 then -0.25.
     * step 1: m=0.05, v=0.00025, m^=0.5, v^=0.25, w = 1 - 0.1*0.5/(0.5+1e-8) = 0.900000002
     * step 2: m=0.02, v=0.00031225, m^=0.02/0.19, v^=0.00031225/0.001999,
     *         w = 0.9 - 0.1*0.1052632/(0.3952254+1e-8) = 0.8733663
     * Element 1: w=-2, g=-3 then 1: m=-0.3, v=0.009, w=-1.9; m=-0.17, v=0.009991, w=-1.8599781 */
    fc_adam_cfg cfg = {0.1f, 0.9f, 0.999f, 1e-8f};
    float w[2] = {1.0f, -2.0f}, m[2] = {0, 0}, v[2] = {0, 0};
    float g1[2] = {0.5f, -3.0f}, g2[2] = {-0.25f, 1.0f};
    fc_adam_update(w, g1, m, v, 2, &cfg, 1);
    CHECKF(fabsf(w[0] - 0.900000002f) < 1e-6f && fabsf(w[1] + 1.9f) < 1e-6f, "adam step 1: %.8f %.8f", w[0], w[1]);
    CHECK(fabsf(m[0] - 0.05f) < 1e-8f && fabsf(v[0] - 0.00025f) < 1e-10f);
    fc_adam_update(w, g2, m, v, 2, &cfg, 2);
    CHECKF(fabsf(w[0] - 0.8733663f) < 2e-6f && fabsf(w[1] + 1.8599781f) < 2e-6f, "adam step 2: %.8f %.8f", w[0],
           w[1]);
    CHECK(fabsf(m[0] - 0.02f) < 1e-8f && fabsf(v[0] - 0.00031225f) < 1e-10f);
    CHECK(fabsf(m[1] + 0.17f) < 1e-7f && fabsf(v[1] - 0.009991f) < 1e-9f);
    /* a long vector (parallel path) gives the same arithmetic element by element */
    const size_t n = 100000;
    float *W = fc_alloc_floats(n), *G = randn(n, 1), *M = fc_alloc_floats(n), *V = fc_alloc_floats(n);
    fc_adam_update(W, G, M, V, n, &cfg, 1);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) /* -lr*g/(|g|+eps) */
        bad += fabs(W[i] + 0.1 * G[i] / (fabs((double)G[i]) + 1e-8)) > 1e-6;
    CHECKF(bad == 0, "adam first step is not -lr*sign(g) for %zu elements", bad);
    fc_free_aligned(W);
    fc_free_aligned(G);
    fc_free_aligned(M);
    fc_free_aligned(V);
}

/* ---- BatchNorm: running statistics and eval mode ----------------------------------- */
static void test_batchnorm(void) {
    /* N=2, C=2, HW=3.  Channel 0 holds 1..6: mean 3.5, biased var 17.5/6, unbiased 3.5.
     * Channel 1 holds 10,10,10,20,20,20: mean 15, biased var 25, unbiased 30. */
    const float x[12] = {1, 2, 3, 10, 10, 10, 4, 5, 6, 20, 20, 20};
    const float gamma[2] = {2.0f, 0.5f}, beta[2] = {1.0f, -1.0f};
    float y[12], rm[2] = {0.0f, 1.0f}, rv[2] = {1.0f, 2.0f}, mean[2], invstd[2];
    fc_bn_cache cache = {mean, invstd};
    fc_batchnorm_forward_train(y, x, gamma, beta, rm, rv, &cache, 2, 2, 3, 1e-5f, 0.1f);
    CHECKF(fabsf(rm[0] - 0.35f) < 1e-6f && fabsf(rm[1] - (0.9f + 1.5f)) < 1e-5f, "running mean %g %g", rm[0], rm[1]);
    CHECKF(fabsf(rv[0] - (0.9f + 0.35f)) < 1e-5f && fabsf(rv[1] - (1.8f + 3.0f)) < 1e-5f, "running var %g %g", rv[0],
           rv[1]);
    CHECK(fabsf(mean[0] - 3.5f) < 1e-6f && fabsf(invstd[0] - 1.0f / sqrtf(17.5f / 6 + 1e-5f)) < 1e-6f);
    /* y = gamma*(x-mean)/sqrt(biased var + eps) + beta */
    float e0 = 2.0f * (1 - 3.5f) / sqrtf(17.5f / 6 + 1e-5f) + 1.0f, e1 = 0.5f * (20 - 15) / sqrtf(25 + 1e-5f) - 1.0f;
    CHECKF(fabsf(y[0] - e0) < 1e-5f && fabsf(y[9] - e1) < 1e-5f, "bn train y %g %g", y[0], y[9]);
    /* a second step moves the running stats again by momentum */
    fc_batchnorm_forward_train(y, x, gamma, beta, rm, rv, &cache, 2, 2, 3, 1e-5f, 0.1f);
    CHECKF(fabsf(rm[0] - (0.9f * 0.35f + 0.35f)) < 1e-6f, "running mean after 2 steps %g", rm[0]);
    /* eval: normalise with the running statistics */
    const float rme[2] = {1.0f, -2.0f}, rve[2] = {4.0f, 0.25f};
    fc_batchnorm_forward_eval(y, x, gamma, beta, rme, rve, 2, 2, 3, 1e-5f);
    e0 = 2.0f * (5 - 1.0f) / sqrtf(4 + 1e-5f) + 1.0f;   /* x[7] = 5, channel 0 */
    e1 = 0.5f * (10 + 2.0f) / sqrtf(0.25f + 1e-5f) - 1; /* x[3] = 10, channel 1 */
    CHECKF(fabsf(y[7] - e0) < 1e-5f && fabsf(y[3] - e1) < 1e-4f, "bn eval y %g %g", y[7], y[3]);
    /* training output of a big channel: mean beta, std gamma (biased) */
    const int N = 8, C = 3, HW = 500;
    size_t n = (size_t)N * C * HW;
    float *X = randn(n, 3), *Y = fc_alloc_floats(n), g3[3] = {1.5f, 1, 0.5f}, b3[3] = {0, 2, -1};
    float m3[3], s3[3];
    fc_bn_cache c3 = {m3, s3};
    fc_batchnorm_forward_train(Y, X, g3, b3, NULL, NULL, &c3, N, C, HW, 1e-5f, 0.1f);
    for (int c = 0; c < C; c++) {
        double s = 0, ss = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < HW; j++) s += Y[((size_t)i * C + c) * HW + j];
        double mu = s / (N * HW);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < HW; j++) ss += pow(Y[((size_t)i * C + c) * HW + j] - mu, 2);
        double sd = sqrt(ss / (N * HW));
        CHECKF(fabs(mu - b3[c]) < 1e-4 && fabs(sd - g3[c]) < 1e-3, "bn channel %d: mean %g sd %g", c, mu, sd);
    }
    fc_free_aligned(X);
    fc_free_aligned(Y);
}

/* ---- BCE on logits against -mean(t log p + (1-t) log(1-p)), p = sigmoid(z) ---------- */
static void test_bce(void) {
    const int N = 9;
    float z[9] = {-8, -3, -1, -0.1f, 0, 0.2f, 1.5f, 4, 8}, t[9] = {1, 0, 1, 0, 1, 0.3f, 0, 1, 0};
    float dz[9], prob[9];
    double ref = 0;
    for (int i = 0; i < N; i++) {
        double p = 1.0 / (1.0 + exp(-(double)z[i]));
        ref -= t[i] * log(p) + (1 - t[i]) * log(1 - p);
    }
    ref /= N;
    float loss = fc_bce_logits(z, t, N, dz, 2.0f, prob);
    CHECKF(fabs(loss - ref) < 1e-5 * fabs(ref), "bce %.7f vs %.7f", loss, ref);
    for (int i = 0; i < N; i++) {
        double p = 1.0 / (1.0 + exp(-(double)z[i]));
        CHECKF(fabs(prob[i] - p) < 1e-6 && fabs(dz[i] - (p - t[i]) / N * 2.0) < 1e-6, "bce element %d", i);
    }
    /* extreme logits stay finite */
    float zz[2] = {-200, 200}, tt[2] = {1, 0};
    float l2 = fc_bce_logits(zz, tt, 2, NULL, 1, NULL);
    CHECKF(isfinite(l2) && fabsf(l2 - 200) < 1e-3f, "bce at +-200: %g", l2);
}

/* ---- activations: forward formulas -------------------------------------------------- */
static void test_activations(void) {
    const size_t n = 100000; /* over the parallel threshold */
    float *x = randn(n, 3), *y = fc_alloc_floats(n);
    size_t bad[4] = {0, 0, 0, 0};
    fc_leaky_relu_forward(y, x, n, 0.2f);
    for (size_t i = 0; i < n; i++) bad[0] += y[i] != (x[i] > 0 ? x[i] : 0.2f * x[i]);
    fc_relu_forward(y, x, n);
    for (size_t i = 0; i < n; i++) bad[1] += y[i] != (x[i] > 0 ? x[i] : 0.0f);
    fc_sigmoid_forward(y, x, n);
    for (size_t i = 0; i < n; i++) bad[2] += fabs(y[i] - 1.0 / (1.0 + exp(-(double)x[i]))) > 1e-6;
    fc_tanh_forward(y, x, n);
    for (size_t i = 0; i < n; i++) bad[3] += fabs(y[i] - tanh((double)x[i])) > 1e-6;
    CHECKF(!bad[0] && !bad[1] && !bad[2] && !bad[3], "activation forward mismatches %zu %zu %zu %zu", bad[0], bad[1],
           bad[2], bad[3]);
    float big[2] = {-100, 100}, out[2];
    fc_sigmoid_forward(out, big, 2);
    CHECK(out[0] >= 0 && out[0] < 1e-30f && out[1] == 1.0f);
    fc_free_aligned(x);
    fc_free_aligned(y);
}

/* ---- helpers ----------------------------------------------------------------------- */
static void test_helpers(void) {
    float *p = fc_alloc_floats(1000003);
    CHECK(p && ((uintptr_t)p & 63) == 0);
    size_t nz = 0;
    for (size_t i = 0; i < 1000003; i++) nz += p[i] != 0.0f;
    CHECK(nz == 0);
    for (size_t i = 0; i < 1000003; i++) p[i] = 1.0f;
    fc_zero(p, 1000003);
    nz = 0;
    for (size_t i = 0; i < 1000003; i++) nz += p[i] != 0.0f;
    CHECK(nz == 0);
    fc_free_aligned(p);
    CHECK(fc_alloc_floats(SIZE_MAX / 2) == NULL);
    fc_set_threads(1);
    CHECK(fc_get_threads() == 1);
    fc_set_threads(0);
    CHECK(fc_get_threads() >= 1);
    fc_set_threads(2);
    CHECK(fc_get_threads() == 2);
}

int main(void) {
    fc_rng_seed(&g_rng, 99);
    test_helpers();
    fc_set_threads(tu_threads(2));
    /* Conv2d */
    test_conv_shape(0, 3, 5, 4, 2, 1, 9, 9, 3, 1);
    test_conv_shape(0, 6, 4, 4, 2, 1, 8, 10, 2, 0);
    test_conv_shape(0, 12, 3, 5, 1, 2, 8, 8, 2, 0);
    test_conv_shape(0, 4, 6, 3, 1, 1, 7, 5, 4, 1);
    test_conv_shape(0, 5, 2, 4, 1, 0, 7, 7, 2, 1);
    test_conv_shape(0, 32, 24, 4, 2, 1, 16, 16, 4, 1);
    test_conv_shape(0, 3, 2, 3, 3, 0, 9, 8, 1, 1);
    /* ConvTranspose2d */
    test_conv_shape(1, 6, 4, 4, 2, 1, 5, 5, 3, 1);
    test_conv_shape(1, 5, 3, 4, 1, 0, 1, 1, 2, 0);
    test_conv_shape(1, 2, 3, 3, 2, 0, 4, 3, 2, 1);
    test_conv_shape(1, 32, 16, 4, 2, 1, 8, 8, 4, 1);
    test_conv_shape(1, 3, 5, 4, 2, 1, 7, 4, 5, 0);  /* partial Winograd tiles */
    test_conv_shape(1, 40, 24, 4, 2, 1, 16, 16, 3, 1); /* several row blocks and image groups */
    test_conv_shape(1, 4, 4, 5, 1, 2, 6, 6, 3, 0);
    /* OpenBLAS's own thread pool left on (a caller that never ran fc_set_threads) */
    openblas_set_num_threads(2);
    test_conv_shape(1, 24, 16, 4, 2, 1, 8, 8, 3, 1);
    test_conv_shape(0, 16, 24, 4, 2, 1, 12, 12, 3, 1);
    fc_set_threads(tu_threads(2));
    test_conv_create_errors();
    test_dense(5, 13, 7);
    test_dense(64, 100, 512);
    test_dense(64, 512, 1);
    test_dropout();
    test_adam();
    test_batchnorm();
    test_bce();
    test_activations();
    return TEST_END();
}
