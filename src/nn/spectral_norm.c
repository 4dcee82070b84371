/* Spectral normalisation (Miyato et al. 2018), as torch.nn.utils.spectral_norm with dim 0,
 * one power iteration per training forward and eps 1e-12:
 *   v = normalize(W^T u);  u = normalize(W v);    (in place, no gradient)
 *   sigma = u . (W v);     Wsn = W / sigma.
 * The gradient treats u and v as constants (so d sigma / dW = u v^T):
 *   dL/dW = (dL/dWsn - <dL/dWsn, W> / sigma * u v^T) / sigma.
 * The matrices here are small (at most a few million entries): plain loops with double
 * accumulators, parallel over rows. */
#include <math.h>
#include "nn/internal.h"
#include "nn/nn.h"

#define SN_EPS 1e-12

/* y[r] = sum_c W[r,c] x[c] */
static void matvec(double *y, const float *W, const float *x, int rows, int cols) {
#pragma omp parallel for if ((size_t)rows * cols >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (int r = 0; r < rows; r++) {
        const float *wr = W + (size_t)r * cols;
        double s = 0;
        for (int c = 0; c < cols; c++) s += (double)wr[c] * x[c];
        y[r] = s;
    }
}

/* y[c] = sum_r W[r,c] x[r] (row-major W, accumulated row by row per thread block of columns) */
static void matvec_t(double *y, const float *W, const float *x, int rows, int cols) {
#pragma omp parallel for if ((size_t)rows * cols >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (int c0 = 0; c0 < cols; c0 += 256) {
        int c1 = c0 + 256 < cols ? c0 + 256 : cols;
        for (int c = c0; c < c1; c++) y[c] = 0;
        for (int r = 0; r < rows; r++) {
            const float *wr = W + (size_t)r * cols;
            double xr = x[r];
            for (int c = c0; c < c1; c++) y[c] += wr[c] * xr;
        }
    }
}

static void normalize_into(float *out, const double *y, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += y[i] * y[i];
    double nrm = sqrt(s);
    if (nrm < SN_EPS) nrm = SN_EPS;
    for (int i = 0; i < n; i++) out[i] = (float)(y[i] / nrm);
}

float fc_sn_forward(float *Wsn, const float *W, float *u, float *v, int rows, int cols, int power_iter,
                    double *scratch) {
    double *tr = scratch, *tc = scratch + rows; /* [rows], [cols] */
    if (power_iter) {
        matvec_t(tc, W, u, rows, cols);
        normalize_into(v, tc, cols);
        matvec(tr, W, v, rows, cols);
        normalize_into(u, tr, rows);
    }
    matvec(tr, W, v, rows, cols);
    double sigma = 0;
    for (int r = 0; r < rows; r++) sigma += (double)u[r] * tr[r];
    float sg = (float)sigma;
    size_t n = (size_t)rows * cols;
#pragma omp parallel for if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) Wsn[i] = W[i] / sg;
    return sg;
}

void fc_sn_backward(float *dW, const float *dWsn, const float *W, const float *u, const float *v, int rows, int cols,
                    float sigma) {
    size_t n = (size_t)rows * cols;
    double gw = 0;
#pragma omp parallel for reduction(+ : gw) if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (size_t i = 0; i < n; i++) gw += (double)dWsn[i] * W[i];
    const float a = 1.0f / sigma, c = (float)(gw / ((double)sigma * sigma));
#pragma omp parallel for if (n >= FC_PAR_MIN) num_threads(fc_nn_threads()) schedule(static)
    for (int r = 0; r < rows; r++) {
        const float cu = c * u[r];
        const float *g = dWsn + (size_t)r * cols;
        float *d = dW + (size_t)r * cols;
        for (int k = 0; k < cols; k++) d[k] += g[k] * a - cu * v[k];
    }
}
