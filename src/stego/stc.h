/* Syndrome-trellis codes (Filler, Judas & Fridrich, "Minimizing Additive
 * Distortion in Steganography Using Syndrome-Trellis Codes", IEEE TIFS 2011).
 *
 * Binary STC: a cover of n bits x (here: LSBs of channel values) and a cost
 * rho_i >= 0 of flipping bit i (INFINITY = wet: never flipped).  The embedder
 * finds the stego bits y with H y = msg (m bits) that minimise
 * sum_i rho_i [y_i != x_i], exactly, for the parity-check matrix H below, by
 * the Viterbi algorithm over the syndrome trellis (2^h states, O(n 2^h) time).
 * The extractor only computes the syndrome H y: it needs n, m, h and the seed,
 * never the costs.
 *
 * H (m x n) is made of copies of a submatrix H_hat (h rows, w = ceil(n/m)
 * columns) placed along the diagonal, each copy one row lower than the last and
 * cut off below row m.  Message bit i owns the block of cover bits
 * [floor(i n / m), floor((i+1) n / m)) (width floor(n/m) or ceil(n/m); a narrow
 * block uses the first columns of H_hat), and those cover bits reach syndrome
 * rows i .. i+h-1.
 *
 * H_hat is pseudo-random, not the paper's searched "good" matrices: column k is
 * (splitmix64 stream of seed, h, w)[k] masked to h bits, with its first and
 * last bits (rows 0 and h-1) forced to 1.  The paper shows such matrices code
 * nearly as well as the searched ones (its Section V); tests/test_stc.c
 * measures the loss against the rate-distortion bound.
 *
 * Memory is bounded whatever n is: a first forward pass keeps only the 2^h path
 * costs at every segment boundary (checkpoints); the back-tracking pass re-runs
 * one segment at a time from its checkpoint with the survivor path bits (one bit
 * per state and cover bit, about 4 MiB per segment).  So the embedder costs two
 * forward passes. */
#ifndef FC_STEGO_STC_H
#define FC_STEGO_STC_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

#define FC_STC_H_MIN 1
#define FC_STC_H_MAX 12
#define FC_STC_H_DEFAULT 10
#define FC_STC_SEED_DEFAULT 0x66637374632d7631ull /* "fcstc-v1" */

/* Column k (k < w) of H_hat for (h, w, seed): h bits, bit r = row r. */
uint32_t fc_stc_column(int h, uint64_t w, uint64_t seed, uint64_t k);

/* Embed m message bits (msg, packed least significant bit first) into n cover
 * bits x[i] (one per byte, 0 or 1) with flip costs rho[i] (finite >= 0, or
 * INFINITY for a wet bit).  Writes y[i] (0/1) with H y = msg; *distortion (may
 * be NULL) = sum of rho over the flipped bits.  Needs 0 <= m <= n < 2^32, h in
 * FC_STC_H_MIN..FC_STC_H_MAX.  FC_ENOFIT when the wet bits leave no solution
 * (then y is undefined). */
int fc_stc_embed(const uint8_t *x, const float *rho, uint64_t n, const uint8_t *msg, uint64_t m, int h,
                 uint64_t seed, uint8_t *y, double *distortion, fc_error *err);

/* The syndrome H y (m bits, packed least significant bit first, into
 * ceil(m/8) bytes of msg; unused high bits of the last byte are 0). */
void fc_stc_extract(const uint8_t *y, uint64_t n, uint64_t m, int h, uint64_t seed, uint8_t *msg);

/* Rate-distortion bound of a payload-limited sender (the paper's Section II):
 * the flipping probabilities p_i = e^{-lambda rho_i} / (1 + e^{-lambda rho_i})
 * whose entropies sum to m bits minimise the expected distortion sum p_i rho_i
 * among all embeddings that carry m bits.  Returns that distortion (lambda by
 * bisection), and optionally the expected number of flips sum p_i; -1 if m is
 * more than the non-wet bits can carry.  Wet bits (INFINITY) have p_i = 0. */
double fc_stc_bound(const float *rho, uint64_t n, double m, double *lambda, double *flips);

#endif
