/* facecrypt bench layers: time forward, backward-data and backward-weights of each
 * parameterised layer at a batch size and a precision, and report GFLOP/s, so the
 * next bottleneck is visible. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "model/model.h"

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

static void bench_net(fc_net *n, int B, FILE *out, double tot[3]) {
    for (int i = 0; i < n->nlayers; i++) {
        fc_layer *L = &n->layers[i];
        if (L->kind != FC_L_DENSE && L->kind != FC_L_CONV && L->kind != FC_L_CONVT) continue;
        size_t insz = (size_t)B * L->in_c * L->in_h * L->in_w, outsz = (size_t)B * L->out_c * L->out_h * L->out_w;
        float *x = fc_alloc_floats(insz), *y = fc_alloc_floats(outsz), *dx = fc_alloc_floats(insz);
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
        double gf = 2.0 * macs(L) * B * 1e-9;
        fprintf(out, "%s.%-6s %-6s %-22s %8.1f %6.0f %8.1f %6.0f %8.1f %6.0f\n", n->prefix, L->name,
                L->kind == FC_L_DENSE ? "dense" : L->kind == FC_L_CONV ? "conv" : "convT",
                "", t[0] * 1e3, gf / t[0], t[1] * 1e3, gf / t[1], t[2] * 1e3, gf / t[2]);
        for (int k = 0; k < 3; k++) tot[k] += t[k];
        fc_free_aligned(x);
        fc_free_aligned(y);
        fc_free_aligned(dx);
    }
}

int fc_bench_layers(fc_model *m, int B, fc_precision prec, FILE *out) {
    fc_error err = {0};
    if (fc_net_reserve(&m->G, B, &err) || fc_net_reserve(&m->D, B, &err)) {
        fprintf(stderr, "facecrypt bench: %s\n", err.msg);
        return err.code;
    }
    fc_precision e = fc_model_set_precision(m, prec);
    fprintf(out, "bench layers: arch %s width %g batch %d threads %d precision %s%s (ms per call, GFLOP/s)\n",
            fc_arch_name(m->arch), m->width, B, fc_get_threads(), fc_precision_name(e),
            e != prec ? " (bf16 asked: this CPU lacks AVX512-BF16)" : "");
    fprintf(out, "%-16s %-22s %8s %6s %8s %6s %8s %6s\n", "layer", "", "fwd ms", "GF/s", "bwd-d ms", "GF/s",
            "bwd-w ms", "GF/s");
    double tot[3] = {0, 0, 0};
    bench_net(&m->G, B, out, tot);
    bench_net(&m->D, B, out, tot);
    fprintf(out, "total: forward %.1f ms, backward-data %.1f ms, backward-weights %.1f ms\n", tot[0] * 1e3,
            tot[1] * 1e3, tot[2] * 1e3);
    return FC_OK;
}
