/* Image decoding and PNG encoding.
 *
 * JPEG through libjpeg-turbo, PNG through libpng, binary PPM/PGM by hand.  All
 * input is untrusted: both libraries report errors through a longjmp out of
 * their error handlers (setjmp below), dimensions are checked against
 * FC_IMAGE_MAX_SIDE / FC_IMAGE_MAX_PIXELS before any pixel buffer is allocated,
 * a truncated or corrupt stream is an error (FC_EINPUT), never a grey-filled
 * image, and nothing is printed (the libraries' default message printers are
 * replaced). */
#include <stddef.h>
#include <stdio.h>
/* jpeglib.h needs size_t and FILE first */
#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "data/image_internal.h"
#include "util/error.h"
#include "util/fileio.h"

/* ---- generic ------------------------------------------------------------ */

void fc_image_free(fc_image *img) {
    if (!img) return;
    free(img->px);
    memset(img, 0, sizeof *img);
}

int fc_image_alloc(fc_image *img, int w, int h, int c, fc_error *err) {
    memset(img, 0, sizeof *img);
    if (w <= 0 || h <= 0 || (c != 1 && c != 3))
        return fc_fail(err, FC_EINTERNAL, "bad image shape %dx%dx%d", w, h, c);
    size_t n = (size_t)w * (size_t)h;
    if (n / (size_t)w != (size_t)h || n > SIZE_MAX / (size_t)c)
        return fc_fail(err, FC_ENOMEM, "image %dx%d is too large", w, h);
    img->px = calloc(n * (size_t)c, 1);
    if (!img->px) return fc_fail(err, FC_ENOMEM, "out of memory for a %dx%d image", w, h);
    img->w = w;
    img->h = h;
    img->c = c;
    return FC_OK;
}

static int check_dims(unsigned long w, unsigned long h, const char *what, fc_error *err) {
    if (w == 0 || h == 0) return fc_fail(err, FC_EINPUT, "%s has zero size", what);
    if (w > FC_IMAGE_MAX_SIDE || h > FC_IMAGE_MAX_SIDE ||
        (unsigned long long)w * (unsigned long long)h > FC_IMAGE_MAX_PIXELS)
        return fc_fail(err, FC_EINPUT, "%s is too large (%lux%lu; limit %dx%d and %llu megapixels)", what, w, h,
                       FC_IMAGE_MAX_SIDE, FC_IMAGE_MAX_SIDE, FC_IMAGE_MAX_PIXELS / 1000000ULL);
    return FC_OK;
}

fc_image_format fc_image_sniff(const uint8_t *buf, size_t len) {
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF) return FC_FMT_JPEG;
    if (len >= 8 && memcmp(buf, png_sig, 8) == 0) return FC_FMT_PNG;
    if (len >= 2 && buf[0] == 'P' && (buf[1] == '5' || buf[1] == '6')) return FC_FMT_PNM;
    return FC_FMT_UNKNOWN;
}

/* ---- JPEG --------------------------------------------------------------- */

/* A progressive JPEG can carry thousands of tiny scans that take minutes to
 * decode (a known libjpeg denial of service); real files use about 10. */
#define JPEG_MAX_SCANS 500

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
} jpeg_err;

static void jpeg_on_error(j_common_ptr c) {
    jpeg_err *e = (jpeg_err *)c->err;
    c->err->format_message(c, e->msg);
    longjmp(e->jb, 1);
}

/* Warnings that mean the entropy-coded data is damaged: stop instead of
 * returning a partly grey image.  Harmless ones (unknown JFIF revision, odd
 * Adobe transform code, extraneous bytes before a marker) are ignored. */
static void jpeg_on_message(j_common_ptr c, int level) {
    if (level >= 0) return; /* trace messages */
    switch (c->err->msg_code) {
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_JPEG_EOF:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        jpeg_on_error(c);
        break;
    default:
        c->err->num_warnings++;
    }
}

static void jpeg_on_progress(j_common_ptr c) {
    if (!c->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)c;
    if (d->input_scan_number > JPEG_MAX_SCANS) {
        jpeg_err *e = (jpeg_err *)c->err;
        snprintf(e->msg, sizeof e->msg, "more than %d progressive scans", JPEG_MAX_SCANS);
        longjmp(e->jb, 1);
    }
}

/* Memory source whose end is an error: jpeg_mem_src would instead warn and
 * insert a fake EOI, which turns a truncated file into a grey-padded image. */
static void src_init(j_decompress_ptr d) { (void)d; }
static boolean src_fill(j_decompress_ptr d) {
    ERREXIT(d, JERR_INPUT_EOF);
    return FALSE;
}
static void src_skip(j_decompress_ptr d, long n) {
    struct jpeg_source_mgr *s = d->src;
    if (n <= 0) return;
    if ((size_t)n > s->bytes_in_buffer) ERREXIT(d, JERR_INPUT_EOF);
    s->next_input_byte += n;
    s->bytes_in_buffer -= (size_t)n;
}
static void src_term(j_decompress_ptr d) { (void)d; }

/* Smallest power-of-two reduction 1/den (den <= 8) with min side >= min_side. */
static int jpeg_pick_denom(unsigned w, unsigned h, int min_side) {
    if (min_side <= 0) return 1;
    unsigned m = w < h ? w : h;
    int den = 1;
    while (den < 8 && (m + (unsigned)(2 * den) - 1) / (unsigned)(2 * den) >= (unsigned)min_side) den *= 2;
    return den;
}

static int decode_jpeg(const uint8_t *buf, size_t len, int min_side, fc_image *out, fc_error *err) {
    struct jpeg_decompress_struct d;
    struct jpeg_source_mgr src;
    struct jpeg_progress_mgr prog;
    jpeg_err je;
    /* Locals changed after setjmp and read after longjmp must be volatile. */
    uint8_t *volatile px = NULL;
    uint8_t *volatile row = NULL;
    volatile int created = 0;

    memset(&d, 0, sizeof d);
    d.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = jpeg_on_error;
    je.pub.emit_message = jpeg_on_message;
    je.msg[0] = 0;
    if (setjmp(je.jb)) {
        if (created) jpeg_destroy_decompress(&d);
        free(px);
        free(row);
        return fc_fail(err, FC_EINPUT, "corrupt JPEG: %s", je.msg);
    }
    jpeg_create_decompress(&d);
    created = 1;
    d.mem->max_memory_to_use = 1L << 30; /* progressive coefficient buffers */
    prog.progress_monitor = jpeg_on_progress;
    d.progress = &prog;
    src.next_input_byte = buf;
    src.bytes_in_buffer = len;
    src.init_source = src_init;
    src.fill_input_buffer = src_fill;
    src.skip_input_data = src_skip;
    src.resync_to_restart = jpeg_resync_to_restart;
    src.term_source = src_term;
    d.src = &src;

    jpeg_read_header(&d, TRUE);
    int st = check_dims(d.image_width, d.image_height, "JPEG image", err);
    if (st) {
        jpeg_destroy_decompress(&d);
        return st;
    }
    int cmyk = d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK;
    if (d.num_components != 1 && d.num_components != 3 && !cmyk) {
        jpeg_destroy_decompress(&d);
        return fc_fail(err, FC_EINPUT, "JPEG with %d colour components is not supported", d.num_components);
    }
    d.out_color_space = cmyk ? JCS_CMYK : JCS_RGB; /* libjpeg-turbo expands grey to RGB */
    d.scale_num = 1;
    d.scale_denom = (unsigned)jpeg_pick_denom(d.image_width, d.image_height, min_side);
    d.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&d);
    const unsigned w = d.output_width, h = d.output_height, nc = (unsigned)d.output_components;
    if (nc != (cmyk ? 4u : 3u) || w == 0 || h == 0) {
        jpeg_destroy_decompress(&d);
        return fc_fail(err, FC_EINPUT, "JPEG decoder gave %u components", nc);
    }
    px = malloc((size_t)w * h * 3);
    if (cmyk) row = malloc((size_t)w * 4);
    if (!px || (cmyk && !row)) {
        jpeg_destroy_decompress(&d);
        free(px);
        free(row);
        return fc_fail(err, FC_ENOMEM, "out of memory decoding a %ux%u JPEG", w, h);
    }
    /* Adobe CMYK JPEGs store inverted values; others (rare) store plain ones. */
    const int inverted = d.saw_Adobe_marker;
    while (d.output_scanline < h) {
        uint8_t *dst = px + (size_t)d.output_scanline * w * 3;
        JSAMPROW r = cmyk ? (JSAMPROW)row : (JSAMPROW)dst;
        if (jpeg_read_scanlines(&d, &r, 1) != 1) ERREXIT(&d, JERR_INPUT_EOF);
        if (cmyk) {
            for (unsigned x = 0; x < w; x++) {
                unsigned cc = row[4 * x], m = row[4 * x + 1], y = row[4 * x + 2], k = row[4 * x + 3];
                if (!inverted) cc = 255 - cc, m = 255 - m, y = 255 - y, k = 255 - k;
                dst[3 * x] = (uint8_t)((cc * k + 127) / 255);
                dst[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
                dst[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    free(row);
    out->w = (int)w;
    out->h = (int)h;
    out->c = 3;
    out->px = px;
    return FC_OK;
}

/* ---- PNG ---------------------------------------------------------------- */

typedef struct {
    jmp_buf jb;
    char msg[256];
} png_err;

static void png_on_error(png_structp png, png_const_charp msg) {
    png_err *e = png_get_error_ptr(png);
    snprintf(e->msg, sizeof e->msg, "%s", msg ? msg : "error");
    longjmp(e->jb, 1);
}
static void png_on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

typedef struct {
    const uint8_t *p;
    size_t left;
} png_reader;

static void png_read_mem(png_structp png, png_bytep dst, size_t n) {
    png_reader *r = png_get_io_ptr(png);
    if (n > r->left) png_error(png, "truncated file");
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
}

static int decode_png(const uint8_t *buf, size_t len, fc_image *out, fc_error *err) {
    png_err pe;
    png_reader rd = {buf, len};
    png_structp volatile png = NULL;
    png_infop volatile info = NULL;
    uint8_t *volatile px = NULL;
    png_bytep *volatile rows = NULL;
    pe.msg[0] = 0;

    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &pe, png_on_error, png_on_warning);
    if (!png) return fc_fail(err, FC_ENOMEM, "out of memory (libpng)");
    info = png_create_info_struct(png);
    if (!info) {
        png_structp p = png;
        png_destroy_read_struct(&p, NULL, NULL);
        return fc_fail(err, FC_ENOMEM, "out of memory (libpng)");
    }
    if (setjmp(pe.jb)) {
        png_structp p = png;
        png_infop i = info;
        png_destroy_read_struct(&p, &i, NULL);
        free(px);
        free(rows);
        return fc_fail(err, FC_EINPUT, "corrupt PNG: %s", pe.msg);
    }
    png_set_read_fn(png, &rd, png_read_mem);
    png_set_user_limits(png, FC_IMAGE_MAX_SIDE, FC_IMAGE_MAX_SIDE);
    png_set_chunk_malloc_max(png, 8u << 20); /* ancillary chunks (zTXt, iCCP bombs) */
    /* We keep no metadata and apply no colour management: skip every ancillary
     * chunk except tRNS (text, ICC profiles, compressed-chunk bombs). */
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    png_read_info(png, info);

    png_uint_32 w, h;
    int depth, ctype, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    int st = check_dims(w, h, "PNG image", err);
    if (st) {
        png_structp p = png;
        png_infop i = info;
        png_destroy_read_struct(&p, &i, NULL);
        return st;
    }
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_scale_16(png); /* rounds; strip_16 would truncate */
    if (ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_strip_alpha(png); /* also drops tRNS expanded by palette_to_rgb */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)w * 3)
        png_error(png, "unsupported pixel layout");

    px = malloc((size_t)w * h * 3);
    rows = malloc(sizeof(png_bytep) * h);
    if (!px || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = px + (size_t)y * w * 3;
    png_read_image(png, rows);
    /* Trailing chunks after the image data are not needed and not checked. */
    {
        png_structp p = png;
        png_infop i = info;
        png_destroy_read_struct(&p, &i, NULL);
    }
    free(rows);
    out->w = (int)w;
    out->h = (int)h;
    out->c = 3;
    out->px = px;
    return FC_OK;
}

/* ---- PPM (P6) / PGM (P5), binary ------------------------------------------ */

/* Next header integer; skips whitespace and # comments.  -1 on error. */
static long pnm_int(const uint8_t *b, size_t len, size_t *pos) {
    size_t i = *pos;
    for (;;) {
        while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == '\v' ||
                           b[i] == '\f'))
            i++;
        if (i < len && b[i] == '#') {
            while (i < len && b[i] != '\n' && b[i] != '\r') i++;
            continue;
        }
        break;
    }
    if (i >= len || b[i] < '0' || b[i] > '9') return -1;
    long v = 0;
    while (i < len && b[i] >= '0' && b[i] <= '9') {
        v = v * 10 + (b[i] - '0');
        if (v > 1000000) return -1;
        i++;
    }
    *pos = i;
    return v;
}

static int decode_pnm(const uint8_t *buf, size_t len, fc_image *out, fc_error *err) {
    const int ch = buf[1] == '6' ? 3 : 1;
    size_t pos = 2;
    long w = pnm_int(buf, len, &pos), h = pnm_int(buf, len, &pos), maxv = pnm_int(buf, len, &pos);
    if (w < 0 || h < 0 || maxv < 1 || maxv > 65535) return fc_fail(err, FC_EINPUT, "corrupt PPM/PGM header");
    /* Exactly one whitespace byte separates the header from the samples. */
    if (pos >= len || !(buf[pos] == ' ' || buf[pos] == '\t' || buf[pos] == '\n' || buf[pos] == '\r'))
        return fc_fail(err, FC_EINPUT, "corrupt PPM/PGM header");
    pos++;
    int st = check_dims((unsigned long)w, (unsigned long)h, "PPM/PGM image", err);
    if (st) return st;
    const size_t bps = maxv > 255 ? 2 : 1, n = (size_t)w * (size_t)h;
    if (len - pos < n * (size_t)ch * bps) return fc_fail(err, FC_EINPUT, "truncated PPM/PGM data");
    uint8_t *px = malloc(n * 3);
    if (!px) return fc_fail(err, FC_ENOMEM, "out of memory decoding a %ldx%ld image", w, h);
    const uint8_t *s = buf + pos;
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < ch; k++) {
            unsigned v = bps == 2 ? (unsigned)s[0] << 8 | s[1] : s[0];
            s += bps;
            if (v > (unsigned)maxv) v = (unsigned)maxv;
            uint8_t u = maxv == 255 ? (uint8_t)v : (uint8_t)((v * 255u + (unsigned)maxv / 2) / (unsigned)maxv);
            if (ch == 3) px[3 * i + (size_t)k] = u;
            else px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = u;
        }
    }
    out->w = (int)w;
    out->h = (int)h;
    out->c = 3;
    out->px = px;
    return FC_OK;
}

/* ---- decode entry points ------------------------------------------------ */

int fc_image_decode_scaled(const uint8_t *buf, size_t len, int min_side, fc_image *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    if (!buf || len == 0) return fc_fail(err, FC_EINPUT, "empty image data");
    switch (fc_image_sniff(buf, len)) {
    case FC_FMT_JPEG: return decode_jpeg(buf, len, min_side, out, err);
    case FC_FMT_PNG: return decode_png(buf, len, out, err);
    case FC_FMT_PNM: return decode_pnm(buf, len, out, err);
    default: return fc_fail(err, FC_EINPUT, "not a JPEG, PNG or binary PPM/PGM image");
    }
}

int fc_image_decode(const uint8_t *buf, size_t len, fc_image *out, fc_error *err) {
    return fc_image_decode_scaled(buf, len, 0, out, err);
}

int fc_image_load(const char *path, fc_image *out, fc_error *err) {
    uint8_t *buf;
    size_t len;
    memset(out, 0, sizeof *out);
    int st = fc_read_file(path, FC_IMAGE_MAX_FILE, &buf, &len, err);
    if (st) return st;
    st = fc_image_decode(buf, len, out, err);
    free(buf);
    if (st) fc_fail_ctx(err, st, "%s", path);
    return st;
}

/* ---- PNG encoding ------------------------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} png_writer;

static void png_write_mem(png_structp png, png_bytep src, size_t n) {
    png_writer *w = png_get_io_ptr(png);
    if (n > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap - w->len < n) {
            if (cap > SIZE_MAX / 2) png_error(png, "output too large");
            cap *= 2;
        }
        uint8_t *p = realloc(w->p, cap);
        if (!p) png_error(png, "out of memory");
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}
static void png_flush_mem(png_structp png) { (void)png; }

int fc_image_encode_png(const fc_image *img, uint8_t **out, size_t *len, fc_error *err) {
    *out = NULL;
    *len = 0;
    if (!img || !img->px || img->w <= 0 || img->h <= 0 || (img->c != 1 && img->c != 3))
        return fc_fail(err, FC_EINTERNAL, "fc_image_encode_png: bad image");
    if ((unsigned)img->w > PNG_UINT_31_MAX || (unsigned)img->h > PNG_UINT_31_MAX)
        return fc_fail(err, FC_EINPUT, "image too large for PNG");
    png_err pe;
    png_writer wr = {NULL, 0, 0};
    png_writer *volatile wrp = &wr;
    png_structp volatile png = NULL;
    png_infop volatile info = NULL;
    pe.msg[0] = 0;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &pe, png_on_error, png_on_warning);
    if (!png) return fc_fail(err, FC_ENOMEM, "out of memory (libpng)");
    info = png_create_info_struct(png);
    if (!info) {
        png_structp p = png;
        png_destroy_write_struct(&p, NULL);
        return fc_fail(err, FC_ENOMEM, "out of memory (libpng)");
    }
    if (setjmp(pe.jb)) {
        png_structp p = png;
        png_infop i = info;
        png_destroy_write_struct(&p, &i);
        free(wrp->p);
        return fc_fail(err, strstr(pe.msg, "memory") ? FC_ENOMEM : FC_EINTERNAL, "PNG encoding failed: %s", pe.msg);
    }
    png_set_write_fn(png, wrp, png_write_mem, png_flush_mem);
    png_set_compression_level(png, 6); /* zlib's default: good size/speed balance */
    /* Only IHDR here; no gAMA/sRGB/pHYs/tIME/tEXt are ever set, so libpng
     * writes just IHDR, IDAT and IEND. */
    png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 8,
                 img->c == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const size_t stride = (size_t)img->w * (size_t)img->c;
    for (int y = 0; y < img->h; y++) png_write_row(png, img->px + (size_t)y * stride);
    png_write_end(png, NULL);
    {
        png_structp p = png;
        png_infop i = info;
        png_destroy_write_struct(&p, &i);
    }
    *out = wr.p;
    *len = wr.len;
    return FC_OK;
}

int fc_image_save_png(const fc_image *img, const char *path, int overwrite, fc_error *err) {
    uint8_t *buf;
    size_t len;
    int st = fc_image_encode_png(img, &buf, &len, err);
    if (st) return st;
    st = fc_write_file_atomic(path, buf, len, overwrite, err);
    free(buf);
    return st;
}
