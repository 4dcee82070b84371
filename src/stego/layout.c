#include "stego/layout.h"
#include <string.h>
#include "crypto/seal.h"
#include "util/error.h"

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void fc_public_header_pack(const fc_public_header *h, uint8_t out[FC_PUBLIC_BYTES]) {
    out[0] = (uint8_t)h->version;
    out[1] = (uint8_t)((h->bits == 2 ? FC_FLAG_BITS2 : 0) | (h->kdf.kind == FC_KIND_RAW ? FC_FLAG_RAWKEY : 0));
    memcpy(out + 2, h->salt, FC_SALT_BYTES);
    put32(out + 18, h->kdf.ops);
    put32(out + 22, h->kdf.mem_kib);
}

int fc_public_header_parse(const uint8_t in[FC_PUBLIC_BYTES], fc_public_header *h, fc_error *err) {
    memset(h, 0, sizeof *h);
    /* No magic: an image that is not a container, or a damaged one, is told
     * apart only here (rarely) or by the tag. Both are "authentication failed". */
    if (in[0] != FC_FORMAT_VERSION || (in[1] & ~(FC_FLAG_BITS2 | FC_FLAG_RAWKEY)))
        return fc_fail(err, FC_EAUTH, FC_MSG_BAD_HEADER);
    h->version = in[0];
    h->bits = (in[1] & FC_FLAG_BITS2) ? 2 : 1;
    h->kdf.kind = (in[1] & FC_FLAG_RAWKEY) ? FC_KIND_RAW : FC_KIND_PASSWORD;
    memcpy(h->salt, in + 2, FC_SALT_BYTES);
    h->kdf.ops = get32(in + 18);
    h->kdf.mem_kib = get32(in + 22);
    return fc_kdf_params_check(&h->kdf, err);
}

void fc_keyed_header_pack(const uint8_t nonce[24], uint32_t sealed_len, uint8_t out[FC_KEYED_HEADER]) {
    memcpy(out, nonce, 24);
    put32(out + 24, sealed_len);
}

void fc_keyed_header_parse(const uint8_t in[FC_KEYED_HEADER], uint8_t nonce[24], uint32_t *sealed_len) {
    memcpy(nonce, in, 24);
    *sealed_len = get32(in + 24);
}

uint64_t fc_keyed_slots(uint64_t w, uint64_t h) {
    uint64_t n = w * h * 3;
    return n > FC_PUBLIC_SLOTS ? n - FC_PUBLIC_SLOTS : 0;
}

uint64_t fc_slots_for_bytes(uint64_t bytes, int bits) { return (bytes * 8 + (uint64_t)bits - 1) / (uint64_t)bits; }

int64_t fc_capacity(int w, int h, int bits, size_t name_len) {
    if (w <= 0 || h <= 0 || (bits != 1 && bits != 2) || name_len > FC_NAME_MAX) return -1;
    /* A container beyond the decoder's limits could not be read back. */
    if (w > FC_IMAGE_MAX_SIDE || h > FC_IMAGE_MAX_SIDE || (uint64_t)w * (uint64_t)h > FC_IMAGE_MAX_PIXELS) return -1;
    uint64_t k = fc_keyed_slots((uint64_t)w, (uint64_t)h);
    if (k > 0xffffffffu) return -1; /* slot indices are 32-bit */
    uint64_t bytes = k * (uint64_t)bits / 8;
    uint64_t fixed = FC_OVERHEAD_BYTES + name_len;
    if (bytes < fixed) return -1;
    uint64_t cap = bytes - fixed;
    uint64_t max_secret = FC_MAX_SEALED - (uint64_t)fc_sealed_len(0, name_len);
    return (int64_t)(cap < max_secret ? cap : max_secret);
}

uint64_t fc_channels_needed(size_t len, size_t name_len, int bits) {
    if (bits != 1 && bits != 2) bits = 1;
    return FC_PUBLIC_SLOTS + fc_slots_for_bytes(FC_KEYED_HEADER + fc_sealed_len(len, name_len), bits);
}
