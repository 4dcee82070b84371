/* The container's byte layouts (docs/container-format.md): v3 (written by the
 * default, stealth embedding), v2 (written by --dense; read) and v1 (read only).
 * Where each bit sits in the image: stego/slots.h.
 *
 * v3: the same public bytes, header and body as v2, with the header's
 * associated data labelled "facecrypt-v3"; every part is embedded by STC under the
 * cover's costs (stego/body_stc.h): the public bytes as the syndrome of a span of
 * values placed by the image's size alone, the header as that of a span of keyed
 * slots, the body (mode 1 only) over the keyed slots after it.
 *
 * v2: public slots carry salt || nonce (40 random bytes, nothing else in the
 * clear); keyed slots 0..319 carry the header at 1 bit per slot (a 16-byte key
 * commitment, then 8 bytes encrypted with their tag); the keyed slots after them
 * carry the body (the sealed secret) at 1 or 2 bits per slot, as the header says.
 *
 * v1: public slots 0..207 carry a 26-byte header in the clear (version, flags,
 * salt, KDF cost); keyed slots carry the keyed header (nonce, ciphertext length)
 * and the ciphertext at 1 or 2 bits per slot. */
#ifndef FC_STEGO_LAYOUT_H
#define FC_STEGO_LAYOUT_H
#include <stddef.h>
#include <stdint.h>
#include "crypto/keys.h"
#include "facecrypt.h"

/* ---- v2 ---- */
#define FC_V2_PUBLIC_SLOTS (8 * FC_V2_PUBLIC_BYTES) /* 320, 1 bit each */
#define FC_V2_COMMIT_BYTES 16                        /* key commitment */
#define FC_V2_HEADER_PLAIN 8                         /* mode u8, bits u8, param u16, body length u32 */
#define FC_V2_HEADER_BYTES (FC_V2_COMMIT_BYTES + FC_V2_HEADER_PLAIN + 16) /* commitment, then encrypted + tag */
#define FC_V2_HEADER_SLOTS (8 * FC_V2_HEADER_BYTES)  /* 320, 1 bit each */
#define FC_V2_AD_BYTES (12 + 4 + 4 + 1 + FC_V2_PUBLIC_BYTES) /* label, w, h, kdf id, public bytes: 61 */
/* Body embeddings (header byte 0); a reader refuses others (an authenticated
 * header from a newer writer). */
#define FC_V2_MODE_LSB 0 /* LSB matching at keyed slots 320.. in order, 1 or 2 bits (--dense) */
#define FC_V2_MODE_STC 1 /* STC under HILL costs over all keyed slots 320.. (stego/body_stc.h), 1 bit */
/* The stealth default (mode 1) sizes covers so that the body's relative payload
 * is at most 1/5 bit per body slot (alpha = 0.2): 40 body slots per body byte in
 * generated faces (FC_STEALTH); in a caller's picture (FC_STEALTH_COVER), which
 * has no side information, 1/8 bit per body slot: 64 per byte. */
#define FC_STEALTH_SLOTS_PER_BYTE 40
#define FC_STEALTH_COVER_SLOTS_PER_BYTE 64
/* A sizing "bits" of the stealth default (either rate). */
static inline int fc_sizing_stealth(int bits) { return bits == FC_STEALTH || bits == FC_STEALTH_COVER; }
/* A sizing "bits" the sizing functions know: FC_STEALTH, FC_STEALTH_COVER, 1, 2. */
static inline int fc_sizing_valid(int bits) { return fc_sizing_stealth(bits) || bits == 1 || bits == 2; }

typedef struct fc_v2_header {
    int mode;          /* FC_V2_MODE_LSB or FC_V2_MODE_STC */
    int bits;          /* 1 or 2 bits per body slot (mode 0); 1 (mode 1) */
    unsigned param;    /* mode parameter, 0 for both modes */
    uint32_t body_len; /* sealed body in bytes, with its tag */
} fc_v2_header;

void fc_v2_header_pack(const fc_v2_header *h, uint8_t out[FC_V2_HEADER_PLAIN]);
void fc_v2_header_parse(const uint8_t in[FC_V2_HEADER_PLAIN], fc_v2_header *h);
/* The associated data of the header: "facecrypt-vV" (V = version, 2 or 3) || w u32
 * || h u32 || kdf id u8 || salt || nonce.  The body's is the same followed by the
 * header's plaintext.  The label keeps a header of one layout from authenticating
 * in the other. */
void fc_v2_ad(int version, uint64_t w, uint64_t h, int kdf_id, const uint8_t pub[FC_V2_PUBLIC_BYTES],
              uint8_t ad[FC_V2_AD_BYTES]);
/* The key commitment: BLAKE2b-128(key = header subkey, message = "facecrypt-v2
 * commit" || the header's associated data).  Checked before the header's tag: one
 * container cannot authenticate under two keys (partitioning-oracle attacks on
 * passwords, Len, Grubbs & Ristenpart 2021). */
void fc_v2_commit(const uint8_t header_key[32], const uint8_t ad[FC_V2_AD_BYTES], uint8_t out[FC_V2_COMMIT_BYTES]);
/* Keyed slots that `bytes` bytes take at bits (1 or 2) per slot (mode 0), or,
 * for bits = FC_STEALTH (0) or FC_STEALTH_COVER, the body slots the stealth
 * default sizes for them (FC_STEALTH_SLOTS_PER_BYTE or
 * FC_STEALTH_COVER_SLOTS_PER_BYTE per byte). */
uint64_t fc_slots_for_bytes(uint64_t bytes, int bits);
/* Body slots of an image of N values: v3 (the stealth default) N - pub span -
 * header span (non-decreasing in N); v2 N - 640.  0 if none. */
uint64_t fc_v3_body_slots(uint64_t N);
/* The sizing "bits" of an encryption: FC_STEALTH_COVER with opts->cover,
 * FC_STEALTH without, unless opts->dense or opts->bits == 2 (the dense
 * embedding): then opts->bits (1 if 0). */
int fc_opts_sizing_bits(const fc_encrypt_opts *opts);

/* ---- v1 (read only) ---- */
#define FC_V1_VERSION 1
#define FC_V1_PUBLIC_BYTES 26                        /* version, flags, salt, ops, mem */
#define FC_V1_PUBLIC_SLOTS (8 * FC_V1_PUBLIC_BYTES)  /* 208 slots at 1 bit */
#define FC_V1_KEYED_HEADER 28                        /* nonce 24 + ciphertext length u32 */
#define FC_V1_AD_BYTES (FC_V1_PUBLIC_BYTES + FC_V1_KEYED_HEADER)
/* flags byte: bit 0 = bits per channel - 1, bit 1 = key kind (1 = raw key file). */
#define FC_V1_FLAG_BITS2 0x01u
#define FC_V1_FLAG_RAWKEY 0x02u

typedef struct fc_v1_header {
    int bits; /* 1 or 2 */
    fc_kdf_params kdf;
    uint8_t salt[FC_SALT_BYTES];
} fc_v1_header;

/* FC_EAUTH if the bytes are not a v1 header (version, reserved flags, KDF bounds):
 * then the v1 reader derives no key. */
int fc_v1_header_parse(const uint8_t in[FC_V1_PUBLIC_BYTES], fc_v1_header *h, fc_error *err);
void fc_v1_keyed_header_parse(const uint8_t in[FC_V1_KEYED_HEADER], uint8_t nonce[24], uint32_t *sealed_len);

/* Largest sealed length a u32 length field describes. */
#define FC_MAX_SEALED 0xffffffffu

#endif
