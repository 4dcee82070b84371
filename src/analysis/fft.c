/* Radix-2 complex FFT (see fft.h). */
#include "analysis/fft.h"
#include <math.h>
#include <stdlib.h>
#include "util/error.h"

int fc_fft_plan_init(fc_fft_plan *p, int n, fc_error *err) {
    p->n = 0;
    p->cos_t = p->sin_t = NULL;
    p->rev = NULL;
    if (n < 1 || n > 65536 || (n & (n - 1))) return fc_fail(err, FC_EUSAGE, "FFT: size must be a power of two in 1..65536 (got %d)", n);
    int half = n / 2 ? n / 2 : 1;
    p->cos_t = malloc(sizeof(double) * (size_t)half);
    p->sin_t = malloc(sizeof(double) * (size_t)half);
    p->rev = malloc(sizeof(int) * (size_t)n);
    if (!p->cos_t || !p->sin_t || !p->rev) {
        fc_fft_plan_free(p);
        return fc_fail(err, FC_ENOMEM, "FFT: out of memory");
    }
    p->n = n;
    for (int k = 0; k < n / 2; k++) {
        double a = 2.0 * M_PI * (double)k / (double)n;
        p->cos_t[k] = cos(a);
        p->sin_t[k] = sin(a);
    }
    int bits = 0;
    while ((1 << bits) < n) bits++;
    for (int i = 0; i < n; i++) {
        int r = 0;
        for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
        p->rev[i] = r;
    }
    return FC_OK;
}

void fc_fft_plan_free(fc_fft_plan *p) {
    free(p->cos_t);
    free(p->sin_t);
    free(p->rev);
    p->cos_t = p->sin_t = NULL;
    p->rev = NULL;
    p->n = 0;
}

void fc_fft(const fc_fft_plan *p, double *re, double *im, size_t stride) {
    const int n = p->n;
    for (int i = 0; i < n; i++) {
        int j = p->rev[i];
        if (j > i) {
            double t = re[(size_t)i * stride];
            re[(size_t)i * stride] = re[(size_t)j * stride];
            re[(size_t)j * stride] = t;
            t = im[(size_t)i * stride];
            im[(size_t)i * stride] = im[(size_t)j * stride];
            im[(size_t)j * stride] = t;
        }
    }
    for (int len = 2; len <= n; len *= 2) {
        const int half = len / 2, step = n / len;
        for (int s = 0; s < n; s += len)
            for (int k = 0; k < half; k++) {
                const double wr = p->cos_t[k * step], wi = -p->sin_t[k * step]; /* exp(-2 pi i k / len) */
                const size_t a = (size_t)(s + k) * stride, b = (size_t)(s + k + half) * stride;
                const double tr = wr * re[b] - wi * im[b], ti = wr * im[b] + wi * re[b];
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
    }
}

void fc_fft2(const fc_fft_plan *p, double *re, double *im) {
    const size_t n = (size_t)p->n;
    for (size_t y = 0; y < n; y++) fc_fft(p, re + y * n, im + y * n, 1);
    for (size_t x = 0; x < n; x++) fc_fft(p, re + x, im + x, n);
}
