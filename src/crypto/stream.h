/* Keyed pseudo-random streams (XChaCha20 keystreams from libsodium): raw bytes at
 * any offset, and standard normal floats for the latent vectors of cover faces. */
#ifndef FC_CRYPTO_STREAM_H
#define FC_CRYPTO_STREAM_H
#include <stddef.h>
#include <stdint.h>

/* out = bytes [offset, offset + len) of the XChaCha20 keystream for (key, nonce). */
void fc_keystream(const uint8_t key[32], const uint8_t nonce[24], uint64_t offset, uint8_t *out, size_t len);

/* out[i] = normal number (first + i) of the stream, i < n.  Normals 2j and 2j+1
 * come from keystream bytes [16j, 16j + 16): two little-endian u64 x1, x2 give
 * u1 = ((x1 >> 11) + 1) / 2^53 in (0, 1], u2 = (x2 >> 11) / 2^53 in [0, 1), and
 * Box-Muller: sqrt(-2 ln u1) cos(2 pi u2), sqrt(-2 ln u1) sin(2 pi u2). */
void fc_stream_normals(const uint8_t key[32], const uint8_t nonce[24], uint64_t first, size_t n, float *out);

#endif
