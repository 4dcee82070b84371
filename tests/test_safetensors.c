/* safetensors: half-precision conversion against an independent reference, F32/F16
 * round trips through real files, a file written by PyTorch's conversions
 * (tests/data/torch_small.safetensors, from tools/make_safetensors_vector.py), and
 * malformed inputs that must all fail with FC_EINPUT and never crash. */
#include "testutil.h"
#include "model/safetensors.h"
#include "util/fileio.h"
#include "util/rng.h"
#include <string.h>
#include <unistd.h>

static uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static float bitsf(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Nearest half to x (ties to even) computed in double arithmetic, as a float. */
static float ref_half(float x) {
    if (isnan(x)) return x;
    double a = fabs((double)x);
    if (a == 0) return x;
    int e;
    frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) -> leading bit 2^(e-1) */
    int lead = e - 1;
    if (lead < -14) lead = -14; /* subnormal: fixed ulp 2^-24 */
    double ulp = ldexp(1.0, lead - 10);
    double q = nearbyint(a / ulp) * ulp; /* default rounding mode: to nearest even */
    if (q > 65504.0) q = INFINITY;
    return (float)copysign(q, x);
}

/* Nearest bfloat16 to x (ties to even), computed with frexp/ldexp in double arithmetic. */
static float ref_bf16(float x) {
    if (x == 0 || isinf(x)) return x;
    int e;
    double m = frexp((double)x, &e); /* |m| in [0.5, 1): 8 significant bits = m * 2^8 */
    double q = m * 256.0, r = nearbyint(q); /* default rounding mode: ties to even */
    return (float)ldexp(r / 256.0, e);
}

/* BF16 (the resume state's Adam moments): round to nearest even over the whole float range,
 * written and read back through a file. */
static void test_bf16(const char *dir) {
    static const float v[] = {1.0f / 3.0f, -2.5f, 1e-30f, 3e38f, 1.0f + 0x1p-8f, 1.0f + 0x3p-8f, -0.0f, 0x1p-126f};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        float got = fc_bf16_to_f32(fc_f32_to_bf16(v[i]));
        CHECKF(got == ref_bf16(v[i]), "bf16(%g) = %g, want %g", v[i], got, ref_bf16(v[i]));
    }
    CHECK(fc_f32_to_bf16(1.0f + 0x1p-8f) == 0x3f80);  /* tie to even: down */
    CHECK(fc_f32_to_bf16(1.0f + 0x3p-8f) == 0x3f82);  /* tie to even: up */
    CHECK(isinf(fc_bf16_to_f32(fc_f32_to_bf16(3.4e38f)))); /* rounds past the largest bf16 */
    CHECK(isnan(fc_bf16_to_f32(fc_f32_to_bf16(NAN))));
    fc_rng rng;
    fc_rng_seed(&rng, 5);
    enum { N = 20000 };
    float *x = malloc(N * sizeof(float)), *y = malloc(N * sizeof(float));
    int bad = 0;
    for (int i = 0; i < N; i++) {
        uint32_t bits = (uint32_t)fc_rng_u64(&rng);
        if ((bits & 0x7f800000u) == 0x7f800000u) bits &= ~0x00800000u; /* no inf/NaN here */
        if ((bits & 0x7f800000u) == 0) bits |= 0x00800000u;           /* nor subnormals (fewer bits) */
        memcpy(&x[i], &bits, 4);
    }
    uint64_t sh[1] = {N};
    fc_st_entry e = {.name = "m", .ndim = 1, .shape = sh, .data = x, .dtype = FC_ST_BF16};
    char path[4200];
    snprintf(path, sizeof path, "%s/bf16.safetensors", dir);
    fc_error err = {0};
    fc_st_file *f = NULL;
    CHECK(fc_st_write(path, &e, 1, NULL, 0, 1, &err) == FC_OK);
    CHECK(fc_st_open(path, 0, &f, &err) == FC_OK);
    if (f) {
        const fc_st_tensor *t = fc_st_find(f, "m");
        CHECK(t && t->dtype == FC_ST_BF16 && t->end - t->begin == 2 * N);
        CHECK(fc_st_get_f32(f, "m", 1, sh, y, &err) == FC_OK);
        for (int i = 0; i < N; i++) bad += !(y[i] == ref_bf16(x[i]));
        fc_st_close(f);
    }
    CHECKF(bad == 0, "%d of %d BF16 values wrong", bad, N);
    free(x), free(y);
}

static void test_half(void) {
    static const float v[] = {1.0f / 3.0f, -2.5f, 65504.0f, 65519.0f, 65520.0f, 1e-7f, 0x1p-24f, 0x1p-25f,
                              0x3p-26f, -0.0f, INFINITY, 0.1f, 1.0f + 0x1p-11f, 1.0f + 0x3p-11f};
    /* Bit patterns worked out by hand (and matching torch.half()). */
    static const uint16_t want[] = {0x3555, 0xC100, 0x7BFF, 0x7BFF, 0x7C00, 0x0002, 0x0001,
                                    0x0000, 0x0001, 0x8000, 0x7C00, 0x2E66, 0x3C00, 0x3C02};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECKF(fc_f32_to_f16(v[i]) == want[i], "f16(%g) = 0x%04x, want 0x%04x", v[i], fc_f32_to_f16(v[i]), want[i]);
    CHECK(fc_f32_to_f16(-INFINITY) == 0xFC00);
    CHECK((fc_f32_to_f16(NAN) & 0x7C00) == 0x7C00 && (fc_f32_to_f16(NAN) & 0x3FF) != 0);
    CHECK(isnan(fc_f16_to_f32(0x7E00)));
    CHECK(fc_f16_to_f32(0x0001) == 0x1p-24f);
    CHECK(fc_f16_to_f32(0x03FF) == 0x3FFp-24f);
    CHECK(fc_f16_to_f32(0xC100) == -2.5f);
    CHECK(fc_bf16_to_f32(0x3EAB) == 0.333984375f);

    /* Every half survives half -> float -> half; NaNs stay NaN. */
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = fc_f16_to_f32((uint16_t)h);
        uint16_t back = fc_f32_to_f16(f);
        if (((h & 0x7C00) == 0x7C00) && (h & 0x3FF)) bad += !isnan(f) || (back & 0x7C00) != 0x7C00 || !(back & 0x3FF);
        else bad += back != h;
    }
    CHECKF(bad == 0, "%d halves did not round-trip", bad);

    /* Random floats over the whole half range, and values right at rounding ties. */
    fc_rng r;
    fc_rng_seed(&r, 7);
    int mism = 0;
    for (int i = 0; i < 1000000; i++) {
        float x;
        if (i % 2) {
            /* exponent in the half range +- a few, random mantissa */
            uint32_t e = 127 - 28 + (uint32_t)fc_rng_below(&r, 46);
            x = bitsf((uint32_t)(fc_rng_u64(&r) & 0x807FFFFF) | e << 23);
        } else {
            /* a half value plus exactly half an ulp (a tie), or one float ulp either side */
            uint16_t h = (uint16_t)fc_rng_below(&r, 0x7BFF);
            float lo = fc_f16_to_f32(h), hi = fc_f16_to_f32((uint16_t)(h + 1));
            float mid = (float)(((double)lo + hi) / 2);
            int k = (int)fc_rng_below(&r, 3) - 1;
            x = bitsf(fbits(mid) + (uint32_t)k);
        }
        float got = fc_f16_to_f32(fc_f32_to_f16(x)), want1 = ref_half(x);
        if (fbits(got) != fbits(want1)) {
            if (mism < 5) fprintf(stderr, "f16 rounding of %a: got %a want %a\n", x, got, want1);
            mism++;
        }
    }
    CHECKF(mism == 0, "%d of 1e6 random floats rounded differently from the reference", mism);
}

/* ---- round trips -------------------------------------------------------------- */
static void fill(float *x, size_t n, uint64_t seed) {
    fc_rng r;
    fc_rng_seed(&r, seed);
    fc_rng_fill_normal(&r, x, n, 0.0f, 3.0f);
}

static void test_roundtrip(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/rt.safetensors", dir);
    enum { NW = 5 * 7 * 3 * 2, NB = 7, NH = 64 };
    static float w[NW], b[NB], h[NH], sc[1] = {-1.25f};
    fill(w, NW, 1);
    fill(b, NB, 2);
    fill(h, NH, 3);
    /* Halves that need rounding, overflow, subnormals, specials. */
    h[0] = 1.0f / 3.0f;
    h[1] = 70000.0f;
    h[2] = -INFINITY;
    h[3] = 3e-6f;
    h[4] = 0x1p-25f;
    h[5] = 1.0f + 0x1p-11f;
    h[6] = -0.0f;
    w[0] = INFINITY;
    w[1] = 1e-40f; /* float subnormal, stored exactly in F32 */
    uint64_t sw[4] = {5, 7, 3, 2}, sb[1] = {NB}, sh[2] = {8, 8}, se[2] = {0, 4};
    fc_st_entry e[] = {
        {.name = "z.weight", .ndim = 4, .shape = sw, .data = w, .dtype = FC_ST_F32},
        {.name = "a.bias", .ndim = 1, .shape = sb, .data = b, .dtype = FC_ST_F32},
        {.name = "half", .ndim = 2, .shape = sh, .data = h, .dtype = FC_ST_F16},
        {.name = "scalar", .ndim = 0, .shape = NULL, .data = sc, .dtype = FC_ST_F32},
        {.name = "empty", .ndim = 2, .shape = se, .data = NULL, .dtype = FC_ST_F16},
    };
    const char *meta[] = {"step", "1234", "arch", "seed", "weird \"key\"\n", "caf\xc3\xa9\t\x01"};
    fc_error err = {0};
    int rc = fc_st_write(path, e, 5, meta, 3, 0, &err);
    CHECKF(rc == FC_OK, "write: %s", err.msg);

    for (int mm = 0; mm < 2; mm++) {
        fc_st_file *f = NULL;
        rc = fc_st_open(path, mm, &f, &err);
        CHECKF(rc == FC_OK, "open (mmap=%d): %s", mm, err.msg);
        if (rc) continue;
        CHECK(fc_st_count(f) == 5);
        /* Data order: F32 tensors by name, then F16 by name (as the Rust writer). */
        const char *order[] = {"a.bias", "scalar", "z.weight", "empty", "half"};
        for (int i = 0; i < 5; i++)
            CHECKF(strcmp(fc_st_at(f, (size_t)i)->name, order[i]) == 0, "tensor %d is %s", i, fc_st_at(f, (size_t)i)->name);
        CHECK(fc_st_at(f, 0)->begin == 0);
        CHECK(fc_st_find(f, "nope") == NULL);
        CHECK(strcmp(fc_st_meta(f, "step"), "1234") == 0);
        CHECK(strcmp(fc_st_meta(f, "arch"), "seed") == 0);
        CHECK(fc_st_meta(f, "weird \"key\"\n") && strcmp(fc_st_meta(f, "weird \"key\"\n"), "caf\xc3\xa9\t\x01") == 0);
        CHECK(fc_st_meta(f, "nope") == NULL);
        CHECK(fc_st_meta_count(f) == 3);

        float w2[NW], b2[NB], h2[NH], s2[1];
        CHECK(fc_st_get_f32(f, "z.weight", 4, sw, w2, &err) == FC_OK);
        CHECK(memcmp(w, w2, sizeof w) == 0);
        CHECK(fc_st_get_f32(f, "a.bias", 1, sb, b2, &err) == FC_OK);
        CHECK(memcmp(b, b2, sizeof b) == 0);
        CHECK(fc_st_get_f32(f, "scalar", 0, NULL, s2, &err) == FC_OK && s2[0] == -1.25f);
        const fc_st_tensor *ht = fc_st_find(f, "half");
        CHECK(ht && ht->dtype == FC_ST_F16 && ht->numel == NH && ht->end - ht->begin == 2 * NH);
        CHECK(fc_st_get_f32(f, "half", 2, sh, h2, &err) == FC_OK);
        int hb = 0;
        for (int i = 0; i < NH; i++) {
            float want = ref_half(h[i]);
            hb += fbits(h2[i]) != fbits(want);
            if (fabsf(h[i]) > 1e-4f && fabsf(h[i]) < 60000.0f) hb += fabsf(h2[i] - h[i]) > fabsf(h[i]) * 0x1p-11f;
        }
        CHECKF(hb == 0, "%d F16 values wrong", hb);
        CHECK(h2[0] == 0.333251953125f && isinf(h2[1]) && h2[2] == -INFINITY && h2[4] == 0.0f && h2[5] == 1.0f);
        CHECK(h2[3] == ref_half(3e-6f) && h2[3] != 0 && h2[3] < 0x1p-14f); /* a half subnormal */
        CHECK(signbit(h2[6]));
        const fc_st_tensor *et = fc_st_find(f, "empty");
        CHECK(et && et->numel == 0 && et->begin == et->end);
        /* Shape mismatch is reported. */
        uint64_t wrong[4] = {5, 7, 2, 3};
        rc = fc_st_get_f32(f, "z.weight", 4, wrong, w2, &err);
        CHECK(rc == FC_EINPUT && strstr(err.msg, "[5,7,3,2]") && strstr(err.msg, "[5,7,2,3]"));
        CHECK(fc_st_get_f32(f, "missing", 1, sb, b2, &err) == FC_EINPUT);
        fc_st_close(f);
    }

    /* The header is padded to 8 and the file size adds up. */
    uint8_t *raw;
    size_t len;
    CHECK(fc_read_file(path, 1 << 20, &raw, &len, &err) == FC_OK);
    uint64_t hl = 0;
    for (int k = 7; k >= 0; k--) hl = hl << 8 | raw[k];
    CHECK(hl % 8 == 0);
    CHECK(len == 8 + hl + 4 * (NW + NB + 1) + 2 * NH);
    CHECK(raw[8] == '{' && raw[8 + hl - 1] == ' ' ? 1 : raw[8 + hl - 1] == '}');
    /* The in-memory serialisation is the same bytes. */
    uint8_t *mem;
    size_t mlen;
    CHECK(fc_st_serialize(e, 5, meta, 3, &mem, &mlen, &err) == FC_OK);
    CHECK(mlen == len && memcmp(mem, raw, len) == 0);
    free(mem);

    /* No overwrite without permission; the original stays. */
    rc = fc_st_write(path, e, 2, NULL, 0, 0, &err);
    CHECK(rc == FC_EUSAGE);
    uint8_t *raw2;
    size_t len2;
    CHECK(fc_read_file(path, 1 << 20, &raw2, &len2, &err) == FC_OK && len2 == len && memcmp(raw, raw2, len) == 0);
    free(raw2);
    rc = fc_st_write(path, e, 2, NULL, 0, 1, &err);
    CHECKF(rc == FC_OK, "overwrite: %s", err.msg);
    fc_st_file *f = NULL;
    CHECK(fc_st_open(path, 1, &f, &err) == FC_OK && fc_st_count(f) == 2 && fc_st_meta_count(f) == 0);
    fc_st_close(f);
    free(raw);

    /* Writer refuses duplicates (also across dtypes) and leaves nothing behind. */
    char p2[4096];
    snprintf(p2, sizeof p2, "%s/dup.safetensors", dir);
    fc_st_entry d[2] = {e[1], e[1]};
    d[1].dtype = FC_ST_F16;
    CHECK(fc_st_write(p2, d, 2, NULL, 0, 1, &err) != FC_OK);
    CHECK(!fc_file_exists(p2));
    const char *dm[] = {"k", "1", "k", "2"};
    CHECK(fc_st_write(p2, e, 1, dm, 2, 1, &err) != FC_OK);
    CHECK(!fc_file_exists(p2));
    fc_st_entry bad = e[1];
    bad.name = "__metadata__";
    CHECK(fc_st_write(p2, &bad, 1, NULL, 0, 1, &err) != FC_OK);
    /* An empty file (no tensors, no metadata) is valid. */
    CHECK(fc_st_write(p2, NULL, 0, NULL, 0, 1, &err) == FC_OK);
    CHECK(fc_st_open(p2, 0, &f, &err) == FC_OK && fc_st_count(f) == 0);
    fc_st_close(f);
}

/* ---- the PyTorch-made vector ------------------------------------------------------ */
static void test_torch_vector(void) {
    fc_st_file *f = NULL;
    fc_error err = {0};
    int rc = fc_st_open("tests/data/torch_small.safetensors", 1, &f, &err);
    CHECKF(rc == FC_OK, "torch_small: %s", err.msg);
    if (rc) return;
    CHECK(fc_st_count(f) == 9);
    CHECK(fc_st_meta(f, "format") && strcmp(fc_st_meta(f, "format"), "pt") == 0);
    CHECK(fc_st_meta(f, "quote\"key") && strcmp(fc_st_meta(f, "quote\"key"), "line\nbreak\ttab") == 0);

    float a[24];
    uint64_t sa[3] = {2, 3, 4};
    CHECK(fc_st_get_f32(f, "a.f32", 3, sa, a, &err) == FC_OK);
    int ab = 0;
    for (int i = 0; i < 24; i++) ab += a[i] != i * 0.25f - 3.0f;
    CHECK(ab == 0);

    static const float hv[] = {1.0f / 3.0f, -2.5f, 65504.0f, 65519.0f, 65520.0f, 1e-7f, 0x1p-24f, 0x1p-25f,
                               0x3p-26f, -0.0f, INFINITY, 0.1f, 1.0f + 0x1p-11f, 1.0f + 0x3p-11f};
    float h[14];
    uint64_t sh[1] = {14};
    CHECK(fc_st_get_f32(f, "h.f16", 1, sh, h, &err) == FC_OK);
    const fc_st_tensor *ht = fc_st_find(f, "h.f16");
    for (int i = 0; i < 14; i++) {
        /* torch's conversion, our conversion, and the double-arithmetic reference agree */
        uint16_t tb = (uint16_t)(ht->data[2 * i] | ht->data[2 * i + 1] << 8);
        CHECKF(tb == fc_f32_to_f16(hv[i]), "torch half of %g is 0x%04x, ours 0x%04x", hv[i], tb, fc_f32_to_f16(hv[i]));
        CHECK(fbits(h[i]) == fbits(ref_half(hv[i])));
    }

    float bf[3];
    uint64_t s3[1] = {3};
    CHECK(fc_st_get_f32(f, "b.bf16", 1, s3, bf, &err) == FC_OK);
    CHECK(bf[0] == 0.333984375f && bf[1] == -1.5f && fbits(bf[2]) == 0x7F620000u);

    float d[2];
    uint64_t s2[1] = {2};
    CHECK(fc_st_get_f32(f, "d.f64", 1, s2, d, &err) == FC_OK && d[0] == 0.1f && d[1] == -INFINITY);
    float iv[4];
    uint64_t s22[2] = {2, 2};
    CHECK(fc_st_get_f32(f, "i.i64", 2, s22, iv, &err) == FC_OK);
    CHECK(iv[0] == -1 && iv[1] == 2 && iv[2] == 3 && iv[3] == 1099511627776.0f);
    float u[4];
    uint64_t s4[1] = {4};
    CHECK(fc_st_get_f32(f, "u.u8", 1, s4, u, &err) == FC_OK && u[0] == 0 && u[2] == 128 && u[3] == 255);
    float sc;
    CHECK(fc_st_get_f32(f, "scalar", 0, NULL, &sc, &err) == FC_OK && sc == 42.5f);
    const fc_st_tensor *em = fc_st_find(f, "empty");
    CHECK(em && em->ndim == 2 && em->shape[0] == 0 && em->shape[1] == 3 && em->numel == 0);
    /* JSON \u escapes, including a surrogate pair, decode to UTF-8. */
    float one;
    uint64_t s1[1] = {1};
    CHECK(fc_st_get_f32(f, "\xc3\xbcn\xc3\xaf \xf0\x9f\x98\x80", 1, s1, &one, &err) == FC_OK && one == 7.0f);
    fc_st_close(f);
}

/* ---- malformed input --------------------------------------------------------------- */
/* A file image from a header string and dlen data bytes (value 0x41). */
static uint8_t *mkfile(const char *hdr, size_t dlen, uint64_t hlen_override, size_t *len) {
    size_t hl = strlen(hdr);
    *len = 8 + hl + dlen;
    uint8_t *b = malloc(*len + 1);
    uint64_t v = hlen_override ? hlen_override : hl;
    for (int k = 0; k < 8; k++) b[k] = (uint8_t)(v >> (8 * k));
    memcpy(b + 8, hdr, hl);
    memset(b + 8 + hl, 0x41, dlen);
    return b;
}

static int try_parse(const uint8_t *b, size_t len, fc_error *err) {
    fc_st_file *f = NULL;
    int rc = fc_st_open_memory(b, len, &f, err);
    if (rc == FC_OK) {
        /* Touch every tensor's data the way a user would. */
        for (size_t i = 0; i < fc_st_count(f); i++) {
            const fc_st_tensor *t = fc_st_at(f, i);
            if (t->dtype == FC_ST_F8_E4M3 || t->dtype == FC_ST_F8_E5M2 || t->numel > (1u << 20)) continue;
            float *tmp = malloc(t->numel * sizeof *tmp + 1);
            fc_st_read_f32(t, tmp, (size_t)t->numel, err);
            free(tmp);
        }
        fc_st_close(f);
    }
    return rc;
}

static int parse_hdr(const char *hdr, size_t dlen, fc_error *err) {
    size_t len;
    uint8_t *b = mkfile(hdr, dlen, 0, &len);
    int rc = try_parse(b, len, err);
    free(b);
    return rc;
}

static void test_malformed(void) {
    fc_error err = {0};
    /* Valid forms first, so the rejections below are about the one thing changed. */
    CHECK(parse_hdr("{}", 0, &err) == FC_OK);
    CHECK(parse_hdr(" \t\r\n{ } \n  ", 0, &err) == FC_OK);
    CHECKF(parse_hdr("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, &err) == FC_OK, "%s",
           err.msg);
    CHECKF(parse_hdr("{\"t\":{\"data_offsets\":[0,8],\"x\":{\"a\":[1,-2.5e3,true,null,\"s\\u00e9\"]},\"dtype\":\"F32\","
                     "\"shape\":[2]},\"__metadata__\":{}}",
                     8, &err) == FC_OK,
           "unknown fields: %s", err.msg);
    char deep_ok[200], deep_bad[400];
    {
        char *p = deep_ok;
        p += sprintf(p, "{\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":");
        for (int i = 0; i < 20; i++) *p++ = '[';
        for (int i = 0; i < 20; i++) *p++ = ']';
        strcpy(p, "}}");
        p = deep_bad;
        p += sprintf(p, "{\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":");
        for (int i = 0; i < 100; i++) *p++ = '[';
        for (int i = 0; i < 100; i++) *p++ = ']';
        strcpy(p, "}}");
    }
    CHECK(parse_hdr(deep_ok, 4, &err) == FC_OK);
    CHECK(parse_hdr(deep_bad, 4, &err) == FC_EINPUT && strstr(err.msg, "deep"));

    static const struct {
        const char *hdr;
        size_t dlen;
        const char *why;
    } bad[] = {
        {"", 0, "empty header"},
        {"[]", 0, "not an object"},
        {"{", 0, "truncated"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "missing brace"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}", 8, "trailing comma"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} x", 8, "trailing garbage"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}\0", 8, "(NUL is cut by strlen: ok below)"},
        {"{'t':1}", 0, "single quotes"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8, "offset beyond buffer"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "begin > end"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "buffer not covered"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "shape x size != bytes"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
         12, "overlap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
         12, "gap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
         8, "duplicate name"},
        {"{\"__metadata__\":{},\"__metadata__\":{}}", 0, "duplicate metadata"},
        {"{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", 0, "duplicate metadata key"},
        {"{\"__metadata__\":{\"a\":1}}", 0, "metadata value not a string"},
        {"{\"__metadata__\":[]}", 0, "metadata not an object"},
        {"{\"t\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype"},
        {"{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "missing dtype"},
        {"{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "missing shape"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "missing offsets"},
        {"{\"t\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "duplicate field"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "negative dim"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, "fractional dim"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2e0],\"data_offsets\":[0,8]}}", 8, "exponent dim"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[02],\"data_offsets\":[0,8]}}", 8, "leading zero"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8, "three offsets"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "one offset"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[18446744073709551616],\"data_offsets\":[0,8]}}", 8, "2^64"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,0]}}", 0,
         "shape product overflow"},
        {"{\"t\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}}", 0,
         "numel x size overflow"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
         "17 dims"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8, "shape a string"},
        {"{\"t\":[]}", 0, "entry not an object"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":tru}}", 8, "bad literal"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":-}}", 8, "bad number"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1.}}", 8, "bad fraction"},
        {"{\"t\\ud800\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "lone surrogate"},
        {"{\"t\\udc00\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "lone low surrogate"},
        {"{\"t\\u0000\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "NUL in name"},
        {"{\"t\\x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "bad escape"},
        {"{\"t\\u12\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "short \\u"},
        {"{\"t\n\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "raw control char"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "unclosed"},
        {"{\"t\" {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "missing colon"},
        {"{\"t", 0, "unterminated string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (strstr(bad[i].why, "ok below")) continue;
        err.msg[0] = 0;
        int rc = parse_hdr(bad[i].hdr, bad[i].dlen, &err);
        CHECKF(rc == FC_EINPUT && err.msg[0], "case \"%s\": rc %d", bad[i].why, rc);
    }
    /* A NUL byte inside the header is not JSON whitespace. */
    {
        const char h[] = "{}\0      ";
        size_t len = 8 + 8;
        uint8_t b[16] = {8};
        memcpy(b + 8, h, 8);
        CHECK(try_parse(b, len, &err) == FC_EINPUT);
    }

    /* Header lengths that do not fit. */
    size_t len;
    uint8_t *b = mkfile("{}", 0, UINT64_MAX, &len);
    CHECK(try_parse(b, len, &err) == FC_EINPUT && strstr(err.msg, "header length"));
    free(b);
    b = mkfile("{}", 0, (uint64_t)FC_ST_MAX_HEADER + 1, &len);
    CHECK(try_parse(b, len, &err) == FC_EINPUT && strstr(err.msg, "limit"));
    free(b);
    b = mkfile("{}", 0, 3, &len);
    CHECK(try_parse(b, len, &err) == FC_EINPUT && strstr(err.msg, "file size"));
    free(b);
    for (size_t l = 0; l < 8; l++) {
        uint8_t z[8] = {2, 0, 0, 0, 0, 0, 0, 0};
        CHECK(try_parse(z, l, &err) == FC_EINPUT);
    }

    /* Every truncation of a valid file fails (the tensors must cover the buffer),
     * and every single-byte corruption of its header either parses or fails cleanly. */
    uint64_t s[2] = {3, 2};
    float x[6] = {1, 2, 3, 4, 5, 6};
    fc_st_entry e[2] = {{.name = "w", .ndim = 2, .shape = s, .data = x},
                        {.name = "h", .ndim = 1, .shape = s, .data = x, .dtype = FC_ST_F16}};
    const char *meta[] = {"k", "v"};
    uint8_t *img;
    size_t ilen;
    CHECK(fc_st_serialize(e, 2, meta, 1, &img, &ilen, &err) == FC_OK);
    CHECK(try_parse(img, ilen, &err) == FC_OK);
    int trunc_ok = 0;
    for (size_t l = 0; l < ilen; l++) {
        uint8_t *cp = malloc(l + 1); /* exact-size copy so ASan sees any overread */
        memcpy(cp, img, l);
        trunc_ok += try_parse(cp, l, &err) != FC_EINPUT;
        free(cp);
    }
    CHECKF(trunc_ok == 0, "%d truncations were accepted", trunc_ok);
    /* Appending bytes breaks coverage too. */
    uint8_t *longer = malloc(ilen + 1);
    memcpy(longer, img, ilen);
    longer[ilen] = 0;
    CHECK(try_parse(longer, ilen + 1, &err) == FC_EINPUT);
    free(longer);
    uint64_t hl = 0;
    for (int k = 7; k >= 0; k--) hl = hl << 8 | img[k];
    int odd = 0;
    static const uint8_t subst[] = {0, '"', '\\', '{', '}', '[', ']', ',', ':', '0', '9', 'u', ' ', 0x80, 0xff};
    for (size_t i = 0; i < 8 + hl; i++) {
        for (size_t k = 0; k < sizeof subst; k++) {
            uint8_t *cp = malloc(ilen);
            memcpy(cp, img, ilen);
            cp[i] = subst[k];
            int rc = try_parse(cp, ilen, &err);
            odd += rc != FC_OK && rc != FC_EINPUT;
            free(cp);
        }
    }
    CHECKF(odd == 0, "%d corruptions gave a status other than ok/EINPUT", odd);
    free(img);

    /* Many entries: checks must stay n log n (a quadratic duplicate check would take
     * minutes here), and a duplicate at the far end is still found. */
    {
        enum { M = 200000 };
        size_t cap = (size_t)M * 96 + 128, at = 0; /* ~14 + ~62 bytes per i */
        char *h = malloc(cap);
        at += (size_t)sprintf(h + at, "{\"__metadata__\":{");
        for (int i = 0; i < M; i++) at += (size_t)sprintf(h + at, "%s\"k%d\":\"v\"", i ? "," : "", i);
        at += (size_t)sprintf(h + at, "}");
        for (int i = 0; i < M; i++)
            at += (size_t)sprintf(h + at, ",\"t%d\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}", i);
        strcpy(h + at, "}");
        CHECKF(parse_hdr(h, 0, &err) == FC_OK, "%s", err.msg);
        /* The last metadata key renamed to "k1" (padded with JSON whitespace): a duplicate key. */
        char *mk = strstr(h, "\"k199999\"");
        memcpy(mk, "\"k1\"     ", 9);
        CHECK(parse_hdr(h, 0, &err) == FC_EINPUT && strstr(err.msg, "duplicate __metadata__ key"));
        memcpy(mk, "\"k199999\"", 9);
        /* A last tensor named like an early one. */
        strcpy(h + at, ",\"t7\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}");
        CHECK(parse_hdr(h, 0, &err) == FC_EINPUT && strstr(err.msg, "duplicate tensor"));
        free(h);
    }

    /* Files on disk: missing, a directory, too short. */
    fc_st_file *f = NULL;
    CHECK(fc_st_open("/nonexistent/x.safetensors", 1, &f, &err) == FC_EINPUT && f == NULL);
    CHECK(fc_st_open("/nonexistent/x.safetensors", 0, &f, &err) == FC_EINPUT);
    CHECK(fc_st_open("tests", 1, &f, &err) == FC_EINPUT);
    /* A container or a photo given where a model belongs: named as such. */
    CHECK(fc_st_open("tests/data/vectors/v1-keyfile-1bit.png", 1, &f, &err) == FC_EINPUT &&
          strstr(err.msg, "PNG image"));
}

int main(void) {
    char *dir = tu_tmpdir();
    CHECK(dir != NULL);
    if (!dir) return TEST_END();
    test_half();
    test_bf16(dir);
    test_roundtrip(dir);
    test_torch_vector();
    test_malformed();
    tu_system("rm -rf '%s'", dir);
    free(dir);
    return TEST_END();
}
