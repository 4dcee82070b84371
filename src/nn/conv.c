/* Conv2d and ConvTranspose2d by lowering to GEMM (im2col / col2im).  The
 * generators' upsampling layers (ConvTranspose2d k4 s2 p1) go to Winograd
 * instead (conv_wino.c): 2.25x fewer multiply-adds, ~1.8x faster measured.
 *
 * Every variant is one of two shapes.  A "lowered" tensor L (lc channels,
 * lh x lw) is gathered into, or scatter-added from, a column matrix
 * col [lc*k*k, gh*gw] whose columns are positions (gy, gx) on the GEMM side;
 * tap (ky, kx) of column (gy, gx) is L[c, gy*s + sgn*ky + off, gx*s + sgn*kx + off]
 * (zero outside L).  The other tensor (gc channels, gh x gw) meets the weights
 * in a plain GEMM.
 *
 *   LOWER_IN  (Conv2d): L = x, GEMM side = y.  y = W col(x);  dx = col2im(W^T dy);
 *             dW += dy col(x)^T.  The usual im2col convolution.
 *   LOWER_OUT (ConvTranspose2d, or Conv2d with stride 1 and few output channels):
 *             L = y, GEMM side = x, with weights as W2 [cin, cout*k*k].
 *             y = col2im(W2^T x);  dx = W2 col(dy);  dW2 += x col(dy)^T.
 *             For ConvTranspose2d W2 is W itself and the map is the standard one
 *             (s, +1, -p).  For a stride-1 Conv2d the map is reversed (1, -1, +p)
 *             and W2 is W permuted [cout,cin,kk] -> [cin,cout,kk]; this keeps
 *             Conv 512->3 k5 a well-shaped GEMM (M = 75 instead of M = 3).
 *
 * Threading: with a batch of at least as many images as threads, each OpenMP
 * thread takes whole images (single-threaded GEMMs, its own column buffer and
 * its own weight-gradient accumulator, summed at the end).  Smaller batches run
 * images in sequence with the GEMMs split across threads and parallel
 * gather/scatter.  The GEMM side is processed in chunks of rows so that a
 * column buffer stays in cache (ConvTranspose 256->512 would otherwise write
 * 32 MB of columns per image). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "nn/internal.h"
#include "nn/nn.h"
#include "util/error.h"

enum { LOWER_IN = 1, LOWER_OUT = 2, WINOGRAD = 3 };

/* Column-buffer budget per thread, bytes.  Single-threaded, 16 MB ran col2im
 * ConvTranspose 256->512 ~15% faster than 4 MB (fewer repacks of the weights per
 * GEMM); two threads share a 32 MB L3, hence 8 MB.  The seed model's im2col
 * layers need at most 1.2 MB. */
#define COL_BUDGET (8u << 20)

typedef struct lowering {
    int lc, lh, lw; /* lowered tensor */
    int gh, gw;     /* GEMM-side spatial size */
    int k, s, sgn, off;
} lowering;

struct fc_conv {
    fc_conv_desc d;
    int max_batch, nthreads;
    int algo;       /* LOWER_IN, LOWER_OUT or WINOGRAD */
    fc_wino *wino;  /* WINOGRAD: the whole implementation lives in conv_wino.c */
    int permuted;   /* LOWER_OUT for a Conv2d: weights need the [cin,cout,kk] permutation */
    int par_images; /* -1 auto, 0 images in sequence, 1 one image per thread */
    fc_precision prec; /* of every GEMM (fc_conv_set_precision) */
    lowering L;
    int R;          /* rows of col: lc*k*k */
    int P;          /* GEMM-side positions gh*gw */
    int chunk_rows; /* GEMM-side rows per chunk */
    size_t wsize, colsize;
    float *col;   /* nthreads * colsize */
    float *wacc;  /* nthreads * wsize: per-thread weight-gradient accumulators */
    float *bacc;  /* nthreads * cout */
    float *wperm; /* wsize: permuted weights (permuted only) */
};

/* ---- gather / scatter ---------------------------------------------------- */

/* Range of gx in [0, gw) whose tap position gx*s + o0 lies in [0, lw). */
static void valid_range(int gw, int s, int o0, int lw, int *lo, int *hi) {
    int a = o0 >= 0 ? 0 : (-o0 + s - 1) / s;
    int b = lw - 1 - o0 < 0 ? -1 : (lw - 1 - o0) / s;
    if (b > gw - 1) b = gw - 1;
    *lo = a;
    *hi = b + 1 > a ? b + 1 : a;
}

/* col[(c,ky,kx), (gy-g0)*gw + gx] = L[c, ...] for GEMM-side rows [g0, g1). */
static void gather(const lowering *q, const float *Lt, int g0, int g1, float *col, int par) {
    const int kk = q->k * q->k, R = q->lc * kk, cc = (g1 - g0) * q->gw;
#pragma omp parallel for if (par) schedule(static)
    for (int r = 0; r < R; r++) {
        int c = r / kk, ky = (r / q->k) % q->k, kx = r % q->k;
        const float *src = Lt + (size_t)c * q->lh * q->lw;
        float *dst = col + (size_t)r * cc;
        int ox = q->sgn * kx + q->off, lo, hi;
        valid_range(q->gw, q->s, ox, q->lw, &lo, &hi);
        for (int gy = g0; gy < g1; gy++) {
            float *d = dst + (size_t)(gy - g0) * q->gw;
            int ly = gy * q->s + q->sgn * ky + q->off;
            if (ly < 0 || ly >= q->lh || lo >= hi) {
                memset(d, 0, (size_t)q->gw * sizeof(float));
                continue;
            }
            const float *srow = src + (size_t)ly * q->lw + ox;
            for (int gx = 0; gx < lo; gx++) d[gx] = 0.0f;
            if (q->s == 1) memcpy(d + lo, srow + lo, (size_t)(hi - lo) * sizeof(float));
            else if (q->s == 2)
                for (int gx = lo; gx < hi; gx++) d[gx] = srow[2 * gx];
            else
                for (int gx = lo; gx < hi; gx++) d[gx] = srow[gx * q->s];
            for (int gx = hi; gx < q->gw; gx++) d[gx] = 0.0f;
        }
    }
}

/* L[c, ...] += col[(c,ky,kx), ...] (the adjoint of gather). */
static void scatter(const lowering *q, const float *col, int g0, int g1, float *Lt, int par) {
    const int kk = q->k * q->k, cc = (g1 - g0) * q->gw;
#pragma omp parallel for if (par) schedule(static)
    for (int c = 0; c < q->lc; c++) {
        float *dstc = Lt + (size_t)c * q->lh * q->lw;
        for (int t = 0; t < kk; t++) {
            int ky = t / q->k, kx = t % q->k;
            const float *src = col + (size_t)(c * kk + t) * cc;
            int ox = q->sgn * kx + q->off, lo, hi;
            valid_range(q->gw, q->s, ox, q->lw, &lo, &hi);
            if (lo >= hi) continue;
            for (int gy = g0; gy < g1; gy++) {
                int ly = gy * q->s + q->sgn * ky + q->off;
                if (ly < 0 || ly >= q->lh) continue;
                const float *srow = src + (size_t)(gy - g0) * q->gw;
                float *d = dstc + (size_t)ly * q->lw + ox;
                if (q->s == 1)
                    for (int gx = lo; gx < hi; gx++) d[gx] += srow[gx];
                else if (q->s == 2)
                    for (int gx = lo; gx < hi; gx++) d[2 * gx] += srow[gx];
                else
                    for (int gx = lo; gx < hi; gx++) d[gx * q->s] += srow[gx];
            }
        }
    }
}

/* ---- plan ------------------------------------------------------------------ */

int fc_conv_create(const fc_conv_desc *d, int max_batch, fc_conv **out, fc_error *err) {
    return fc_conv_create_lowering(d, max_batch, 0, out, err);
}

int fc_conv_create_lowering(const fc_conv_desc *d, int max_batch, int lower, fc_conv **out, fc_error *err) {
    *out = NULL;
    if (lower < 0 || lower > 3 || (lower == 2 && !d->transposed && d->stride != 1) || (lower == 1 && d->transposed) ||
        (lower == 3 && !fc_wino_applies(d)))
        return fc_fail(err, FC_EINTERNAL, "conv: lowering %d does not apply to this convolution", lower);
    if (d->cin <= 0 || d->cout <= 0 || d->k <= 0 || d->stride <= 0 || d->pad < 0 || d->h <= 0 || d->w <= 0 ||
        max_batch <= 0)
        return fc_fail(err, FC_EINTERNAL, "conv: bad shape (cin %d cout %d k %d s %d p %d h %d w %d batch %d)",
                       d->cin, d->cout, d->k, d->stride, d->pad, d->h, d->w, max_batch);
    fc_conv *c = calloc(1, sizeof *c);
    if (!c) return fc_fail(err, FC_ENOMEM, "conv: out of memory");
    c->d = *d;
    fc_conv_desc *e = &c->d;
    if (e->transposed) {
        e->oh = (e->h - 1) * e->stride - 2 * e->pad + e->k;
        e->ow = (e->w - 1) * e->stride - 2 * e->pad + e->k;
    } else {
        e->oh = e->h + 2 * e->pad - e->k < 0 ? 0 : (e->h + 2 * e->pad - e->k) / e->stride + 1;
        e->ow = e->w + 2 * e->pad - e->k < 0 ? 0 : (e->w + 2 * e->pad - e->k) / e->stride + 1;
    }
    if (e->oh <= 0 || e->ow <= 0) {
        free(c);
        return fc_fail(err, FC_EINTERNAL, "conv: empty output for input %dx%d, k %d, stride %d, pad %d", d->h, d->w,
                       d->k, d->stride, d->pad);
    }
    c->max_batch = max_batch;
    c->nthreads = omp_get_max_threads();
    c->par_images = -1;
    const int k = e->k;
    /* Conv2d with stride 1 and few output channels: lower the output (see top). */
    if (lower) c->algo = lower;
    else if (fc_wino_applies(e)) c->algo = WINOGRAD;
    else c->algo = e->transposed || (e->stride == 1 && e->cout * 4 <= e->cin) ? LOWER_OUT : LOWER_IN;
    if (c->algo == WINOGRAD) {
        c->wino = fc_wino_create(e, max_batch, c->nthreads);
        if (!c->wino) {
            free(c);
            return fc_fail(err, FC_ENOMEM, "conv: out of memory for Winograd buffers");
        }
        *out = c;
        return FC_OK;
    }
    c->permuted = !e->transposed && c->algo == LOWER_OUT;
    lowering *q = &c->L;
    if (c->algo == LOWER_IN) {
        *q = (lowering){e->cin, e->h, e->w, e->oh, e->ow, k, e->stride, 1, -e->pad};
    } else if (e->transposed) {
        *q = (lowering){e->cout, e->oh, e->ow, e->h, e->w, k, e->stride, 1, -e->pad};
    } else {
        *q = (lowering){e->cout, e->oh, e->ow, e->h, e->w, k, 1, -1, e->pad};
    }
    c->R = q->lc * k * k;
    c->P = q->gh * q->gw;
    size_t row_bytes = (size_t)c->R * q->gw * sizeof(float);
    c->chunk_rows = (int)(COL_BUDGET / row_bytes);
    if (c->chunk_rows < 1) c->chunk_rows = 1;
    if (c->chunk_rows > q->gh) c->chunk_rows = q->gh;
    c->colsize = ((size_t)c->R * c->chunk_rows * q->gw + 15) & ~(size_t)15;
    c->wsize = (size_t)e->cin * e->cout * k * k;
    size_t T = (size_t)c->nthreads;
    c->col = fc_alloc_floats(T * c->colsize);
    c->wacc = fc_alloc_floats(T * c->wsize);
    c->bacc = fc_alloc_floats(T * (size_t)e->cout);
    c->wperm = c->permuted ? fc_alloc_floats(c->wsize) : NULL;
    if (!c->col || !c->wacc || !c->bacc || (c->permuted && !c->wperm)) {
        fc_conv_free(c);
        return fc_fail(err, FC_ENOMEM, "conv: out of memory for scratch buffers");
    }
    *out = c;
    return FC_OK;
}

void fc_conv_free(fc_conv *c) {
    if (!c) return;
    fc_wino_free(c->wino);
    fc_free_aligned(c->col);
    fc_free_aligned(c->wacc);
    fc_free_aligned(c->bacc);
    fc_free_aligned(c->wperm);
    free(c);
}

const fc_conv_desc *fc_conv_get_desc(const fc_conv *c) { return &c->d; }

void fc_conv_set_precision(fc_conv *c, fc_precision prec) {
    c->prec = fc_precision_effective(prec);
    if (c->wino) fc_wino_set_precision(c->wino, c->prec);
}

void fc_conv_set_options(fc_conv *c, int par_images, int col_budget_bytes) {
    c->par_images = par_images;
    if (c->wino) { /* Winograd always splits by image ranges; the budget caps its M buffer */
        if (col_budget_bytes > 0) fc_wino_set_budget(c->wino, (size_t)col_budget_bytes);
        return;
    }
    if (col_budget_bytes > 0) {
        size_t row_bytes = (size_t)c->R * c->L.gw * sizeof(float);
        int rows = (int)((size_t)col_budget_bytes / row_bytes);
        if (rows < 1) rows = 1;
        if (rows > c->L.gh) rows = c->L.gh;
        /* the buffer was sized for the create-time budget: never grow past it */
        if ((size_t)c->R * rows * c->L.gw <= c->colsize) c->chunk_rows = rows;
    }
}

/* Threads for a call over N images, and whether they take whole images. */
static int plan_threads(const fc_conv *c, int N, int *par_images) {
    int T = fc_nn_threads();
    if (T > c->nthreads) T = c->nthreads;
    int par = c->par_images;
    if (par < 0) par = N >= T && (N % T == 0 || N >= 4 * T);
    /* OpenBLAS running its own threads (fc_set_threads not called): let it. */
    if (openblas_get_num_threads() > 1) par = 0;
    if (T == 1) par = 0;
    *par_images = par;
    if (par && T > N) T = N;
    return T;
}

/* W [cout,cin,kk] -> wperm [cin,cout,kk] */
static void permute_weights(fc_conv *c, const float *W) {
    const int ci = c->d.cin, co = c->d.cout, kk = c->d.k * c->d.k;
    for (int o = 0; o < co; o++)
        for (int i = 0; i < ci; i++)
            memcpy(c->wperm + ((size_t)i * co + o) * kk, W + ((size_t)o * ci + i) * kk, (size_t)kk * sizeof(float));
}

/* ---- the three operations on one image ------------------------------------- */

static void fwd_image(fc_conv *c, const float *x, const float *W2, const float *b, float *y, float *col, int par) {
    const fc_conv_desc *d = &c->d;
    const lowering *q = &c->L;
    const size_t osz = (size_t)d->oh * d->ow;
    if (c->algo == LOWER_OUT) {
        for (int o = 0; o < d->cout; o++) {
            float v = b ? b[o] : 0.0f, *yo = y + o * osz;
            for (size_t i = 0; i < osz; i++) yo[i] = v;
        }
    }
    for (int g0 = 0; g0 < q->gh; g0 += c->chunk_rows) {
        int g1 = g0 + c->chunk_rows < q->gh ? g0 + c->chunk_rows : q->gh, cc = (g1 - g0) * q->gw;
        if (c->algo == LOWER_IN) {
            gather(q, x, g0, g1, col, par);
            fc_gemm(c->prec, 0, 0, d->cout, cc, c->R, 1.0f, W2, c->R, col, cc, 0.0f, y + (size_t)g0 * q->gw, c->P);
            if (b)
                for (int o = 0; o < d->cout; o++) {
                    float *yo = y + o * osz + (size_t)g0 * q->gw;
                    for (int i = 0; i < cc; i++) yo[i] += b[o];
                }
        } else {
            fc_gemm(c->prec, 1, 0, c->R, cc, d->cin, 1.0f, W2, c->R, x + (size_t)g0 * q->gw, c->P, 0.0f, col, cc);
            scatter(q, col, g0, g1, y, par);
        }
    }
}

static void bwd_data_image(fc_conv *c, const float *dy, const float *W2, float *dx, float *col, int par) {
    const fc_conv_desc *d = &c->d;
    const lowering *q = &c->L;
    if (c->algo == LOWER_IN) memset(dx, 0, (size_t)d->cin * d->h * d->w * sizeof(float));
    for (int g0 = 0; g0 < q->gh; g0 += c->chunk_rows) {
        int g1 = g0 + c->chunk_rows < q->gh ? g0 + c->chunk_rows : q->gh, cc = (g1 - g0) * q->gw;
        if (c->algo == LOWER_IN) {
            fc_gemm(c->prec, 1, 0, c->R, cc, d->cout, 1.0f, W2, c->R, dy + (size_t)g0 * q->gw, c->P, 0.0f, col, cc);
            scatter(q, col, g0, g1, dx, par);
        } else {
            gather(q, dy, g0, g1, col, par);
            fc_gemm(c->prec, 0, 0, d->cin, cc, c->R, 1.0f, W2, c->R, col, cc, 0.0f, dx + (size_t)g0 * q->gw, c->P);
        }
    }
}

/* dW2 += ..., db += per-channel sums of dy (db may be NULL). */
static void bwd_weights_image(fc_conv *c, const float *dy, const float *x, float *dW2, float *db, float *col,
                              int par) {
    const fc_conv_desc *d = &c->d;
    const lowering *q = &c->L;
    for (int g0 = 0; g0 < q->gh; g0 += c->chunk_rows) {
        int g1 = g0 + c->chunk_rows < q->gh ? g0 + c->chunk_rows : q->gh, cc = (g1 - g0) * q->gw;
        if (c->algo == LOWER_IN) {
            gather(q, x, g0, g1, col, par);
            fc_gemm(c->prec, 0, 1, d->cout, c->R, cc, 1.0f, dy + (size_t)g0 * q->gw, c->P, col, cc, 1.0f, dW2, c->R);
        } else {
            gather(q, dy, g0, g1, col, par);
            fc_gemm(c->prec, 0, 1, d->cin, c->R, cc, 1.0f, x + (size_t)g0 * q->gw, c->P, col, cc, 1.0f, dW2, c->R);
        }
    }
    if (db) {
        const size_t osz = (size_t)d->oh * d->ow;
        for (int o = 0; o < d->cout; o++) {
            const float *g = dy + o * osz;
            float s = 0.0f;
            for (size_t i = 0; i < osz; i++) s += g[i];
            db[o] += s;
        }
    }
}

/* ---- public entry points ----------------------------------------------------- */

/* The weights in the layout the GEMM lowering reads (permuted once per call where the
 * plan needs it), and the per-image input and output sizes. */
static const float *gemm_weights(fc_conv *c, const float *W, size_t *isz, size_t *osz) {
    const fc_conv_desc *d = &c->d;
    *isz = (size_t)d->cin * d->h * d->w;
    *osz = (size_t)d->cout * d->oh * d->ow;
    if (!c->permuted) return W;
    permute_weights(c, W);
    return c->wperm;
}

void fc_conv_forward(fc_conv *c, int N, const float *x, const float *W, const float *b, float *y) {
    if (c->wino) {
        fc_wino_forward(c->wino, N, x, W, b, y);
        return;
    }
    size_t isz, osz;
    const float *W2 = gemm_weights(c, W, &isz, &osz);
    int par, T = plan_threads(c, N, &par);
    if (!par) {
        for (int n = 0; n < N; n++) fwd_image(c, x + n * isz, W2, b, y + n * osz, c->col, T > 1);
        return;
    }
#pragma omp parallel for num_threads(T) schedule(static)
    for (int n = 0; n < N; n++)
        fwd_image(c, x + n * isz, W2, b, y + n * osz, c->col + (size_t)omp_get_thread_num() * c->colsize, 0);
}

void fc_conv_backward_data(fc_conv *c, int N, const float *dy, const float *W, float *dx) {
    if (c->wino) {
        fc_wino_backward_data(c->wino, N, dy, W, dx);
        return;
    }
    size_t isz, osz;
    const float *W2 = gemm_weights(c, W, &isz, &osz);
    int par, T = plan_threads(c, N, &par);
    if (!par) {
        for (int n = 0; n < N; n++) bwd_data_image(c, dy + n * osz, W2, dx + n * isz, c->col, T > 1);
        return;
    }
#pragma omp parallel for num_threads(T) schedule(static)
    for (int n = 0; n < N; n++)
        bwd_data_image(c, dy + n * osz, W2, dx + n * isz, c->col + (size_t)omp_get_thread_num() * c->colsize, 0);
}

/* dW += acc (acc in the weights' own layout, or permuted [cin,cout,kk]). */
static void add_weights(const fc_conv *c, float *dW, const float *acc, size_t lo, size_t hi) {
    if (!c->permuted) {
        for (size_t i = lo; i < hi; i++) dW[i] += acc[i];
        return;
    }
    /* [lo, hi) indexes dW [cout,cin,kk]; read acc [cin,cout,kk] */
    const size_t ci = (size_t)c->d.cin, co = (size_t)c->d.cout, kk = (size_t)c->d.k * c->d.k;
    for (size_t i = lo; i < hi; i++) {
        size_t t = i % kk, r = i / kk, inn = r % ci, o = r / ci;
        dW[i] += acc[(inn * co + o) * kk + t];
    }
}

void fc_conv_backward_weights(fc_conv *c, int N, const float *dy, const float *x, float *dW, float *db) {
    if (c->wino) {
        fc_wino_backward_weights(c->wino, N, dy, x, dW, db);
        return;
    }
    const fc_conv_desc *d = &c->d;
    const size_t isz = (size_t)d->cin * d->h * d->w, osz = (size_t)d->cout * d->oh * d->ow;
    int par, T = plan_threads(c, N, &par);
    if (!par) {
        /* images in sequence; GEMMs accumulate straight into dW unless it is permuted */
        float *acc = dW;
        if (c->permuted) {
            acc = c->wacc;
            fc_zero(acc, c->wsize);
        }
        for (int n = 0; n < N; n++) bwd_weights_image(c, dy + n * osz, x + n * isz, acc, db, c->col, T > 1);
        if (c->permuted) add_weights(c, dW, acc, 0, c->wsize);
        return;
    }
    /* one accumulator per thread; thread 0 uses dW itself when the layout allows */
    const int direct0 = !c->permuted;
#pragma omp parallel num_threads(T)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *acc = direct0 && t == 0 ? dW : c->wacc + (size_t)t * c->wsize;
        float *bacc = c->bacc + (size_t)t * d->cout;
        if (acc != dW) memset(acc, 0, c->wsize * sizeof(float));
        memset(bacc, 0, (size_t)d->cout * sizeof(float));
        float *col = c->col + (size_t)t * c->colsize;
#pragma omp for schedule(static)
        for (int n = 0; n < N; n++) bwd_weights_image(c, dy + n * osz, x + n * isz, acc, db ? bacc : NULL, col, 0);
        /* implicit barrier: all accumulators are complete; reduce over disjoint slices */
        size_t lo = c->wsize * (size_t)t / (size_t)nt, hi = c->wsize * (size_t)(t + 1) / (size_t)nt;
        for (int u = direct0 ? 1 : 0; u < nt; u++) add_weights(c, dW, c->wacc + (size_t)u * c->wsize, lo, hi);
#pragma omp single
        if (db)
            for (int u = 0; u < nt; u++)
                for (int o = 0; o < d->cout; o++) db[o] += c->bacc[(size_t)u * d->cout + o];
    }
}
