/* Body mode 1 of format v2 (docs/container-format.md, section 15): the sealed
 * body in the LSBs of ALL keyed slots from FC_V2_HEADER_SLOTS on, by a binary
 * syndrome-trellis code (stc.h, h = FC_STC_H_IMAGE, seed FC_STC_SEED_DEFAULT)
 * under HILL costs (costs.h), side-informed when the caller knows the cover's
 * unrounded values.  Cover bit j of the code is the LSB of keyed slot 320 + j;
 * the message is the body, 8 C bits, least significant bit of each byte first.
 * The reader needs only C (from the authenticated header): it computes the
 * syndrome.  A flipped LSB moves the value by +1 or -1, whichever costs less
 * (equal costs: the keyed sign stream). */
#ifndef FC_STEGO_BODY_STC_H
#define FC_STEGO_BODY_STC_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"
#include "stego/slots.h"

typedef struct fc_body_stc_stats {
    uint64_t slots;    /* cover bits of the code (keyed slots 320..K-1) */
    uint64_t changes;  /* values changed */
    double distortion; /* sum of the chosen changes' costs */
} fc_body_stc_stats;

/* The most body bytes mode 1 can carry in a keyed map (rate 1): (K - 320) / 8. */
uint64_t fc_body_stc_max(const fc_slot_map *m);

/* Embed body (len bytes) into im->px (an RGB w x h image, the untouched cover on
 * the values of the body slots).  m: keyed v2 map of im.  unrounded: NULL or
 * w*h*3 floats, each value before rounding (0..255 scale): side-informed costs.
 * signs: the sign stream (bit c for value c).  st may be NULL.  FC_ENOFIT if
 * 8 len > K - 320. */
int fc_body_stc_embed(fc_image *im, const fc_slot_map *m, const float *unrounded, const uint8_t *signs,
                      const uint8_t *body, size_t len, fc_body_stc_stats *st, fc_error *err);

/* The body of len bytes back (the syndrome); the caller checks
 * 8 len <= K - 320 first.  FC_ENOMEM only. */
int fc_body_stc_extract(const uint8_t *px, const fc_slot_map *m, uint8_t *body, size_t len, fc_error *err);

#endif
