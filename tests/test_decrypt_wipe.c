/* fc_decrypt_image leaves no copy of the plaintext in freed memory.  Every
 * realloc made while it runs is replaced by one that always moves the block (as
 * glibc's may when it shrinks one), and the block it frees is searched for the
 * secret.  (Under AddressSanitizer, which owns realloc, this is skipped.) */
#include <malloc.h>
#include <sodium.h>
#include <string.h>
#include "facecrypt.h"
#include "testutil.h"

#if !defined(__SANITIZE_ADDRESS__)
static int spying, leaked, moves;
static const uint8_t *needle;
static size_t needle_len;

extern void *__libc_realloc(void *p, size_t n);
void *realloc(void *p, size_t n) {
    if (!spying || !p || !n) return __libc_realloc(p, n);
    size_t old = malloc_usable_size(p);
    void *q = malloc(n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    moves++;
    if (memmem(p, old, needle, needle_len)) leaked++;
    free(p);
    return q;
}
#endif

int main(void) {
#if defined(__SANITIZE_ADDRESS__)
    CHECK(1);
    printf("test_decrypt_wipe: skipped under AddressSanitizer\n");
    return TEST_END();
#else
    fc_error err = {0};
    if (sodium_init() < 0) return 1;
    const size_t n = 20000;
    uint8_t *secret = malloc(n), raw[FC_KEY_BYTES];
    randombytes_buf(secret, n);
    randombytes_buf(raw, sizeof raw);
    fc_image cover = {0}, cont = {0};
    CHECK(fc_image_alloc(&cover, 300, 200, 3, &err) == FC_OK);
    randombytes_buf(cover.px, (size_t)300 * 200 * 3);
    fc_key *key = NULL;
    CHECK(fc_key_from_bytes(raw, &key, &err) == FC_OK);
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &cover;
    o.bits = 2;
    CHECK(fc_encrypt_buffer(secret, n, "s.bin", &o, key, &cont, NULL, &err) == FC_OK);
    uint8_t *data = NULL;
    size_t len = 0;
    char *name = NULL;
    needle = secret + n / 2; /* 64 bytes from the middle of the secret */
    needle_len = 64;
    spying = 1;
    int rc = fc_decrypt_image(&cont, key, &data, &len, &name, &err);
    spying = 0;
    CHECK(rc == FC_OK && len == n && !memcmp(data, secret, n) && !strcmp(name, "s.bin"));
    CHECKF(leaked == 0, "%d freed block(s) still held the plaintext (%d moving reallocs)", leaked, moves);
    free(data);
    free(name);
    free(secret);
    fc_key_free(key);
    fc_image_free(&cover);
    fc_image_free(&cont);
    return TEST_END();
#endif
}
