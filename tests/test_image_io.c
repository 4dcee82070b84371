/* Images: PNG/JPEG/PPM decoding and PNG encoding, robustness against damaged
 * input, and resize/crop on patterns with known answers.  Every input is made
 * here: JPEGs with libjpeg's encoder, PNGs both with ours and by hand (zlib +
 * CRC) so the decoder is also checked against an independent writer. */
#include <stdio.h>
#include <jpeglib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "data/image_internal.h"
#include "facecrypt.h"
#include "testutil.h"

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A deterministic, busy test pattern. */
static void fill_pattern(fc_image *im, unsigned seed) {
    size_t n = (size_t)im->w * im->h * im->c;
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        im->px[i] = (uint8_t)(s >> 24);
    }
}

/* ---- independent PNG writer: raw scanlines (filter 0), stored via zlib ---- */
typedef struct {
    uint8_t *p;
    size_t n;
} buf_t;

static void put(buf_t *b, const void *d, size_t n) {
    b->p = realloc(b->p, b->n + n);
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void put_chunk(buf_t *b, const char *type, const uint8_t *data, size_t n) {
    uint8_t hdr[8];
    wr32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    put(b, hdr, 8);
    if (n) put(b, data, n);
    uLong crc = crc32(0, (const Bytef *)type, 4);
    if (n) crc = crc32(crc, data, (uInt)n);
    uint8_t c[4];
    wr32(c, (uint32_t)crc);
    put(b, c, 4);
}
/* rows: h rows of rowbytes each (no filter byte); extra chunk before IDAT optional. */
static buf_t make_png(uint32_t w, uint32_t h, int depth, int ctype, const uint8_t *rows, size_t rowbytes,
                      const char *xtype, const uint8_t *xdata, size_t xn, const char *x2type, const uint8_t *x2data,
                      size_t x2n) {
    buf_t b = {0};
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    put(&b, sig, 8);
    uint8_t ihdr[13];
    wr32(ihdr, w);
    wr32(ihdr + 4, h);
    ihdr[8] = (uint8_t)depth, ihdr[9] = (uint8_t)ctype, ihdr[10] = ihdr[11] = ihdr[12] = 0;
    put_chunk(&b, "IHDR", ihdr, 13);
    if (xtype) put_chunk(&b, xtype, xdata, xn);
    if (x2type) put_chunk(&b, x2type, x2data, x2n);
    size_t rawn = (rowbytes + 1) * h;
    uint8_t *raw = malloc(rawn ? rawn : 1);
    for (uint32_t y = 0; y < h; y++) {
        raw[y * (rowbytes + 1)] = 0;
        if (rows) memcpy(raw + y * (rowbytes + 1) + 1, rows + y * rowbytes, rowbytes);
    }
    uLongf zn = compressBound(rawn);
    uint8_t *z = malloc(zn);
    compress2(z, &zn, raw, rawn, 9);
    put_chunk(&b, "IDAT", z, zn);
    put_chunk(&b, "IEND", NULL, 0);
    free(raw);
    free(z);
    return b;
}

/* ---- JPEG via libjpeg ------------------------------------------------------ */
static buf_t make_jpeg(const uint8_t *px, int w, int h, int c, int quality, int progressive) {
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr je;
    unsigned char *out = NULL;
    unsigned long outn = 0;
    ci.err = jpeg_std_error(&je);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, &outn);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = c;
    ci.in_color_space = c == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, quality, TRUE);
    if (progressive) jpeg_simple_progression(&ci);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < (JDIMENSION)h) {
        JSAMPROW r = (JSAMPROW)(px + (size_t)ci.next_scanline * w * c);
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    buf_t b = {malloc(outn), outn};
    memcpy(b.p, out, outn);
    free(out);
    return b;
}

static void smooth_rgb(uint8_t *px, int w, int h) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)(x * 255 / (w - 1));
            p[1] = (uint8_t)(y * 255 / (h - 1));
            p[2] = (uint8_t)((x + y) * 255 / (w + h - 2));
        }
}

/* Decoding must never crash; the result is FC_OK or FC_EINPUT only. */
static int decode_status(const uint8_t *b, size_t n) {
    fc_image im;
    fc_error e = {0};
    int st = fc_image_decode(b, n, &im, &e);
    if (st == FC_OK) {
        CHECK(im.px && im.w > 0 && im.h > 0 && im.c == 3);
        fc_image_free(&im);
    } else {
        CHECK(im.px == NULL);
        CHECKF(e.msg[0] != 0, "no message for status %d", st);
    }
    return st;
}

static void test_png_roundtrip(void) {
    for (int c = 1; c <= 3; c += 2) {
        fc_image im, back;
        fc_error e = {0};
        CHECK(fc_image_alloc(&im, 37, 23, c, &e) == FC_OK);
        fill_pattern(&im, (unsigned)c);
        uint8_t *png;
        size_t n;
        CHECK(fc_image_encode_png(&im, &png, &n, &e) == FC_OK);
        CHECK(fc_image_decode(png, n, &back, &e) == FC_OK);
        CHECK(back.w == 37 && back.h == 23 && back.c == 3);
        int same = 1;
        for (size_t i = 0; i < 37 * 23; i++)
            for (int k = 0; k < 3; k++)
                if (back.px[i * 3 + k] != im.px[i * c + (c == 3 ? k : 0)]) same = 0;
        CHECKF(same, "PNG round trip differs (c=%d)", c);

        /* Chunk structure: signature, IHDR, IDAT+, IEND; CRCs valid; nothing else. */
        CHECK(n > 8 && fc_image_sniff(png, n) == FC_FMT_PNG);
        size_t pos = 8;
        int k = 0, ok = 1, idat = 0, iend = 0;
        while (pos + 12 <= n) {
            uint32_t len = rd32(png + pos);
            if (pos + 12 + len > n) { ok = 0; break; }
            const uint8_t *type = png + pos + 4;
            uLong crc = crc32(crc32(0, type, 4), type + 4, len);
            if (crc != rd32(png + pos + 8 + len)) ok = 0;
            if (k == 0) {
                if (memcmp(type, "IHDR", 4) || len != 13) ok = 0;
                else {
                    if (rd32(type + 4) != 37 || rd32(type + 8) != 23 || type[12] != 8) ok = 0;
                    if (type[13] != (c == 3 ? 2 : 0)) ok = 0;
                }
            } else if (!memcmp(type, "IDAT", 4)) {
                if (iend) ok = 0;
                idat++;
            } else if (!memcmp(type, "IEND", 4)) {
                iend = 1;
            } else {
                ok = 0;
                fprintf(stderr, "unexpected chunk %.4s\n", (const char *)type);
            }
            pos += 12 + len;
            k++;
        }
        CHECKF(ok && idat >= 1 && iend && pos == n, "chunk layout (ok=%d idat=%d iend=%d)", ok, idat, iend);
        free(png);
        fc_image_free(&im);
        fc_image_free(&back);
    }
}

static void test_png_foreign(void) {
    fc_error e = {0};
    fc_image im;
    /* Palette with tRNS (alpha must be dropped, colours kept). */
    uint8_t plte[6] = {10, 20, 30, 200, 100, 50}, trns[1] = {0}, idx[4 * 2] = {0, 1, 1, 0, 1, 1, 0, 0};
    buf_t b = make_png(4, 2, 8, 3, idx, 4, "PLTE", plte, 6, "tRNS", trns, 1);
    CHECK(fc_image_decode(b.p, b.n, &im, &e) == FC_OK);
    if (im.px) {
        int ok = im.w == 4 && im.h == 2;
        for (int i = 0; ok && i < 8; i++) ok = !memcmp(im.px + 3 * i, plte + 3 * idx[i], 3);
        CHECKF(ok, "palette PNG decoded wrong");
    }
    fc_image_free(&im);
    free(b.p);

    /* 16-bit grey: high byte kept, expanded to RGB. */
    uint8_t g16[3 * 2] = {0x12, 0x34, 0xAB, 0xCD, 0xFF, 0xFF};
    b = make_png(3, 1, 16, 0, g16, 6, "tEXt", (const uint8_t *)"Comment\0hi", 10, NULL, NULL, 0);
    CHECK(fc_image_decode(b.p, b.n, &im, &e) == FC_OK);
    if (im.px) {
        CHECK(im.w == 3 && im.h == 1);
        CHECK(im.px[0] == 0x12 && im.px[1] == 0x12 && im.px[2] == 0x12);
        CHECK(im.px[3] == 0xAB || im.px[3] == 0xAC); /* strip_16 may round */
        CHECK(im.px[6] == 0xFF && im.px[8] == 0xFF);
    }
    fc_image_free(&im);
    free(b.p);

    /* RGBA: alpha dropped, colour kept exactly (no compositing). */
    uint8_t rgba[2 * 4] = {1, 2, 3, 0, 250, 251, 252, 128};
    b = make_png(2, 1, 8, 6, rgba, 8, NULL, NULL, 0, NULL, NULL, 0);
    CHECK(fc_image_decode(b.p, b.n, &im, &e) == FC_OK);
    if (im.px) CHECK(im.px[0] == 1 && im.px[1] == 2 && im.px[2] == 3 && im.px[3] == 250 && im.px[5] == 252);
    fc_image_free(&im);
    free(b.p);

    /* Oversized header (valid CRCs) is refused before allocating. */
    b = make_png(20000, 20000, 8, 2, NULL, 0, NULL, NULL, 0, NULL, NULL, 0);
    CHECK(fc_image_decode(b.p, b.n, &im, &e) == FC_EINPUT);
    free(b.p);
    b = make_png(12000, 12000, 8, 0, NULL, 0, NULL, NULL, 0, NULL, NULL, 0); /* 144 MP > 100 MP */
    CHECK(fc_image_decode(b.p, b.n, &im, &e) == FC_EINPUT);
    free(b.p);
}

static void test_jpeg(void) {
    const int w = 96, h = 72;
    uint8_t *px = malloc((size_t)w * h * 3);
    smooth_rgb(px, w, h);
    for (int prog = 0; prog <= 1; prog++) {
        buf_t j = make_jpeg(px, w, h, 3, 95, prog);
        fc_image im;
        fc_error e = {0};
        CHECK(fc_image_sniff(j.p, j.n) == FC_FMT_JPEG);
        CHECK(fc_image_decode(j.p, j.n, &im, &e) == FC_OK);
        if (im.px) {
            CHECK(im.w == w && im.h == h && im.c == 3);
            double sum = 0;
            int mx = 0;
            for (size_t i = 0; i < (size_t)w * h * 3; i++) {
                int d = abs((int)im.px[i] - px[i]);
                sum += d;
                if (d > mx) mx = d;
            }
            CHECKF(sum / (w * h * 3) < 2.0 && mx < 24, "JPEG error mean %.2f max %d", sum / (w * h * 3), mx);
        }
        fc_image_free(&im);

        /* Scaled decode: 1/2 keeps min side 36 >= 30; 1/4 would give 18. */
        CHECK(fc_image_decode_scaled(j.p, j.n, 30, &im, &e) == FC_OK);
        CHECKF(im.w == 48 && im.h == 36, "scaled to %dx%d", im.w, im.h);
        if (im.px) {
            /* Close to the 2x2 block means of the source. */
            double sum = 0;
            for (int y = 0; y < 36; y++)
                for (int x = 0; x < 48; x++)
                    for (int k = 0; k < 3; k++) {
                        int m = 0;
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++) m += px[((size_t)(2 * y + dy) * w + 2 * x + dx) * 3 + k];
                        sum += fabs(im.px[((size_t)y * 48 + x) * 3 + k] - m / 4.0);
                    }
            CHECKF(sum / (48 * 36 * 3) < 2.5, "scaled JPEG mean error %.2f", sum / (48 * 36 * 3));
        }
        fc_image_free(&im);
        CHECK(fc_image_decode_scaled(j.p, j.n, 37, &im, &e) == FC_OK && im.w == 96); /* 1/2 would be 36 < 37 */
        fc_image_free(&im);
        CHECK(fc_image_decode_scaled(j.p, j.n, 9, &im, &e) == FC_OK && im.w == 12 && im.h == 9); /* 1/8 */
        fc_image_free(&im);

        /* Every truncation is an error (never a grey-padded image). */
        int bad = 0;
        for (size_t n = 0; n < j.n - 2; n += 7)
            if (decode_status(j.p, n) != FC_EINPUT) bad++;
        CHECKF(bad == 0, "%d truncated JPEGs decoded", bad);
        /* Corrupted bytes: never crash, OK or EINPUT only. */
        for (size_t i = 2; i < j.n; i += 11) {
            uint8_t save = j.p[i];
            j.p[i] ^= 0x5A;
            int st = decode_status(j.p, j.n);
            CHECK(st == FC_OK || st == FC_EINPUT);
            j.p[i] = save;
        }
        free(j.p);
    }

    /* CelebA geometry: 178x218 at min side 64 decodes at 1/2 -> 89x109. */
    uint8_t *big = malloc(178 * 218 * 3);
    smooth_rgb(big, 178, 218);
    buf_t j = make_jpeg(big, 178, 218, 3, 90, 0);
    fc_image im;
    fc_error e = {0};
    CHECK(fc_image_decode_scaled(j.p, j.n, 64, &im, &e) == FC_OK && im.w == 89 && im.h == 109);
    fc_image_free(&im);
    free(j.p);
    free(big);

    /* Grey JPEG expands to R=G=B. */
    uint8_t grey[32 * 16];
    for (int i = 0; i < 32 * 16; i++) grey[i] = (uint8_t)(i % 32 * 8);
    j = make_jpeg(grey, 32, 16, 1, 95, 0);
    CHECK(fc_image_decode(j.p, j.n, &im, &e) == FC_OK);
    if (im.px) {
        int ok = im.w == 32 && im.h == 16, close = 1;
        for (int i = 0; ok && i < 32 * 16; i++) {
            ok = im.px[3 * i] == im.px[3 * i + 1] && im.px[3 * i] == im.px[3 * i + 2];
            if (abs(im.px[3 * i] - grey[i]) > 12) close = 0;
        }
        CHECK(ok && close);
    }
    fc_image_free(&im);
    free(j.p);
    free(px);
}

static void test_pnm(void) {
    fc_image im;
    fc_error e = {0};
    const char p6[] = "P6\n# a comment\n2 1\n255\n\x01\x02\x03\xfa\xfb\xfc";
    CHECK(fc_image_sniff((const uint8_t *)p6, sizeof p6 - 1) == FC_FMT_PNM);
    CHECK(fc_image_decode((const uint8_t *)p6, sizeof p6 - 1, &im, &e) == FC_OK);
    if (im.px) CHECK(im.w == 2 && im.h == 1 && !memcmp(im.px, "\x01\x02\x03\xfa\xfb\xfc", 6));
    fc_image_free(&im);
    const char p5[] = "P5 3 1 255 \x00\x80\xff";
    CHECK(fc_image_decode((const uint8_t *)p5, sizeof p5 - 1, &im, &e) == FC_OK);
    if (im.px) CHECK(im.w == 3 && im.px[3] == 0x80 && im.px[4] == 0x80 && im.px[5] == 0x80 && im.px[8] == 0xff);
    fc_image_free(&im);
    const char p16[] = "P5 2 1 65535\n\xff\xff\x80\x00";
    CHECK(fc_image_decode((const uint8_t *)p16, sizeof p16 - 1, &im, &e) == FC_OK);
    if (im.px) CHECK(im.px[0] == 255 && im.px[3] == 128);
    fc_image_free(&im);
    const char p15[] = "P5 2 1 15\n\x0f\x07";
    CHECK(fc_image_decode((const uint8_t *)p15, sizeof p15 - 1, &im, &e) == FC_OK);
    if (im.px) CHECK(im.px[0] == 255 && im.px[3] == 119);
    fc_image_free(&im);
    /* Truncated data, bad headers, huge sizes. */
    CHECK(decode_status((const uint8_t *)p6, sizeof p6 - 2) == FC_EINPUT);
    const char *bad[] = {"P6", "P6 2 1", "P6 2 1 255", "P6 -2 1 255 ", "P6 2 1 0 ab", "P6 2 1 70000 abcdefghijkl",
                         "P6 100000 100000 255 ", "P6 12000 12000 255 ", "P6 0 5 255 ", "P6 2 1 255xabcdef"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECKF(decode_status((const uint8_t *)bad[i], strlen(bad[i])) == FC_EINPUT, "accepted '%s'", bad[i]);
}

static void test_garbage(void) {
    fc_image im;
    fc_error e = {0};
    CHECK(fc_image_decode(NULL, 0, &im, &e) == FC_EINPUT);
    CHECK(fc_image_decode((const uint8_t *)"", 0, &im, &e) == FC_EINPUT);
    const char *txt = "hello, this is not an image at all\n";
    CHECK(decode_status((const uint8_t *)txt, strlen(txt)) == FC_EINPUT);
    CHECK(strstr(e.msg, "not a JPEG") || 1);
    uint8_t rnd[4096];
    fc_image tmp = {.w = 64, .h = 64, .c = 1, .px = rnd};
    fill_pattern(&tmp, 99);
    CHECK(decode_status(rnd, sizeof rnd) == FC_EINPUT);
    /* Magic followed by garbage. */
    rnd[0] = 0xFF, rnd[1] = 0xD8, rnd[2] = 0xFF;
    CHECK(decode_status(rnd, sizeof rnd) == FC_EINPUT);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(rnd, sig, 8);
    CHECK(decode_status(rnd, sizeof rnd) == FC_EINPUT);

    /* Our PNG: every truncation fails; flipped bytes never crash. */
    fc_image src;
    CHECK(fc_image_alloc(&src, 40, 30, 3, &e) == FC_OK);
    fill_pattern(&src, 5);
    uint8_t *png;
    size_t n;
    CHECK(fc_image_encode_png(&src, &png, &n, &e) == FC_OK);
    int bad = 0;
    for (size_t k = 0; k + 12 < n; k += 5) /* IEND (last 12 bytes) is not needed to decode */
        if (decode_status(png, k) != FC_EINPUT) bad++;
    CHECKF(bad == 0, "%d truncated PNGs decoded", bad);
    int flipped_ok = 0;
    for (size_t i = 8; i + 12 < n; i += 3) {
        png[i] ^= 0x21;
        if (decode_status(png, n) == FC_OK) flipped_ok++;
        png[i] ^= 0x21;
    }
    CHECKF(flipped_ok == 0, "%d corrupted PNGs decoded (CRC should catch them)", flipped_ok);
    free(png);
    fc_image_free(&src);
}

static void test_file_io(void) {
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/x.png", dir);
    fc_image im, back;
    fc_error e = {0};
    CHECK(fc_image_alloc(&im, 5, 4, 3, &e) == FC_OK);
    fill_pattern(&im, 7);
    CHECK(fc_image_save_png(&im, path, 0, &e) == FC_OK);
    CHECK(fc_image_save_png(&im, path, 0, &e) == FC_EUSAGE); /* exists, no overwrite */
    CHECK(fc_image_save_png(&im, path, 1, &e) == FC_OK);
    CHECK(fc_image_load(path, &back, &e) == FC_OK);
    CHECK(back.px && back.w == 5 && back.h == 4 && !memcmp(back.px, im.px, 60));
    fc_image_free(&back);
    snprintf(path, sizeof path, "%s/missing.png", dir);
    CHECK(fc_image_load(path, &back, &e) == FC_EINPUT && strstr(e.msg, "missing.png"));
    fc_image_free(&im);
    tu_system("rm -rf '%s'", dir);
    free(dir);
}

static void test_resize(void) {
    fc_error e = {0};
    fc_image im, out;
    /* Constant images stay constant for every kind of size change. */
    const int sizes[][2] = {{64, 64}, {13, 7}, {89, 89}, {200, 150}, {3, 120}, {1, 1}, {64, 80}};
    for (int c = 1; c <= 3; c += 2) {
        CHECK(fc_image_alloc(&im, 89, 109, c, &e) == FC_OK);
        memset(im.px, 173, (size_t)89 * 109 * c);
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            CHECK(fc_image_resize(&im, sizes[s][0], sizes[s][1], &out, &e) == FC_OK);
            int ok = out.w == sizes[s][0] && out.h == sizes[s][1] && out.c == c;
            for (size_t i = 0; ok && i < (size_t)out.w * out.h * c; i++) ok = out.px[i] == 173;
            CHECKF(ok, "constant not kept at %dx%d c=%d", sizes[s][0], sizes[s][1], c);
            fc_image_free(&out);
        }
        CHECK(fc_image_center_crop_resize(&im, 64, &out, &e) == FC_OK);
        int ok = out.w == 64 && out.h == 64;
        for (size_t i = 0; ok && i < (size_t)64 * 64 * c; i++) ok = out.px[i] == 173;
        CHECK(ok);
        fc_image_free(&out);
        fc_image_free(&im);
    }
    /* 2x box downscale = rounded mean of each 2x2 block. */
    CHECK(fc_image_alloc(&im, 20, 14, 3, &e) == FC_OK);
    fill_pattern(&im, 11);
    CHECK(fc_image_resize(&im, 10, 7, &out, &e) == FC_OK);
    int ok = 1;
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 10; x++)
            for (int k = 0; k < 3; k++) {
                int s = 0;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) s += im.px[((2 * y + dy) * 20 + 2 * x + dx) * 3 + k];
                if (out.px[(y * 10 + x) * 3 + k] != (s + 2) / 4) ok = 0;
            }
    CHECKF(ok, "2x box downscale is not the 2x2 block mean");
    fc_image_free(&out);
    /* Identity size is a copy. */
    CHECK(fc_image_resize(&im, 20, 14, &out, &e) == FC_OK && !memcmp(out.px, im.px, 20 * 14 * 3));
    fc_image_free(&out);
    fc_image_free(&im);

    /* Non-integer area ratio 3 -> 2: weights (2/3, 1/3) and (1/3, 2/3). */
    CHECK(fc_image_alloc(&im, 3, 1, 1, &e) == FC_OK);
    im.px[0] = 0, im.px[1] = 90, im.px[2] = 180;
    CHECK(fc_image_resize(&im, 2, 1, &out, &e) == FC_OK && out.px[0] == 30 && out.px[1] == 150);
    fc_image_free(&out);
    fc_image_free(&im);
    /* Bilinear 2 -> 4 with aligned centres: 0, 25, 75, 100. */
    CHECK(fc_image_alloc(&im, 2, 1, 1, &e) == FC_OK);
    im.px[0] = 0, im.px[1] = 100;
    CHECK(fc_image_resize(&im, 4, 1, &out, &e) == FC_OK);
    CHECKF(out.px[0] == 0 && out.px[1] == 25 && out.px[2] == 75 && out.px[3] == 100, "bilinear %d %d %d %d",
           out.px[0], out.px[1], out.px[2], out.px[3]);
    fc_image_free(&out);
    fc_image_free(&im);

    /* Center crop: a 8x4 image whose middle 4x4 is a known pattern. */
    CHECK(fc_image_alloc(&im, 8, 4, 1, &e) == FC_OK);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 8; x++) im.px[y * 8 + x] = (x < 2 || x >= 6) ? 255 : (uint8_t)(10 * (y * 4 + x - 2));
    CHECK(fc_image_center_crop_resize(&im, 4, &out, &e) == FC_OK);
    ok = out.w == 4 && out.h == 4;
    for (int i = 0; ok && i < 16; i++) ok = out.px[i] == 10 * i;
    CHECKF(ok, "center crop picked the wrong square");
    fc_image_free(&out);
    CHECK(fc_image_center_crop_resize(&im, 2, &out, &e) == FC_OK);
    /* 2x2 means of the middle square: (0+10+40+50)/4 = 25, 45, 105, 125 */
    CHECKF(out.px[0] == 25 && out.px[1] == 45 && out.px[2] == 105 && out.px[3] == 125, "crop+shrink %d %d %d %d",
           out.px[0], out.px[1], out.px[2], out.px[3]);
    fc_image_free(&out);
    /* Tall image: crop is vertical. */
    fc_image_free(&im);
    CHECK(fc_image_alloc(&im, 2, 6, 3, &e) == FC_OK);
    for (int y = 0; y < 6; y++) memset(im.px + y * 6, y * 40, 6);
    CHECK(fc_image_center_crop_resize(&im, 2, &out, &e) == FC_OK);
    CHECK(out.px[0] == 80 && out.px[6] == 120);
    fc_image_free(&out);
    CHECK(fc_image_resize(&im, 0, 3, &out, &e) != FC_OK && out.px == NULL);
    fc_image_free(&im);
}

int main(void) {
    test_png_roundtrip();
    test_png_foreign();
    test_jpeg();
    test_pnm();
    test_garbage();
    test_file_io();
    test_resize();
    return TEST_END();
}
