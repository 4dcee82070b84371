/* Embedding costs: how much changing one colour value by +1 or -1 is expected
 * to reveal.  Used by the syndrome-trellis embedder (stc.h, stc_image.h).
 *
 * HILL (Li, Wang, Huang & Ni, "A new cost function for spatial image
 * steganography", ICIP 2014), per colour channel of an 8-bit image:
 *     R1  = |I * KB|                     KB = [-1 2 -1; 2 -4 2; -1 2 -1] (unnormalised)
 *     rho = (1 / (R1 * L1 + 1e-10)) * L2   L1 = 3x3 mean, L2 = 15x15 mean
 * with MATLAB's 'symmetric' padding (mirror with the edge sample repeated:
 * index -1 is 0, -2 is 1) at every stage, and 1/(...) capped at 1e10 before L2,
 * as in the authors' code.  Low where the picture is busy, high where it is
 * flat; the same for +1 and -1.
 *
 * Side-informed costs (Denemark & Fridrich, "Side-informed steganography with
 * additive distortion", WIFS 2015): when the sender knows the unrounded value
 * u that was rounded to v = round(u), with e = u - v in [-0.5, 0.5], the change
 * towards u (sign of e) costs rho (1 - 2|e|) and the change away from u costs
 * rho: at |e| = 0.5 the cover could as well have been rounded the other way. */
#ifndef FC_STEGO_COSTS_H
#define FC_STEGO_COSTS_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

#define FC_HILL_EPS 1e-10
#define FC_HILL_WET 1e10f /* cap of 1 / (R1 * L1 + eps) */
#define FC_HILL_L2 15

/* rho[i] = HILL cost of channel value i of an interleaved w x h x c 8-bit image
 * (w*h*c floats, same order as px).  FC_ENOMEM or FC_EUSAGE. */
int fc_hill_costs(const uint8_t *px, int w, int h, int c, float *rho, fc_error *err);
/* The same with an l2 x l2 last filter (odd, >= 1; 1 = none): for tests. */
int fc_hill_costs_ex(const uint8_t *px, int w, int h, int c, int l2, float *rho, fc_error *err);

/* Costs of +1 (rho_p) and -1 (rho_m) for n values px[i] with base cost rho[i]:
 * both rho[i], INFINITY where the change would leave 0..255, and, when
 * unrounded is not NULL (unrounded[i] = the value before rounding, on the same
 * 0..255 scale, clamped to it here), the change towards it costs
 * rho[i] (1 - 2|e|).  A value whose |e| exceeds 0.5 + 1e-3 was not rounded from
 * unrounded[i] (a caller's mistake, or a value changed since): it gets no
 * side information. */
void fc_costs_pm(const uint8_t *px, const float *rho, const float *unrounded, size_t n, float *rho_p, float *rho_m);

#endif
