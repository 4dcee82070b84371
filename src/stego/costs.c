/* HILL and side-informed embedding costs (costs.h). */
#include "stego/costs.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"

/* MATLAB 'symmetric' padding for any offset: period 2n, mirrored second half. */
static inline int mirror(int i, int n) {
    int p = 2 * n, k = i % p;
    if (k < 0) k += p;
    return k < n ? k : p - 1 - k;
}

/* out = box mean of in (w x h doubles) over a k x k window (k odd), separable. */
static void box_mean(const double *in, double *out, double *tmp, int w, int h, int k) {
    int r = k / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0;
            for (int d = -r; d <= r; d++) s += in[(size_t)y * w + mirror(x + d, w)];
            tmp[(size_t)y * w + x] = s;
        }
    double norm = 1.0 / ((double)k * k);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0;
            for (int d = -r; d <= r; d++) s += tmp[(size_t)mirror(y + d, h) * w + x];
            out[(size_t)y * w + x] = s * norm;
        }
}

int fc_hill_costs_ex(const uint8_t *px, int w, int h, int c, int l2, float *rho, fc_error *err) {
    if (w <= 0 || h <= 0 || c <= 0 || l2 < 1 || l2 % 2 == 0)
        return fc_fail(err, FC_EUSAGE, "HILL: bad image shape or filter size");
    size_t np = (size_t)w * h;
    double *a = malloc(np * sizeof(double)), *b = malloc(np * sizeof(double)), *t = malloc(np * sizeof(double));
    if (!a || !b || !t) {
        free(a);
        free(b);
        free(t);
        return fc_fail(err, FC_ENOMEM, "out of memory (HILL costs of %dx%d)", w, h);
    }
    static const int kb[3][3] = {{-1, 2, -1}, {2, -4, 2}, {-1, 2, -1}};
    for (int ch = 0; ch < c; ch++) {
        /* R1 = |I * KB| (the filter is symmetric, so correlation = convolution) */
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int s = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    const uint8_t *row = px + (size_t)mirror(y + dy, h) * w * c;
                    for (int dx = -1; dx <= 1; dx++) s += kb[dy + 1][dx + 1] * row[(size_t)mirror(x + dx, w) * c + ch];
                }
                a[(size_t)y * w + x] = fabs((double)s);
            }
        box_mean(a, b, t, w, h, 3);
        for (size_t i = 0; i < np; i++) {
            double v = 1.0 / (b[i] + FC_HILL_EPS);
            a[i] = v > FC_HILL_WET ? FC_HILL_WET : v;
        }
        if (l2 > 1) box_mean(a, b, t, w, h, l2);
        else memcpy(b, a, np * sizeof(double));
        for (size_t i = 0; i < np; i++) rho[i * c + ch] = (float)b[i];
    }
    free(a);
    free(b);
    free(t);
    return FC_OK;
}

int fc_hill_costs(const uint8_t *px, int w, int h, int c, float *rho, fc_error *err) {
    return fc_hill_costs_ex(px, w, h, c, FC_HILL_L2, rho, err);
}

void fc_costs_pm(const uint8_t *px, const float *rho, const float *unrounded, size_t n, float *rho_p, float *rho_m) {
    for (size_t i = 0; i < n; i++) {
        float p = rho[i], m = rho[i];
        if (unrounded) {
            float u = unrounded[i];
            u = u < 0 ? 0 : u > 255 ? 255 : u;
            float e = u - (float)px[i];
            if (fabsf(e) <= 0.501f) {
                float f = 1.0f - 2.0f * fabsf(e);
                if (f < 0) f = 0;
                if (e > 0) p = rho[i] * f;
                else if (e < 0) m = rho[i] * f;
            }
        }
        rho_p[i] = px[i] == 255 ? INFINITY : p;
        rho_m[i] = px[i] == 0 ? INFINITY : m;
    }
}
