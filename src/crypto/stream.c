#include "crypto/stream.h"
#include <math.h>
#include <sodium.h>
#include <string.h>

void fc_keystream(const uint8_t key[32], const uint8_t nonce[24], uint64_t offset, uint8_t *out, size_t len) {
    if (len == 0) return;
    /* The keystream is made of 64-byte blocks; start at the block that holds
     * offset and drop the bytes before it. */
    uint64_t block = offset / 64;
    size_t skip = (size_t)(offset % 64);
    if (skip) {
        uint8_t first[64] = {0};
        crypto_stream_xchacha20_xor_ic(first, first, 64, nonce, block, key);
        size_t take = 64 - skip < len ? 64 - skip : len;
        memcpy(out, first + skip, take);
        sodium_memzero(first, sizeof first);
        out += take;
        len -= take;
        block++;
    }
    if (len == 0) return;
    memset(out, 0, len);
    crypto_stream_xchacha20_xor_ic(out, out, len, nonce, block, key);
}

static uint64_t load_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

void fc_stream_normals(const uint8_t key[32], const uint8_t nonce[24], uint64_t first, size_t n, float *out) {
    const double two_pi = 6.283185307179586476925286766559;
    const double inv53 = 1.0 / 9007199254740992.0; /* 2^-53 */
    uint64_t pair0 = first / 2, pair1 = (first + n + 1) / 2;
    uint8_t buf[16 * 64];
    size_t o = 0;
    for (uint64_t p = pair0; p < pair1; p += 64) {
        size_t np = pair1 - p < 64 ? (size_t)(pair1 - p) : 64;
        fc_keystream(key, nonce, p * 16, buf, np * 16);
        for (size_t j = 0; j < np; j++) {
            double u1 = (double)((load_le64(buf + 16 * j) >> 11) + 1) * inv53;
            double u2 = (double)(load_le64(buf + 16 * j + 8) >> 11) * inv53;
            double r = sqrt(-2.0 * log(u1));
            uint64_t idx = 2 * (p + j);
            if (idx >= first && o < n) out[o++] = (float)(r * cos(two_pi * u2));
            if (idx + 1 >= first && o < n) out[o++] = (float)(r * sin(two_pi * u2));
        }
    }
    sodium_memzero(buf, sizeof buf);
}
