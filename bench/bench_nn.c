/* Per-layer timings of the nn engine on the seed model's shapes (batch 64 by default):
 * forward, backward-data and backward-weights, best of R repetitions (the best, not
 * the mean, because the build machine is shared), under a choice of threading modes.
 *
 * Build by hand from the worktree root after `make build/libfacecrypt.a`:
 *   cc -std=c11 -O2 -fopenmp -Iinclude -Isrc bench/bench_nn.c build/libfacecrypt.a \
 *      -o build/bench_nn -lopenblas -lm
 *   build/bench_nn [-t threads] [-b batch] [-r reps] [-m modes] [-c col_budget_bytes] [-l layer-substring]
 *                  [-p 1: process CPU time instead of wall time] [-a algorithm, as fc_conv_create_lowering]
 * modes (a string of letters, each run in turn):
 *   a  automatic (the engine's choice: one image per thread for batch 64)
 *   i  one image per thread, single-threaded OpenBLAS
 *   s  images in sequence, GEMMs split across OpenMP threads, OpenBLAS single-threaded
 *   o  images in sequence, GEMMs threaded by OpenBLAS's own pool (OpenMP only for im2col/col2im)
 */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nn/nn.h"

/* Wall clock, or with -p the process CPU time (a steadier measure of the work on
 * a loaded machine, meaningful with -t 1). */
static int use_cpu_time;
static double now(void) {
    struct timespec ts;
    clock_gettime(use_cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    const char *name;
    int kind; /* 0 dense, 1 conv, 2 convT */
    int cin, cout, k, s, p, h;
} layer;

static const layer seed_layers[] = {
    {"G dense 100->8192", 0, 100, 8192, 0, 0, 0, 1},
    {"G convT 128->128 8->16", 2, 128, 128, 4, 2, 1, 8},
    {"G convT 128->256 16->32", 2, 128, 256, 4, 2, 1, 16},
    {"G convT 256->512 32->64", 2, 256, 512, 4, 2, 1, 32},
    {"G conv 512->3 k5 64", 1, 512, 3, 5, 1, 2, 64},
    {"D conv 3->64 64->32", 1, 3, 64, 4, 2, 1, 64},
    {"D conv 64->128 32->16", 1, 64, 128, 4, 2, 1, 32},
    {"D conv 128->128 16->8", 1, 128, 128, 4, 2, 1, 16},
    {"D dense 8192->1", 0, 8192, 1, 0, 0, 0, 1},
};

int main(int argc, char **argv) {
    int threads = 2, B = 64, reps = 3, budget = 0, lowering = 0;
    const char *modes = "a", *filter = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-t")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-b")) B = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-r")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-m")) modes = argv[i + 1];
        else if (!strcmp(argv[i], "-c")) budget = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-l")) filter = argv[i + 1];
        else if (!strcmp(argv[i], "-p")) use_cpu_time = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-a")) lowering = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "bench_nn: unknown option %s\n", argv[i]);
            return 1;
        }
    }
    fc_set_threads(threads);
    fc_rng rng;
    fc_rng_seed(&rng, 1);
    printf("bench_nn: batch %d, threads %d, best of %d (%s ms; GMAC/s in brackets)\n", B, threads, reps,
           use_cpu_time ? "CPU" : "wall");
    for (const char *m = modes; *m; m++) {
        int par = *m == 'i' ? 1 : *m == 'a' ? -1 : 0;
        openblas_set_num_threads(*m == 'o' ? threads : 1);
        printf("mode %c%s\n", *m,
               *m == 'a'   ? " (automatic)"
               : *m == 'i' ? " (one image per thread)"
               : *m == 's' ? " (images in sequence, split GEMMs)"
                           : " (images in sequence, OpenBLAS threads)");
        double tot[3] = {0, 0, 0};
        for (size_t li = 0; li < sizeof seed_layers / sizeof *seed_layers; li++) {
            const layer *L = &seed_layers[li];
            if (filter && !strstr(L->name, filter)) continue;
            fc_conv *c = NULL;
            int oh = 1;
            if (L->kind) {
                fc_conv_desc d = {.transposed = L->kind == 2, .cin = L->cin, .cout = L->cout, .k = L->k,
                                  .stride = L->s, .pad = L->p, .h = L->h, .w = L->h};
                fc_error err = {0};
                /* -a applies to the layers it fits; the others stay automatic */
                if (fc_conv_create_lowering(&d, B, lowering, &c, &err) &&
                    fc_conv_create_lowering(&d, B, 0, &c, &err)) {
                    fprintf(stderr, "bench_nn: %s\n", err.msg);
                    return 1;
                }
                fc_conv_set_options(c, par, budget);
                oh = fc_conv_get_desc(c)->oh;
            }
            size_t xn = (size_t)B * L->cin * L->h * L->h, yn = (size_t)B * L->cout * oh * oh;
            size_t wn = (size_t)L->cin * L->cout * (L->kind ? L->k * L->k : 1);
            float *x = fc_alloc_floats(xn), *y = fc_alloc_floats(yn), *dx = fc_alloc_floats(xn),
                  *W = fc_alloc_floats(wn), *dW = fc_alloc_floats(wn), *b = fc_alloc_floats(L->cout),
                  *db = fc_alloc_floats(L->cout);
            if (!x || !y || !dx || !W || !dW || !b || !db) {
                fprintf(stderr, "bench_nn: out of memory\n");
                return 1;
            }
            fc_rng_fill_normal(&rng, x, xn, 0, 1);
            fc_rng_fill_normal(&rng, y, yn, 0, 1);
            fc_rng_fill_normal(&rng, W, wn, 0, 0.05f);
            double best[3] = {1e9, 1e9, 1e9};
            for (int r = 0; r <= reps; r++) { /* round 0 warms up */
                double t[4];
                t[0] = now();
                if (c) fc_conv_forward(c, B, x, W, b, y);
                else fc_dense_forward(y, x, W, b, B, L->cin, L->cout);
                t[1] = now();
                if (c) fc_conv_backward_data(c, B, y, W, dx);
                else fc_dense_backward(dx, NULL, NULL, y, x, W, B, L->cin, L->cout);
                t[2] = now();
                if (c) fc_conv_backward_weights(c, B, y, x, dW, db);
                else fc_dense_backward(NULL, dW, db, y, x, W, B, L->cin, L->cout);
                t[3] = now();
                for (int k = 0; r && k < 3; k++)
                    if (t[k + 1] - t[k] < best[k]) best[k] = t[k + 1] - t[k];
            }
            double macs = (double)B * wn * (L->kind == 1 ? (double)oh * oh : (double)L->h * L->h);
            printf("  %-26s fwd %8.1f (%5.1f)  bwd-data %8.1f (%5.1f)  bwd-w %8.1f (%5.1f)\n", L->name,
                   best[0] * 1e3, macs / best[0] * 1e-9, best[1] * 1e3, macs / best[1] * 1e-9, best[2] * 1e3,
                   macs / best[2] * 1e-9);
            fflush(stdout);
            for (int k = 0; k < 3; k++) tot[k] += best[k];
            fc_conv_free(c);
            float *ptrs[] = {x, y, dx, W, dW, b, db};
            for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) fc_free_aligned(ptrs[i]);
        }
        printf("  total: fwd %.1f ms, bwd-data %.1f ms, bwd-w %.1f ms\n", tot[0] * 1e3, tot[1] * 1e3, tot[2] * 1e3);
    }
    return 0;
}
