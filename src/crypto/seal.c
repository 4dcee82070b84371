#include "crypto/seal.h"
#include <sodium.h>
#include <string.h>
#include "util/error.h"

/* The public sizes are libsodium's. */
_Static_assert(FC_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "FC_KEY_BYTES");
_Static_assert(FC_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "FC_NONCE_BYTES");
_Static_assert(FC_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "FC_TAG_BYTES");
_Static_assert(FC_SALT_BYTES == crypto_pwhash_SALTBYTES, "FC_SALT_BYTES");
_Static_assert(FC_INNER_HEADER == sizeof(uint64_t) + sizeof(uint16_t), "FC_INNER_HEADER: size u64 + name_len u16");

uint64_t fc_sealed_len(uint64_t len, size_t name_len) {
    return FC_INNER_HEADER + (uint64_t)name_len + len + FC_TAG_BYTES;
}

int fc_seal(const uint8_t *data, size_t len, const char *name, size_t name_len, const uint8_t *ad, size_t ad_len,
            const uint8_t nonce[24], const uint8_t key[32], uint8_t *out, fc_error *err) {
    if (name_len > 0xffff) return fc_fail(err, FC_EUSAGE, "file name too long");
    uint64_t n = len;
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(n >> (8 * i));
    out[8] = (uint8_t)(name_len & 0xff);
    out[9] = (uint8_t)(name_len >> 8);
    if (name_len) memcpy(out + FC_INNER_HEADER, name, name_len);
    if (len) memcpy(out + FC_INNER_HEADER + name_len, data, len);
    unsigned long long plen = FC_INNER_HEADER + name_len + len, clen = 0;
    /* In place: libsodium allows the ciphertext to overwrite the plaintext. */
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(out, &clen, out, plen, ad, ad_len, NULL, nonce, key) != 0 ||
        clen != plen + FC_TAG_BYTES)
        return fc_fail(err, FC_EINTERNAL, "XChaCha20-Poly1305 encryption failed");
    return FC_OK;
}

int fc_open(uint8_t *ct, size_t ct_len, const uint8_t *ad, size_t ad_len, const uint8_t nonce[24],
            const uint8_t key[32], uint8_t **data, size_t *len, uint8_t **name, size_t *name_len, fc_error *err) {
    *data = *name = NULL;
    *len = *name_len = 0;
    if (ct_len < FC_INNER_HEADER + FC_TAG_BYTES)
        return fc_fail(err, FC_EAUTH, "authentication failed: wrong key, or the container was modified");
    unsigned long long plen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(ct, &plen, NULL, ct, ct_len, ad, ad_len, nonce, key) != 0) {
        sodium_memzero(ct, ct_len);
        return fc_fail(err, FC_EAUTH, "authentication failed: wrong key, or the container was modified");
    }
    uint64_t size = 0;
    for (int i = 7; i >= 0; i--) size = (size << 8) | ct[i];
    size_t nl = (size_t)ct[8] | ((size_t)ct[9] << 8);
    if (plen < FC_INNER_HEADER || nl > plen - FC_INNER_HEADER || size != plen - FC_INNER_HEADER - nl)
        return fc_fail(err, FC_EINPUT, "container authenticates but its contents are malformed");
    *name = ct + FC_INNER_HEADER;
    *name_len = nl;
    *data = ct + FC_INNER_HEADER + nl;
    *len = (size_t)size;
    return FC_OK;
}
