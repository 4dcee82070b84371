/* The stealth default, format v3: public bytes, header and body (mode 1) by
 * syndrome-trellis codes under HILL costs (side-informed for face covers): the
 * public bytes over a span of values placed by the image's size alone, the
 * header over a keyed span, the body over all keyed slots after it
 * (src/stego/body_stc.c; docs/container-format.md, sections 5, 15 and 16).
 * The spans' extraction is exact for random covers; plain pictures (decoys)
 * are refused like containers under a wrong key.  Round trips (photo-like covers, empty and large
 * secrets, passwords), the stealth sizing (at most 0.2 bits per channel in faces, 0.125 in pictures), every
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
        /* At rate <= 0.125 STC changes well under 8 % of the body slots (the bound is ~4 %). */
        CHECKF(changed < 640 + N / 12, "n %zu: %zu of %zu values changed", n, changed, N);
        fc_image_free(&cont);
    }
    free(s);
    fc_image_free(&cover);
    fc_key_free(k);
}

static void test_sizing(void) {
    /* The stealth capacity: body slots / 40 bytes (0.2 bits per channel) in
     * generated faces, / 64 (0.125) in a caller's picture, less the sealed
     * overhead (26) and the name.  Body slots: N less the two spans. */
    CHECK(fc_capacity(100, 80, FC_STEALTH, 12) == (24000 - 1500 - 1500) / 40 - 26 - 12); /* spans N/16 */
    CHECK(fc_capacity(178, 218, FC_STEALTH, 5) == (116412 - 2 * 2560) / 40 - 26 - 5);      /* spans 2560 */
    CHECK(fc_capacity(100, 80, FC_STEALTH_COVER, 12) == (24000 - 1500 - 1500) / 64 - 26 - 12);
    CHECK(fc_capacity(178, 218, FC_STEALTH_COVER, 5) == (116412 - 2 * 2560) / 64 - 26 - 5);
    CHECK(fc_channels_needed(0, 0, FC_STEALTH_COVER) == 640 + 64 * 26);
    CHECK(fc_channels_needed(2751, 5, FC_STEALTH) == 116400 && fc_capacity(178, 218, FC_STEALTH, 5) == 2751);
    CHECK(fc_channels_needed(0, 0, FC_STEALTH) == 640 + 40 * 26);
    CHECK(fc_capacity(100, 80, 1, 0) > 4 * fc_capacity(100, 80, FC_STEALTH, 0));
    fc_error err;
    fc_key *k = raw_key(4);
    fc_image cover, cont;
    photo(&cover, 100, 80);
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &cover;
    int64_t cap = fc_capacity(100, 80, FC_STEALTH_COVER, 1); /* a caller's picture: 0.125 */
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

/* Every single bit flip of a small v3 container: a flipped LSB anywhere (every
 * value is a cover bit of one of the three codes, public span, header span or
 * body, and each one's column of H has its first row set, so it changes a
 * message bit) fails to authenticate (exit 3); a flip in any higher bit leaves
 * the output unchanged.  Planes 0, 1 and 7 are tried. */
static void test_every_bit_flip(void) {
    fc_error err;
    fc_key *k = raw_key(5);
    fc_image cover, cont;
    photo(&cover, 40, 30); /* 3600 values: (3600 - 320 - 320) / 64 = 46 body bytes */
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

/* The default (v3, all by STC) against --dense (v2, LSB matching) for the same
 * secret in the same cover: far fewer values changed, and none at all in flat
 * areas (HILL cost >= 1e6: no texture within 15 pixels), public bytes and
 * header included; --dense changes the flat sky everywhere. */
static void test_distortion(void) {
    fc_error err;
    fc_key *k = raw_key(6);
    fc_image cover;
    photo(&cover, 320, 240); /* 230400 values: 3520 body bytes at 0.125 */
    const size_t N = (size_t)320 * 240 * 3, n = 3400;
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
    printf("default (v3): %zu changes (%zu flat); --dense (v2): %zu changes (%zu flat)\n", changed[0], flat[0],
           changed[1], flat[1]);
    CHECKF((double)changed[0] < 0.6 * (double)changed[1], "mode 1 changed %zu, mode 0 %zu", changed[0], changed[1]);
    CHECKF(flat[0] == 0 && flat[1] > 1000, "flat changes: default %zu, dense %zu", flat[0], flat[1]);
    free(s);
    free(rho);
    fc_image_free(&cover);
    fc_key_free(k);
}

/* Headers that authenticate (forged here with the key) but describe what this
 * reader does not do give FC_EINPUT (exit 2), never a wrong output: mode 1 at 2
 * bits, a mode parameter, an unknown mode, a body longer than mode 1's slots
 * carry (8 C > K - body0), and, in v3 (the default), mode 0 (v3 has body mode 1
 * only).  In v2 (--dense), mode 1 claimed for a mode-0 body fails its tag.
 * v3's forged header is embedded by STC like the real one (the container re-made
 * from the cover with the same public bytes and body); v2's by LSB matching. */
static void test_forged_headers(void) {
    fc_error err;
    fc_key *k = raw_key(8);
    const int W = 48, H = 40;
    const size_t N = (size_t)W * H * 3;
    fc_image cover, cont;
    photo(&cover, W, H);
    const uint8_t secret[] = "forged";
    const uint32_t C = 10 + 1 + 6 + 16;
    for (int version = 3; version >= 2; version--) {
        fc_encrypt_opts o;
        fc_encrypt_opts_init(&o);
        o.cover = &cover;
        o.dense = version == 2;
        CHECK(fc_encrypt_buffer(secret, 6, "f", &o, k, &cont, NULL, &err) == FC_OK);
        fc_slot_map m;
        uint8_t pub[FC_V2_PUBLIC_BYTES], body[C];
        CHECK((version == 3 ? fc_slot_map_v3(&m, W, H, &err) : fc_slot_map_v2(&m, W, H, &err)) == FC_OK);
        if (version == 3) fc_v3_extract_public(cont.px, &m, pub);
        else fc_lsb_extract_public(cont.px, &m, pub, sizeof pub);
        fc_subkeys *keys = NULL;
        CHECK(fc_derive_subkeys_v2(k, 0, pub, &keys, &err) == FC_OK && fc_slot_map_key(&m, keys->slots, &err) == FC_OK);
        if (version == 3) CHECK(fc_body_stc_extract(cont.px, &m, body, C, &err) == FC_OK);
        const uint32_t too_long = (uint32_t)(((uint64_t)m.keyed - m.body0) / 8 + 1);
        const struct {
            int mode, bits;
            unsigned param;
            uint32_t len;
            int want3, want2;
        } cases[] = {{1, 1, 0, C, FC_OK, FC_EAUTH},         {1, 2, 0, C, FC_EINPUT, FC_EINPUT},
                     {1, 1, 5, C, FC_EINPUT, FC_EINPUT},    {2, 1, 0, C, FC_EINPUT, FC_EINPUT},
                     {0, 1, 0, C, FC_EINPUT, FC_OK},        {0, 2, 0, C, FC_EINPUT, FC_EAUTH},
                     {1, 1, 0, too_long, FC_EINPUT, FC_EINPUT}};
        for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
            int want = version == 3 ? cases[t].want3 : cases[t].want2;
            fc_image f;
            fc_image_alloc(&f, W, H, 3, &err);
            fc_v2_header hd = {cases[t].mode, cases[t].bits, cases[t].param, cases[t].len};
            uint8_t ad[FC_V2_AD_BYTES], plain[FC_V2_HEADER_PLAIN], hdr[FC_V2_HEADER_BYTES];
            fc_v2_ad(version, W, H, 0, pub, ad);
            fc_v2_header_pack(&hd, plain);
            fc_v2_commit(keys->header, ad, hdr);
            crypto_aead_xchacha20poly1305_ietf_encrypt(hdr + FC_V2_COMMIT_BYTES, NULL, plain, sizeof plain, ad,
                                                       sizeof ad, NULL, pub + FC_SALT_BYTES, keys->header);
            uint8_t signs[48 * 40 * 3 / 8 + 1] = {0};
            if (version == 3) {
                memcpy(f.px, cover.px, N);
                CHECK(fc_v3_stc_embed(&f, &m, NULL, signs, pub, hdr, body, C, NULL, &err) == FC_OK);
            } else {
                memcpy(f.px, cont.px, N);
                fc_lsb_embed_keyed(f.px, &m, 0, 1, hdr, sizeof hdr, signs, FC_WALK_SCATTER);
            }
            uint8_t *d = NULL;
            size_t dl = 0;
            int rc = fc_decrypt_image(&f, k, &d, &dl, NULL, &err);
            CHECKF(rc == want && (rc != FC_OK) == (d == NULL), "v%d case %zu: rc %d (%s)", version, t, rc, err.msg);
            if (rc == FC_OK) CHECK(dl == 6 && !memcmp(d, secret, 6));
            if (want == FC_EINPUT && cases[t].len == C)
                CHECKF(strstr(err.msg, "does not know") != NULL, "v%d case %zu: %s", version, t, err.msg);
            free(d);
            fc_image_free(&f);
        }
        fc_subkeys_free(keys);
        fc_slot_map_free(&m);
        fc_image_free(&cont);
    }
    fc_image_free(&cover);
    fc_key_free(k);
}

/* v3's spans by themselves, for random covers (noise, photo-like, flat with a
 * little grain; tiny to photo-sized; with and without side information) and
 * random public bytes, header and body: extraction is exact, every value
 * moves by at most 1, and at a photo's size (spans of 2560 values for 320 bits)
 * STC changes few of a span's values. */
static void test_v3_spans_exact(void) {
    fc_error err;
    const int dims[][2] = {{24, 16}, {48, 40}, {100, 80}, {178, 218}, {301, 203}};
    for (size_t t = 0; t < sizeof dims / sizeof *dims; t++)
        for (int kind = 0; kind < 3; kind++) {
            const int w = dims[t][0], h = dims[t][1];
            const size_t N = (size_t)w * h * 3;
            fc_image cover, im;
            if (kind == 1) photo(&cover, w, h);
            else {
                fc_image_alloc(&cover, w, h, 3, &err);
                for (size_t i = 0; i < N; i++)
                    cover.px[i] = (uint8_t)(kind == 0 ? rnd() : 100 + (i / 3) % 7 + (rnd() % 3 == 0));
            }
            float *u = malloc(N * sizeof *u);
            for (size_t i = 0; i < N; i++) u[i] = (float)cover.px[i] + (float)((int)(rnd() % 1001) - 500) / 1000.0f;
            fc_slot_map m;
            uint8_t key[32], pub[FC_V2_PUBLIC_BYTES], hdr[FC_V2_HEADER_BYTES], p2[FC_V2_PUBLIC_BYTES],
                h2[FC_V2_HEADER_BYTES];
            randombytes_buf(key, sizeof key);
            randombytes_buf(pub, sizeof pub);
            randombytes_buf(hdr, sizeof hdr);
            CHECK(fc_slot_map_v3(&m, w, h, &err) == FC_OK && fc_slot_map_key(&m, key, &err) == FC_OK);
            size_t len = (size_t)(fc_v3_body_slots(N) / 40), span_changes = 0;
            uint8_t *body = malloc(len + 1), *back = malloc(len + 1), *signs = malloc(N / 8 + 1);
            randombytes_buf(body, len + 1);
            randombytes_buf(signs, N / 8 + 1);
            fc_image_alloc(&im, w, h, 3, &err);
            memcpy(im.px, cover.px, N);
            int rc = fc_v3_stc_embed(&im, &m, (t + kind) % 2 ? u : NULL, signs, pub, hdr, body, len, NULL, &err);
            CHECKF(rc == FC_OK, "%dx%d kind %d: %s", w, h, kind, err.msg);
            fc_v3_extract_public(im.px, &m, p2);
            fc_v3_extract_header(im.px, &m, h2);
            CHECK(fc_body_stc_extract(im.px, &m, back, len, &err) == FC_OK);
            CHECKF(!memcmp(p2, pub, sizeof pub) && !memcmp(h2, hdr, sizeof hdr) && !memcmp(back, body, len),
                   "%dx%d kind %d: spans or body differ", w, h, kind);
            /* The public bytes are found from the image alone: a map without a key
             * reads the same. */
            fc_slot_map pm;
            CHECK(fc_slot_map_v3(&pm, w, h, &err) == FC_OK);
            fc_v3_extract_public(im.px, &pm, p2);
            CHECK(!memcmp(p2, pub, sizeof pub));
            fc_slot_map_free(&pm);
            int maxd = 0;
            for (size_t i = 0; i < N; i++) {
                int d = abs((int)im.px[i] - (int)cover.px[i]);
                maxd = d > maxd ? d : maxd;
            }
            for (uint32_t i = 0; i < m.pub; i++) span_changes += im.px[fc_slot_public(&m, i)] != cover.px[fc_slot_public(&m, i)];
            for (uint32_t s = 0; s < m.body0; s++) span_changes += im.px[fc_slot_keyed(&m, s)] != cover.px[fc_slot_keyed(&m, s)];
            CHECKF(maxd <= 1, "%dx%d: a value moved by %d", w, h, maxd);
            /* Rate 1/8 in each 2560-value span: the bound is ~1/40 of the values,
             * STC makes about 10% more. */
            if (m.pub == FC_V3_SPAN_MAX)
                CHECKF(span_changes < (m.pub + m.body0) / 20, "%dx%d kind %d: %zu of %u span values changed", w, h,
                       kind, span_changes, m.pub + m.body0);
            free(body), free(back), free(signs), free(u);
            fc_slot_map_free(&m);
            fc_image_free(&im);
            fc_image_free(&cover);
        }
}

/* Decoys: pictures that hold no container (noise, photo-like, a v2 --dense
 * container, a v3 container under another key), of sizes around the smallest v3
 * and v2 containers and larger, give one code and one message for a key file
 * and for a password, the same as a v3 container under a wrong key. */
static void test_decoys(void) {
    fc_error err;
    fc_key *k = raw_key(21), *other = raw_key(22), *pw = NULL;
    CHECK(fc_key_from_password("decoy pass", 10, &pw, &err) == FC_OK);
    fc_decrypt_opts cheap;
    fc_decrypt_opts_init(&cheap);
    cheap.kdf_presets = 1u << FC_KDF_MINIMAL;
    const int dims[][2] = {{16, 16}, {20, 14}, {24, 24}, {48, 40}, {178, 218}};
    int wrong = 0, tried = 0;
    for (size_t t = 0; t < sizeof dims / sizeof *dims; t++)
        for (int kind = 0; kind < 4; kind++) {
            const int w = dims[t][0], h = dims[t][1];
            fc_image im;
            if (kind == 1) photo(&im, w, h);
            else {
                fc_image_alloc(&im, w, h, 3, &err);
                for (size_t i = 0; i < (size_t)w * h * 3; i++) im.px[i] = (uint8_t)rnd();
            }
            if (kind >= 2) { /* a real container, under `other` */
                fc_image cont;
                fc_encrypt_opts o;
                fc_encrypt_opts_init(&o);
                o.cover = &im;
                o.dense = kind == 2;
                o.kdf_cost = FC_KDF_MINIMAL;
                if (fc_encrypt_buffer((const uint8_t *)"x", 1, "d", &o, other, &cont, NULL, &err) != FC_OK) {
                    fc_image_free(&im);
                    continue; /* too small for this embedding */
                }
                fc_image_free(&im);
                im = cont;
            }
            for (int kk = 0; kk < 2; kk++) {
                uint8_t *d = NULL;
                size_t dl = 0;
                int rc = kk ? fc_decrypt_image_opts(&im, pw, &cheap, &d, &dl, NULL, &err)
                            : fc_decrypt_image(&im, k, &d, &dl, NULL, &err);
                tried++;
                if (rc != FC_EAUTH || d || strcmp(err.msg, FC_MSG_AUTH)) wrong++;
                free(d);
            }
            fc_image_free(&im);
        }
    CHECKF(wrong == 0 && tried >= 30, "%d of %d decoys answered otherwise", wrong, tried);
    fc_key_free(k);
    fc_key_free(other);
    fc_key_free(pw);
}

int main(void) {
    CHECK(sodium_init() >= 0);
    test_sizing();
    test_roundtrip_photo(0, 40, 30);
    test_roundtrip_photo(1, 41, 31);
    test_roundtrip_photo(20000, 660, 660);
    test_every_bit_flip();
    test_forged_headers();
    test_v3_spans_exact();
    test_decoys();
    test_side_info();
    test_distortion();
    /* 600 KB: a 14-megapixel cover near 0.125 bits per channel (the slow one:
     * about 40 s here). */
    test_roundtrip_photo(600000, 3700, 3700);
    return TEST_END();
}
