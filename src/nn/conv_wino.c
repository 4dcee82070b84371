/* ConvTranspose2d k4 s2 p1 (every upsampling layer of the seed and DCGAN
 * generators) by Winograd F(3x3, 2x2): 2.25x fewer multiply-adds than direct.
 *
 * Why it applies.  In 1-D, with p = 1, the transposed convolution gives
 *     y[2n]   = W[3] x[n-1] + W[1] x[n]
 *     y[2n-1] = W[2] x[n-1] + W[0] x[n]
 * so at every "window position" n both output phases are 2-tap correlations
 * of the same input window (x[n-1], x[n]).  In 2-D the four phases (phy, phx)
 * share a 2x2 window; F(3,2) tiles cover 3x3 window positions with a 4x4 input
 * patch.  With xp the input padded by one zero row/column in front
 * (xp[j] = x[j-1]), tile (ty, tx) reads xp[3ty .. 3ty+3][3tx .. 3tx+3] and
 * window position (3ty+a, 3tx+b) of phase (phy, phx) is output pixel
 * (2(3ty+a) - phy, 2(3tx+b) - phx); taps: ky = 3 - phy - 2i, kx = 3 - phx - 2j.
 *
 * Transforms (points 0, 1, -1, inf; all entries 0, +-1, 1/2, so exact-ish):
 *     V = B^T d B,  U = G g G^T,  Y = A^T (sum_ci U.V) A
 * and per transform point xi (16 of them) the channel sum is one GEMM:
 *     M[xi] [4*cout, tiles] = U[xi] [4*cout, cin] x V[xi] [cin, tiles].
 * Backward-data and backward-weights run the adjoints of the same linear maps:
 *     dM = A dY A^T;  dV[xi] = U[xi]^T dM[xi];  dx += B dV B^T (overlap-add)
 *     dU[xi] += dM[xi] V[xi]^T;  dW += G^T dU G.
 *
 * Work is split by images: each thread takes a contiguous range and processes it
 * in groups of images (so that a GEMM sees a few hundred tiles), and the 4*cout
 * rows in blocks (so that the M buffer stays a few MB). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "nn/internal.h"
#include "nn/nn.h"

#define NXI 16          /* transform points: 4x4 */
#define TARGET_TILES 200 /* tiles per GEMM: enough for OpenBLAS to run near peak */
#define MBUF_BYTES (4u << 20)

struct fc_wino {
    int cin, cout, h, w, oh, ow;
    int th, tw, TI;   /* tiles per image */
    int PH, PW;       /* padded input plane */
    int rows;         /* 4*cout: (phase, co) */
    int RB;           /* row block */
    int gimg, Tmax;   /* images per group, tiles per group */
    int nthreads, max_batch;
    fc_precision prec; /* of the transform-domain GEMMs */
    float *U;         /* [NXI][rows][cin] transformed weights (per call) */
    float *xp;        /* per thread: [cin][PH*PW] padded input or its gradient */
    float *V;         /* per thread: [NXI][cin][Tmax] transformed input or its gradient */
    float *Mb;        /* per thread: [NXI][RB][Tmax] */
    float *dU;        /* per thread: [NXI][rows][cin] weight-gradient accumulators */
    float *tmp;       /* per thread: [4][9][TI] output-tile scratch */
    size_t xp_sz, V_sz, Mb_sz, U_sz, tmp_sz;
};

int fc_wino_applies(const fc_conv_desc *d) {
    return d->transposed && d->k == 4 && d->stride == 2 && d->pad == 1;
}

void fc_wino_free(fc_wino *p) {
    if (!p) return;
    fc_free_aligned(p->U);
    fc_free_aligned(p->xp);
    fc_free_aligned(p->V);
    fc_free_aligned(p->Mb);
    fc_free_aligned(p->dU);
    fc_free_aligned(p->tmp);
    free(p);
}

fc_wino *fc_wino_create(const fc_conv_desc *d, int max_batch, int nthreads) {
    fc_wino *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->cin = d->cin;
    p->cout = d->cout;
    p->h = d->h;
    p->w = d->w;
    p->oh = 2 * d->h;
    p->ow = 2 * d->w;
    p->th = (d->h + 1 + 2) / 3; /* window positions 0..h */
    p->tw = (d->w + 1 + 2) / 3;
    p->TI = p->th * p->tw;
    p->PH = 3 * p->th + 1;
    p->PW = 3 * p->tw + 1;
    p->rows = 4 * d->cout;
    p->nthreads = nthreads;
    p->max_batch = max_batch;
    p->gimg = (TARGET_TILES + p->TI - 1) / p->TI;
    int per_thread = (max_batch + nthreads - 1) / nthreads;
    if (p->gimg > per_thread) p->gimg = per_thread;
    if (p->gimg < 1) p->gimg = 1;
    p->Tmax = p->gimg * p->TI;
    /* a multiple of 16 rows: whole groups of 4 phases (the output transforms need them) */
    p->RB = (int)(MBUF_BYTES / ((size_t)NXI * p->Tmax * sizeof(float))) & ~15;
    if (p->RB < 16) p->RB = 16;
    if (p->RB > p->rows) p->RB = p->rows;
    p->U_sz = (size_t)NXI * p->rows * p->cin;
    p->xp_sz = ((size_t)p->cin * p->PH * p->PW + 15) & ~(size_t)15;
    p->V_sz = (size_t)NXI * p->cin * p->Tmax;
    p->Mb_sz = (size_t)NXI * p->RB * p->Tmax;
    p->tmp_sz = ((size_t)36 * p->TI + 15) & ~(size_t)15;
    size_t T = (size_t)nthreads;
    p->U = fc_alloc_floats(p->U_sz);
    p->xp = fc_alloc_floats(T * p->xp_sz);
    p->V = fc_alloc_floats(T * p->V_sz);
    p->Mb = fc_alloc_floats(T * p->Mb_sz);
    p->dU = fc_alloc_floats(T * p->U_sz);
    p->tmp = fc_alloc_floats(T * p->tmp_sz);
    if (!p->U || !p->xp || !p->V || !p->Mb || !p->dU || !p->tmp) {
        fc_wino_free(p);
        return NULL;
    }
    return p;
}

void fc_wino_set_precision(fc_wino *p, fc_precision prec) { p->prec = prec; }

void fc_wino_set_budget(fc_wino *p, size_t bytes) {
    int rb = (int)(bytes / ((size_t)NXI * p->Tmax * sizeof(float))) & ~15;
    if (rb < 16) rb = 16;
    if (rb < p->RB) p->RB = rb; /* Mb was sized for the create-time block */
}

/* ---- transforms ------------------------------------------------------------- */

/* U[xi][r][ci] for r = ph*cout + co, from W [cin, cout, 4, 4]; rows co in [c0, c1). */
static void filter_transform(const fc_wino *p, const float *W, int c0, int c1) {
    const size_t xs = (size_t)p->rows * p->cin; /* stride between transform points */
    for (int co = c0; co < c1; co++)
        for (int ph = 0; ph < 4; ph++) {
            const int phy = ph >> 1, phx = ph & 1;
            float *Ur = p->U + ((size_t)co * 4 + ph) * p->cin;
            for (int ci = 0; ci < p->cin; ci++) {
                const float *w = W + ((size_t)ci * p->cout + co) * 16;
                float g[2][2];
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++) g[i][j] = w[(3 - phy - 2 * i) * 4 + (3 - phx - 2 * j)];
                float u[4][2]; /* G g */
                for (int j = 0; j < 2; j++) {
                    u[0][j] = g[0][j];
                    u[1][j] = 0.5f * (g[0][j] + g[1][j]);
                    u[2][j] = 0.5f * (g[0][j] - g[1][j]);
                    u[3][j] = g[1][j];
                }
                for (int i = 0; i < 4; i++) { /* (G g) G^T */
                    float *o = Ur + ci + (size_t)(4 * i) * xs;
                    o[0] = u[i][0];
                    o[xs] = 0.5f * (u[i][0] + u[i][1]);
                    o[2 * xs] = 0.5f * (u[i][0] - u[i][1]);
                    o[3 * xs] = u[i][1];
                }
            }
        }
}

/* dW += G^T dU G for rows co in [c0, c1), dU summed over nacc accumulators. */
static void filter_adjoint(const fc_wino *p, int nacc, float *dW, int c0, int c1) {
    const size_t xs = (size_t)p->rows * p->cin;
    for (int co = c0; co < c1; co++)
        for (int ph = 0; ph < 4; ph++) {
            const int phy = ph >> 1, phx = ph & 1;
            for (int ci = 0; ci < p->cin; ci++) {
                float du[4][4];
                const size_t off = ((size_t)co * 4 + ph) * p->cin + ci;
                for (int x = 0; x < NXI; x++) {
                    float s = 0.0f;
                    for (int t = 0; t < nacc; t++) s += p->dU[(size_t)t * p->U_sz + off + x * xs];
                    du[x >> 2][x & 3] = s;
                }
                float s[2][4]; /* G^T dU */
                for (int j = 0; j < 4; j++) {
                    s[0][j] = du[0][j] + 0.5f * (du[1][j] + du[2][j]);
                    s[1][j] = 0.5f * (du[1][j] - du[2][j]) + du[3][j];
                }
                float *w = dW + ((size_t)ci * p->cout + co) * 16;
                for (int i = 0; i < 2; i++) { /* (G^T dU) G */
                    w[(3 - phy - 2 * i) * 4 + (3 - phx)] += s[i][0] + 0.5f * (s[i][1] + s[i][2]);
                    w[(3 - phy - 2 * i) * 4 + (1 - phx)] += 0.5f * (s[i][1] - s[i][2]) + s[i][3];
                }
            }
        }
}

/* Copy image x [cin,h,w] into xp with a zero border (one in front, the rest behind). */
static void pad_input(const fc_wino *p, const float *x, float *xp) {
    const size_t plane = (size_t)p->PH * p->PW;
    for (int ci = 0; ci < p->cin; ci++) {
        float *o = xp + ci * plane;
        const float *in = x + (size_t)ci * p->h * p->w;
        memset(o, 0, (size_t)p->PW * sizeof(float));
        for (int i = 0; i < p->h; i++) {
            float *r = o + (size_t)(i + 1) * p->PW;
            r[0] = 0.0f;
            memcpy(r + 1, in + (size_t)i * p->w, (size_t)p->w * sizeof(float));
            for (int j = p->w + 1; j < p->PW; j++) r[j] = 0.0f;
        }
        memset(o + (size_t)(p->h + 1) * p->PW, 0, (size_t)(p->PH - p->h - 1) * p->PW * sizeof(float));
    }
}

/* V[xi][ci][t0 + t] = B^T d B for every tile t of one padded image. */
static void input_transform(const fc_wino *p, const float *xp, float *V, int T, int t0) {
    const size_t plane = (size_t)p->PH * p->PW, xs = (size_t)p->cin * T;
    for (int ci = 0; ci < p->cin; ci++) {
        const float *src = xp + ci * plane;
        float *dst = V + (size_t)ci * T + t0;
        for (int ty = 0; ty < p->th; ty++)
            for (int tx = 0; tx < p->tw; tx++) {
                const float *d = src + (size_t)(3 * ty) * p->PW + 3 * tx;
                float t[4][4]; /* B^T d: rows */
                for (int j = 0; j < 4; j++) {
                    float d0 = d[j], d1 = d[p->PW + j], d2 = d[2 * p->PW + j], d3 = d[3 * p->PW + j];
                    t[0][j] = d0 - d2;
                    t[1][j] = d1 + d2;
                    t[2][j] = d2 - d1;
                    t[3][j] = d3 - d1;
                }
                float *o = dst + ty * p->tw + tx;
                for (int i = 0; i < 4; i++) { /* (B^T d) B: columns */
                    o[(4 * i + 0) * xs] = t[i][0] - t[i][2];
                    o[(4 * i + 1) * xs] = t[i][1] + t[i][2];
                    o[(4 * i + 2) * xs] = t[i][2] - t[i][1];
                    o[(4 * i + 3) * xs] = t[i][3] - t[i][1];
                }
            }
    }
}

/* dxp += B dV B^T over every tile of one image (tiles overlap by one row/column). */
static void input_adjoint(const fc_wino *p, const float *dV, int T, int t0, float *dxp) {
    const size_t plane = (size_t)p->PH * p->PW, xs = (size_t)p->cin * T;
    memset(dxp, 0, (size_t)p->cin * plane * sizeof(float));
    for (int ci = 0; ci < p->cin; ci++) {
        float *dst = dxp + ci * plane;
        const float *src = dV + (size_t)ci * T + t0;
        for (int ty = 0; ty < p->th; ty++)
            for (int tx = 0; tx < p->tw; tx++) {
                const float *v = src + ty * p->tw + tx;
                float s[4][4]; /* B dV: rows */
                for (int j = 0; j < 4; j++) {
                    float v0 = v[(0 + j) * xs], v1 = v[(4 + j) * xs], v2 = v[(8 + j) * xs], v3 = v[(12 + j) * xs];
                    s[0][j] = v0;
                    s[1][j] = v1 - v2 - v3;
                    s[2][j] = v1 + v2 - v0;
                    s[3][j] = v3;
                }
                float *d = dst + (size_t)(3 * ty) * p->PW + 3 * tx;
                for (int i = 0; i < 4; i++) { /* (B dV) B^T */
                    float *r = d + (size_t)i * p->PW;
                    r[0] += s[i][0];
                    r[1] += s[i][1] - s[i][2] - s[i][3];
                    r[2] += s[i][1] + s[i][2] - s[i][0];
                    r[3] += s[i][3];
                }
            }
    }
}

/* Output pixel (oy, ox) of a 2x-upsampled plane is window position (3ty+a, 3tx+c) of
 * phase (phy, phx) with oy + 1 = 6ty + q, q = 2a + 1 - phy (and likewise for x), so
 * a run of six pixels 6t-1 .. 6t+4 holds (a or c, phase) = (0,1) (0,0) (1,1) (1,0)
 * (2,1) (2,0).  Each plane is read or written once, row by row, through tmp
 * [4 phases][9][TI], and the transforms run vectorised across tiles. */

/* Pointers to tmp's streams for six-pixel run row q: stream j takes pixel 6t-1+j. */
static void run_streams(const fc_wino *p, float *tmp, int ty, int q, float *dst[6]) {
    const int a = q >> 1, phy = 1 - (q & 1);
    for (int j = 0; j < 6; j++) {
        const int c = j >> 1, phx = 1 - (j & 1);
        dst[j] = tmp + ((size_t)((phy * 2 + phx) * 9 + 3 * a + c)) * p->TI + ty * p->tw;
    }
}

/* y (one image), channels of rows [r0, r0+rn) (whole groups of 4 phases), from
 * Mb[xi][r - r0][t0 + t]: Y = A^T M A + bias. */
static void output_transform(const fc_wino *p, const float *Mb, int T, int t0, int r0, int rn, const float *b,
                             float *y, float *tmp) {
    const size_t xs = (size_t)p->RB * T;
    const int TI = p->TI;
    for (int co = r0 / 4; co < (r0 + rn) / 4; co++) {
        const float bias = b ? b[co] : 0.0f;
        for (int ph = 0; ph < 4; ph++) {
            const float *m = Mb + (size_t)(4 * co + ph - r0) * T + t0;
            float *o = tmp + (size_t)ph * 9 * TI;
#pragma omp simd
            for (int t = 0; t < TI; t++) {
                float s[3][4]; /* A^T M */
                for (int j = 0; j < 4; j++) {
                    float m0 = m[j * xs + t], m1 = m[(4 + j) * xs + t], m2 = m[(8 + j) * xs + t],
                          m3 = m[(12 + j) * xs + t];
                    s[0][j] = m0 + m1 + m2;
                    s[1][j] = m1 - m2;
                    s[2][j] = m1 + m2 + m3;
                }
                for (int a = 0; a < 3; a++) { /* (A^T M) A */
                    o[(3 * a + 0) * TI + t] = s[a][0] + s[a][1] + s[a][2] + bias;
                    o[(3 * a + 1) * TI + t] = s[a][1] - s[a][2] + bias;
                    o[(3 * a + 2) * TI + t] = s[a][1] + s[a][2] + s[a][3] + bias;
                }
            }
        }
        float *yc = y + (size_t)co * p->oh * p->ow;
        for (int oy = 0; oy < p->oh; oy++) {
            const int ty = (oy + 1) / 6;
            float *src[6], *yr = yc + (size_t)oy * p->ow;
            run_streams(p, tmp, ty, oy + 1 - 6 * ty, src);
            yr[0] = src[1][0]; /* pixel -1 (stream 0 of tile 0) is outside */
            int ox = 1, tx = 0, j = 2;
            for (; ox < p->ow; ox++) {
                yr[ox] = src[j][tx];
                if (++j == 6) j = 0, tx++;
            }
        }
    }
}

/* Mb[xi][r - r0][t0 + t] = A dY A^T for rows [r0, r0+rn) (whole groups of 4
 * phases) of one image's dy. */
static void output_adjoint(const fc_wino *p, const float *dy, int T, int t0, int r0, int rn, float *Mb,
                           float *tmp) {
    const size_t xs = (size_t)p->RB * T;
    const int tw = p->tw, TI = p->TI;
    for (int co = r0 / 4; co < (r0 + rn) / 4; co++) {
        const float *gc = dy + (size_t)co * p->oh * p->ow;
        /* gather: every six-pixel run of every row, zero outside the plane */
        for (int ty = 0; ty < p->th; ty++)
            for (int q = 0; q < 6; q++) {
                const int oy = 6 * ty - 1 + q;
                float *dst[6];
                run_streams(p, tmp, ty, q, dst);
                if (oy < 0 || oy >= p->oh) {
                    for (int j = 0; j < 6; j++) memset(dst[j], 0, (size_t)tw * sizeof(float));
                    continue;
                }
                const float *gr = gc + (size_t)oy * p->ow;
                for (int tx = 0; tx < tw; tx++)
                    for (int j = 0; j < 6; j++) {
                        const int ox = 6 * tx - 1 + j;
                        dst[j][tx] = ox >= 0 && ox < p->ow ? gr[ox] : 0.0f;
                    }
            }
        for (int ph = 0; ph < 4; ph++) {
            const float *g = tmp + (size_t)ph * 9 * TI;
            float *o = Mb + (size_t)(4 * co + ph - r0) * T + t0;
#pragma omp simd
            for (int t = 0; t < TI; t++) {
                float s[4][3]; /* A dY */
                for (int c = 0; c < 3; c++) {
                    float g0 = g[c * TI + t], g1 = g[(3 + c) * TI + t], g2 = g[(6 + c) * TI + t];
                    s[0][c] = g0;
                    s[1][c] = g0 + g1 + g2;
                    s[2][c] = g0 - g1 + g2;
                    s[3][c] = g2;
                }
                for (int i = 0; i < 4; i++) { /* (A dY) A^T */
                    o[(4 * i + 0) * xs + t] = s[i][0];
                    o[(4 * i + 1) * xs + t] = s[i][0] + s[i][1] + s[i][2];
                    o[(4 * i + 2) * xs + t] = s[i][0] - s[i][1] + s[i][2];
                    o[(4 * i + 3) * xs + t] = s[i][2];
                }
            }
        }
    }
}

/* ---- the three operations ----------------------------------------------------- */

static int wino_threads(const fc_wino *p, int N) {
    /* OpenBLAS running its own pool (fc_set_threads not called): one image range,
     * and let OpenBLAS thread the GEMMs. */
    if (openblas_get_num_threads() > 1) return 1;
    int T = fc_nn_threads();
    if (T > p->nthreads) T = p->nthreads;
    if (T > N) T = N;
    return T < 1 ? 1 : T;
}

/* One call's arguments, handed to the per-thread range functions below. */
typedef struct job {
    fc_wino *p;
    int N;
    const float *in, *in2, *b; /* forward: x, -, b;  backward-data: dy;  backward-weights: dy, x */
    float *out;                /* y, dx or (unused) */
} job;

/* Run fn over contiguous image ranges, one per thread (or all on the caller's thread). */
static void run_ranges(void (*fn)(const job *, int, int, int), const job *j, int T) {
    if (T == 1) {
        fn(j, 0, 0, j->N);
        return;
    }
#pragma omp parallel num_threads(T)
    {
        int t = omp_get_thread_num();
        fn(j, t, (int)((long)j->N * t / T), (int)((long)j->N * (t + 1) / T));
    }
}

static void fwd_range(const job *jb, int tid, int n_lo, int n_hi) {
    fc_wino *p = jb->p;
    const size_t isz = (size_t)p->cin * p->h * p->w, osz = (size_t)p->cout * p->oh * p->ow;
    float *xp = p->xp + (size_t)tid * p->xp_sz, *V = p->V + (size_t)tid * p->V_sz;
    float *Mb = p->Mb + (size_t)tid * p->Mb_sz, *tmp = p->tmp + (size_t)tid * p->tmp_sz;
    for (int g0 = n_lo; g0 < n_hi; g0 += p->gimg) {
        const int gn = g0 + p->gimg < n_hi ? p->gimg : n_hi - g0, Tg = gn * p->TI;
        for (int j = 0; j < gn; j++) {
            pad_input(p, jb->in + (size_t)(g0 + j) * isz, xp);
            input_transform(p, xp, V, Tg, j * p->TI);
        }
        for (int r0 = 0; r0 < p->rows; r0 += p->RB) {
            const int rn = r0 + p->RB < p->rows ? p->RB : p->rows - r0;
            for (int xi = 0; xi < NXI; xi++)
                fc_gemm(p->prec, 0, 0, rn, Tg, p->cin, 1.0f, p->U + ((size_t)xi * p->rows + r0) * p->cin, p->cin,
                         V + (size_t)xi * p->cin * Tg, Tg, 0.0f, Mb + (size_t)xi * p->RB * Tg, Tg);
            for (int j = 0; j < gn; j++)
                output_transform(p, Mb, Tg, j * p->TI, r0, rn, jb->b, jb->out + (size_t)(g0 + j) * osz, tmp);
        }
    }
}

static void bwd_data_range(const job *jb, int tid, int n_lo, int n_hi) {
    fc_wino *p = jb->p;
    const size_t isz = (size_t)p->cin * p->h * p->w, osz = (size_t)p->cout * p->oh * p->ow;
    const size_t plane = (size_t)p->PH * p->PW;
    float *dxp = p->xp + (size_t)tid * p->xp_sz, *dV = p->V + (size_t)tid * p->V_sz;
    float *Mb = p->Mb + (size_t)tid * p->Mb_sz, *tmp = p->tmp + (size_t)tid * p->tmp_sz;
    for (int g0 = n_lo; g0 < n_hi; g0 += p->gimg) {
        const int gn = g0 + p->gimg < n_hi ? p->gimg : n_hi - g0, Tg = gn * p->TI;
        for (int r0 = 0; r0 < p->rows; r0 += p->RB) {
            const int rn = r0 + p->RB < p->rows ? p->RB : p->rows - r0;
            for (int j = 0; j < gn; j++) output_adjoint(p, jb->in + (size_t)(g0 + j) * osz, Tg, j * p->TI, r0, rn, Mb, tmp);
            for (int xi = 0; xi < NXI; xi++)
                fc_gemm(p->prec, 1, 0, p->cin, Tg, rn, 1.0f, p->U + ((size_t)xi * p->rows + r0) * p->cin, p->cin,
                         Mb + (size_t)xi * p->RB * Tg, Tg, r0 ? 1.0f : 0.0f, dV + (size_t)xi * p->cin * Tg, Tg);
        }
        for (int j = 0; j < gn; j++) {
            input_adjoint(p, dV, Tg, j * p->TI, dxp);
            /* crop the padded gradient: dx[ci][i][k] = dxp[ci][i+1][k+1] */
            float *o = jb->out + (size_t)(g0 + j) * isz;
            for (int ci = 0; ci < p->cin; ci++)
                for (int i = 0; i < p->h; i++)
                    memcpy(o + ((size_t)ci * p->h + i) * p->w, dxp + ci * plane + (size_t)(i + 1) * p->PW + 1,
                           (size_t)p->w * sizeof(float));
        }
    }
}

static void bwd_weights_range(const job *jb, int tid, int n_lo, int n_hi) {
    fc_wino *p = jb->p;
    const size_t isz = (size_t)p->cin * p->h * p->w, osz = (size_t)p->cout * p->oh * p->ow;
    float *xp = p->xp + (size_t)tid * p->xp_sz, *V = p->V + (size_t)tid * p->V_sz;
    float *Mb = p->Mb + (size_t)tid * p->Mb_sz, *dU = p->dU + (size_t)tid * p->U_sz;
    float *tmp = p->tmp + (size_t)tid * p->tmp_sz;
    memset(dU, 0, p->U_sz * sizeof(float));
    for (int g0 = n_lo; g0 < n_hi; g0 += p->gimg) {
        const int gn = g0 + p->gimg < n_hi ? p->gimg : n_hi - g0, Tg = gn * p->TI;
        for (int j = 0; j < gn; j++) {
            pad_input(p, jb->in2 + (size_t)(g0 + j) * isz, xp);
            input_transform(p, xp, V, Tg, j * p->TI);
        }
        for (int r0 = 0; r0 < p->rows; r0 += p->RB) {
            const int rn = r0 + p->RB < p->rows ? p->RB : p->rows - r0;
            for (int j = 0; j < gn; j++) output_adjoint(p, jb->in + (size_t)(g0 + j) * osz, Tg, j * p->TI, r0, rn, Mb, tmp);
            for (int xi = 0; xi < NXI; xi++)
                fc_gemm(p->prec, 0, 1, rn, p->cin, Tg, 1.0f, Mb + (size_t)xi * p->RB * Tg, Tg, V + (size_t)xi * p->cin * Tg,
                         Tg, 1.0f, dU + ((size_t)xi * p->rows + r0) * p->cin, p->cin);
        }
    }
}

void fc_wino_forward(fc_wino *p, int N, const float *x, const float *W, const float *b, float *y) {
    const int T = wino_threads(p, N);
#pragma omp parallel for num_threads(T) schedule(static) if (T > 1)
    for (int co = 0; co < p->cout; co++) filter_transform(p, W, co, co + 1);
    job j = {p, N, x, NULL, b, y};
    run_ranges(fwd_range, &j, T);
}

void fc_wino_backward_data(fc_wino *p, int N, const float *dy, const float *W, float *dx) {
    const int T = wino_threads(p, N);
#pragma omp parallel for num_threads(T) schedule(static) if (T > 1)
    for (int co = 0; co < p->cout; co++) filter_transform(p, W, co, co + 1);
    job j = {p, N, dy, NULL, NULL, dx};
    run_ranges(bwd_data_range, &j, T);
}

void fc_wino_backward_weights(fc_wino *p, int N, const float *dy, const float *x, float *dW, float *db) {
    const int T = wino_threads(p, N);
    job j = {p, N, dy, x, NULL, NULL};
    run_ranges(bwd_weights_range, &j, T);
#pragma omp parallel for num_threads(T) schedule(static) if (T > 1)
    for (int co = 0; co < p->cout; co++) filter_adjoint(p, T, dW, co, co + 1);
    if (db) {
        const size_t plane = (size_t)p->oh * p->ow, osz = (size_t)p->cout * plane;
#pragma omp parallel for num_threads(T) schedule(static) if (T > 1)
        for (int co = 0; co < p->cout; co++) {
            float s = 0.0f;
            for (int n = 0; n < N; n++) {
                const float *g = dy + (size_t)n * osz + co * plane;
                for (size_t i = 0; i < plane; i++) s += g[i];
            }
            db[co] += s;
        }
    }
}
