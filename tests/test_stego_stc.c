/* Body mode 1 of format v2, the stealth default: the sealed body by
 * syndrome-trellis codes under HILL costs (side-informed for face covers) over
 * all keyed slots from 320 on (src/stego/body_stc.c; docs/container-format.md,
 * sections 5 and 15).  Round trips (photo-like covers, empty and large
 * secrets, passwords), the stealth sizing (at most 0.2 bits per channel), every
 * single bit flip of a small container, side information steering the changes,
 * and far fewer changes and far less HILL distortion than mode 0 (LSB matching,
 * --dense) for the same secret in the same cover. */
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "facecrypt.h"
#include "stego/body_stc.h"
#include "stego/costs.h"
#include "stego/layout.h"
#include "stego/lsb.h"
#include "stego/slots.h"
#include "testutil.h"

static uint64_t rng_state = 11;
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static fc_key *raw_key(uint8_t seed) {
    uint8_t raw[32];
    for (int i = 0; i < 32; i++) raw[i] = (uint8_t)(seed * 37 + i);
    fc_key *k = NULL;
    fc_error err;
    fc_key_from_bytes(raw, &k, &err);
    return k;
}

/* A photo-like cover: a flat sky (top quarter), smooth shading, a band of grain,
 * and fine texture, like a picture with a plain background. */
static void photo(fc_image *im, int w, int h) {
    fc_error err;
    fc_image_alloc(im, w, h, 3, &err);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                double v;
                if (y < h / 4) v = 180 + 20 * c + (x * 7 / w); /* sky: nearly flat */
                else if (x < w / 3) v = 90 + 50 * sin(0.03 * x * (c + 1)) + 40 * cos(0.05 * y) + (double)(rnd() % 3);
                else v = 120 + 30 * c + (double)(rnd() % 41) - 20; /* grain */
                im->px[((size_t)y * w + x) * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
}

static int decrypt_eq(const fc_image *cont, const fc_key *k, const uint8_t *s, size_t n, const char *name) {
    uint8_t *d = NULL;
    size_t dl = 0;
    char *nm = NULL;
    fc_error err;
    int rc = fc_decrypt_image(cont, k, &d, &dl, &nm, &err);
    int ok = rc == FC_OK && dl == n && d && (n == 0 || !memcmp(d, s, n)) && nm && !strcmp(nm, name);
    free(d);
    free(nm);
    return ok ? FC_OK : rc ? rc : -1;
}

/* Round trips at the stealth default in a --cover picture: every value moves by
 * at most 1, only the stealth-sized cover is accepted, and the secret of exactly
 * the stealth capacity fits. */
static void test_roundtrip_photo(size_t n, int w, int h) {
    fc_error err = {0};
    fc_key *k = raw_key(3);
    uint8_t *s = malloc(n + 1);
    randombytes_buf(s, n);
    fc_image cover, cont;
    photo(&cover, w, h);
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &cover;
    int rc = fc_encrypt_buffer(s, n, "f.bin", &o, k, &cont, NULL, &err);
    CHECKF(rc == FC_OK, "n %zu %dx%d: %s", n, w, h, err.msg);
    if (!rc) {
        CHECKF(decrypt_eq(&cont, k, s, n, "f.bin") == FC_OK, "n %zu: no round trip", n);
        size_t N = (size_t)w * h * 3, changed = 0;
        int maxd = 0;
        for (size_t i = 0; i < N; i++) {
            int d = abs((int)cont.px[i] - (int)cover.px[i]);
            changed += d != 0;
            maxd = d > maxd ? d : maxd;
        }
        CHECKF(maxd <= 1, "n %zu: a value moved by %d", n, maxd);
        /* At rate <= 0.2 STC changes well under 8 % of the body slots (the bound is ~4 %). */
        CHECKF(changed < 640 + N / 12, "n %zu: %zu of %zu values changed", n, changed, N);
        fc_image_free(&cont);
    }
    free(s);
    fc_image_free(&cover);
    fc_key_free(k);
}

static void test_sizing(void) {
    /* The stealth capacity: body slots / 40 bytes (0.2 bits per channel), less the
     * sealed overhead (26) and the name. */
    CHECK(fc_capacity(100, 80, FC_STEALTH, 12) == (24000 - 640) / 40 - 26 - 12);
    CHECK(fc_channels_needed(0, 0, FC_STEALTH) == 640 + 40 * 26);
    CHECK(fc_capacity(100, 80, 1, 0) > 4 * fc_capacity(100, 80, FC_STEALTH, 0));
    fc_error err;
    fc_key *k = raw_key(4);
    fc_image cover, cont;
    photo(&cover, 100, 80);
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &cover;
    int64_t cap = fc_capacity(100, 80, FC_STEALTH, 1);
    uint8_t s[600];
    randombytes_buf(s, sizeof s);
    CHECK(cap > 0 && cap < (int64_t)sizeof s);
    CHECKF(fc_encrypt_buffer(s, (size_t)cap, "n", &o, k, &cont, NULL, &err) == FC_OK, "%s", err.msg);
    CHECK(decrypt_eq(&cont, k, s, (size_t)cap, "n") == FC_OK);
    fc_image_free(&cont);
    /* One byte more: refused (exit 4), naming --dense and the size that fits. */
    CHECK(fc_encrypt_buffer(s, (size_t)cap + 1, "n", &o, k, &cont, NULL, &err) == FC_ENOFIT && !cont.px);
    CHECKF(strstr(err.msg, "--dense") && strstr(err.msg, "at least"), "%s", err.msg);
    CHECK(fc_encrypt_check((uint64_t)cap + 1, "n", &o, 0, 0, NULL) == FC_ENOFIT);
    /* ... which the dense embedding holds. */
    o.dense = 1;
    CHECK(fc_encrypt_buffer(s, (size_t)cap + 1, "n", &o, k, &cont, NULL, &err) == FC_OK);
    CHECK(decrypt_eq(&cont, k, s, (size_t)cap + 1, "n") == FC_OK);
    fc_image_free(&cont);
    /* Password containers of both modes; the reader finds mode and preset. */
    fc_key *pw = NULL;
    CHECK(fc_key_from_password("stc pass", 8, &pw, &err) == FC_OK);
    o.kdf_cost = FC_KDF_MINIMAL;
    for (int dense = 0; dense <= 1; dense++) {
        o.dense = dense;
        CHECK(fc_encrypt_buffer(s, 100, "p", &o, pw, &cont, NULL, &err) == FC_OK);
        CHECK(decrypt_eq(&cont, pw, s, 100, "p") == FC_OK);
        uint8_t *d = NULL;
        size_t dl;
        CHECK(fc_decrypt_image(&cont, k, &d, &dl, NULL, &err) == FC_EAUTH && !d);
        fc_image_free(&cont);
    }
    fc_key_free(pw);
    fc_image_free(&cover);
    fc_key_free(k);
}

/* Every single bit flip of a small mode-1 container: a flipped LSB anywhere
 * (public, header or body slot: the code's cover bits are ALL keyed slots from
 * 320 on, and each one's column of H has its first row set, so it changes a
 * message bit) fails to authenticate (exit 3); a flip in any higher bit leaves
 * the output unchanged.  Planes 0, 1 and 7 are tried. */
static void test_every_bit_flip(void) {
    fc_error err;
    fc_key *k = raw_key(5);
    fc_image cover, cont;
    photo(&cover, 40, 30); /* 3600 values: (3600 - 640) / 40 = 74 body bytes */
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &cover;
    const uint8_t secret[] = "every flip, STC";
    size_t n = sizeof secret - 1;
    int rc = fc_encrypt_buffer(secret, n, "f", &o, k, &cont, NULL, &err);
    CHECKF(rc == FC_OK, "%s", err.msg);
    if (rc) return;
    size_t N = (size_t)cont.w * cont.h * 3;
    int wrong = 0, auth = 0, same = 0;
    for (size_t i = 0; i < N; i++)
        for (int b = 0; b < 8; b++) {
            if (b >= 2 && b != 7) continue;
            cont.px[i] ^= (uint8_t)(1u << b);
            rc = decrypt_eq(&cont, k, secret, n, "f");
            cont.px[i] ^= (uint8_t)(1u << b);
            if (b == 0) {
                auth += rc == FC_EAUTH;
                wrong += rc != FC_EAUTH;
            } else {
                same += rc == FC_OK;
                wrong += rc != FC_OK;
            }
        }
    CHECKF(wrong == 0 && (size_t)auth == N && (size_t)same == 2 * N, "%d wrong, %d auth failures, %d unchanged of %zu",
           wrong, auth, same, N);
    CHECK(decrypt_eq(&cont, k, secret, n, "f") == FC_OK);
    /* Crops and a one-row cut: exit 3 as in mode 0. */
    fc_image bad;
    fc_image_alloc(&bad, 40, 29, 3, &err);
    memcpy(bad.px, cont.px, bad.w * bad.h * 3u);
    CHECK(decrypt_eq(&bad, k, secret, n, "f") == FC_EAUTH);
    fc_image_free(&bad);
    fc_image_free(&cont);
    fc_image_free(&cover);
    fc_key_free(k);
}

/* Side information: with the unrounded values, almost every change goes
 * towards them (that direction costs rho (1 - 2|e|) < rho), and the body still
 * reads back; without, the directions are the sign stream's (about half). */
static void test_side_info(void) {
    fc_error err;
    const int w = 96, h = 80;
    const size_t N = (size_t)w * h * 3;
    fc_image im;
    fc_image_alloc(&im, w, h, 3, &err);
    float *u = malloc(N * sizeof *u);
    for (size_t i = 0; i < N; i++) {
        double v = 128 + 60 * sin(0.01 * (double)i) + (double)(rnd() % 4000) / 100.0 - 20;
        u[i] = (float)v;
        im.px[i] = (uint8_t)lrint(v);
    }
    fc_slot_map m;
    uint8_t key[32] = {9}, signs[N / 8 + 1];
    randombytes_buf(signs, sizeof signs);
    CHECK(fc_slot_map_v2(&m, w, h, &err) == FC_OK && fc_slot_map_key(&m, key, &err) == FC_OK);
    uint8_t body[500], back[500];
    randombytes_buf(body, sizeof body);
    for (int si = 0; si <= 1; si++) {
        fc_image c;
        fc_image_alloc(&c, w, h, 3, &err);
        memcpy(c.px, im.px, N);
        fc_body_stc_stats st;
        CHECK(fc_body_stc_embed(&c, &m, si ? u : NULL, signs, body, sizeof body, &st, &err) == FC_OK);
        CHECK(fc_body_stc_extract(c.px, &m, back, sizeof back, &err) == FC_OK && !memcmp(back, body, sizeof body));
        size_t towards = 0, changes = 0;
        for (size_t i = 0; i < N; i++) {
            int d = (int)c.px[i] - (int)im.px[i];
            if (!d) continue;
            changes++;
            towards += (d > 0) == (u[i] > (float)im.px[i]);
        }
        CHECK(changes == st.changes && changes > 0);
        if (si) CHECKF(towards >= changes * 95 / 100, "SI: %zu of %zu changes towards the unrounded value", towards, changes);
        else CHECKF(towards < changes * 70 / 100, "no SI: %zu of %zu towards", towards, changes);
        fc_image_free(&c);
    }
    /* More than the code can carry (rate > 1): refused. */
    uint8_t *big = calloc(N / 8 + 1, 1);
    CHECK(fc_body_stc_embed(&im, &m, NULL, signs, big, (size_t)fc_body_stc_max(&m) + 1, NULL, &err) == FC_ENOFIT);
    free(big);
    free(u);
    fc_slot_map_free(&m);
    fc_image_free(&im);
}

/* Mode 1 against mode 0 for the same secret in the same cover: far fewer values
 * changed, and none in flat areas (HILL cost >= 1e6: no texture within 15
 * pixels) but the public and header slots' (at most 640 values, placed by the
 * key alone, LSB matching in both modes); mode 0 changes the flat sky
 * everywhere. */
static void test_distortion(void) {
    fc_error err;
    fc_key *k = raw_key(6);
    fc_image cover;
    photo(&cover, 320, 240); /* 230400 values: 5700 body bytes at 0.2 */
    const size_t N = (size_t)320 * 240 * 3, n = 5000;
    float *rho = malloc(N * sizeof *rho);
    CHECK(fc_hill_costs(cover.px, 320, 240, 3, rho, &err) == FC_OK);
    uint8_t *s = malloc(n);
    randombytes_buf(s, n);
    size_t changed[2] = {0, 0}, flat[2] = {0, 0};
    for (int dense = 0; dense <= 1; dense++) {
        fc_encrypt_opts o;
        fc_encrypt_opts_init(&o);
        o.cover = &cover;
        o.dense = dense;
        fc_image cont;
        CHECKF(fc_encrypt_buffer(s, n, "d", &o, k, &cont, NULL, &err) == FC_OK, "%s", err.msg);
        CHECK(decrypt_eq(&cont, k, s, n, "d") == FC_OK);
        for (size_t i = 0; i < N; i++)
            if (cont.px[i] != cover.px[i]) changed[dense]++, flat[dense] += rho[i] >= 1e6f;
        fc_image_free(&cont);
    }
    printf("mode 1: %zu changes (%zu flat); mode 0: %zu changes (%zu flat)\n", changed[0], flat[0], changed[1],
           flat[1]);
    CHECKF((double)changed[0] < 0.6 * (double)changed[1], "mode 1 changed %zu, mode 0 %zu", changed[0], changed[1]);
    CHECKF(flat[0] <= 640 && flat[0] * 5 < flat[1], "flat changes: mode 1 %zu, mode 0 %zu", flat[0], flat[1]);
    free(s);
    free(rho);
    fc_image_free(&cover);
    fc_key_free(k);
}

/* Headers that authenticate (forged here with the key) but describe what this
 * reader does not do: mode 1 at 2 bits, a mode parameter, an unknown mode, or a
 * body longer than mode 1's slots carry (8 C > K - 320) give FC_EINPUT (exit 2),
 * never a wrong output; mode 0 claimed for a mode-1 body fails its tag. */
static void test_forged_headers(void) {
    fc_error err;
    fc_key *k = raw_key(8);
    fc_image cover, cont;
    photo(&cover, 48, 40);
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &cover;
    const uint8_t secret[] = "forged";
    CHECK(fc_encrypt_buffer(secret, 6, "f", &o, k, &cont, NULL, &err) == FC_OK);
    fc_slot_map m;
    CHECK(fc_slot_map_v2(&m, 48, 40, &err) == FC_OK);
    uint8_t pub[FC_V2_PUBLIC_BYTES];
    fc_lsb_extract_public(cont.px, &m, pub, sizeof pub);
    fc_subkeys *keys = NULL;
    CHECK(fc_derive_subkeys_v2(k, 0, pub, &keys, &err) == FC_OK && fc_slot_map_key(&m, keys->slots, &err) == FC_OK);
    const uint32_t C = 10 + 1 + 6 + 16, too_long = (uint32_t)(((uint64_t)m.keyed - 320) / 8 + 1);
    const struct {
        int mode, bits;
        unsigned param;
        uint32_t len;
        int want;
    } cases[] = {{1, 1, 0, C, FC_OK},        {1, 2, 0, C, FC_EINPUT}, {1, 1, 5, C, FC_EINPUT},
                 {2, 1, 0, C, FC_EINPUT},    {1, 1, 0, too_long, FC_EINPUT}, {0, 1, 0, C, FC_EAUTH}};
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        fc_image f;
        fc_image_alloc(&f, 48, 40, 3, &err);
        memcpy(f.px, cont.px, (size_t)48 * 40 * 3);
        fc_v2_header hd = {cases[t].mode, cases[t].bits, cases[t].param, cases[t].len};
        uint8_t ad[FC_V2_AD_BYTES], plain[FC_V2_HEADER_PLAIN], hdr[FC_V2_HEADER_BYTES];
        fc_v2_ad(48, 40, 0, pub, ad);
        fc_v2_header_pack(&hd, plain);
        fc_v2_commit(keys->header, ad, hdr);
        crypto_aead_xchacha20poly1305_ietf_encrypt(hdr + FC_V2_COMMIT_BYTES, NULL, plain, sizeof plain, ad, sizeof ad,
                                                   NULL, pub + FC_SALT_BYTES, keys->header);
        uint8_t signs[48 * 40 * 3 / 8 + 1] = {0};
        fc_lsb_embed_keyed(f.px, &m, 0, 1, hdr, sizeof hdr, signs, FC_WALK_SCATTER);
        uint8_t *d = NULL;
        size_t dl = 0;
        int rc = fc_decrypt_image(&f, k, &d, &dl, NULL, &err);
        CHECKF(rc == cases[t].want && (rc != FC_OK) == (d == NULL), "case %zu: rc %d (%s)", t, rc, err.msg);
        if (rc == FC_OK) CHECK(dl == 6 && !memcmp(d, secret, 6));
        if (cases[t].want == FC_EINPUT && t < 4) CHECKF(strstr(err.msg, "does not know") != NULL, "%s", err.msg);
        free(d);
        fc_image_free(&f);
    }
    fc_subkeys_free(keys);
    fc_slot_map_free(&m);
    fc_image_free(&cont);
    fc_image_free(&cover);
    fc_key_free(k);
}

int main(void) {
    CHECK(sodium_init() >= 0);
    test_sizing();
    test_roundtrip_photo(0, 40, 30);
    test_roundtrip_photo(1, 41, 31);
    test_roundtrip_photo(20000, 520, 520);
    test_every_bit_flip();
    test_forged_headers();
    test_side_info();
    test_distortion();
    /* About 1 MB: a 14-megapixel cover at 0.2 bits per channel (the slow one:
     * about 40 s here). */
    test_roundtrip_photo(1000000, 3700, 3700);
    return TEST_END();
}
