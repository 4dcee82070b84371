/* Where the container's bytes sit in the cover (docs/container-format.md).
 *
 * A cover of w x h RGB pixels has N = 3wh channel "slots" in raster order
 * (pixel-major, R G B).  The public header needs no key: it sits in slots
 * 0..207, one bit per slot.  The other K = N - 208 slots are visited in a keyed
 * pseudo-random order (src/stego/perm.h) and carry, at 1 or 2 bits per slot,
 * the keyed header (nonce, ciphertext length) and then the ciphertext. */
#ifndef FC_STEGO_LAYOUT_H
#define FC_STEGO_LAYOUT_H
#include <stddef.h>
#include <stdint.h>
#include "crypto/keys.h"
#include "facecrypt.h"

#define FC_FORMAT_VERSION 1
#define FC_PUBLIC_BYTES 26                      /* version, flags, salt, ops, mem */
#define FC_PUBLIC_SLOTS (8 * FC_PUBLIC_BYTES)   /* 208 slots at 1 bit */
#define FC_KEYED_HEADER 28                      /* nonce 24 + ciphertext length u32 */
#define FC_AD_BYTES (FC_PUBLIC_BYTES + FC_KEYED_HEADER)
/* Everything but the secret and its name: keyed header + inner header + tag. */
#define FC_OVERHEAD_BYTES (FC_KEYED_HEADER + 10 + 16)
/* Largest ciphertext the u32 length field may describe. */
#define FC_MAX_SEALED 0xffffffffu

/* flags byte: bit 0 = bits per channel - 1, bit 1 = key kind (1 = raw key file). */
#define FC_FLAG_BITS2 0x01u
#define FC_FLAG_RAWKEY 0x02u

typedef struct fc_public_header {
    int version;
    int bits; /* 1 or 2 */
    fc_kdf_params kdf;
    uint8_t salt[FC_SALT_BYTES];
} fc_public_header;

void fc_public_header_pack(const fc_public_header *h, uint8_t out[FC_PUBLIC_BYTES]);
/* FC_EAUTH if the bytes are not a header this version can read. */
int fc_public_header_parse(const uint8_t in[FC_PUBLIC_BYTES], fc_public_header *h, fc_error *err);

void fc_keyed_header_pack(const uint8_t nonce[24], uint32_t sealed_len, uint8_t out[FC_KEYED_HEADER]);
void fc_keyed_header_parse(const uint8_t in[FC_KEYED_HEADER], uint8_t nonce[24], uint32_t *sealed_len);

/* Keyed slots K of a w x h cover (0 if the cover cannot hold the public header). */
uint64_t fc_keyed_slots(uint64_t w, uint64_t h);
/* Keyed slots needed for `bytes` bytes (keyed header + ciphertext) at bits per slot. */
uint64_t fc_slots_for_bytes(uint64_t bytes, int bits);

#endif
