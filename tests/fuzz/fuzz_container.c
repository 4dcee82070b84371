/* libFuzzer target: the container reader (fc_decrypt_image) on images built
 * from fuzz bytes.  PNG decoding is fuzzed apart (fuzz_image_decode); here the
 * input is already pixels.  Two modes, by the first byte:
 *   even: a w x h image (bytes 1, 2) whose pixels are the remaining bytes,
 *         repeated (headers, lengths, bounds: must fail cleanly);
 *   odd:  a real container (made once at start-up under the same key; bit 1 of
 *         the first byte picks format v2 with body mode 0, LSB matching at 2
 *         bits, or the default, format v3, everything by STC) with the fuzz bytes
 *         XORed into it at fuzz-chosen places and an optional crop.
 * Decryption must return FC_EAUTH or FC_EINPUT, or FC_OK with exactly the
 * original secret; anything else, a crash, a leak or UB is a bug.
 *   make fuzz-container [FUZZ_TIME=60] */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "facecrypt.h"

static const uint8_t KEY[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const char SECRET[] = "the fuzzer must never see this come out altered";
static fc_key *key;
static fc_image goods[2]; /* 40 x 30, v2 mode 0 at 2 bits per channel; 48 x 40, v3 (mode 1) */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fc_error err;
    if (fc_key_from_bytes(KEY, &key, &err)) abort();
    for (int t = 0; t < 2; t++) {
        int w = t ? 48 : 40, h = t ? 40 : 30;
        fc_image cover;
        if (fc_image_alloc(&cover, w, h, 3, &err)) abort();
        for (size_t i = 0; i < (size_t)w * h * 3; i++) cover.px[i] = (uint8_t)(i * 7 + (i >> 5));
        fc_encrypt_opts o;
        fc_encrypt_opts_init(&o);
        o.cover = &cover;
        o.bits = t ? 1 : 2; /* 2 bits: dense (mode 0); else the stealth default (mode 1) */
        if (fc_encrypt_buffer((const uint8_t *)SECRET, sizeof SECRET - 1, "s", &o, key, &goods[t], NULL, &err)) abort();
        fc_image_free(&cover);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    fc_error err;
    fc_image im = {0};
    if (!(data[0] & 1)) {
        int w = 1 + data[1] % 64, h = 1 + data[2] % 64;
        if (fc_image_alloc(&im, w, h, 3, &err)) return 0;
        size_t n = (size_t)w * h * 3, m = size - 3;
        for (size_t i = 0; i < n; i++) im.px[i] = m ? data[3 + i % m] : 0;
    } else {
        const fc_image good = goods[(data[0] >> 1) & 1];
        /* Crop to (w, h) from the top-left when byte 1 or 2 asks for it. */
        int w = data[1] < 200 ? good.w : 1 + data[1] % good.w, h = data[2] < 200 ? good.h : 1 + data[2] % good.h;
        if (fc_image_alloc(&im, w, h, 3, &err)) return 0;
        for (int y = 0; y < h; y++) memcpy(im.px + (size_t)y * w * 3, good.px + (size_t)y * good.w * 3, (size_t)w * 3);
        /* Then pairs (position, xor mask): position = 2 bytes into the channels. */
        size_t n = (size_t)w * h * 3;
        for (size_t i = 3; i + 2 < size; i += 3) im.px[((size_t)data[i] << 8 | data[i + 1]) % n] ^= data[i + 2];
    }
    uint8_t *out = NULL;
    size_t len = 0;
    char *name = NULL;
    int rc = fc_decrypt_image(&im, key, &out, &len, &name, &err);
    if (rc == FC_OK) {
        if (!(data[0] & 1) || len != sizeof SECRET - 1 || memcmp(out, SECRET, len) || strcmp(name, "s")) __builtin_trap();
    } else if (rc != FC_EAUTH && rc != FC_EINPUT) {
        __builtin_trap();
    } else if (out || name) {
        __builtin_trap(); /* nothing may come out of a failure */
    }
    free(out);
    free(name);
    fc_image_free(&im);
    return 0;
}
