/* A byte message in the LSBs of an 8-bit image's keyed slots, by
 * syndrome-trellis codes (stc.h) under additive +-1 costs (costs.h): the
 * building block of the v2 container (docs/container-format.md, "v2 embedding
 * (draft)").  Not yet used by encrypt/decrypt.
 *
 * Slots: keyed slot s (s < K) is channel value first + perm(s), perm a keyed
 * permutation of [0, K) (perm.h).
 *   - slots 0 .. FC_STC_LEN_SLOTS-1 carry the 32-bit length field: the message
 *     length in bytes (u32) XOR the first 4 bytes of
 *     XChaCha20(len_key, nonce = 24 zero bytes), little-endian, bit i of the
 *     field = syndrome bit i of these slots' LSBs (rate 1/32, one STC pass);
 *   - slots FC_STC_LEN_SLOTS .. K-1 carry the message, 8 * len bits, least
 *     significant bit of each byte first, as one STC pass over all of them:
 *     whatever the message length, the changes spread over every slot, where
 *     the costs are lowest.
 * Both passes use h = FC_STC_H_IMAGE and the seed FC_STC_SEED_DEFAULT.
 *
 * Binary STC on the LSB plane with +-1 changes: a slot whose LSB must flip
 * moves by +1 or -1, whichever is cheaper (rho_p vs rho_m; equal: the sign
 * bit), and its flip cost for the trellis is min(rho_p, rho_m).  Either change
 * flips the LSB, so the reader needs only LSBs. */
#ifndef FC_STEGO_STC_IMAGE_H
#define FC_STEGO_STC_IMAGE_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"
#include "stego/perm.h"

#define FC_STC_LEN_SLOTS 1024
#define FC_STC_LEN_BITS 32
#define FC_STC_H_IMAGE 10

typedef struct fc_stc_stats {
    uint64_t slots;    /* keyed slots of the message pass */
    uint64_t changes;  /* channel values changed (both passes) */
    double distortion; /* sum of the chosen changes' costs (both passes) */
} fc_stc_stats;

/* Message bytes the keyed slots [0, K) can carry at most (rate 1). */
uint64_t fc_stc_image_capacity(uint64_t keyed);

/* Embed msg (len bytes) into px (the channel values; keyed slot s is
 * px[first + perm(s)]).  rho_p / rho_m: cost of +1 / -1 for every channel value
 * px[i] (the same indexing as px, at least first + perm->n entries; INFINITY =
 * never; fc_costs_pm makes them).  signs: bit i (raster order, as lsb.h) breaks
 * ties of value i, 1 = up; may be NULL (then up).  st may be NULL.
 * FC_ENOFIT if 8 len exceeds the message slots, or the infinite costs leave no
 * solution. */
int fc_stc_embed_image(uint8_t *px, uint64_t first, const fc_perm *perm, const float *rho_p, const float *rho_m,
                       const uint8_t *signs, const uint8_t len_key[32], const uint8_t *msg, size_t len,
                       fc_stc_stats *st, fc_error *err);

/* Read the length field and the message back; *msg is malloc'd (len bytes, at
 * least 1 allocated).  FC_EAUTH when the length field names more than the
 * slots hold (a wrong key or not such an image). */
int fc_stc_extract_image(const uint8_t *px, uint64_t first, const fc_perm *perm, const uint8_t len_key[32],
                         uint8_t **msg, size_t *len, fc_error *err);

#endif
