/* A small complex FFT for the power-spectrum measurement (spectrum.c): iterative
 * radix-2 decimation in time, double precision, sizes a power of two.  No external
 * FFT library; the tests check it against a direct DFT. */
#ifndef FC_ANALYSIS_FFT_H
#define FC_ANALYSIS_FFT_H
#include <stddef.h>
#include "facecrypt.h"

/* Plan for one size n (a power of two, 1..65536): twiddle factors and the
 * bit-reversal permutation.  Plans are read-only after creation. */
typedef struct fc_fft_plan {
    int n;
    double *cos_t, *sin_t; /* cos, sin of 2 pi k / n for k < n/2 */
    int *rev;              /* bit-reversed index */
} fc_fft_plan;

int fc_fft_plan_init(fc_fft_plan *p, int n, fc_error *err);
void fc_fft_plan_free(fc_fft_plan *p);

/* In-place forward transform X[k] = sum_j x[j] exp(-2 pi i j k / n) of n complex
 * values, re[j * stride], im[j * stride]. */
void fc_fft(const fc_fft_plan *p, double *re, double *im, size_t stride);
/* 2-D forward transform of an n x n array (row-major, n = p->n): rows, then columns. */
void fc_fft2(const fc_fft_plan *p, double *re, double *im);

#endif
