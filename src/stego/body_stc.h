/* Embedding by syndrome-trellis codes (stc.h, h = FC_STC_H_IMAGE, seed
 * FC_STC_SEED_DEFAULT) under HILL costs (costs.h), side-informed when the caller
 * knows the cover's unrounded values (docs/container-format.md, sections 15
 * and 16):
 *   - body mode 1: the sealed body in the LSBs of ALL keyed slots from the
 *     map's body0 on (v2: 320, v3: the header span); cover bit j of the code is
 *     the LSB of keyed slot body0 + j; the message is the body, 8 C bits, least
 *     significant bit of each byte first.  The reader needs only C (from the
 *     authenticated header): it computes the syndrome.
 *   - format v3's public bytes and header (320 bits each): the syndrome of the
 *     LSBs of public slots 0 .. pub-1 (in slot order) and of keyed slots
 *     0 .. body0-1.
 * A flipped LSB moves the value by +1 or -1, whichever costs less (equal costs:
 * the keyed sign stream; 0 goes up, 255 down). */
#ifndef FC_STEGO_BODY_STC_H
#define FC_STEGO_BODY_STC_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"
#include "stego/slots.h"

typedef struct fc_body_stc_stats {
    uint64_t slots;    /* cover bits of the body's code (keyed slots body0..K-1) */
    uint64_t changes;  /* values changed (all passes) */
    double distortion; /* sum of the chosen changes' costs (all passes) */
} fc_body_stc_stats;

/* The most body bytes mode 1 can carry in a keyed map (rate 1): (K - body0) / 8. */
uint64_t fc_body_stc_max(const fc_slot_map *m);

/* Embed body (len bytes) into im->px (an RGB w x h image, the untouched cover on
 * the values of the body slots).  m: keyed v2 or v3 map of im.  unrounded: NULL
 * or w*h*3 floats, each value before rounding (0..255 scale): side-informed
 * costs.  signs: the sign stream (bit c for value c).  st may be NULL.
 * FC_ENOFIT if 8 len > K - body0. */
int fc_body_stc_embed(fc_image *im, const fc_slot_map *m, const float *unrounded, const uint8_t *signs,
                      const uint8_t *body, size_t len, fc_body_stc_stats *st, fc_error *err);

/* The body of len bytes back (the syndrome); the caller checks
 * 8 len <= K - body0 first.  FC_ENOMEM only. */
int fc_body_stc_extract(const uint8_t *px, const fc_slot_map *m, uint8_t *body, size_t len, fc_error *err);

/* Format v3: public bytes (FC_V2_PUBLIC_BYTES), header (FC_V2_HEADER_BYTES) and
 * body, all three by STC under the costs of the untouched cover (computed once;
 * the three sets of values are disjoint).  m: keyed v3 map.  The rest as
 * fc_body_stc_embed.  Peak memory besides the image: about 18 bytes a value
 * (costs of +1 and -1 for every value; flip costs, cover and stego bits and
 * positions for every body slot). */
int fc_v3_stc_embed(fc_image *im, const fc_slot_map *m, const float *unrounded, const uint8_t *signs,
                    const uint8_t *pub, const uint8_t *header, const uint8_t *body, size_t len,
                    fc_body_stc_stats *st, fc_error *err);
/* The 40 public bytes of a v3 map (public half only), and the 40 header bytes
 * (keyed map).  No allocation. */
void fc_v3_extract_public(const uint8_t *px, const fc_slot_map *m, uint8_t *pub);
void fc_v3_extract_header(const uint8_t *px, const fc_slot_map *m, uint8_t *header);

#endif
