/* Finite-difference gradient checks for the layers of --arch face and face2 (nearest upsampling,
 * spectral normalisation, minibatch standard deviation, DiffAugment, hinge losses), unit checks of the power iteration
 * and the weight EMA, and a check of the spectral-norm wiring in fc_net.  Method as
 * tests/test_nn_gradcheck.c: L = sum_i r_i y_i, central differences from float forwards
 * summed in double; linear maps use a large step (exact up to rounding). */
#include <string.h>
#include "model/net.h"
#include "nn/nn.h"
#include "testutil.h"

static fc_rng g_rng;

/* ---- Upsample ---- */
typedef struct {
    int N, C, h, w;
    float *x, *y, *r;
} up_ctx;

static double up_loss(void *p) {
    up_ctx *c = p;
    fc_upsample2_forward(c->y, c->x, c->N, c->C, c->h, c->w);
    return tu_dot(c->y, c->r, (size_t)c->N * c->C * c->h * c->w * 4);
}

static void test_upsample(int N, int C, int h, int w) {
    size_t xn = (size_t)N * C * h * w;
    up_ctx c = {N, C, h, w, tu_randn(&g_rng, xn, 1), fc_alloc_floats(4 * xn), tu_randn(&g_rng, 4 * xn, 1)};
    float *dx = fc_alloc_floats(xn);
    up_loss(&c);
    /* forward: every output is its block's input */
    size_t bad = 0;
    for (int n = 0; n < N * C; n++)
        for (int i = 0; i < 2 * h; i++)
            for (int j = 0; j < 2 * w; j++)
                bad += c.y[((size_t)n * 2 * h + i) * 2 * w + j] != c.x[((size_t)n * h + i / 2) * w + j / 2];
    CHECKF(bad == 0, "upsample forward: %zu wrong values", bad);
    fc_upsample2_backward(dx, c.r, N, C, h, w);
    tu_check_grad("upsample dx", up_loss, &c, c.x, dx, xn, 0.25f, 1e-4, 1e-5, 500);
    fc_free_aligned(c.x), fc_free_aligned(c.y), fc_free_aligned(c.r), fc_free_aligned(dx);
}

/* ---- Minibatch standard deviation ---- */
typedef struct {
    int N, C, HW, group;
    float *x, *y, *r;
} mb_ctx;

static double mb_loss(void *p) {
    mb_ctx *c = p;
    fc_mbstd_forward(c->y, c->x, c->N, c->C, c->HW, c->group);
    return tu_dot(c->y, c->r, (size_t)c->N * (c->C + 1) * c->HW);
}

/* The extra channel of sample n, from the definition in double. */
static double mb_want(const mb_ctx *c, int n) {
    const int n0 = n / c->group * c->group, g = c->N - n0 < c->group ? c->N - n0 : c->group;
    const size_t F = (size_t)c->C * c->HW;
    double s = 0;
    for (size_t f = 0; f < F; f++) {
        double m = 0, v = 0;
        for (int k = 0; k < g; k++) m += c->x[(n0 + k) * F + f];
        m /= g;
        for (int k = 0; k < g; k++) v += (c->x[(n0 + k) * F + f] - m) * (c->x[(n0 + k) * F + f] - m);
        s += sqrt(v / g + 1e-8);
    }
    return s / (double)F;
}

/* sum_n sum_p r[n, C, p] * (the definition's extra channel): the std part of mb_loss, in double. */
static double mb_loss_ref(void *p) {
    mb_ctx *c = p;
    const size_t F = (size_t)c->C * c->HW;
    double s = 0;
    for (int n = 0; n < c->N; n++) {
        double rs = 0;
        for (int q = 0; q < c->HW; q++) rs += c->r[(size_t)n * (F + c->HW) + F + q];
        s += rs * mb_want(c, n);
    }
    return s;
}

static void test_mbstd(int N, int C, int HW, int group) {
    const size_t F = (size_t)C * HW, xn = (size_t)N * F, yn = (size_t)N * (F + HW);
    mb_ctx c = {N, C, HW, group, tu_randn(&g_rng, xn, 1), fc_alloc_floats(yn), tu_randn(&g_rng, yn, 1)};
    float *dx = fc_alloc_floats(xn);
    mb_loss(&c);
    /* forward: the C channels pass through; the extra one is the group's mean std, over HW */
    size_t bad = 0;
    double worst = 0;
    for (int n = 0; n < N; n++) {
        const float *y = c.y + (size_t)n * (F + HW);
        bad += memcmp(y, c.x + (size_t)n * F, F * sizeof(float)) != 0;
        const double want = mb_want(&c, n);
        for (int p = 0; p < HW; p++) {
            double e = fabs(y[F + p] - want) / want;
            if (e > worst) worst = e;
        }
    }
    CHECKF(bad == 0, "mbstd forward: %zu samples' features not passed through", bad);
    CHECKF(worst < 1e-6, "mbstd %dx%dx%d group %d: the std channel is off by %.2e", N, C, HW, group, worst);
    /* a sample of the last group moves no other group's channel */
    if (N > group) {
        const float before = c.y[F];
        c.x[(size_t)(N - 1) * F] += 10.0f;
        mb_loss(&c);
        CHECKF(c.y[F] == before, "mbstd: group 0's channel depends on sample %d", N - 1);
        c.x[(size_t)(N - 1) * F] -= 10.0f;
        mb_loss(&c);
    }
    fc_mbstd_backward(dx, c.r, c.x, N, C, HW, group);
    char what[64];
    snprintf(what, sizeof what, "mbstd %dx%dx%d/%d dx", N, C, HW, group);
    tu_check_grad(what, mb_loss, &c, c.x, dx, xn, 1e-2f, 2e-3, 1e-4, 400);
    /* The std channel's part alone: next to the pass-through it is O(1/F) of dx, and a float
     * forward's rounding swamps its finite differences, so differentiate the definition in double. */
    for (int n = 0; n < N; n++) memset(c.r + (size_t)n * (F + HW), 0, F * sizeof(float));
    fc_mbstd_backward(dx, c.r, c.x, N, C, HW, group);
    snprintf(what, sizeof what, "mbstd %dx%dx%d/%d dx via std", N, C, HW, group);
    tu_check_grad(what, mb_loss_ref, &c, c.x, dx, xn, 1e-3f, 1e-3, 1e-9, 400);
    fc_free_aligned(c.x), fc_free_aligned(c.y), fc_free_aligned(c.r), fc_free_aligned(dx);
}

/* ---- Spectral norm (u, v constants: PyTorch's gradient) ---- */
typedef struct {
    int rows, cols;
    float *W, *Wsn, *u, *v, *r;
    double *scratch;
} sn_ctx;

static double sn_loss(void *p) {
    sn_ctx *c = p;
    fc_sn_forward(c->Wsn, c->W, c->u, c->v, c->rows, c->cols, 0, c->scratch);
    return tu_dot(c->Wsn, c->r, (size_t)c->rows * c->cols);
}

static void test_sn(int rows, int cols) {
    size_t n = (size_t)rows * cols;
    sn_ctx c = {rows,
                cols,
                tu_randn(&g_rng, n, 0.5f),
                fc_alloc_floats(n),
                tu_randn(&g_rng, rows, 1),
                tu_randn(&g_rng, cols, 1),
                tu_randn(&g_rng, n, 1),
                malloc((rows + cols) * sizeof(double))};
    /* one training forward: a power iteration from random u; then u, v are fixed */
    float sigma = fc_sn_forward(c.Wsn, c.W, c.u, c.v, rows, cols, 1, c.scratch);
    double nu = sqrt(tu_dot(c.u, c.u, rows)), nv = sqrt(tu_dot(c.v, c.v, cols));
    CHECKF(fabs(nu - 1) < 1e-5 && fabs(nv - 1) < 1e-5, "sn: u, v not unit (%g, %g)", nu, nv);
    CHECK(sigma > 0);
    float *dW = fc_alloc_floats(n);
    float *dW0 = tu_randn(&g_rng, n, 1); /* accumulation: dW starts non-zero */
    memcpy(dW, dW0, n * sizeof(float));
    sn_loss(&c);
    fc_sn_backward(dW, c.r, c.W, c.u, c.v, rows, cols, sigma);
    for (size_t i = 0; i < n; i++) dW[i] -= dW0[i];
    char name[64];
    snprintf(name, sizeof name, "spectral norm %dx%d dW", rows, cols);
    tu_check_grad(name, sn_loss, &c, c.W, dW, n, 1e-2f, 2e-3, 1e-4, 400);
    fc_free_aligned(c.W), fc_free_aligned(c.Wsn), fc_free_aligned(c.u), fc_free_aligned(c.v);
    fc_free_aligned(c.r), fc_free_aligned(dW), fc_free_aligned(dW0);
    free(c.scratch);
}

/* The power iteration finds the largest singular value: W = diag(5, 3, 1) padded. */
static void test_sn_power(void) {
    int rows = 3, cols = 4;
    float W[12] = {0}, Wsn[12], u[3] = {0.3f, 0.5f, 0.8f}, v[4];
    double scratch[7];
    W[0] = 5, W[5] = 3, W[10] = 1;
    float s = 0;
    for (int it = 0; it < 30; it++) s = fc_sn_forward(Wsn, W, u, v, rows, cols, 1, scratch);
    CHECKF(fabsf(s - 5.0f) < 1e-4f, "power iteration converges to %g, not 5", s);
    CHECK(fabsf(Wsn[0] - 1.0f) < 1e-4f && fabsf(Wsn[5] - 0.6f) < 1e-4f);
    /* without iteration, sigma = u.(W v) for the given u, v, which stay as they are */
    float u3[3] = {0, 1, 0}, v2[4] = {0, 1, 0, 0};
    CHECKF(fc_sn_forward(Wsn, W, u3, v2, rows, cols, 0, scratch) == 3.0f, "sigma = u.(W v)");
    CHECK(u3[1] == 1 && v2[1] == 1 && u3[0] == 0 && v2[0] == 0);
}

/* ---- DiffAugment ---- */
typedef struct {
    int N, C, H, W;
    fc_diffaug_params *p;
    float *x, *y, *r;
} aug_ctx;

static double aug_loss(void *q) {
    aug_ctx *c = q;
    fc_diffaug_forward(c->y, c->x, c->p, c->N, c->C, c->H, c->W);
    return tu_dot(c->y, c->r, (size_t)c->N * c->C * c->H * c->W);
}

static void test_diffaug(void) {
    int N = 6, C = 3, H = 16, W = 12;
    size_t n = (size_t)N * C * H * W;
    fc_diffaug_params p[6];
    for (int i = 0; i < N; i++) fc_diffaug_draw(&p[i], 99, 7, (uint32_t)i, H, W, 0.5f);
    /* extremes: full translation both ways, cutout centred on corners */
    p[0].tx = 2, p[0].ty = -2, p[0].cx = 0, p[0].cy = W;
    p[1].tx = -2, p[1].ty = 2, p[1].cx = H, p[1].cy = 0;
    aug_ctx c = {N, C, H, W, p, tu_randn(&g_rng, n, 1), fc_alloc_floats(n), tu_randn(&g_rng, n, 1)};
    float *dx = fc_alloc_floats(n);
    aug_loss(&c);
    fc_diffaug_backward(dx, c.r, p, N, C, H, W);
    tu_check_grad("diffaug dx", aug_loss, &c, c.x, dx, n, 0.25f, 1e-4, 1e-4, 4000);
    /* identity parameters leave the image alone except the cutout square */
    fc_diffaug_params id = {0, 1, 1, 0, 0, -100, -100};
    fc_diffaug_forward(c.y, c.x, &id, 1, C, H, W);
    CHECK(memcmp(c.y, c.x, (size_t)C * H * W * sizeof(float)) == 0 || tu_max_abs_err(c.y, c.x, C * H * W, NULL) < 1e-6);
    /* the draw covers its ranges: translation [-H/8, H/8], cutout centre [0, H] */
    int tmin = 99, tmax = -99, cmin = 99, cmax = -99;
    float bmin = 9, bmax = -9;
    for (uint32_t r = 0; r < 4000; r++) {
        fc_diffaug_params q;
        fc_diffaug_draw(&q, 5, 1, r, 64, 64, 0.5f);
        tmin = q.tx < tmin ? q.tx : tmin, tmax = q.tx > tmax ? q.tx : tmax;
        cmin = q.cx < cmin ? q.cx : cmin, cmax = q.cx > cmax ? q.cx : cmax;
        bmin = q.brightness < bmin ? q.brightness : bmin, bmax = q.brightness > bmax ? q.brightness : bmax;
        CHECK(q.saturation >= 0 && q.saturation < 2 && q.contrast >= 0.5f && q.contrast < 1.5f);
    }
    CHECKF(tmin == -8 && tmax == 8 && cmin == 0 && cmax == 64, "ranges t [%d,%d] c [%d,%d]", tmin, tmax, cmin, cmax);
    CHECK(bmin >= -0.25f && bmax < 0.25f && bmin < -0.24f && bmax > 0.24f);
    fc_free_aligned(c.x), fc_free_aligned(c.y), fc_free_aligned(c.r), fc_free_aligned(dx);
}

/* ---- hinge losses ---- */
typedef struct {
    int N;
    float sign, *z;
    int g;
} hinge_ctx;

static double hinge_loss(void *q) {
    hinge_ctx *c = q;
    return c->g ? fc_neg_mean_logits(c->z, c->N, NULL, 1) : fc_hinge_logits(c->z, c->N, c->sign, NULL, 1);
}

static void test_hinge(void) {
    float z[8] = {-2.5f, -0.5f, 0.3f, 0.7f, 1.6f, 2.2f, -1.4f, 0.05f}, dz[8];
    for (int k = 0; k < 3; k++) {
        hinge_ctx c = {8, k == 0 ? 1.0f : -1.0f, z, k == 2};
        if (c.g) fc_neg_mean_logits(z, 8, dz, 1);
        else fc_hinge_logits(z, 8, c.sign, dz, 1);
        /* the loss comes back as a float: a step of 1e-2 keeps its rounding below 1e-4 relative */
        tu_check_grad(k == 0 ? "hinge real" : k == 1 ? "hinge fake" : "hinge G", hinge_loss, &c, z, dz, 8, 1e-2f, 1e-3,
                   1e-6, 8);
    }
    CHECK(fabsf(fc_hinge_logits(z, 2, 1.0f, NULL, 1) - (3.5f + 1.5f) / 2) < 1e-6f);
}

/* ---- EMA ---- */
static void test_ema(void) {
    CHECK(fc_ema_decay_at(0.999f, 0) == 0.1f);
    CHECK(fabsf(fc_ema_decay_at(0.999f, 90) - 0.91f) < 1e-6f);
    CHECK(fc_ema_decay_at(0.999f, 1000000) == 0.999f);
    float e[3] = {1, 2, 3}, w[3] = {3, 2, 1};
    fc_ema_update(e, w, 3, 0.75f);
    CHECK(e[0] == 1.5f && e[1] == 2.0f && e[2] == 2.5f);
}

/* ---- spectral norm inside fc_net: conv (SN) -> upsample -> reshape -> dense (SN).  No kinked
 * activation: a weight step moves every output through sigma, and would cross kinks. ---- */
typedef struct {
    fc_net *n;
    float *x, *r;
    int N;
} net_ctx;

static double net_loss(void *q) {
    net_ctx *c = q;
    const float *y = fc_net_forward(c->n, c->x, c->N);
    return tu_dot(y, c->r, (size_t)c->N * c->n->out_size);
}

/* The common tail of the net-level checks: one training forward (a power iteration), then an
 * evaluation forward with u, v fixed, backward, and finite differences of dx and of every parameter. */
static void check_net_grads(fc_net *n, net_ctx *c, size_t in_floats, float h, double rtol, const char *what) {
    n->training = 1;
    net_loss(c);
    n->training = 0;
    net_loss(c);
    float *dx = fc_alloc_floats(in_floats);
    fc_net_zero_grad(n);
    fc_net_backward(n, c->x, c->r, c->N, dx, 1);
    float *g = fc_alloc_floats(n->nparams);
    memcpy(g, n->grads, n->nparams * sizeof(float));
    char name[64];
    snprintf(name, sizeof name, "net %s dx", what);
    tu_check_grad(name, net_loss, c, c->x, dx, in_floats, h, rtol, 1e-4, 300);
    snprintf(name, sizeof name, "net %s params", what);
    tu_check_grad(name, net_loss, c, n->params, g, n->nparams, h, rtol, 1e-4, 400);
    fc_free_aligned(dx), fc_free_aligned(g);
}

static void test_net_sn(void) {
    fc_net n;
    fc_error err = {0};
    fc_net_init(&n, "D", 2, 6, 6);
    fc_net_conv(&n, "c", 0, 3, 4, 2, 1, 1);
    fc_net_spectral_norm(&n);
    fc_net_upsample(&n);
    fc_net_reshape(&n, 3 * 6 * 6, 1, 1);
    fc_net_dense(&n, "fc", 2);
    fc_net_spectral_norm(&n);
    CHECK(fc_net_finalize(&n, 3, &err) == FC_OK);
    fc_net_init_params(&n, &g_rng, 0);
    CHECK(fc_net_tensor_count(&n) == 8); /* weight_orig, bias, weight_u, weight_v twice */
    fc_tensor_ref t;
    fc_net_tensor(&n, 2, &t);
    CHECK(!strcmp(t.name, "D.c.weight_u") && t.is_buffer && t.n == 3);
    fc_net_tensor(&n, 3, &t);
    CHECK(!strcmp(t.name, "D.c.weight_v") && t.n == 2 * 16);
    int N = 3;
    net_ctx c = {&n, tu_randn(&g_rng, (size_t)N * 2 * 36, 1), tu_randn(&g_rng, (size_t)N * 2, 1), N};
    check_net_grads(&n, &c, (size_t)N * 72, 1e-2f, 2e-3, "SN");
    fc_net_free(&n);
    fc_free_aligned(c.x), fc_free_aligned(c.r);
}

/* ---- minibatch stddev inside fc_net as face2's D has it: conv (SN) -> LeakyReLU -> mbstd ->
 * reshape -> dense (SN); weight steps small enough not to cross the LeakyReLU's kink often ---- */
static void test_net_mbstd(void) {
    fc_net n;
    fc_error err = {0};
    fc_net_init(&n, "D", 2, 8, 8);
    fc_net_conv(&n, "c", 0, 3, 4, 2, 1, 1);
    fc_net_spectral_norm(&n);
    fc_net_act(&n, FC_L_LRELU, 0.2f);
    fc_net_mbstd(&n, 2);
    CHECK(fc_net_mbstd_group(&n) == 2);
    fc_net_reshape(&n, 4 * 4 * 4, 1, 1);
    fc_net_dense(&n, "fc", 1);
    fc_net_spectral_norm(&n);
    CHECK(fc_net_finalize(&n, 4, &err) == FC_OK);
    fc_net_init_params(&n, &g_rng, 0);
    fc_tensor_ref t;
    fc_net_tensor(&n, 4, &t);
    CHECK(!strcmp(t.name, "D.fc.weight_orig") && t.ndim == 2 && t.shape[1] == 64);
    int N = 4;
    net_ctx c = {&n, tu_randn(&g_rng, (size_t)N * 2 * 64, 1), tu_randn(&g_rng, (size_t)N, 1), N};
    check_net_grads(&n, &c, (size_t)N * 128, 1e-3f, 5e-3, "mbstd");
    fc_net_free(&n);
    fc_free_aligned(c.x), fc_free_aligned(c.r);
}

/* ---- resize-convolution: FC_L_UPCONV (a Winograd ConvTranspose on folded weights) against
 * Upsample + Conv2d 3x3 p1 with the same parameters, and against finite differences ---- */
static double rel_norm(const float *a, const float *b, size_t n) {
    double d = 0, w = 0;
    for (size_t i = 0; i < n; i++) d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]), w += (double)b[i] * b[i];
    return w > 0 ? sqrt(d / w) : sqrt(d);
}

static void test_upconv(int cin, int cout, int h, int w, int N) {
    fc_net a, b;
    fc_error err = {0};
    fc_net_init(&a, "G", cin, h, w);
    fc_net_upconv(&a, "c", cout, 1);
    fc_net_init(&b, "G", cin, h, w);
    fc_net_upsample(&b);
    fc_net_conv(&b, "c", 0, cout, 3, 1, 1, 1);
    CHECK(fc_net_finalize(&a, N, &err) == FC_OK && fc_net_finalize(&b, N, &err) == FC_OK);
    CHECK(a.nparams == b.nparams && a.out_size == b.out_size);
    fc_net_init_params(&a, &g_rng, 0);
    memcpy(b.params, a.params, a.nparams * sizeof(float));
    size_t xn = (size_t)N * cin * h * w, yn = (size_t)N * a.out_size;
    float *x = tu_randn(&g_rng, xn, 1), *r = tu_randn(&g_rng, yn, 1);
    float *dxa = fc_alloc_floats(xn), *dxb = fc_alloc_floats(xn);
    const float *ya = fc_net_forward(&a, x, N), *yb = fc_net_forward(&b, x, N);
    double ey = rel_norm(ya, yb, yn);
    CHECKF(ey < 1e-6, "upconv %d->%d %dx%d forward differs from upsample+conv: %.3e", cin, cout, h, w, ey);
    fc_net_zero_grad(&a);
    fc_net_zero_grad(&b);
    fc_net_backward(&a, x, r, N, dxa, 1);
    fc_net_backward(&b, x, r, N, dxb, 1);
    double ex = rel_norm(dxa, dxb, xn), ew = rel_norm(a.grads, b.grads, a.nparams);
    CHECKF(ex < 1e-6 && ew < 1e-6, "upconv backward differs: dx %.3e dW %.3e", ex, ew);
    /* finite differences of the upconv net itself (linear: a large step) */
    net_ctx c = {&a, x, r, N};
    float *g = fc_alloc_floats(a.nparams);
    memcpy(g, a.grads, a.nparams * sizeof(float));
    tu_check_grad("upconv dx", net_loss, &c, x, dxa, xn, 0.25f, 1e-3, 1e-4, 300);
    tu_check_grad("upconv dW", net_loss, &c, a.params, g, a.nparams, 0.25f, 1e-3, 1e-4, 300);
    fc_net_free(&a);
    fc_net_free(&b);
    fc_free_aligned(x), fc_free_aligned(r), fc_free_aligned(dxa), fc_free_aligned(dxb), fc_free_aligned(g);
}

int main(void) {
    fc_set_threads(1);
    fc_rng_seed(&g_rng, 4321);
    test_upsample(2, 3, 4, 5);
    test_upsample(1, 2, 1, 1);
    test_mbstd(8, 3, 4, 4);  /* two groups */
    test_mbstd(7, 2, 3, 3);  /* groups of 3, 3 and 1 (a lone sample: std sqrt(1e-8), no gradient) */
    test_mbstd(4, 5, 1, 2);  /* Dense-shaped input */
    test_mbstd(3, 4, 2, 1);  /* group 1: std of one sample */
    test_sn(4, 12);
    test_sn(1, 30); /* a Linear -> 1 (D's last layer) */
    test_sn(16, 3);
    test_sn_power();
    test_diffaug();
    test_hinge();
    test_ema();
    test_net_sn();
    test_net_mbstd();
    test_upconv(3, 4, 5, 6, 2);
    test_upconv(8, 2, 4, 4, 3);
    test_upconv(2, 5, 1, 1, 2);
    fc_set_threads(2);
    test_upconv(16, 8, 8, 8, 4); /* threaded */
    test_upsample(4, 8, 16, 16); /* threaded */
    test_sn(64, 600);
    test_mbstd(16, 64, 16, 4); /* face2's shape at width 0.125 */
    return TEST_END();
}
