/* facecrypt bench layers: time forward, backward-data and backward-weights of each
 * parameterised layer at a batch size and a precision, so the next bottleneck is
 * visible (include/facecrypt_bench.h). */
#include <time.h>
#include "facecrypt_bench.h"
#include "model/model.h"
#include "util/error.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double macs(const fc_layer *L) {
    if (L->kind == FC_L_DENSE) return (double)L->in_c * L->out_c;
    if (L->kind == FC_L_CONV) return (double)L->out_c * L->out_h * L->out_w * L->in_c * L->k * L->k;
    return (double)L->in_c * L->in_h * L->in_w * L->out_c * L->k * L->k;
}

static int bench_net(fc_net *n, int B, fc_bench_layer *rows, int *nrows, fc_error *err) {
    for (int i = 0; i < n->nlayers; i++) {
        fc_layer *L = &n->layers[i];
        if (L->kind != FC_L_DENSE && L->kind != FC_L_CONV && L->kind != FC_L_CONVT) continue;
        if (*nrows >= FC_BENCH_MAX_LAYERS) return fc_fail(err, FC_EINTERNAL, "more than %d layers", FC_BENCH_MAX_LAYERS);
        size_t insz = (size_t)B * L->in_c * L->in_h * L->in_w, outsz = (size_t)B * L->out_c * L->out_h * L->out_w;
        float *x = fc_alloc_floats(insz), *y = fc_alloc_floats(outsz), *dx = fc_alloc_floats(insz);
        if (!x || !y || !dx) {
            fc_free_aligned(x);
            fc_free_aligned(y);
            fc_free_aligned(dx);
            return fc_fail(err, FC_ENOMEM, "out of memory");
        }
        for (size_t j = 0; j < insz; j++) x[j] = (float)(j % 17) * 0.01f;
        for (size_t j = 0; j < outsz; j++) y[j] = (float)(j % 13) * 0.01f;
        float *W = n->params + L->w_off, *dW = n->grads + L->w_off;
        float *b = L->b_off == (size_t)-1 ? NULL : n->params + L->b_off;
        float *db = L->b_off == (size_t)-1 ? NULL : n->grads + L->b_off;
        double t[3] = {0, 0, 0};
        int reps = 3;
        for (int r = 0; r <= reps; r++) { /* first round is warm-up */
            double t0 = now();
            if (L->kind == FC_L_DENSE) fc_dense_forward_prec(n->precision, y, x, W, b, B, L->in_c, L->out_c);
            else fc_conv_forward(L->conv, B, x, W, b, y);
            double t1 = now();
            if (L->kind == FC_L_DENSE) fc_dense_backward_prec(n->precision, dx, NULL, NULL, y, x, W, B, L->in_c, L->out_c);
            else fc_conv_backward_data(L->conv, B, y, W, dx);
            double t2 = now();
            if (L->kind == FC_L_DENSE) fc_dense_backward_prec(n->precision, NULL, dW, db, y, x, W, B, L->in_c, L->out_c);
            else fc_conv_backward_weights(L->conv, B, y, x, dW, db);
            double t3 = now();
            if (r) {
                t[0] += (t1 - t0) / reps;
                t[1] += (t2 - t1) / reps;
                t[2] += (t3 - t2) / reps;
            }
        }
        fc_bench_layer *row = &rows[(*nrows)++];
        *row = (fc_bench_layer){.net = n->prefix, .name = L->name,
                                .kind = L->kind == FC_L_DENSE ? "dense" : L->kind == FC_L_CONV ? "conv" : "convT",
                                .ms = {t[0] * 1e3, t[1] * 1e3, t[2] * 1e3}, .gflop = 2.0 * macs(L) * B * 1e-9};
        fc_free_aligned(x);
        fc_free_aligned(y);
        fc_free_aligned(dx);
    }
    return FC_OK;
}

int fc_bench_layers(fc_model *m, int B, fc_precision prec, fc_bench_layer *rows, int *n, fc_precision *ran,
                    fc_error *err) {
    *n = 0;
    int rc = fc_net_reserve(&m->G, B, err);
    if (!rc) rc = fc_net_reserve(&m->D, B, err);
    if (rc) return rc;
    *ran = fc_model_set_precision(m, prec);
    rc = bench_net(&m->G, B, rows, n, err);
    if (!rc) rc = bench_net(&m->D, B, rows, n, err);
    return rc;
}
