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

/* Independent recomputation of what fc_cipher_layer must return (format v2):
 * K = the raw key, or Argon2id(password, salt, ops, mem); master = BLAKE2b-256(key
 * = K, message = label || salt || nonce); body key = subkey 1 of "fcrypt02";
 * associated data = "facecrypt-v2" || w || h || kdf id || salt || nonce || header
 * (mode: 1 = STC, the default, 0 = --dense; bits, param 0, body length). */
static void expected_cipher(const uint8_t K[32], int raw, int kdf_id, int w, int h, const uint8_t *secret, size_t len,
                            const char *name, int mode, int bits, const uint8_t *salt, const uint8_t *nonce, uint8_t *out) {
    const char *label = raw ? "facecrypt-v2 key file" : "facecrypt-v2 password";
    uint8_t msg[64], master[32], k[32];
    size_t ll = strlen(label);
    memcpy(msg, label, ll);
    memcpy(msg + ll, salt, 16);
    memcpy(msg + ll + 16, nonce, 24);
    crypto_generichash(master, 32, msg, ll + 40, K, 32);
    crypto_kdf_derive_from_key(k, 32, 1, "fcrypt02", master);
    size_t nl = strlen(name), plen = 10 + nl + len;
    uint8_t *pt = malloc(plen + 1);
    for (int i = 0; i < 8; i++) pt[i] = (uint8_t)((uint64_t)len >> (8 * i));
    pt[8] = (uint8_t)nl;
    pt[9] = (uint8_t)(nl >> 8);
    memcpy(pt + 10, name, nl);
    memcpy(pt + 10 + nl, secret, len);
    uint8_t ad[69];
    /* The layout's label: the default (mode 1) writes format v3, --dense (mode 0) v2. */
    memcpy(ad, mode == 1 ? "facecrypt-v3" : "facecrypt-v2", 12);
    uint32_t ct_len = (uint32_t)(plen + 16);
    for (int i = 0; i < 4; i++) {
        ad[12 + i] = (uint8_t)((uint32_t)w >> (8 * i));
        ad[16 + i] = (uint8_t)((uint32_t)h >> (8 * i));
        ad[65 + i] = (uint8_t)(ct_len >> (8 * i));
    }
    ad[20] = (uint8_t)kdf_id;
    memcpy(ad + 21, salt, 16);
    memcpy(ad + 37, nonce, 24);
    ad[61] = (uint8_t)mode, ad[62] = (uint8_t)bits, ad[63] = 0, ad[64] = 0;
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
    fc_image cover; /* only its size matters to the cipher layer (it is bound into the AEAD data) */
    CHECK(fc_image_alloc(&cover, 100, 80, 3, &err) == FC_OK);
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.kdf_cost = FC_KDF_MINIMAL;
    o.salt = salt;
    o.nonce = nonce;
    o.cover = &cover;
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
    /* ... and equals Argon2id of "hunter2" (minimal preset: 1 pass, 8 KiB) computed here. */
    uint8_t master[32], want[64];
    CHECK(crypto_pwhash(master, 32, "hunter2", 7, salt, 1, 8 * 1024, crypto_pwhash_ALG_ARGON2ID13) == 0);
    expected_cipher(master, 0, 1, 100, 80, (const uint8_t *)"x", 1, "n", 1, 1, salt, nonce, want);
    CHECK(cl[0] == 10 + 1 + 1 + 16 && !memcmp(ct[0], want, cl[0]));
    /* Another preset (interactive: 2 passes, 64 MiB), another cover size, 2 bits (the dense
     * embedding: mode 0; the default above is mode 1, STC). */
    CHECK(fc_key_from_password_file(path("pw1"), &k, &err) == FC_OK);
    o.kdf_cost = FC_KDF_INTERACTIVE;
    o.bits = 2;
    cover.w = 81;
    uint8_t *ci;
    size_t cil;
    CHECK(fc_cipher_layer((const uint8_t *)"xy", 2, "n", &o, k, &ci, &cil, NULL, &err) == FC_OK);
    fc_key_free(k);
    CHECK(crypto_pwhash(master, 32, "hunter2", 7, salt, 2, 64 * 1024 * 1024, crypto_pwhash_ALG_ARGON2ID13) == 0);
    expected_cipher(master, 0, 2, 81, 80, (const uint8_t *)"xy", 2, "n", 0, 2, salt, nonce, want);
    CHECK(cil == 10 + 1 + 2 + 16 && !memcmp(ci, want, cil));
    free(ci);
    cover.w = 100;
    o.bits = 1;
    o.kdf_cost = FC_KDF_MINIMAL;
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
    /* Raw key: no stretching, kdf id 0. */
    expected_cipher(raw, 1, 0, 100, 80, (const uint8_t *)"hello", 5, "a.txt", 1, 1, salt, nonce, want);
    CHECK(n1 == 10 + 5 + 5 + 16 && off == 15 && !memcmp(c1, want, n1));
    free(c1);
    /* Without a cover: the size of the face grid the secret would be drawn in. */
    CHECK(fc_key_from_file(path("k32"), &k, &err) == FC_OK);
    o.cover = NULL;
    CHECK(fc_cipher_layer((const uint8_t *)"hello", 5, "a.txt", &o, k, &c1, &n1, &off, &err) == FC_OK);
    fc_key_free(k);
    int cols, rows, scale;
    fc_face_cover_shape(5, 5, FC_STEALTH, 0, &cols, &rows, &scale);
    expected_cipher(raw, 1, 0, cols * 64 * scale, rows * 64 * scale, (const uint8_t *)"hello", 5, "a.txt", 1, 1, salt,
                    nonce, want);
    CHECK(n1 == 10 + 5 + 5 + 16 && !memcmp(c1, want, n1));
    free(c1);
    fc_image_free(&cover);

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

    /* KDF cost names: the CLI's three; "minimal" is for the library (tests) only. */
    fc_kdf_cost c;
    CHECK(fc_kdf_cost_parse("interactive", &c) == FC_OK && c == FC_KDF_INTERACTIVE);
    CHECK(fc_kdf_cost_parse("moderate", &c) == FC_OK && c == FC_KDF_MODERATE);
    CHECK(fc_kdf_cost_parse("sensitive", &c) == FC_OK && c == FC_KDF_SENSITIVE);
    CHECK(fc_kdf_cost_parse("fast", &c) == FC_EUSAGE);
    CHECK(fc_kdf_cost_parse("minimal", &c) == FC_EUSAGE);
    /* v2 presets are libsodium's constants, ids in increasing cost; a writer's id. */
    uint32_t ops[FC_KDF2_COUNT], mem[FC_KDF2_COUNT];
    for (int id = 0; id < FC_KDF2_COUNT; id++) fc_kdf2_cost(id, &ops[id], &mem[id]);
    CHECK(ops[0] == 0 && mem[0] == 0); /* key file */
    CHECK(ops[1] == crypto_pwhash_argon2id_OPSLIMIT_MIN && mem[1] * 1024 == crypto_pwhash_argon2id_MEMLIMIT_MIN);
    CHECK(ops[2] == crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE &&
          mem[2] * 1024ull == crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
    CHECK(ops[3] == crypto_pwhash_argon2id_OPSLIMIT_MODERATE &&
          mem[3] * 1024ull == crypto_pwhash_argon2id_MEMLIMIT_MODERATE);
    CHECK(ops[4] == crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE &&
          mem[4] * 1024ull == crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE);
    for (int id = 2; id < FC_KDF2_COUNT; id++) CHECK(ops[id] >= ops[id - 1] && mem[id] > mem[id - 1]);
    fc_key *kr;
    int id;
    fc_key_from_password("pw", 2, &k, &err);
    fc_key_from_bytes(raw, &kr, &err);
    fc_encrypt_opts d;
    fc_encrypt_opts_init(&d);
    CHECK(fc_kdf2_id_for(k, &d, &id, &err) == FC_OK && id == FC_KDF2_MODERATE); /* the default */
    CHECK(fc_kdf2_id_for(k, NULL, &id, &err) == FC_OK && id == FC_KDF2_MODERATE);
    d.kdf_cost = FC_KDF_INTERACTIVE;
    CHECK(fc_kdf2_id_for(k, &d, &id, &err) == FC_OK && id == FC_KDF2_INTERACTIVE);
    d.kdf_cost = FC_KDF_SENSITIVE;
    CHECK(fc_kdf2_id_for(k, &d, &id, &err) == FC_OK && id == FC_KDF2_SENSITIVE);
    d.kdf_cost = FC_KDF_MINIMAL;
    CHECK(fc_kdf2_id_for(k, &d, &id, &err) == FC_OK && id == FC_KDF2_MINIMAL);
    d.kdf_cost = (fc_kdf_cost)17;
    CHECK(fc_kdf2_id_for(k, &d, &id, &err) == FC_EUSAGE);
    CHECK(fc_kdf2_id_for(kr, &d, &id, &err) == FC_OK && id == FC_KDF2_KEYFILE); /* no cost for a key file */
    /* Which derivations a reader tries: a key file one, a password the presets asked (all by default). */
    int tried_pw = 0, tried_kf = 0;
    for (id = 0; id < FC_KDF2_COUNT; id++) {
        tried_pw |= fc_kdf2_tried(k, id, 0) << id;
        tried_kf |= fc_kdf2_tried(kr, id, 0) << id;
    }
    CHECK(tried_pw == 0x1e && tried_kf == 0x01);
    unsigned upto = fc_kdf_presets_up_to(FC_KDF_INTERACTIVE);
    CHECK(upto == ((1u << FC_KDF_MINIMAL) | (1u << FC_KDF_INTERACTIVE)));
    CHECK(fc_kdf_presets_up_to(FC_KDF_SENSITIVE) == 0xf && fc_kdf_presets_up_to(FC_KDF_MINIMAL) == 1u << FC_KDF_MINIMAL);
    CHECK(fc_kdf2_tried(k, FC_KDF2_INTERACTIVE, upto) && !fc_kdf2_tried(k, FC_KDF2_MODERATE, upto) &&
          !fc_kdf2_tried(kr, FC_KDF2_MINIMAL, upto));
    fc_key_free(k);
    fc_key_free(kr);
    /* v1 header values out of range are an authentication failure, never a huge allocation. */
    fc_kdf_params bad = {FC_KIND_PASSWORD, 3, 8u * 1024 * 1024};
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH);
    bad = (fc_kdf_params){FC_KIND_PASSWORD, 1000, 1024};
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH);
    bad = (fc_kdf_params){FC_KIND_RAW, 1, 0};
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH);
    /* The cap is libsodium's sensitive preset: at it is fine, one pass or one KiB above is not. */
    fc_kdf_params at = {FC_KIND_PASSWORD, crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE,
                        (uint32_t)(crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE / 1024)};
    CHECK(fc_kdf_params_check(&at, &err) == FC_OK);
    bad = at, bad.ops++;
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH && !strcmp(err.msg, FC_MSG_AUTH));
    bad = (fc_kdf_params){FC_KIND_PASSWORD, 16, 64};
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH);
    bad = at, bad.mem_kib++;
    CHECK(fc_kdf_params_check(&bad, &err) == FC_EAUTH && !strcmp(err.msg, FC_MSG_AUTH));
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

    /* v2: five distinct subkeys; any change to the 40 public bytes changes every one;
     * none equals a v1 subkey of the same key and salt. */
    uint8_t pub[40] = {1}, pub2[40] = {1};
    pub2[39] ^= 0x80; /* the last nonce bit: the master key depends on all of them */
    fc_subkeys *v1, *t1, *t2;
    CHECK(fc_derive_subkeys(k, salt, &p, &v1, &err) == FC_OK);
    CHECK(fc_derive_subkeys_v2(k, FC_KDF2_KEYFILE, pub, &t1, &err) == FC_OK);
    CHECK(fc_derive_subkeys_v2(k, FC_KDF2_KEYFILE, pub2, &t2, &err) == FC_OK);
    const uint8_t *x[5] = {t1->aead, t1->slots, t1->cover, t1->sign, t1->header};
    const uint8_t *y[5] = {t2->aead, t2->slots, t2->cover, t2->sign, t2->header};
    const uint8_t *z[4] = {v1->aead, v1->slots, v1->cover, v1->sign};
    distinct = 1;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            if (i != j && !memcmp(x[i], x[j], 32)) distinct = 0;
            if (!memcmp(x[i], y[j], 32)) distinct = 0;
            if (j < 4 && !memcmp(x[i], z[j], 32)) distinct = 0;
        }
    CHECK(distinct);
    /* ... and the documented derivation gives them. */
    uint8_t msg[61], master[32], want[32];
    memcpy(msg, "facecrypt-v2 key file", 21);
    memcpy(msg + 21, pub, 40);
    crypto_generichash(master, 32, msg, sizeof msg, raw, 32);
    crypto_kdf_derive_from_key(want, 32, 5, "fcrypt02", master);
    CHECK(!memcmp(want, t1->header, 32));
    crypto_kdf_derive_from_key(want, 32, 2, "fcrypt02", master);
    CHECK(!memcmp(want, t1->slots, 32));
    fc_subkeys_free(v1);
    fc_subkeys_free(t1);
    fc_subkeys_free(t2);
    /* Kind and id must agree. */
    fc_key *pk;
    fc_key_from_password("pw", 2, &pk, &err);
    CHECK(fc_derive_subkeys_v2(k, FC_KDF2_MINIMAL, pub, &t1, &err) == FC_EAUTH && !t1);
    CHECK(fc_derive_subkeys_v2(pk, FC_KDF2_KEYFILE, pub, &t1, &err) == FC_EAUTH && !t1);
    CHECK(fc_derive_subkeys_v2(pk, FC_KDF2_COUNT, pub, &t1, &err) == FC_EAUTH && !t1);
    /* A password's master key: Argon2id over salt = the first 16 public bytes, then keyed BLAKE2b. */
    CHECK(fc_derive_subkeys_v2(pk, FC_KDF2_MINIMAL, pub, &t1, &err) == FC_OK);
    uint8_t st[32];
    CHECK(crypto_pwhash(st, 32, "pw", 2, pub, 1, 8192, crypto_pwhash_ALG_ARGON2ID13) == 0);
    memcpy(msg, "facecrypt-v2 password", 21);
    crypto_generichash(master, 32, msg, sizeof msg, st, 32);
    crypto_kdf_derive_from_key(want, 32, 1, "fcrypt02", master);
    CHECK(!memcmp(want, t1->aead, 32));
    fc_subkeys_free(t1);
    fc_key_free(pk);
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
