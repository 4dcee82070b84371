/* Encryption, crypto half: keys (password files, key files, keygen), keyed
 * streams, sealing, and the cipher layer recomputed independently from the
 * format description (docs/container-format.md) with plain libsodium calls. */
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "crypto/keys.h"
#include "crypto/seal.h"
#include "crypto/stream.h"
#include "facecrypt.h"
#include "testutil.h"
#include "util/fileio.h"

static char dir[4096];

static const char *path(const char *name) {
    static char buf[8][4200];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *p, const void *b, size_t n) {
    FILE *f = fopen(p, "wb");
    if (n) fwrite(b, 1, n, f);
    fclose(f);
}

/* Independent recomputation of what fc_cipher_layer must return. */
static void expected_cipher(const uint8_t *master, const uint8_t *secret, size_t len, const char *name, int bits,
                            int raw, uint32_t ops, uint32_t mem_kib, const uint8_t *salt, const uint8_t *nonce,
                            uint8_t *out) {
    uint8_t k[32];
    crypto_kdf_derive_from_key(k, 32, 1, "fcrypt01", master);
    size_t nl = strlen(name), plen = 10 + nl + len;
    uint8_t *pt = malloc(plen + 1);
    for (int i = 0; i < 8; i++) pt[i] = (uint8_t)((uint64_t)len >> (8 * i));
    pt[8] = (uint8_t)nl;
    pt[9] = (uint8_t)(nl >> 8);
    memcpy(pt + 10, name, nl);
    memcpy(pt + 10 + nl, secret, len);
    uint8_t ad[54];
    ad[0] = 1;
    ad[1] = (uint8_t)((bits == 2 ? 1 : 0) | (raw ? 2 : 0));
    memcpy(ad + 2, salt, 16);
    for (int i = 0; i < 4; i++) ad[18 + i] = (uint8_t)(ops >> (8 * i)), ad[22 + i] = (uint8_t)(mem_kib >> (8 * i));
    memcpy(ad + 26, nonce, 24);
    uint32_t ct_len = (uint32_t)(plen + 16);
    for (int i = 0; i < 4; i++) ad[50 + i] = (uint8_t)(ct_len >> (8 * i));
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out, &clen, pt, plen, ad, sizeof ad, NULL, nonce, k);
    free(pt);
}

static void test_keys(void) {
    fc_error err = {0};
    fc_key *k = NULL;
    /* Password file: first line, without "\n" or "\r\n"; the rest is ignored. */
    write_file(path("pw1"), "hunter2\nsecond line\n", 20);
    write_file(path("pw2"), "hunter2\r\n", 9);
    write_file(path("pw3"), "hunter2", 7);
    write_file(path("pw4"), "\nhunter2\n", 9);
    write_file(path("pw5"), "", 0);
    uint8_t salt[16] = {1, 2, 3}, nonce[24] = {4, 5, 6};
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.kdf_ops = 1;
    o.kdf_mem_kib = 64;
    o.salt = salt;
    o.nonce = nonce;
    uint8_t *ct[3] = {0};
    size_t cl[3];
    const char *pws[3] = {"pw1", "pw2", "pw3"};
    for (int i = 0; i < 3; i++) {
        CHECK(fc_key_from_password_file(path(pws[i]), &k, &err) == FC_OK);
        CHECK(fc_key_is_password(k));
        CHECK(fc_cipher_layer((const uint8_t *)"x", 1, "n", &o, k, &ct[i], &cl[i], NULL, &err) == FC_OK);
        fc_key_free(k);
    }
    CHECK(cl[0] == cl[1] && cl[1] == cl[2] && !memcmp(ct[0], ct[1], cl[0]) && !memcmp(ct[1], ct[2], cl[0]));
    /* ... and equals Argon2id of "hunter2" computed here. */
    uint8_t master[32], want[64];
    CHECK(crypto_pwhash(master, 32, "hunter2", 7, salt, 1, 64 * 1024, crypto_pwhash_ALG_ARGON2ID13) == 0);
    expected_cipher(master, (const uint8_t *)"x", 1, "n", 1, 0, 1, 64, salt, nonce, want);
    CHECK(cl[0] == 10 + 1 + 1 + 16 && !memcmp(ct[0], want, cl[0]));
    for (int i = 0; i < 3; i++) free(ct[i]);
    CHECK(fc_key_from_password_file(path("pw4"), &k, &err) == FC_EINPUT && k == NULL);
    CHECK(fc_key_from_password_file(path("pw5"), &k, &err) == FC_EINPUT && k == NULL);
    CHECK(fc_key_from_password_file(path("missing"), &k, &err) == FC_EINPUT && k == NULL);
    CHECK(fc_key_from_password("", 0, &k, &err) == FC_EUSAGE && k == NULL);

    /* Key files: exactly 32 bytes. */
    uint8_t raw[33];
    for (int i = 0; i < 33; i++) raw[i] = (uint8_t)(7 * i + 1);
    write_file(path("k31"), raw, 31);
    write_file(path("k33"), raw, 33);
    write_file(path("k32"), raw, 32);
    CHECK(fc_key_from_file(path("k31"), &k, &err) == FC_EINPUT && !k);
    CHECK(fc_key_from_file(path("k33"), &k, &err) == FC_EINPUT && !k);
    CHECK(fc_key_from_file(path("k32"), &k, &err) == FC_OK && k && !fc_key_is_password(k));
    uint8_t *c1;
    size_t n1, off;
    CHECK(fc_cipher_layer((const uint8_t *)"hello", 5, "a.txt", &o, k, &c1, &n1, &off, &err) == FC_OK);
    fc_key_free(k);
    /* Raw key: master = BLAKE2b-256(key = raw, message = salt); no KDF cost recorded. */
    crypto_generichash(master, 32, salt, 16, raw, 32);
    expected_cipher(master, (const uint8_t *)"hello", 5, "a.txt", 1, 1, 0, 0, salt, nonce, want);
    CHECK(n1 == 10 + 5 + 5 + 16 && off == 15 && !memcmp(c1, want, n1));
    free(c1);

    /* keygen: 32 bytes, mode 0600, never replaces without overwrite. */
    const char *kp = path("gen.key");
    CHECK(fc_keygen_file(kp, 0, &err) == FC_OK);
    struct stat st;
    CHECK(stat(kp, &st) == 0 && st.st_size == 32 && (st.st_mode & 0777) == 0600);
    uint8_t *a, *b;
    size_t la, lb;
    fc_read_file(kp, 64, &a, &la, &err);
    CHECK(fc_keygen_file(kp, 0, &err) == FC_EUSAGE);
    fc_read_file(kp, 64, &b, &lb, &err);
    CHECK(la == 32 && lb == 32 && !memcmp(a, b, 32));
    free(b);
    CHECK(fc_keygen_file(kp, 1, &err) == FC_OK);
    fc_read_file(kp, 64, &b, &lb, &err);
    CHECK(stat(kp, &st) == 0 && st.st_size == 32 && (st.st_mode & 0777) == 0600);
    CHECK(lb == 32 && memcmp(a, b, 32) != 0);
    free(a);
    free(b);
    CHECK(fc_keygen_file("/nonexistent-dir/x.key", 0, &err) == FC_EIO);

    /* KDF cost names and bounds. */
    fc_kdf_cost c;
    CHECK(fc_kdf_cost_parse("interactive", &c) == FC_OK && c == FC_KDF_INTERACTIVE);
    CHECK(fc_kdf_cost_parse("moderate", &c) == FC_OK && c == FC_KDF_MODERATE);
    CHECK(fc_kdf_cost_parse("sensitive", &c) == FC_OK && c == FC_KDF_SENSITIVE);
    CHECK(fc_kdf_cost_parse("fast", &c) == FC_EUSAGE);
    fc_kdf_params p;
    fc_key_from_password("pw", 2, &k, &err);
    fc_encrypt_opts d;
    fc_encrypt_opts_init(&d);
    CHECK(fc_kdf_params_for(k, &d, &p, &err) == FC_OK && p.ops == 3 && p.mem_kib == 256 * 1024); /* MODERATE default */
    d.kdf_cost = FC_KDF_INTERACTIVE;
    CHECK(fc_kdf_params_for(k, &d, &p, &err) == FC_OK && p.ops == 2 && p.mem_kib == 64 * 1024);
    d.kdf_mem_kib = 4 * 1024 * 1024;
    CHECK(fc_kdf_params_for(k, &d, &p, &err) == FC_EUSAGE);
    fc_key_free(k);
    /* Header values out of range are an authentication failure, never a huge allocation. */
    fc_kdf_params bad = {FC_KIND_PASSWORD, 3, 8u * 1024 * 1024};
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH);
    bad = (fc_kdf_params){FC_KIND_PASSWORD, 1000, 1024};
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH);
    bad = (fc_kdf_params){FC_KIND_RAW, 1, 0};
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH);
    /* The cap is libsodium's sensitive preset: at it is fine, one pass or one KiB above is not,
     * for a reader and for a writer. */
    fc_kdf_params at = {FC_KIND_PASSWORD, crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE,
                        (uint32_t)(crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE / 1024)};
    CHECK(fc_kdf_params_check(&at, &err) == FC_OK);
    bad = at, bad.ops++;
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH && !strcmp(err.msg, FC_MSG_BAD_HEADER));
    bad = (fc_kdf_params){FC_KIND_PASSWORD, 16, 64};
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH);
    bad = at, bad.mem_kib++;
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH && !strcmp(err.msg, FC_MSG_BAD_HEADER));
    fc_key_from_password("pw", 2, &k, &err);
    fc_encrypt_opts_init(&d);
    d.kdf_cost = FC_KDF_SENSITIVE;
    CHECK(fc_kdf_params_for(k, &d, &p, &err) == FC_OK && p.ops == at.ops && p.mem_kib == at.mem_kib);
    d.kdf_ops = at.ops + 1;
    CHECK(fc_kdf_params_for(k, &d, &p, &err) == FC_EUSAGE);
    fc_key_free(k);
}

static void test_subkeys(void) {
    fc_error err = {0};
    uint8_t raw[32] = {9}, salt[16] = {1}, salt2[16] = {2};
    fc_key *k;
    fc_key_from_bytes(raw, &k, &err);
    fc_kdf_params p = {FC_KIND_RAW, 0, 0};
    fc_subkeys *s1, *s2;
    CHECK(fc_derive_subkeys(k, salt, &p, &s1, &err) == FC_OK);
    CHECK(fc_derive_subkeys(k, salt2, &p, &s2, &err) == FC_OK);
    /* Four distinct subkeys, and a new salt changes every one. */
    const uint8_t *a[4] = {s1->aead, s1->slots, s1->cover, s1->sign}, *b[4] = {s2->aead, s2->slots, s2->cover, s2->sign};
    int distinct = 1;
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            if (i != j && !memcmp(a[i], a[j], 32)) distinct = 0;
            if (!memcmp(a[i], b[j], 32)) distinct = 0;
        }
    }
    CHECK(distinct);
    fc_subkeys_free(s1);
    fc_subkeys_free(s2);
    /* A key of the wrong kind for the container: authentication failure. */
    fc_kdf_params pw = {FC_KIND_PASSWORD, 1, 64};
    CHECK(fc_derive_subkeys(k, salt, &pw, &s1, &err) == FC_EAUTH && s1 == NULL);
    fc_key_free(k);
}

static void test_streams(void) {
    uint8_t key[32], nonce[24];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)i;
    for (int i = 0; i < 24; i++) nonce[i] = (uint8_t)(100 + i);
    /* Keystream at an offset = the same bytes as a slice of the whole stream,
     * which is XChaCha20 of zeros. */
    enum { N = 3000 };
    uint8_t whole[N], part[N], ref[N] = {0};
    fc_keystream(key, nonce, 0, whole, N);
    crypto_stream_xchacha20(ref, N, nonce, key);
    CHECK(!memcmp(whole, ref, N));
    const size_t offs[] = {1, 63, 64, 65, 127, 1000, 2999};
    for (size_t i = 0; i < sizeof offs / sizeof *offs; i++) {
        size_t o = offs[i], n = N - o;
        fc_keystream(key, nonce, o, part, n);
        CHECKF(!memcmp(part, whole + o, n), "offset %zu", o);
    }
    /* Normals: any window equals the slice of the full sequence; moments of N(0,1). */
    enum { M = 200001 };
    float *z = malloc(M * sizeof *z), w[301];
    fc_stream_normals(key, nonce, 0, M, z);
    const uint64_t firsts[] = {0, 1, 99, 100, 12345, 199700};
    for (size_t i = 0; i < sizeof firsts / sizeof *firsts; i++) {
        fc_stream_normals(key, nonce, firsts[i], 301, w);
        CHECKF(!memcmp(w, z + firsts[i], sizeof w), "first %llu", (unsigned long long)firsts[i]);
    }
    double s = 0, s2 = 0, s4 = 0;
    int tail = 0;
    for (int i = 0; i < M; i++) {
        s += z[i];
        s2 += (double)z[i] * z[i];
        s4 += (double)z[i] * z[i] * z[i] * z[i];
        if (fabs(z[i]) > 1.959964) tail++;
    }
    double mean = s / M, var = s2 / M - mean * mean, kurt = s4 / M;
    /* Standard errors: mean 0.0022, var 0.0032, kurtosis 0.022, tail share 0.0005. */
    CHECKF(fabs(mean) < 0.012 && fabs(var - 1) < 0.02 && fabs(kurt - 3) < 0.12, "mean %g var %g kurt %g", mean, var, kurt);
    CHECKF(fabs((double)tail / M - 0.05) < 0.003, "tail %g", (double)tail / M);
    /* Box-Muller from the documented formula, pair 0. */
    uint64_t x1 = 0, x2 = 0;
    for (int i = 7; i >= 0; i--) x1 = (x1 << 8) | whole[i], x2 = (x2 << 8) | whole[8 + i];
    double u1 = (double)((x1 >> 11) + 1) / 9007199254740992.0, u2 = (double)(x2 >> 11) / 9007199254740992.0;
    double r = sqrt(-2 * log(u1));
    CHECK(fabs(z[0] - r * cos(2 * M_PI * u2)) < 1e-6 && fabs(z[1] - r * sin(2 * M_PI * u2)) < 1e-6);
    free(z);
}

static void test_seal(void) {
    fc_error err = {0};
    uint8_t key[32] = {1}, nonce[24] = {2}, ad[54] = {3};
    const size_t sizes[] = {0, 1, 15, 16, 1000, 100000};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        size_t n = sizes[t];
        uint8_t *data = malloc(n + 1);
        randombytes_buf(data, n);
        const char *name = "photo.jpg";
        uint64_t cl = fc_sealed_len(n, strlen(name));
        CHECK(cl == n + 9 + 10 + 16);
        uint8_t *ct = malloc(cl), *copy = malloc(cl);
        CHECK(fc_seal(data, n, name, strlen(name), ad, sizeof ad, nonce, key, ct, &err) == FC_OK);
        memcpy(copy, ct, cl);
        uint8_t *d, *nm;
        size_t dl, nl;
        CHECK(fc_open(ct, cl, ad, sizeof ad, nonce, key, &d, &dl, &nm, &nl, &err) == FC_OK);
        CHECK(dl == n && (n == 0 || !memcmp(d, data, n)) && nl == strlen(name) && !memcmp(nm, name, nl));
        /* One flipped bit anywhere in the ciphertext, the AD, or the nonce: FC_EAUTH. */
        size_t pos = (t * 7919) % cl;
        memcpy(ct, copy, cl);
        ct[pos] ^= 0x10;
        CHECK(fc_open(ct, cl, ad, sizeof ad, nonce, key, &d, &dl, &nm, &nl, &err) == FC_EAUTH && d == NULL);
        memcpy(ct, copy, cl);
        ad[t % sizeof ad] ^= 1;
        CHECK(fc_open(ct, cl, ad, sizeof ad, nonce, key, &d, &dl, &nm, &nl, &err) == FC_EAUTH);
        ad[t % sizeof ad] ^= 1;
        memcpy(ct, copy, cl);
        nonce[t % 24] ^= 4;
        CHECK(fc_open(ct, cl, ad, sizeof ad, nonce, key, &d, &dl, &nm, &nl, &err) == FC_EAUTH);
        nonce[t % 24] ^= 4;
        memcpy(ct, copy, cl);
        CHECK(fc_open(ct, cl - 1, ad, sizeof ad, nonce, key, &d, &dl, &nm, &nl, &err) == FC_EAUTH);
        free(data);
        free(ct);
        free(copy);
    }
}

static void test_cipher_layer(void) {
    fc_error err = {0};
    uint8_t raw[32] = {5};
    fc_key *k;
    fc_key_from_bytes(raw, &k, &err);
    enum { N = 65536 };
    uint8_t *img = malloc(N), *c1, *c2, *c3;
    for (int i = 0; i < N; i++) img[i] = (uint8_t)(i * 31 / 256);
    uint8_t salt[16] = {1}, nonce[24] = {2}, nonce2[24] = {3};
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.salt = salt;
    o.nonce = nonce;
    size_t n1, n2, n3, off;
    CHECK(fc_cipher_layer(img, N, "img.raw", &o, k, &c1, &n1, &off, &err) == FC_OK);
    CHECK(fc_cipher_layer(img, N, "img.raw", &o, k, &c2, &n2, NULL, &err) == FC_OK);
    CHECK(n1 == n2 && n1 == N + 10 + 7 + 16 && off == 17 && !memcmp(c1, c2, n1)); /* deterministic */
    /* One changed plaintext pixel changes only that byte of the stream cipher
     * part (and the tag); a new nonce changes ~255/256 of the bytes. */
    img[1000] ^= 1;
    CHECK(fc_cipher_layer(img, N, "img.raw", &o, k, &c3, &n3, NULL, &err) == FC_OK);
    size_t diff = 0;
    for (size_t i = 0; i < N; i++) diff += c1[off + i] != c3[off + i];
    CHECK(diff == 1 && memcmp(c1 + n1 - 16, c3 + n3 - 16, 16) != 0);
    free(c3);
    img[1000] ^= 1;
    o.nonce = nonce2;
    CHECK(fc_cipher_layer(img, N, "img.raw", &o, k, &c3, &n3, NULL, &err) == FC_OK);
    diff = 0;
    for (size_t i = 0; i < N; i++) diff += c1[off + i] != c3[off + i];
    CHECKF(diff > N * 0.99 && diff < N * 0.9999, "NPCR-like %zu of %d", diff, N);
    free(c3);
    /* Random salt and nonce when not given: two calls differ. */
    o.salt = o.nonce = NULL;
    CHECK(fc_cipher_layer(img, N, "img.raw", &o, k, &c3, &n3, NULL, &err) == FC_OK);
    free(c2);
    CHECK(fc_cipher_layer(img, N, "img.raw", &o, k, &c2, &n2, NULL, &err) == FC_OK);
    CHECK(memcmp(c2, c3, n3) != 0 && memcmp(c1, c3, n3) != 0);
    free(c1);
    free(c2);
    free(c3);
    free(img);
    /* Names: no '/' and at most 255 bytes. */
    char longname[300];
    memset(longname, 'a', 299);
    longname[299] = 0;
    CHECK(fc_cipher_layer((const uint8_t *)"x", 1, "a/b", NULL, k, &c1, &n1, NULL, &err) == FC_EUSAGE);
    CHECK(fc_cipher_layer((const uint8_t *)"x", 1, longname, NULL, k, &c1, &n1, NULL, &err) == FC_EUSAGE);
    CHECK(fc_cipher_layer((const uint8_t *)"x", 1, NULL, NULL, k, &c1, &n1, &off, &err) == FC_OK && off == 10);
    free(c1);
    fc_key_free(k);
}

int main(void) {
    CHECK(sodium_init() >= 0);
    char *d = tu_tmpdir();
    snprintf(dir, sizeof dir, "%s", d);
    free(d);
    test_keys();
    test_subkeys();
    test_streams();
    test_seal();
    test_cipher_layer();
    tu_system("rm -rf '%s'", dir);
    return TEST_END();
}
