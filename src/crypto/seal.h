/* The cipher: XChaCha20-Poly1305-IETF over an inner plaintext that carries the
 * secret's size and file name with its bytes:
 *     size u64 LE | name_len u16 LE | name | data
 * The container header is the associated data.  Sealing and opening work in
 * place in the caller's buffer so a large secret is held only once. */
#ifndef FC_CRYPTO_SEAL_H
#define FC_CRYPTO_SEAL_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

#define FC_INNER_HEADER 10 /* size u64 + name_len u16 */

/* Ciphertext length (with tag) for a secret of len bytes and a name of name_len bytes. */
uint64_t fc_sealed_len(uint64_t len, size_t name_len);

/* Write the sealed form of (data, name) into out (fc_sealed_len bytes). */
int fc_seal(const uint8_t *data, size_t len, const char *name, size_t name_len, const uint8_t *ad, size_t ad_len,
            const uint8_t nonce[24], const uint8_t key[32], uint8_t *out, fc_error *err);

/* Open ct (ct_len bytes) in place.  On success (data, len) and (name, name_len)
 * point into ct.  FC_EAUTH if the tag does not verify (ct is then wiped);
 * FC_EINPUT if it verifies but the inner framing is inconsistent. */
int fc_open(uint8_t *ct, size_t ct_len, const uint8_t *ad, size_t ad_len, const uint8_t nonce[24],
            const uint8_t key[32], uint8_t **data, size_t *len, uint8_t **name, size_t *name_len, fc_error *err);

#endif
