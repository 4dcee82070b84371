/* Finite-difference gradient checks for every layer of the nn engine.
 *
 * Each check builds a scalar loss L from a layer's forward pass (for a single
 * layer L = sum_i r_i y_i with fixed random r, so dL/dy = r), runs the layer's
 * backward pass for the analytic gradient, and compares every element (or a
 * spread of elements for larger tensors) with the central difference
 * (L(p+h) - L(p-h)) / 2h computed from float forwards and a double sum.
 * Linear layers use a large step (exact up to rounding); smooth non-linear ones
 * a small one; inputs of kinked activations are kept away from the kink. */
#include <string.h>
#include "nn/nn.h"
#include "testutil.h"

static fc_rng g_rng;

/* ---- Dense ------------------------------------------------------------------ */
typedef struct {
    int N, in, out;
    float *x, *W, *b, *y, *r;
} dense_ctx;

static double dense_loss(void *p) {
    dense_ctx *c = p;
    fc_dense_forward(c->y, c->x, c->W, c->b, c->N, c->in, c->out);
    return tu_dot(c->y, c->r, (size_t)c->N * c->out);
}

static void test_dense(int N, int in, int out) {
    dense_ctx c = {N,
                   in,
                   out,
                   tu_randn(&g_rng, (size_t)N * in, 1),
                   tu_randn(&g_rng, (size_t)out * in, 0.3f),
                   tu_randn(&g_rng, out, 0.3f),
                   fc_alloc_floats((size_t)N * out),
                   tu_randn(&g_rng, (size_t)N * out, 1)};
    float *dx = fc_alloc_floats((size_t)N * in), *dW = fc_alloc_floats((size_t)out * in), *db = fc_alloc_floats(out);
    dense_loss(&c);
    fc_dense_backward(dx, dW, db, c.r, c.x, c.W, N, in, out);
    char name[64];
    snprintf(name, sizeof name, "dense %d->%d dx", in, out);
    tu_check_grad(name, dense_loss, &c, c.x, dx, (size_t)N * in, 0.25f, 1e-3, 1e-4, 400);
    snprintf(name, sizeof name, "dense %d->%d dW", in, out);
    tu_check_grad(name, dense_loss, &c, c.W, dW, (size_t)out * in, 0.25f, 1e-3, 1e-4, 400);
    snprintf(name, sizeof name, "dense %d->%d db", in, out);
    tu_check_grad(name, dense_loss, &c, c.b, db, out, 0.25f, 1e-3, 1e-4, 400);
    /* accumulation: a second backward adds the same gradient again */
    float *dW2 = fc_alloc_floats((size_t)out * in);
    memcpy(dW2, dW, (size_t)out * in * sizeof(float));
    fc_dense_backward(NULL, dW2, NULL, c.r, c.x, c.W, N, in, out);
    size_t bad = 0;
    for (size_t i = 0; i < (size_t)out * in; i++) bad += fabsf(dW2[i] - 2 * dW[i]) > 1e-5f * (1 + fabsf(dW[i]));
    CHECKF(bad == 0, "dense dW does not accumulate (%zu elements)", bad);
    float *ptrs[] = {c.x, c.W, c.b, c.y, c.r, dx, dW, db, dW2};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) fc_free_aligned(ptrs[i]);
}

/* ---- Conv2d / ConvTranspose2d ---------------------------------------------- */
typedef struct {
    fc_conv *plan;
    int N;
    size_t xn, yn, wn;
    float *x, *W, *b, *y, *r;
} conv_ctx;

static double conv_loss(void *p) {
    conv_ctx *c = p;
    fc_conv_forward(c->plan, c->N, c->x, c->W, c->b, c->y);
    return tu_dot(c->y, c->r, c->yn);
}

static void test_conv(int transposed, int cin, int cout, int k, int s, int pad, int h, int w, int N, int bias,
                      int lowering) {
    fc_conv_desc d = {.transposed = transposed, .cin = cin, .cout = cout, .k = k, .stride = s, .pad = pad, .h = h,
                      .w = w};
    conv_ctx c = {0};
    fc_error err = {0};
    int rc = fc_conv_create_lowering(&d, N, lowering, &c.plan, &err);
    CHECKF(rc == FC_OK, "conv create: %s", err.msg);
    if (rc) return;
    const fc_conv_desc *e = fc_conv_get_desc(c.plan);
    c.N = N;
    c.xn = (size_t)N * cin * h * w;
    c.yn = (size_t)N * cout * e->oh * e->ow;
    c.wn = (size_t)cin * cout * k * k;
    c.x = tu_randn(&g_rng, c.xn, 1);
    c.W = tu_randn(&g_rng, c.wn, 0.3f);
    c.b = bias ? tu_randn(&g_rng, cout, 0.3f) : NULL;
    c.y = fc_alloc_floats(c.yn);
    c.r = tu_randn(&g_rng, c.yn, 1);
    float *dx = fc_alloc_floats(c.xn), *dW = fc_alloc_floats(c.wn), *db = fc_alloc_floats(cout);
    conv_loss(&c);
    fc_conv_backward_data(c.plan, N, c.r, c.W, dx);
    fc_conv_backward_weights(c.plan, N, c.r, c.x, dW, bias ? db : NULL);
    char name[128];
    int len = snprintf(name, sizeof name, "%s %d->%d k%d s%d p%d %dx%d N%d%s low%d", transposed ? "convT" : "conv",
                       cin, cout, k, s, pad, h, w, N, bias ? "" : " nobias", lowering);
    strcpy(name + len, " dx");
    tu_check_grad(name, conv_loss, &c, c.x, dx, c.xn, 0.25f, 1e-3, 1e-4, 300);
    strcpy(name + len, " dW");
    tu_check_grad(name, conv_loss, &c, c.W, dW, c.wn, 0.25f, 1e-3, 1e-4, 300);
    if (bias) {
        strcpy(name + len, " db");
        tu_check_grad(name, conv_loss, &c, c.b, db, cout, 0.25f, 1e-3, 1e-4, 300);
    }
    fc_conv_free(c.plan);
    float *ptrs[] = {c.x, c.W, c.b, c.y, c.r, dx, dW, db};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) fc_free_aligned(ptrs[i]);
}

/* ---- element-wise activations ------------------------------------------------ */
enum { ACT_LRELU, ACT_RELU, ACT_SIGMOID, ACT_TANH };
typedef struct {
    int kind;
    size_t n;
    float *x, *y, *r;
} act_ctx;

static void act_forward(const act_ctx *c) {
    switch (c->kind) {
    case ACT_LRELU: fc_leaky_relu_forward(c->y, c->x, c->n, 0.2f); break;
    case ACT_RELU: fc_relu_forward(c->y, c->x, c->n); break;
    case ACT_SIGMOID: fc_sigmoid_forward(c->y, c->x, c->n); break;
    default: fc_tanh_forward(c->y, c->x, c->n); break;
    }
}

static double act_loss(void *p) {
    act_ctx *c = p;
    act_forward(c);
    return tu_dot(c->y, c->r, c->n);
}

static void test_activation(int kind, const char *name) {
    act_ctx c = {kind, 3000, tu_randn(&g_rng, 3000, 2), fc_alloc_floats(3000), tu_randn(&g_rng, 3000, 1)};
    /* keep inputs off the kink at 0 so that x +- h stays on one side */
    for (size_t i = 0; i < c.n; i++)
        if (fabsf(c.x[i]) < 0.05f) c.x[i] += c.x[i] < 0 ? -0.05f : 0.05f;
    act_loss(&c);
    float *dx = fc_alloc_floats(c.n);
    switch (kind) {
    case ACT_LRELU: fc_leaky_relu_backward(dx, c.r, c.y, c.n, 0.2f); break;
    case ACT_RELU: fc_relu_backward(dx, c.r, c.y, c.n); break;
    case ACT_SIGMOID: fc_sigmoid_backward(dx, c.r, c.y, c.n); break;
    default: fc_tanh_backward(dx, c.r, c.y, c.n); break;
    }
    tu_check_grad(name, act_loss, &c, c.x, dx, c.n, 1e-2f, 2e-3, 1e-4, 3000);
    /* in place: y aliasing x and dx aliasing dy give the same results */
    act_forward(&c); /* the gradient check left y at a perturbed x */
    float *xi = fc_alloc_floats(c.n), *gi = fc_alloc_floats(c.n);
    memcpy(xi, c.x, c.n * sizeof(float));
    memcpy(gi, c.r, c.n * sizeof(float));
    act_ctx ci = c;
    ci.y = xi;
    ci.x = xi;
    act_forward(&ci);
    switch (kind) {
    case ACT_LRELU: fc_leaky_relu_backward(gi, gi, xi, c.n, 0.2f); break;
    case ACT_RELU: fc_relu_backward(gi, gi, xi, c.n); break;
    case ACT_SIGMOID: fc_sigmoid_backward(gi, gi, xi, c.n); break;
    default: fc_tanh_backward(gi, gi, xi, c.n); break;
    }
    CHECKF(memcmp(xi, c.y, c.n * sizeof(float)) == 0 && memcmp(gi, dx, c.n * sizeof(float)) == 0,
           "%s in place differs", name);
    fc_free_aligned(c.x);
    fc_free_aligned(c.y);
    fc_free_aligned(c.r);
    fc_free_aligned(dx);
    fc_free_aligned(xi);
    fc_free_aligned(gi);
}

/* ---- Dropout (the same key gives the same mask at every evaluation) ---- */
typedef struct {
    size_t n;
    float *x, *y, *r;
    uint8_t *mask;
} drop_ctx;

static double drop_loss(void *p) {
    drop_ctx *c = p;
    fc_dropout_key key = {.seed = 77, .counter = 3, .rows = NULL};
    fc_dropout_forward(c->y, c->x, c->mask, 4, c->n / 4, 0.2f, &key);
    return tu_dot(c->y, c->r, c->n);
}

static void test_dropout(void) {
    drop_ctx c = {2000, tu_randn(&g_rng, 2000, 1), fc_alloc_floats(2000), tu_randn(&g_rng, 2000, 1), malloc(2000)};
    float *dx = fc_alloc_floats(c.n);
    drop_loss(&c);
    fc_dropout_backward(dx, c.r, c.mask, c.n, 0.2f);
    tu_check_grad("dropout dx", drop_loss, &c, c.x, dx, c.n, 0.25f, 1e-3, 1e-4, 2000);
    fc_free_aligned(c.x);
    fc_free_aligned(c.y);
    fc_free_aligned(c.r);
    fc_free_aligned(dx);
    free(c.mask);
}

/* ---- BatchNorm2d (training mode) ------------------------------------------- */
typedef struct {
    int N, C, HW;
    float *x, *gamma, *beta, *y, *r, *mean, *invstd;
} bn_ctx;

static double bn_loss(void *p) {
    bn_ctx *c = p;
    fc_bn_cache cache = {c->mean, c->invstd};
    fc_batchnorm_forward_train(c->y, c->x, c->gamma, c->beta, NULL, NULL, &cache, c->N, c->C, c->HW, 1e-5f, 0.1f);
    return tu_dot(c->y, c->r, (size_t)c->N * c->C * c->HW);
}

static void test_batchnorm(int N, int C, int HW) {
    size_t n = (size_t)N * C * HW;
    bn_ctx c = {N, C, HW, tu_randn(&g_rng, n, 1.5f), tu_randn(&g_rng, C, 0.5f), tu_randn(&g_rng, C, 0.5f),
                fc_alloc_floats(n), tu_randn(&g_rng, n, 1), fc_alloc_floats(C), fc_alloc_floats(C)};
    for (size_t i = 0; i < n; i++) c.x[i] += 0.7f; /* a non-zero mean */
    float *dx = fc_alloc_floats(n), *dg = fc_alloc_floats(C), *dbt = fc_alloc_floats(C);
    bn_loss(&c);
    fc_bn_cache cache = {c.mean, c.invstd};
    fc_batchnorm_backward(dx, dg, dbt, c.r, c.x, c.gamma, &cache, N, C, HW);
    tu_check_grad("batchnorm dx", bn_loss, &c, c.x, dx, n, 1e-2f, 1e-2, 1e-3, 600);
    tu_check_grad("batchnorm dgamma", bn_loss, &c, c.gamma, dg, C, 1e-2f, 1e-2, 1e-3, 600);
    tu_check_grad("batchnorm dbeta", bn_loss, &c, c.beta, dbt, C, 1e-2f, 1e-2, 1e-3, 600);
    float *ptrs[] = {c.x, c.gamma, c.beta, c.y, c.r, c.mean, c.invstd, dx, dg, dbt};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) fc_free_aligned(ptrs[i]);
}

/* ---- BCE on logits ------------------------------------------------------------ */
typedef struct {
    int N;
    float *z, *t;
} bce_ctx;

static double bce_loss(void *p) {
    bce_ctx *c = p;
    return fc_bce_logits(c->z, c->t, c->N, NULL, 1.0f, NULL);
}

static void test_bce(void) {
    bce_ctx c = {40, tu_randn(&g_rng, 40, 3), fc_alloc_floats(40)};
    for (int i = 0; i < c.N; i++) c.t[i] = i % 3 == 0 ? 1.0f : i % 3 == 1 ? 0.0f : 0.3f;
    float *dz = fc_alloc_floats(40);
    fc_bce_logits(c.z, c.t, c.N, dz, 1.0f, NULL);
    tu_check_grad("bce dz", bce_loss, &c, c.z, dz, c.N, 1e-2f, 5e-3, 1e-5, 40);
    fc_free_aligned(c.z);
    fc_free_aligned(c.t);
    fc_free_aligned(dz);
}

/* ---- composite: conv -> lrelu -> dense -> bce --------------------------------- */
typedef struct {
    fc_conv *conv;
    int N, feat;
    float *x, *Wc, *bc, *h, *Wd, *bd, *z, *t;
} comp_ctx;

static double comp_loss(void *p) {
    comp_ctx *c = p;
    fc_conv_forward(c->conv, c->N, c->x, c->Wc, c->bc, c->h);
    fc_leaky_relu_forward(c->h, c->h, (size_t)c->N * c->feat, 0.2f);
    fc_dense_forward(c->z, c->h, c->Wd, c->bd, c->N, c->feat, 1);
    return fc_bce_logits(c->z, c->t, c->N, NULL, 1.0f, NULL);
}

static void test_composite(void) {
    const int N = 4, cin = 2, cout = 3, H = 8;
    fc_conv_desc d = {.transposed = 0, .cin = cin, .cout = cout, .k = 4, .stride = 2, .pad = 1, .h = H, .w = H};
    comp_ctx c = {0};
    fc_error err = {0};
    CHECKF(fc_conv_create(&d, N, &c.conv, &err) == FC_OK, "%s", err.msg);
    if (!c.conv) return;
    c.N = N;
    c.feat = cout * 4 * 4;
    size_t xn = (size_t)N * cin * H * H, wcn = (size_t)cout * cin * 16, hn = (size_t)N * c.feat;
    c.x = tu_randn(&g_rng, xn, 1);
    c.Wc = tu_randn(&g_rng, wcn, 0.3f);
    c.bc = tu_randn(&g_rng, cout, 0.3f);
    c.h = fc_alloc_floats(hn);
    c.Wd = tu_randn(&g_rng, c.feat, 0.3f);
    c.bd = tu_randn(&g_rng, 1, 0.3f);
    c.z = fc_alloc_floats(N);
    c.t = fc_alloc_floats(N);
    for (int i = 0; i < N; i++) c.t[i] = (float)(i & 1);
    comp_loss(&c);
    /* backward through the whole chain */
    float *dz = fc_alloc_floats(N), *dh = fc_alloc_floats(hn), *dWd = fc_alloc_floats(c.feat),
          *dbd = fc_alloc_floats(1), *dx = fc_alloc_floats(xn), *dWc = fc_alloc_floats(wcn),
          *dbc = fc_alloc_floats(cout);
    fc_bce_logits(c.z, c.t, N, dz, 1.0f, NULL);
    fc_dense_backward(dh, dWd, dbd, dz, c.h, c.Wd, N, c.feat, 1);
    fc_leaky_relu_backward(dh, dh, c.h, hn, 0.2f);
    fc_conv_backward_weights(c.conv, N, dh, c.x, dWc, dbc);
    fc_conv_backward_data(c.conv, N, dh, c.Wc, dx);
    /* small steps: the LeakyReLU kink is crossed rarely; the tolerance allows a few tiny ones */
    tu_check_grad("composite dx", comp_loss, &c, c.x, dx, xn, 1e-3f, 2e-2, 2e-4, 1000);
    tu_check_grad("composite conv dW", comp_loss, &c, c.Wc, dWc, wcn, 1e-3f, 2e-2, 2e-4, 1000);
    tu_check_grad("composite conv db", comp_loss, &c, c.bc, dbc, cout, 1e-3f, 2e-2, 2e-4, 1000);
    tu_check_grad("composite dense dW", comp_loss, &c, c.Wd, dWd, c.feat, 1e-3f, 2e-2, 2e-4, 1000);
    tu_check_grad("composite dense db", comp_loss, &c, c.bd, dbd, 1, 1e-3f, 2e-2, 2e-4, 1000);
    fc_conv_free(c.conv);
    float *ptrs[] = {c.x, c.Wc, c.bc, c.h, c.Wd, c.bd, c.z, c.t, dz, dh, dWd, dbd, dx, dWc, dbc};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) fc_free_aligned(ptrs[i]);
}

int main(void) {
    /* The arithmetic is checked on one thread: thousands of tiny forward passes would
     * mostly measure OpenMP's barrier spinning.  The threaded paths are compared with
     * naive references in test_nn_units; two shapes here run on two threads too.
     * FC_TEST_THREADS (tests/numerics-matrix.sh) overrides the thread count. */
    fc_set_threads(tu_threads(1));
    fc_rng_seed(&g_rng, 1234);

    test_dense(3, 7, 5);
    test_dense(4, 100, 64); /* big enough for fc_sgemm to split across threads */

    /* Conv2d k4 s2 p1 (the discriminator), k5 s1 p2 (the generator's output), k4 s1 p0 */
    test_conv(0, 3, 4, 4, 2, 1, 8, 8, 2, 1, 0);
    test_conv(0, 3, 4, 4, 2, 1, 7, 6, 3, 0, 0);
    test_conv(0, 3, 4, 5, 1, 2, 6, 6, 2, 1, 0);
    test_conv(0, 8, 2, 5, 1, 2, 6, 5, 2, 1, 0); /* few outputs: lowered on the output side */
    test_conv(0, 3, 4, 5, 1, 2, 6, 6, 2, 1, 2); /* the same, forced */
    test_conv(0, 3, 2, 4, 1, 0, 7, 7, 2, 1, 0);
    test_conv(0, 3, 2, 4, 1, 0, 7, 7, 2, 0, 2);
    /* ConvTranspose2d k4 s2 p1 (the generator), k4 s1 p0 (DCGAN's 1x1 -> 4x4) */
    test_conv(1, 3, 4, 4, 2, 1, 4, 4, 2, 1, 0); /* Winograd */
    test_conv(1, 4, 3, 4, 2, 1, 3, 5, 3, 0, 0);
    test_conv(1, 3, 4, 4, 2, 1, 4, 4, 2, 1, 2); /* col2im */
    test_conv(1, 4, 3, 4, 2, 1, 3, 5, 3, 0, 2);
    test_conv(1, 5, 3, 4, 1, 0, 1, 1, 3, 1, 0);
    test_conv(1, 3, 2, 4, 1, 0, 3, 3, 2, 1, 0);

    fc_set_threads(2);
    test_conv(0, 3, 4, 4, 2, 1, 8, 8, 4, 1, 0);
    test_conv(1, 3, 4, 4, 2, 1, 4, 4, 4, 1, 0);
    fc_set_threads(tu_threads(1));

    test_activation(ACT_LRELU, "leaky_relu dx");
    test_activation(ACT_RELU, "relu dx");
    test_activation(ACT_SIGMOID, "sigmoid dx");
    test_activation(ACT_TANH, "tanh dx");

    test_dropout();
    test_batchnorm(4, 3, 10);
    test_batchnorm(2, 5, 1);

    test_bce();
    test_composite();
    return TEST_END();
}
