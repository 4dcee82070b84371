/* LSB matching: a slot (one colour channel) that must carry a value it does not
 * already carry moves by the smallest change, never by replacing bits.
 *   1 bit:  LSB wrong -> +1 or -1 (sign from the keyed sign stream; 0 -> +1, 255 -> -1).
 *   2 bits: d = (target - v) mod 4: 1 -> +1, 3 -> -1, 2 -> +2 or -2 (sign stream),
 *           each replaced by the other direction (+-3 or -+2) at the ends of 0..255.
 * Bits of the byte stream are taken least significant first: keyed slot s carries
 * stream bit s (1 bit) or stream bits 2s (value bit 0) and 2s+1 (value bit 1). */
#ifndef FC_STEGO_LSB_H
#define FC_STEGO_LSB_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"
#include "stego/slots.h"

/* The value closest to v (0..255) whose low `bits` bits equal t; sign (0/1)
 * breaks the tie of a +-1 (1 bit) or +-2 (2 bits) change: 1 = up. */
static inline uint8_t fc_lsb_match(uint8_t v, unsigned t, int bits, int sign) {
    if (bits == 1) {
        if ((v & 1u) == t) return v;
        if (v == 0) return 1;
        if (v == 255) return 254;
        return (uint8_t)(sign ? v + 1 : v - 1);
    }
    unsigned d = (t - v) & 3u;
    if (d == 0) return v;
    if (d == 1) return (uint8_t)(v == 255 ? v - 3 : v + 1);
    if (d == 3) return (uint8_t)(v == 0 ? v + 3 : v - 1);
    if (v < 2) return (uint8_t)(v + 2);
    if (v > 253) return (uint8_t)(v - 2);
    return (uint8_t)(sign ? v + 2 : v - 2);
}

/* signs: the sign stream, bit c for value c of the image (raster order).
 * Where the slots are: stego/slots.h. */
/* Public slots 0..8*len-1, one bit each: byte j, bit t in public slot 8j + t. */
void fc_lsb_embed_public(uint8_t *px, const fc_slot_map *m, const uint8_t *data, size_t len, const uint8_t *signs);
void fc_lsb_extract_public(const uint8_t *px, const fc_slot_map *m, uint8_t *out, size_t len);

/* Keyed slots at `bits` (1 or 2) per slot: byte i of data (i < len) goes to
 * keyed slots slot0 + i*8/bits ... slot0 + (i+1)*8/bits - 1, low bits first.
 * How to visit the slots (same result either way): FC_WALK_AUTO picks the
 * raster walk when at least 1/8 of the keyed slots are used. */
enum { FC_WALK_AUTO = 0, FC_WALK_RASTER = 1, FC_WALK_SCATTER = 2 };
void fc_lsb_embed_keyed(uint8_t *px, const fc_slot_map *m, uint64_t slot0, int bits, const uint8_t *data, size_t len,
                        const uint8_t *signs, int walk);
void fc_lsb_extract_keyed(const uint8_t *px, const fc_slot_map *m, uint64_t slot0, int bits, uint8_t *out, size_t len,
                          int walk);

#endif
