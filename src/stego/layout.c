#include "stego/layout.h"
#include <sodium.h>
#include <string.h>
#include "crypto/seal.h"
#include "stego/slots.h"
#include "util/error.h"

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- v2 ---- */

void fc_v2_header_pack(const fc_v2_header *h, uint8_t out[FC_V2_HEADER_PLAIN]) {
    out[0] = (uint8_t)h->mode;
    out[1] = (uint8_t)h->bits;
    out[2] = (uint8_t)(h->param & 0xff);
    out[3] = (uint8_t)(h->param >> 8);
    put32(out + 4, h->body_len);
}

void fc_v2_header_parse(const uint8_t in[FC_V2_HEADER_PLAIN], fc_v2_header *h) {
    h->mode = in[0];
    h->bits = in[1];
    h->param = (unsigned)in[2] | (unsigned)in[3] << 8;
    h->body_len = get32(in + 4);
}

void fc_v2_ad(int version, uint64_t w, uint64_t h, int kdf_id, const uint8_t pub[FC_V2_PUBLIC_BYTES],
              uint8_t ad[FC_V2_AD_BYTES]) {
    fc_version_label(version, ad); /* FC_VERSION_LABEL_BYTES (12) */
    put32(ad + 12, (uint32_t)w);
    put32(ad + 16, (uint32_t)h);
    ad[20] = (uint8_t)kdf_id;
    memcpy(ad + 21, pub, FC_V2_PUBLIC_BYTES);
}

void fc_v2_commit(const uint8_t header_key[32], const uint8_t ad[FC_V2_AD_BYTES], uint8_t out[FC_V2_COMMIT_BYTES]) {
    static const char label[] = "facecrypt-v2 commit";
    crypto_generichash_state st;
    crypto_generichash_init(&st, header_key, 32, FC_V2_COMMIT_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)label, sizeof label - 1);
    crypto_generichash_update(&st, ad, FC_V2_AD_BYTES);
    crypto_generichash_final(&st, out, FC_V2_COMMIT_BYTES);
    sodium_memzero(&st, sizeof st);
}

/* A sizing's rate as slots : bytes (the one place that maps sizings to rates). */
typedef struct rate {
    uint64_t slots, bytes;
} rate;

static rate sizing_rate(int bits) {
    if (bits == FC_STEALTH) return (rate){FC_STEALTH_SLOTS_PER_BYTE, 1};
    if (bits == FC_STEALTH_COVER) return (rate){FC_STEALTH_COVER_SLOTS_PER_BYTE, 1};
    return (rate){8, (uint64_t)bits};
}

uint64_t fc_slots_for_bytes(uint64_t bytes, int bits) {
    rate r = sizing_rate(bits);
    return (bytes * r.slots + r.bytes - 1) / r.bytes;
}

int fc_opts_sizing_bits(const fc_encrypt_opts *opts) {
    if (!opts || !(opts->dense || opts->bits == 2)) return opts && opts->cover ? FC_STEALTH_COVER : FC_STEALTH;
    return opts->bits ? opts->bits : 1;
}

uint64_t fc_v3_body_slots(uint64_t N) {
    uint64_t over = (uint64_t)fc_v3_pub_span(N) + fc_v3_hdr_span(N);
    return N > over ? N - over : 0;
}

int64_t fc_capacity(int w, int h, int bits, size_t name_len) {
    if (w <= 0 || h <= 0 || !fc_sizing_valid(bits) || name_len > FC_NAME_MAX) return -1;
    /* A container beyond the decoder's limits could not be read back. */
    if (w > FC_IMAGE_MAX_SIDE || h > FC_IMAGE_MAX_SIDE || (uint64_t)w * (uint64_t)h > FC_IMAGE_MAX_PIXELS) return -1;
    uint64_t n = (uint64_t)w * (uint64_t)h * 3;
    /* The stealth default writes v3 (STC spans for public bytes and header), the
     * dense embedding v2 (640 slots). */
    uint64_t body = fc_sizing_stealth(bits) ? fc_v3_body_slots(n)
                    : n > FC_V2_PUBLIC_SLOTS + FC_V2_HEADER_SLOTS ? n - FC_V2_PUBLIC_SLOTS - FC_V2_HEADER_SLOTS
                                                                 : 0;
    if (body == 0) return -1;
    rate r = sizing_rate(bits);
    uint64_t bytes = body * r.bytes / r.slots;
    uint64_t fixed = fc_sealed_len(0, name_len);
    if (bytes < fixed) return -1;
    uint64_t cap = bytes - fixed;
    uint64_t max_secret = FC_MAX_SEALED - fixed;
    return (int64_t)(cap < max_secret ? cap : max_secret);
}

uint64_t fc_channels_needed(size_t len, size_t name_len, int bits) {
    if (!fc_sizing_valid(bits)) bits = 1;
    uint64_t body = fc_slots_for_bytes(fc_sealed_len(len, name_len), bits);
    if (!fc_sizing_stealth(bits)) return FC_V2_PUBLIC_SLOTS + FC_V2_HEADER_SLOTS + body;
    /* The least N with N >= body + spans(N): spans(N) does not decrease, so
     * iterating N = body + spans(N) from below climbs to it (each step closes at
     * least 7/8 of the gap). */
    uint64_t N = body + 2 * FC_V3_SPAN_MIN;
    for (;;) {
        uint64_t next = body + fc_v3_pub_span(N) + fc_v3_hdr_span(N);
        if (next <= N) return N;
        N = next;
    }
}

/* ---- v1 ---- */

int fc_v1_header_parse(const uint8_t in[FC_V1_PUBLIC_BYTES], fc_v1_header *h, fc_error *err) {
    memset(h, 0, sizeof *h);
    if (in[0] != FC_V1_VERSION || (in[1] & ~(FC_V1_FLAG_BITS2 | FC_V1_FLAG_RAWKEY)))
        return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    h->bits = (in[1] & FC_V1_FLAG_BITS2) ? 2 : 1;
    h->kdf.kind = (in[1] & FC_V1_FLAG_RAWKEY) ? FC_KIND_RAW : FC_KIND_PASSWORD;
    memcpy(h->salt, in + 2, FC_SALT_BYTES);
    h->kdf.ops = get32(in + 18);
    h->kdf.mem_kib = get32(in + 22);
    return fc_kdf_params_check(&h->kdf, err);
}

void fc_v1_keyed_header_parse(const uint8_t in[FC_V1_KEYED_HEADER], uint8_t nonce[24], uint32_t *sealed_len) {
    memcpy(nonce, in, 24);
    *sealed_len = get32(in + 24);
}
