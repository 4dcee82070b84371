/* Encryption, hiding half: the keyed slot permutation, LSB matching, capacity,
 * container round trips over synthetic covers, and what every kind of damage
 * (each single-bit flip, crop, resize, wrong key) does to decryption. */
#include <sodium.h>
#include <string.h>
#include <time.h>
#include "crypto/keys.h"
#include "facecrypt.h"
#include "stego/cover.h"
#include "stego/body_stc.h"
#include "stego/layout.h"
#include "stego/lsb.h"
#include "stego/perm.h"
#include "stego/slots.h"
#include "testutil.h"
#include "util/rng.h"

static fc_key *raw_key(uint8_t seed) {
    uint8_t raw[32];
    for (int i = 0; i < 32; i++) raw[i] = (uint8_t)(seed * 37 + i);
    fc_key *k = NULL;
    fc_error err;
    fc_key_from_bytes(raw, &k, &err);
    return k;
}

/* Synthetic covers: kind 0 noise, 1 smooth gradient with grain (and saturated 0 and
 * 255 areas).  Both pass fc_cover_check_quality, as a photo does. */
static void make_cover(fc_image *im, int w, int h, int kind, uint64_t seed) {
    fc_error err;
    fc_image_alloc(im, w, h, 3, &err);
    fc_rng r;
    fc_rng_seed(&r, seed);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                int v;
                if (kind == 0) v = (int)(fc_rng_u64(&r) & 255);
                else v = (int)(((x * 300) / (w > 1 ? w - 1 : 1) + c * 40 + y) % 320) - 30 /* clamps to 0 and 255 */
                         + (int)(fc_rng_u64(&r) % 7) - 3;                                /* grain */
                im->px[((size_t)y * w + x) * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
}

static void test_perm(void) {
    fc_error err;
    const uint32_t ns[] = {1, 2, 3, 4, 5, 7, 100, 1000, 4096, 65537, 1000003};
    uint8_t key[32] = {1}, key2[32] = {2};
    for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
        uint32_t n = ns[t];
        fc_perm p, q;
        CHECK(fc_perm_init(&p, n, key, &err) == FC_OK);
        CHECK(fc_perm_init(&q, n, key2, &err) == FC_OK);
        uint8_t *seen = calloc(n, 1);
        int ok = 1;
        uint32_t fixed = 0, same = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t y = fc_perm_apply(&p, i);
            if (y >= n || seen[y]) ok = 0;
            else seen[y] = 1;
            fixed += y == i;
            same += y == fc_perm_apply(&q, i);
        }
        CHECKF(ok, "not a permutation of %u", n);
        /* A random permutation has ~1 fixed point and agrees with another on ~1 place. */
        if (n >= 1000) CHECKF(fixed < 20 && same < 20, "n %u fixed %u same %u", n, fixed, same);
        free(seen);
        fc_perm_free(&p);
        fc_perm_free(&q);
    }
    /* The order scatters: consecutive slots land far apart (mean gap ~ n/3). */
    fc_perm p;
    uint32_t n = 3000000;
    fc_perm_init(&p, n, key, &err);
    double gap = 0;
    for (uint32_t i = 0; i < 10000; i++) {
        int64_t a = fc_perm_apply(&p, i), b = fc_perm_apply(&p, i + 1);
        gap += (double)llabs(a - b);
    }
    gap /= 10000;
    CHECKF(gap > n * 0.3 && gap < n * 0.37, "mean gap %g", gap);
    fc_perm_free(&p);
}

/* The permutation as docs/container-format.md describes it, written again here. */
static uint32_t doc_perm(uint32_t K, const uint8_t key[32], uint32_t s) {
    int n = 0;
    while (((uint64_t)1 << n) < K) n++;
    int a = (n + 1) / 2, b = n / 2;
    size_t total = 0;
    for (int r = 0; r < 8; r++) total += (size_t)2 << (r % 2 ? a : b);
    uint8_t *ks = calloc(total, 1);
    uint8_t nonce[24] = {0};
    crypto_stream_xchacha20(ks, total, nonce, key);
    uint32_t x = s;
    do {
        uint32_t A = x >> b, B = x & ((1u << b) - 1);
        size_t off = 0;
        for (int r = 0; r < 8; r++) {
            int in = r % 2 ? a : b, out = r % 2 ? b : a;
            uint32_t idx = r % 2 ? A : B;
            uint32_t t = (uint32_t)(ks[off + 2 * idx] | ks[off + 2 * idx + 1] << 8) & ((1u << out) - 1);
            if (r % 2) B ^= t;
            else A ^= t;
            off += (size_t)2 << in;
        }
        x = A << b | B;
    } while (x >= K);
    free(ks);
    return x;
}

static void test_perm_doc(void) {
    fc_error err;
    uint8_t key[32];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)(i * 11);
    const uint32_t ns[] = {1, 2, 5, 944, 100003, 3000000};
    for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
        fc_perm p;
        fc_perm_init(&p, ns[t], key, &err);
        int ok = 1;
        for (uint32_t s = 0; s < ns[t] && s < 40; s++) {
            uint32_t x = fc_perm_apply(&p, s);
            if (x != doc_perm(ns[t], key, s) || fc_perm_invert(&p, x) != s) ok = 0;
        }
        CHECKF(ok, "permutation of %u differs from the documented one", ns[t]);
        fc_perm_free(&p);
    }
}

static void test_lsb_match(void) {
    /* Against brute force: the nearest value in 0..255 with the wanted low bits. */
    int ok = 1;
    for (int bits = 1; bits <= 2; bits++)
        for (int v = 0; v < 256; v++)
            for (unsigned t = 0; t < (1u << bits); t++)
                for (int sign = 0; sign < 2; sign++) {
                    int r = fc_lsb_match((uint8_t)v, t, bits, sign);
                    int best = 1000;
                    for (int u = 0; u < 256; u++)
                        if ((unsigned)(u & ((1 << bits) - 1)) == t && abs(u - v) < best) best = abs(u - v);
                    if ((unsigned)(r & ((1 << bits) - 1)) != t || abs(r - v) != best) ok = 0;
                    /* The sign breaks ties: +-1 (1 bit) or +-2 (2 bits) away from the ends. */
                    if (best == bits && v >= 2 && v <= 253 && r != (sign ? v + bits : v - bits)) ok = 0;
                }
    CHECK(ok);
}

/* Slot maps (v1 and v2): public and keyed slots together are every value of
 * the image exactly once, and the raster walk's inverse agrees with them. */
static void test_slot_maps(void) {
    fc_error err;
    uint8_t key[32] = {4};
    const int dims[][2] = {{24, 16}, {7, 33}, {300, 200}};
    for (size_t t = 0; t < sizeof dims / sizeof *dims; t++)
        for (int v = 1; v <= 3; v++) {
            fc_slot_map m;
            const uint64_t W = (uint64_t)dims[t][0], H = (uint64_t)dims[t][1], N = W * H * 3;
            int rc = v == 1 ? fc_slot_map_v1(&m, W, H, &err)
                     : v == 2 ? fc_slot_map_v2(&m, W, H, &err)
                              : fc_slot_map_v3(&m, W, H, &err);
            CHECK(rc == FC_OK && fc_slot_map_key(&m, key, &err) == FC_OK);
            const uint32_t pub = v == 1 ? 208u : v == 2 ? 320u : fc_v3_pub_span(N);
            CHECK(m.channels == N && m.pub == pub && m.keyed == N - m.pub);
            CHECK(m.body0 == (v == 1 ? 0u : v == 2 ? 320u : fc_v3_hdr_span(N)));
            uint32_t *owner = malloc(N * sizeof *owner); /* 1 + public slot, or 1 + pub + keyed slot */
            memset(owner, 0, N * sizeof *owner);
            int ok = 1;
            for (uint32_t i = 0; i < m.pub; i++) {
                uint64_t c = fc_slot_public(&m, i);
                if (c >= N || owner[c]) ok = 0;
                else owner[c] = 1 + i;
            }
            for (uint32_t s = 0; s < m.keyed; s++) {
                uint64_t c = fc_slot_keyed(&m, s);
                if (c >= N || owner[c]) ok = 0;
                else owner[c] = 1 + m.pub + s;
            }
            CHECKF(ok, "v%d %dx%d: the slots are not a partition of the values", v, dims[t][0], dims[t][1]);
            uint32_t sl[256];
            for (uint64_t c0 = 0; c0 < N && ok; c0 += 256) {
                int n = N - c0 < 256 ? (int)(N - c0) : 256;
                fc_slot_map_walk(&m, c0, n, sl);
                for (int k = 0; k < n; k++) {
                    uint32_t o = owner[c0 + (uint64_t)k];
                    if (o <= m.pub ? sl[k] != FC_SLOT_NONE : sl[k] != o - 1 - m.pub) ok = 0;
                }
            }
            CHECKF(ok, "v%d %dx%d: the walk disagrees with the map", v, dims[t][0], dims[t][1]);
            /* v1's public slots are values 0..207; v2's are scattered over the image. */
            if (v == 1) CHECK(fc_slot_public(&m, 0) == 0 && fc_slot_public(&m, 207) == 207);
            else if (N > 100000) {
                uint64_t lo = 0;
                for (uint32_t i = 0; i < m.pub; i++) lo += fc_slot_public(&m, i) < N / 2;
                CHECKF(lo * 2 > m.pub * 4 / 5 && lo * 2 < m.pub * 6 / 5, "v%d public slots in the first half: %llu of %u",
                       v, (unsigned long long)lo, m.pub);
            }
            free(owner);
            fc_slot_map_free(&m);
        }
    /* v2's public slots depend on the size only: same size, same slots; another size, others. */
    fc_slot_map a, b, c;
    fc_slot_map_v2(&a, 300, 200, &err);
    fc_slot_map_v2(&b, 300, 200, &err);
    fc_slot_map_v2(&c, 200, 300, &err);
    int same = 1, other = 0;
    for (uint32_t i = 0; i < 320; i++) {
        same &= fc_slot_public(&a, i) == fc_slot_public(&b, i);
        other += fc_slot_public(&a, i) == fc_slot_public(&c, i);
    }
    CHECK(same && other < 5);
    fc_slot_map_free(&a), fc_slot_map_free(&b), fc_slot_map_free(&c);
    /* Too small for any public header: the reader's one message. */
    CHECK(fc_slot_map_v2(&a, 10, 10, &err) == FC_EAUTH && !strcmp(err.msg, FC_MSG_AUTH));
    CHECK(fc_slot_map_v3(&a, 12, 17, &err) == FC_EAUTH && !strcmp(err.msg, FC_MSG_AUTH)); /* 612 < 640 */
    /* v3's spans: N/16 and (N+8)/16 within 320..2560, never growing at the same N,
     * so the body slots never decrease as the image grows. */
    int mono = 1;
    for (uint64_t N = 600; N < 50000; N++) mono &= fc_v3_body_slots(N + 1) >= fc_v3_body_slots(N);
    CHECK(mono && fc_v3_pub_span(100000) == 2560 && fc_v3_hdr_span(4000) == 320 && fc_v3_pub_span(16000) == 1000);
}

/* Raster and scatter walks embed and extract the same bits at the same places. */
static void test_walks(void) {
    fc_error err;
    uint8_t key[32] = {3};
    const int dims[][2] = {{40, 36}, {170, 150}};
    for (size_t t = 0; t < 2; t++)
        for (int v = 1; v <= 2; v++)
            for (int bits = 1; bits <= 2; bits++) {
                fc_slot_map m;
                if (v == 1) fc_slot_map_v1(&m, (uint64_t)dims[t][0], (uint64_t)dims[t][1], &err);
                else fc_slot_map_v2(&m, (uint64_t)dims[t][0], (uint64_t)dims[t][1], &err);
                fc_slot_map_key(&m, key, &err);
                size_t N = (size_t)m.channels, len = m.keyed * (size_t)bits / 8 / (t + 1) - 3;
                uint8_t *data = malloc(len), *signs = malloc(N / 8 + 1), *a = malloc(N), *b = malloc(N);
                uint8_t *ra = malloc(len), *rb = malloc(len);
                randombytes_buf(data, len);
                randombytes_buf(signs, N / 8 + 1);
                randombytes_buf(a, N);
                memcpy(b, a, N);
                uint64_t slot0 = 24; /* whole bytes at either width */
                fc_lsb_embed_keyed(a, &m, slot0, bits, data, len - 3, signs, FC_WALK_RASTER);
                fc_lsb_embed_keyed(b, &m, slot0, bits, data, len - 3, signs, FC_WALK_SCATTER);
                CHECKF(!memcmp(a, b, N), "embed walks differ v%d n %zu bits %d", v, N, bits);
                fc_lsb_extract_keyed(a, &m, slot0, bits, ra, len - 3, FC_WALK_RASTER);
                fc_lsb_extract_keyed(a, &m, slot0, bits, rb, len - 3, FC_WALK_SCATTER);
                CHECK(!memcmp(ra, data, len - 3) && !memcmp(rb, data, len - 3));
                free(data), free(signs), free(a), free(b), free(ra), free(rb);
                fc_slot_map_free(&m);
            }
}

static void test_capacity(void) {
    /* Body slots (3wh - 320 public - 320 header) * bits / 8 bytes, minus 10 + 16 + name. */
    CHECK(fc_capacity(100, 80, 1, 12) == (24000 - 640) * 1 / 8 - 26 - 12);
    CHECK(fc_capacity(100, 80, 2, 0) == (24000 - 640) * 2 / 8 - 26);
    CHECK(fc_capacity(10, 10, 1, 0) == -1); /* 300 slots: no room */
    CHECK(fc_capacity(16, 16, 1, 0) == -1 && fc_capacity(16, 16, 2, 0) == 6); /* 768 slots */
    CHECK(fc_capacity(0, 10, 1, 0) == -1 && fc_capacity(10, 10, 3, 0) == -1);
    CHECK(fc_channels_needed(0, 0, 1) == 320 + 320 + 8 * 26);
    CHECK(fc_channels_needed(1, 0, 2) == 320 + 320 + 4 * 27);
    /* Exact: a secret of capacity bytes fits, one more does not. */
    fc_error err;
    fc_key *k = raw_key(1);
    fc_image cover, cont;
    const int dims[][3] = {{37, 29, 1}, {37, 29, 2}, {64, 9, 1}, {41, 23, 2}};
    for (size_t t = 0; t < sizeof dims / sizeof *dims; t++) {
        int w = dims[t][0], h = dims[t][1], bits = dims[t][2];
        make_cover(&cover, w, h, 0, t);
        fc_encrypt_opts o;
        fc_encrypt_opts_init(&o);
        o.cover = &cover;
        o.dense = 1; /* mode 0's exact capacity; mode 1: tests/test_stego_stc.c */
        o.bits = bits;
        const char *name = "n.bin";
        int64_t cap = fc_capacity(w, h, bits, strlen(name));
        CHECK(cap > 0);
        uint8_t *s = malloc((size_t)cap + 1);
        randombytes_buf(s, (size_t)cap + 1);
        CHECKF(fc_encrypt_buffer(s, (size_t)cap, name, &o, k, &cont, NULL, &err) == FC_OK, "%dx%d: %s", w, h, err.msg);
        uint8_t *d = NULL;
        size_t dl;
        char *nm = NULL;
        CHECK(fc_decrypt_image(&cont, k, &d, &dl, &nm, &err) == FC_OK && dl == (size_t)cap && !memcmp(d, s, dl) &&
              nm && !strcmp(nm, name));
        free(d);
        free(nm);
        fc_image_free(&cont);
        CHECK(fc_encrypt_buffer(s, (size_t)cap + 1, name, &o, k, &cont, NULL, &err) == FC_ENOFIT && !cont.px);
        CHECK(strstr(err.msg, "at least") != NULL);
        free(s);
        fc_image_free(&cover);
    }
    fc_key_free(k);
    /* The size named in the "does not fit" message is the smallest that fits. */
    uint64_t need = fc_channels_needed(5000, 5, 1);
    CHECK(fc_cover_check_fit(100, 80, need, 1, &err) == FC_ENOFIT);
    int W = 0, H = 0; /* stay 0 (and fail the checks below) when the message names no size */
    const char *m = strstr(err.msg, "at least ");
    CHECK(m && sscanf(m, "at least %dx%d", &W, &H) == 2);
    CHECKF((uint64_t)W * H * 3 >= need && (uint64_t)(W - 1) * (uint64_t)(((W - 1) * 80 + 99) / 100) * 3 < need, "%dx%d", W, H);
    CHECK(fc_capacity(W, H, 1, 5) >= 5000);
}

static void roundtrip(size_t n, int bits, int kind) {
    fc_error err = {0};
    fc_key *k = raw_key(3);
    uint8_t *s = malloc(n + 1);
    randombytes_buf(s, n);
    uint64_t ch = fc_channels_needed(n, 8, bits);
    int side = 1;
    while ((uint64_t)side * (uint64_t)side * 3 < ch + ch / 8) side++; /* about 90% full, not square-exact */
    fc_image cover, cont, cov_out;
    make_cover(&cover, side + 3, side, kind, n);
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &cover;
    o.dense = 1; /* LSB matching (mode 0); mode 1: tests/test_stego_stc.c */
    o.bits = bits;
    int rc = fc_encrypt_buffer(s, n, "file.bin", &o, k, &cont, &cov_out, &err);
    CHECKF(rc == FC_OK, "n %zu: %s", n, err.msg);
    if (rc) return;
    CHECK(cov_out.w == cover.w && cov_out.h == cover.h && !memcmp(cov_out.px, cover.px, (size_t)cover.w * cover.h * 3));
    uint8_t *d;
    size_t dl;
    char *nm;
    rc = fc_decrypt_image(&cont, k, &d, &dl, &nm, &err);
    CHECKF(rc == FC_OK && dl == n && (n == 0 || !memcmp(d, s, n)) && !strcmp(nm, "file.bin"), "n %zu bits %d: %s", n,
           bits, err.msg);
    if (!rc) {
        CHECK(d != NULL);
        free(d);
        free(nm);
    }
    /* LSB matching: each channel moves by at most 1 (1 bit) or 2 (2 bits; 3 only at 0/255),
     * and about half of the used slots change at all. */
    size_t N = (size_t)cover.w * cover.h * 3, changed = 0;
    int maxd = 0, maxd_mid = 0;
    for (size_t i = 0; i < N; i++) {
        int dlt = abs((int)cont.px[i] - (int)cover.px[i]);
        changed += dlt != 0;
        if (dlt > maxd) maxd = dlt;
        if (cover.px[i] >= 3 && cover.px[i] <= 252 && dlt > maxd_mid) maxd_mid = dlt;
    }
    CHECKF(maxd <= (bits == 1 ? 1 : 3) && maxd_mid <= bits, "n %zu bits %d max change %d (%d)", n, bits, maxd, maxd_mid);
    double used = (double)(ch);
    double expect = bits == 1 ? 0.5 : 0.75; /* P(low bits already right) = 1/2 or 1/4 */
    if (n >= 1000 && kind == 0) CHECKF(fabs(changed / used - expect) < 0.05, "changed %zu of %g", changed, used);
    fc_image_free(&cont);
    fc_image_free(&cov_out);
    fc_image_free(&cover);
    free(s);
    fc_key_free(k);
}

static void raw_bytes(uint8_t seed, uint8_t raw[32]) {
    for (int i = 0; i < 32; i++) raw[i] = (uint8_t)(seed * 37 + i);
}

/* How many low bits of each value a v2 key-file encryption uses (0, 1 or bits),
 * from the documented layout and derivation alone: P keyed by BLAKE2b("facecrypt-v2
 * public slots" || w || h) places the 320 public slots; pi keyed by the slot subkey
 * orders the other values; 320 header slots at 1 bit, then the body at `bits`. */
static uint8_t *used_bits(const fc_image *cont, const uint8_t raw[32], const uint8_t salt[16], const uint8_t nonce[24],
                          size_t body, int bits) {
    uint32_t N = (uint32_t)cont->w * (uint32_t)cont->h * 3, K = N - 320;
    uint8_t *u = calloc(N, 1);
    uint8_t msg[64], outer[32], master[32], inner[32];
    memcpy(msg, "facecrypt-v2 public slots", 25);
    for (int i = 0; i < 4; i++) msg[25 + i] = (uint8_t)((uint32_t)cont->w >> (8 * i)), msg[29 + i] = (uint8_t)((uint32_t)cont->h >> (8 * i));
    crypto_generichash(outer, 32, msg, 33, NULL, 0);
    memcpy(msg, "facecrypt-v2 key file", 21);
    memcpy(msg + 21, salt, 16);
    memcpy(msg + 37, nonce, 24);
    crypto_generichash(master, 32, msg, 61, raw, 32);
    crypto_kdf_derive_from_key(inner, 32, 2, "fcrypt02", master);
    for (uint32_t i = 0; i < 320; i++) u[doc_perm(N, outer, i)] = 1;
    /* Keyed slot s is the pi(s)-th value, in raster order, that is not public. */
    uint32_t *rest = malloc(K * sizeof *rest), r = 0;
    for (uint32_t c = 0; c < N; c++)
        if (!u[c]) rest[r++] = c;
    uint64_t slots = 320 + (body * 8 + (size_t)bits - 1) / (size_t)bits;
    for (uint32_t s = 0; s < slots; s++) u[rest[doc_perm(K, inner, s)]] = (uint8_t)(s < 320 ? 1 : bits);
    free(rest);
    return u;
}

/* Every single-bit flip of a small container: in a used bit, authentication
 * fails (exit 3); anywhere else, the secret comes back unchanged. */
static void test_every_bit_flip(int bits) {
    fc_error err;
    fc_key *k = raw_key(5);
    uint8_t raw[32];
    raw_bytes(5, raw);
    fc_image cover, cont;
    make_cover(&cover, 28, 16, 0, 77); /* 1344 slots */
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &cover;
    o.dense = 1; /* mode 0: which bits are used is known here; mode 1: test_stego_stc.c */
    o.bits = bits;
    uint8_t salt[16] = {42}, nonce[24] = {43};
    o.salt = salt;
    o.nonce = nonce;
    const uint8_t secret[] = "flip every bit: the tag must notice";
    size_t n = sizeof secret - 1;
    int rc = fc_encrypt_buffer(secret, n, "f", &o, k, &cont, NULL, &err);
    CHECKF(rc == FC_OK, "%s", err.msg);
    if (rc) return;
    size_t N = (size_t)cont.w * cont.h * 3, body = 10 + 1 + n + 16;
    uint8_t *used = used_bits(&cont, raw, salt, nonce, body, bits);
    size_t n_used = 0, want_auth = 0;
    for (size_t i = 0; i < N; i++) n_used += used[i] != 0, want_auth += used[i];
    CHECK(n_used == 320 + 320 + fc_slots_for_bytes(body, bits) && n_used < N); /* some slots unused */
    /* The changes are exactly in used values (LSB matching, by at most bits). */
    size_t stray = 0;
    for (size_t i = 0; i < N; i++) stray += !used[i] && cont.px[i] != cover.px[i];
    CHECK(stray == 0);
    int wrong = 0, auth = 0, same = 0;
    for (size_t i = 0; i < N; i++)
        for (int b = 0; b < 8; b++) {
            if (b >= bits && b != 7) continue; /* the planes that carry data, and the top one */
            cont.px[i] ^= (uint8_t)(1u << b);
            uint8_t *d = NULL;
            size_t dl;
            int rc = fc_decrypt_image(&cont, k, &d, &dl, NULL, &err);
            cont.px[i] ^= (uint8_t)(1u << b);
            if (b < used[i]) {
                auth += rc == FC_EAUTH;
                if (rc != FC_EAUTH || d || strcmp(err.msg, FC_MSG_AUTH)) wrong++;
            } else {
                int ok = rc == FC_OK && dl == n && !memcmp(d, secret, n);
                same += ok;
                if (!ok) wrong++;
            }
            free(d);
        }
    CHECKF(wrong == 0, "bits %d: %d flips behaved wrongly (%d auth failures, %d unchanged)", bits, wrong, auth, same);
    CHECK((size_t)auth == want_auth && want_auth == 320 + 320 + fc_slots_for_bytes(body, bits) * (size_t)bits);
    free(used);
    fc_image_free(&cont);
    fc_image_free(&cover);
    fc_key_free(k);
}

/* The v1 acceptance rule (its public header: version 1, no reserved flag, a KDF
 * cost within bounds) applied to an image's LSBs: the "20-line detector". */
static int v1_rule(const fc_image *im) {
    uint8_t h[26] = {0};
    for (int j = 0; j < 26; j++)
        for (int t = 0; t < 8; t++) h[j] |= (uint8_t)((im->px[8 * j + t] & 1u) << t);
    uint32_t ops = (uint32_t)h[18] | (uint32_t)h[19] << 8 | (uint32_t)h[20] << 16 | (uint32_t)h[21] << 24;
    uint32_t mem = (uint32_t)h[22] | (uint32_t)h[23] << 8 | (uint32_t)h[24] << 16 | (uint32_t)h[25] << 24;
    if (h[0] != 1 || (h[1] & ~3u)) return 0;
    if (h[1] & 2) return ops == 0 && mem == 0;
    return ops >= 1 && ops <= 4 && mem >= 8 && mem <= (1u << 20);
}

/* Nothing a reader without the key sees is fixed.  For each layout, 200
 * containers of one size (same cover; three key files; empty and non-empty
 * secrets): v3 (the default: the public bytes are the STC syndrome of a span of
 * values), and v2 (--dense at 1 and 2 bits: the LSBs of 320 values).  Every
 * public bit, as that layout's reader computes it, is a fair coin; the v1 rule
 * accepts none; in v2 the container's LSBs differ from the cover's in about
 * half of the public slots, in v3 in fewer (this image is small: its span is
 * 360 values for 320 bits; at the rates of larger images: tests/test_stego_stc.c). */
static void test_public_bits_uniform(void) {
    fc_error err;
    enum { RUNS = 200 };
    fc_image cover;
    make_cover(&cover, 48, 40, 1, 3);
    uint8_t secret[200];
    randombytes_buf(secret, sizeof secret);
    int v1_accepts = 0;
    for (int version = 3; version >= 2; version--) {
        fc_slot_map m;
        CHECK((version == 3 ? fc_slot_map_v3(&m, 48, 40, &err) : fc_slot_map_v2(&m, 48, 40, &err)) == FC_OK);
        int ones[320] = {0};
        uint64_t flips = 0;
        for (int r = 0; r < RUNS; r++) {
            fc_key *k = raw_key((uint8_t)(100 + r % 3)); /* three different key files */
            fc_encrypt_opts o;
            fc_encrypt_opts_init(&o);
            o.cover = &cover;
            /* v3: the default (STC); this picture holds about 1/8 as much there. */
            o.dense = version == 2;
            o.bits = version == 2 ? 1 + r % 2 : 1;
            fc_image cont;
            CHECK(fc_encrypt_buffer(secret, (size_t)(r % 5) * (o.dense ? 40 : 12), "s", &o, k, &cont, NULL, &err) ==
                  FC_OK);
            uint8_t pub[FC_V2_PUBLIC_BYTES];
            if (version == 3) fc_v3_extract_public(cont.px, &m, pub);
            else fc_lsb_extract_public(cont.px, &m, pub, sizeof pub);
            for (uint32_t i = 0; i < 320; i++) ones[i] += (pub[i / 8] >> (i % 8)) & 1;
            for (uint32_t i = 0; i < m.pub; i++) {
                uint64_t c = fc_slot_public(&m, i);
                flips += (cont.px[c] ^ cover.px[c]) & 1;
            }
            v1_accepts += v1_rule(&cont);
            fc_image_free(&cont);
            fc_key_free(k);
        }
        /* Per position ones ~ Bin(200, 1/2): mean 100, sd 7.07; the sum of (c - 100)^2 / 50
         * over the 320 positions is chi-square with 320 degrees of freedom (sd 25.3). */
        double chi2 = 0;
        int worst = 100;
        for (int i = 0; i < 320; i++) {
            chi2 += (ones[i] - 100.0) * (ones[i] - 100.0) / 50.0;
            if (abs(ones[i] - 100) > abs(worst - 100)) worst = ones[i];
        }
        CHECKF(chi2 > 320 - 5 * 25.3 && chi2 < 320 + 5 * 25.3 && abs(worst - 100) <= 38,
               "v%d public bits not uniform: chi-square %.1f (320 dof), worst position %d of 200 ones", version, chi2,
               worst);
        double fr = (double)flips / (RUNS * (double)m.pub);
        if (version == 2) CHECKF(fabs(fr - 0.5) < 0.02, "v2 public LSBs changed from the cover's: %.3f", fr);
        else CHECKF(fr < 0.45, "v3: %.3f of the public span's LSBs changed", fr); /* rate 320/360 here */
        fc_slot_map_free(&m);
    }
    CHECKF(v1_accepts == 0, "the v1 rule accepts %d of 400 v2 and v3 containers", v1_accepts);
    /* The same statistics see a fixed bit at once: the v1 header of a forged image. */
    fc_slot_map v1;
    fc_slot_map_v1(&v1, 48, 40, &err);
    uint8_t hdr[26] = {1, 2}, signs[26] = {0};
    fc_image f;
    make_cover(&f, 48, 40, 0, 1);
    fc_lsb_embed_public(f.px, &v1, hdr, 26, signs);
    CHECK(v1_rule(&f) == 1);
    fc_image_free(&f);
    fc_slot_map_free(&v1);
    fc_image_free(&cover);
}

static void test_damage(void) {
    fc_error err;
    fc_key *k = raw_key(7), *other = raw_key(8), *pw = NULL;
    fc_key_from_password("correct horse", 13, &pw, &err);
    fc_image cover, cont, bad;
    make_cover(&cover, 120, 90, 1, 5);
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    o.cover = &cover;
    o.dense = 1; /* 3000 bytes in 120x90 (mode 1's damage: test_stego_stc.c) */
    uint8_t secret[3000];
    randombytes_buf(secret, sizeof secret);
    CHECK(fc_encrypt_buffer(secret, sizeof secret, "s", &o, k, &cont, NULL, &err) == FC_OK);
    uint8_t *d = NULL;
    size_t dl;
    CHECK(fc_decrypt_image(&cont, k, &d, &dl, NULL, &err) == FC_OK && dl == sizeof secret);
    free(d);
    d = NULL;
    /* Wrong key, or a password for a key-file container: FC_EAUTH, nothing returned. */
    CHECK(fc_decrypt_image(&cont, other, &d, &dl, NULL, &err) == FC_EAUTH && !d);
    fc_decrypt_opts cheap;
    fc_decrypt_opts_init(&cheap);
    cheap.kdf_presets = 1u << FC_KDF_MINIMAL; /* spare the real presets' seconds */
    CHECK(fc_decrypt_image_opts(&cont, pw, &cheap, &d, &dl, NULL, &err) == FC_EAUTH && !d);
    /* Crops: one column, one row, a corner block; resizes up and down. */
    const int crops[][4] = {{0, 0, 119, 90}, {0, 0, 120, 89}, {1, 0, 119, 90}, {0, 1, 120, 89}, {10, 10, 100, 70}};
    for (size_t t = 0; t < sizeof crops / sizeof *crops; t++) {
        int x0 = crops[t][0], y0 = crops[t][1], w = crops[t][2], h = crops[t][3];
        fc_image_alloc(&bad, w, h, 3, &err);
        for (int y = 0; y < h; y++) memcpy(bad.px + (size_t)y * w * 3, cont.px + ((size_t)(y + y0) * 120 + x0) * 3, (size_t)w * 3);
        CHECKF(fc_decrypt_image(&bad, k, &d, &dl, NULL, &err) == FC_EAUTH && !d, "crop %zu", t);
        fc_image_free(&bad);
    }
    const int sizes[][2] = {{240, 180}, {119, 89}, {60, 45}, {121, 90}};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        CHECK(fc_image_resize(&cont, sizes[t][0], sizes[t][1], &bad, &err) == FC_OK);
        CHECKF(fc_decrypt_image(&bad, k, &d, &dl, NULL, &err) == FC_EAUTH && !d, "resize %zu", t);
        fc_image_free(&bad);
    }
    /* Tiny images, a grey image, random images: never a crash, never FC_OK. */
    fc_image_alloc(&bad, 3, 3, 3, &err);
    CHECK(fc_decrypt_image(&bad, k, &d, &dl, NULL, &err) == FC_EAUTH);
    fc_image_free(&bad);
    fc_image_alloc(&bad, 100, 100, 1, &err);
    CHECK(fc_decrypt_image(&bad, k, &d, &dl, NULL, &err) == FC_EINPUT);
    fc_image_free(&bad);
    int fails = 0, same_msg = 0;
    fc_slot_map v1;
    for (int t = 0; t < 200; t++) {
        make_cover(&bad, 30 + t % 7, 20 + t % 5, 0, 1000 + t);
        /* Force a v1 public header half of the time (a key-file one: then the v1
         * reader derives a key and its tag decides, and v2 is tried after it). */
        if (t % 2) {
            uint8_t hdr[FC_V1_PUBLIC_BYTES] = {1, 2};
            uint8_t signs[FC_V1_PUBLIC_BYTES] = {0};
            fc_slot_map_v1(&v1, (uint64_t)bad.w, (uint64_t)bad.h, &err);
            fc_lsb_embed_public(bad.px, &v1, hdr, FC_V1_PUBLIC_BYTES, signs);
            fc_slot_map_free(&v1);
        }
        fails += fc_decrypt_image(&bad, k, &d, &dl, NULL, &err) == FC_EAUTH && !d;
        same_msg += !strcmp(err.msg, FC_MSG_AUTH);
        fc_image_free(&bad);
    }
    CHECK(fails == 200 && same_msg == 200);
    /* Two encryptions of the same secret differ (salt, nonce, signs), and with a
     * fixed salt and nonce they are identical. */
    fc_image c2;
    CHECK(fc_encrypt_buffer(secret, sizeof secret, "s", &o, k, &c2, NULL, &err) == FC_OK);
    size_t N = (size_t)120 * 90 * 3, diff = 0;
    for (size_t i = 0; i < N; i++) diff += c2.px[i] != cont.px[i];
    CHECKF(diff > N / 4, "only %zu channels differ", diff);
    fc_image_free(&c2);
    uint8_t salt[16] = {1}, nonce[24] = {2};
    o.salt = salt;
    o.nonce = nonce;
    fc_image c3;
    CHECK(fc_encrypt_buffer(secret, sizeof secret, "s", &o, k, &c2, NULL, &err) == FC_OK);
    CHECK(fc_encrypt_buffer(secret, sizeof secret, "s", &o, k, &c3, NULL, &err) == FC_OK);
    CHECK(!memcmp(c2.px, c3.px, N));
    fc_image_free(&c2);
    fc_image_free(&c3);

    /* Password containers (the minimal preset: tests only), 1 and 2 bits: round
     * trip; a wrong password, a key file, and the same image without a container
     * all give one code and one message. */
    fc_key *pw2;
    fc_key_from_password("correct horsf", 13, &pw2, &err);
    o.salt = o.nonce = NULL;
    o.kdf_cost = FC_KDF_MINIMAL;
    for (int bits = 1; bits <= 2; bits++) {
        o.bits = bits;
        CHECK(fc_encrypt_buffer(secret, 100, "p", &o, pw, &c2, NULL, &err) == FC_OK);
        CHECK(fc_decrypt_image(&c2, pw, &d, &dl, NULL, &err) == FC_OK && dl == 100 && !memcmp(d, secret, 100));
        free(d);
        d = NULL;
        char msgs[4][sizeof err.msg];
        int codes[4];
        codes[0] = fc_decrypt_image_opts(&c2, pw2, &cheap, &d, &dl, NULL, &err);
        snprintf(msgs[0], sizeof msgs[0], "%s", err.msg);
        codes[1] = fc_decrypt_image(&c2, k, &d, &dl, NULL, &err);
        snprintf(msgs[1], sizeof msgs[1], "%s", err.msg);
        codes[2] = fc_decrypt_image_opts(&cover, pw, &cheap, &d, &dl, NULL, &err); /* no container */
        snprintf(msgs[2], sizeof msgs[2], "%s", err.msg);
        codes[3] = fc_decrypt_image(&cover, k, &d, &dl, NULL, &err);
        snprintf(msgs[3], sizeof msgs[3], "%s", err.msg);
        for (int i = 0; i < 4; i++)
            CHECKF(codes[i] == FC_EAUTH && !strcmp(msgs[i], FC_MSG_AUTH) && !d, "case %d: %d \"%s\"", i, codes[i],
                   msgs[i]);
        /* A reader told to try only the dearer presets does not find it. */
        fc_decrypt_opts dear;
        fc_decrypt_opts_init(&dear);
        dear.kdf_presets = 1u << FC_KDF_INTERACTIVE;
        CHECK(fc_decrypt_image_opts(&c2, pw, &dear, &d, &dl, NULL, &err) == FC_EAUTH && !d);
        fc_image_free(&c2);
    }
    /* A forged v1 cost above libsodium's sensitive preset (4 passes, 1 GiB) is
     * refused before any key derivation: 16 passes over 1 GiB would cost 25 s and
     * 1 GiB of memory per attempt. */
    const uint32_t forged[][2] = {{16, 1u << 20}, {5, 64}, {4, (1u << 20) + 1}, {0xffffffffu, 0xffffffffu}};
    for (size_t t = 0; t < sizeof forged / sizeof *forged; t++) {
        uint8_t fh[FC_V1_PUBLIC_BYTES] = {1, 0}, signs[FC_V1_PUBLIC_BYTES] = {0};
        for (int i = 0; i < 4; i++) {
            fh[18 + i] = (uint8_t)(forged[t][0] >> (8 * i));
            fh[22 + i] = (uint8_t)(forged[t][1] >> (8 * i));
        }
        fc_image f2;
        make_cover(&f2, 64, 64, 0, 99);
        fc_slot_map_v1(&v1, 64, 64, &err);
        fc_lsb_embed_public(f2.px, &v1, fh, FC_V1_PUBLIC_BYTES, signs);
        fc_slot_map_free(&v1);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = fc_decrypt_image_opts(&f2, pw, &cheap, &d, &dl, NULL, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        CHECKF(rc == FC_EAUTH && !d && !strcmp(err.msg, FC_MSG_AUTH) && secs < 2.0,
               "forged cost ops %u mem %u KiB: rc %d in %.2f s, \"%s\"", forged[t][0], forged[t][1], rc, secs,
               err.msg);
        fc_image_free(&f2);
    }
    fc_key_free(pw2);
    fc_image_free(&cont);
    fc_image_free(&cover);
    fc_key_free(k);
    fc_key_free(other);
    fc_key_free(pw);
}

static void test_face_grid(void) {
    /* Smallest near-square grid: it holds the slots, one row or column fewer does not. */
    const uint64_t needs[] = {1, 12288, 12289, 100000, 5000000};
    for (size_t t = 0; t < sizeof needs / sizeof *needs; t++)
        for (int s = 1; s <= 4; s++) {
            int c, r;
            fc_face_grid_shape(needs[t], s, &c, &r);
            uint64_t face = (uint64_t)64 * s * 64 * s * 3;
            CHECK(r == c || r == c - 1);
            CHECK((uint64_t)c * r * face >= needs[t]);
            uint64_t smaller = r == c ? (uint64_t)c * (c - 1) : (uint64_t)(c - 1) * (c - 1);
            CHECK(smaller * face < needs[t]);
        }
    CHECK(fc_face_scale_auto(100) == 1);
    CHECK(fc_face_scale_auto((uint64_t)64 * 12288 * 9) == 3 && fc_face_scale_auto((uint64_t)64 * 12288 * 9 + 1) == 4);
    int c, r, s;
    fc_face_cover_shape(100000, 10, 1, 0, &c, &r, &s);
    CHECK(s >= 1 && s <= 4 && c * r <= FC_AUTO_FACES_MAX);
    CHECK((uint64_t)c * r * 64 * s * 64 * s * 3 >= fc_channels_needed(100000, 10, 1));
}

/* Degenerate covers are refused before any key work (FC_EINPUT, with the reason):
 * hiding bits in them would show.  Photos and noise, even small ones, pass. */
static void test_cover_quality(void) {
    fc_error err;
    fc_key *k = raw_key(11);
    uint8_t secret[40] = {7};
    enum { W = 96, H = 64 };
    struct {
        const char *what, *reason; /* reason: NULL = accepted */
    } cases[] = {
        {"flat grey", "grey"},        {"grey photo", "grey"},        {"flat colour", "flat"},
        {"enlarged 8x", "flat"},      {"1-bit colour", "distinct"},   {"8-level palette", "distinct"},
        {"combed histogram", "distinct"}, {"noise", NULL},             {"gradient with grain", NULL},
        {"small noise 24x14", NULL},  {"colour with grey quarter", NULL},
    };
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        fc_image c;
        fc_rng r;
        fc_rng_seed(&r, 1000 + t);
        if (t == 9) make_cover(&c, 24, 14, 0, 5);
        else if (t == 8) make_cover(&c, W, H, 1, 5);
        else if (t == 7) make_cover(&c, W, H, 0, 5);
        else {
            fc_image_alloc(&c, W, H, 3, &err);
            for (size_t i = 0; i < (size_t)W * H; i++) {
                uint8_t *p = c.px + 3 * i;
                int x = (int)(i % W), y = (int)(i / W);
                uint64_t u = fc_rng_u64(&r);
                switch (t) {
                case 0: p[0] = p[1] = p[2] = 128; break;
                case 1: p[0] = p[1] = p[2] = (uint8_t)(x * 2 + y + (int)(u % 9)); break;
                case 2: p[0] = 200, p[1] = 100, p[2] = 50; break;
                case 3: /* a noise picture enlarged 8 times by pixel repetition */
                    for (int ch = 0; ch < 3; ch++) p[ch] = (uint8_t)(((x / 8) * 37 + (y / 8) * 91 + ch * 55) * 13);
                    break;
                case 4: for (int ch = 0; ch < 3; ch++) p[ch] = (u >> ch) & 1 ? 255 : 0; break;
                case 5: for (int ch = 0; ch < 3; ch++) p[ch] = (uint8_t)(((u >> (8 * ch)) % 8) * 36); break;
                case 6: /* noise with every odd value missing (a stretched histogram) */
                    for (int ch = 0; ch < 3; ch++) p[ch] = (uint8_t)((u >> (8 * ch)) & 0xfe);
                    break;
                case 10: /* noise, a quarter of it grey */
                    for (int ch = 0; ch < 3; ch++) p[ch] = (uint8_t)(u >> (8 * ch));
                    if (x < W / 2 && y < H / 2) p[1] = p[2] = p[0];
                    break;
                }
            }
        }
        for (int bits = 1; bits <= 2; bits++) {
            fc_encrypt_opts o;
            fc_encrypt_opts_init(&o);
            o.cover = &c;
            o.dense = 1; /* small covers: the quality check is the same for both embeddings */
            o.bits = bits;
            fc_image cont = {0};
            err.msg[0] = 0;
            int rc = fc_encrypt_buffer(secret, t == 9 ? 1 : sizeof secret, "s", &o, k, &cont, NULL, &err);
            int q = fc_cover_check_quality(&c, bits, &err);
            if (cases[t].reason)
                CHECKF(rc == FC_EINPUT && q == FC_EINPUT && strstr(err.msg, cases[t].reason) && !cont.px,
                       "%s, %d bit: rc %d, \"%s\"", cases[t].what, bits, rc, err.msg);
            else
                CHECKF(rc == FC_OK && q == FC_OK, "%s, %d bit: rc %d, \"%s\"", cases[t].what, bits, rc, err.msg);
            fc_image_free(&cont);
        }
        fc_image_free(&c);
    }
    fc_key_free(k);
}

int main(void) {
    CHECK(sodium_init() >= 0);
    test_perm();
    test_perm_doc();
    test_lsb_match();
    test_slot_maps();
    test_walks();
    test_capacity();
    test_cover_quality();
    const size_t sizes[] = {0, 1, 15, 16, 1000, 100000, 3u << 20};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        roundtrip(sizes[t], 1, (int)(t % 2));
        roundtrip(sizes[t], 2, (int)((t + 1) % 2));
    }
    {
        /* Sparse: a small secret in a large cover (the scatter walk); only the
         * public header and the used slots change. */
        fc_error err;
        fc_key *k = raw_key(9);
        fc_image cover, cont;
        make_cover(&cover, 640, 480, 0, 99);
        fc_encrypt_opts o;
        fc_encrypt_opts_init(&o);
        o.cover = &cover;
        o.bits = 2; /* implies dense (mode 0) */
        uint8_t s[777];
        randombytes_buf(s, sizeof s);
        CHECK(fc_encrypt_buffer(s, sizeof s, "x", &o, k, &cont, NULL, &err) == FC_OK);
        uint8_t *d = NULL;
        size_t dl, changed = 0, N = (size_t)640 * 480 * 3;
        CHECK(fc_decrypt_image(&cont, k, &d, &dl, NULL, &err) == FC_OK && dl == sizeof s && !memcmp(d, s, dl));
        for (size_t i = 0; i < N; i++) changed += cont.px[i] != cover.px[i];
        CHECKF(changed <= FC_V2_PUBLIC_SLOTS + FC_V2_HEADER_SLOTS + fc_slots_for_bytes(10 + 1 + sizeof s + 16, 2) &&
                   changed > 1000, "changed %zu", changed);
        free(d);
        fc_image_free(&cont);
        fc_image_free(&cover);
        fc_key_free(k);
    }
    test_every_bit_flip(1);
    test_every_bit_flip(2);
    test_public_bits_uniform();
    test_damage();
    test_face_grid();
    return TEST_END();
}
