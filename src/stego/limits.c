/* What a container may be: every cover the encryptor uses is within the image
 * decoder's limits (FC_IMAGE_MAX_SIDE, FC_IMAGE_MAX_PIXELS), so every container
 * it writes can be decrypted.  fc_encrypt_buffer runs fc_encrypt_check first;
 * the CLI runs it before it reads the secret or asks for a password. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "crypto/seal.h"
#include "stego/cover.h"
#include "stego/layout.h"
#include "util/error.h"

static int within(uint64_t w, uint64_t h) {
    return w >= 1 && h >= 1 && w <= FC_IMAGE_MAX_SIDE && h <= FC_IMAGE_MAX_SIDE && w * h <= FC_IMAGE_MAX_PIXELS;
}

int fc_cover_check_limit(int w, int h, fc_error *err) {
    if (w <= 0 || h <= 0) return fc_fail(err, FC_EUSAGE, "bad cover size %dx%d", w, h);
    if (within((uint64_t)w, (uint64_t)h)) return FC_OK;
    /* The largest W'xH' of the same shape (H' = floor(W' h / w)) within the limits. */
    double s = fmin((double)FC_IMAGE_MAX_SIDE / w, (double)FC_IMAGE_MAX_SIDE / h);
    s = fmin(s, sqrt((double)FC_IMAGE_MAX_PIXELS / ((double)w * h)));
    uint64_t W = (uint64_t)((double)w * s) + 2, H = 0;
    for (; W > 1; W--) {
        H = W * (uint64_t)h / (uint64_t)w;
        if (H >= 1 && within(W, H)) break;
    }
    if (H < 1) H = 1;
    return fc_fail(err, FC_ENOFIT,
                   "a %dx%d cover is larger than any container can be: decrypt reads at most %d pixels a side "
                   "and %llu megapixels (the largest cover of this shape is %llux%llu)",
                   w, h, FC_IMAGE_MAX_SIDE, FC_IMAGE_MAX_PIXELS / 1000000ULL, (unsigned long long)W,
                   (unsigned long long)H);
}

/* Size of the face grid fc_encrypt_buffer draws for `channels` slots. */
static void face_dims(uint64_t channels, int face_scale, uint64_t *w, uint64_t *h) {
    int scale = face_scale ? face_scale : fc_face_scale_auto(channels);
    int cols, rows;
    fc_face_grid_shape(channels, scale, &cols, &rows);
    *w = (uint64_t)cols * FC_IMAGE_SIZE * (uint64_t)scale;
    *h = (uint64_t)rows * FC_IMAGE_SIZE * (uint64_t)scale;
}

/* Which cover a check is about. */
typedef struct cover_spec {
    int kind; /* 0: faces at scale; 1: a caller's cover of w x h; 2: a caller's cover of any size */
    int scale;
    uint64_t w, h;
} cover_spec;

static int fits(uint64_t len, size_t name_len, int bits, const cover_spec *c) {
    if (fc_sealed_len(len, name_len) > FC_MAX_SEALED) return 0;
    uint64_t ch = fc_channels_needed((size_t)len, name_len, bits);
    if (c->kind == 0) {
        uint64_t w, h;
        face_dims(ch, c->scale, &w, &h);
        return within(w, h);
    }
    if (c->kind == 1) return ch <= c->w * c->h * 3;
    return ch <= FC_IMAGE_MAX_PIXELS * 3;
}

/* Largest len with fits(len) (fits is monotone in len), or -1. */
static int64_t max_fit(size_t name_len, int bits, const cover_spec *c) {
    if (!fits(0, name_len, bits, c)) return -1;
    uint64_t lo = 0, hi = FC_MAX_SEALED; /* fits(lo), !fits(hi) */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (fits(mid, name_len, bits, c)) lo = mid;
        else hi = mid;
    }
    return (int64_t)lo;
}

int64_t fc_max_secret(int bits, size_t name_len, int faces, int face_scale) {
    if (!fc_sizing_valid(bits) || name_len > FC_NAME_MAX || face_scale < 0 || face_scale > 4) return -1;
    cover_spec c = {faces ? 0 : 2, face_scale, 0, 0};
    return max_fit(name_len, bits, &c);
}

int fc_encrypt_check(uint64_t len, const char *name, const fc_encrypt_opts *opts, int cover_w, int cover_h,
                     fc_error *err) {
    if (opts && opts->face_scale && (opts->face_scale < 1 || opts->face_scale > 4))
        return fc_fail(err, FC_EUSAGE, "face scale must be 1..4");
    if (opts && opts->bits && opts->bits != 1 && opts->bits != 2)
        return fc_fail(err, FC_EUSAGE, "bits per channel must be 1 or 2");
    int bits = fc_opts_sizing_bits(opts);
    size_t name_len = name ? strlen(name) : 0;
    if (name_len > FC_NAME_MAX) return fc_fail(err, FC_EUSAGE, "file name longer than %d bytes", FC_NAME_MAX);
    if (name && strchr(name, '/')) return fc_fail(err, FC_EUSAGE, "file name must not contain '/'");
    const fc_image *user = opts ? opts->cover : NULL;
    if (user && (user->c != 3 || user->w <= 0 || user->h <= 0 || !user->px))
        return fc_fail(err, FC_EINPUT, "the cover must be an RGB image");
    cover_spec c = {0, opts ? opts->face_scale : 0, 0, 0};
    if (user || (cover_w > 0 && cover_h > 0)) {
        int w = user ? user->w : cover_w, h = user ? user->h : cover_h;
        int rc = fc_cover_check_limit(w, h, err);
        if (rc) return rc;
        c.kind = 1;
        c.w = (uint64_t)w;
        c.h = (uint64_t)h;
    } else if (cover_w < 0) {
        c.kind = 2;
    }
    /* A caller's picture, even one still to be made: the stealth default's rate
     * for pictures. */
    if (c.kind != 0 && bits == FC_STEALTH) bits = FC_STEALTH_COVER;
    if (fits(len, name_len, bits, &c)) return FC_OK;

    const char *more = bits == FC_STEALTH         ? "; --dense holds about 5 times as much (less stealthy)"
                       : bits == FC_STEALTH_COVER ? "; --dense holds about 8 times as much (less stealthy)"
                       : bits == 1                ? "; --bits 2 holds about twice as much"
                                                  : "";
    char how[64];
    if (fc_sizing_stealth(bits))
        snprintf(how, sizeof how, "at the stealth rate (%g bits per channel)",
                 bits == FC_STEALTH ? FC_STEALTH_RATE : FC_STEALTH_COVER_RATE);
    else snprintf(how, sizeof how, "at %d bit%s per channel", bits, bits == 1 ? "" : "s");
    if (c.kind == 0) {
        int64_t m = max_fit(name_len, bits, &c);
        uint64_t w, h;
        face_dims(fc_channels_needed((size_t)(m < 0 ? 0 : m), name_len, bits), c.scale, &w, &h);
        return fc_fail(err, FC_ENOFIT,
                       "the secret is too large (%llu bytes): at most %lld bytes fit a cover of generated faces "
                       "%s (%llux%llu; decrypt reads at most %d pixels a side and %llu "
                       "megapixels)%s",
                       (unsigned long long)len, (long long)m, how, (unsigned long long)w,
                       (unsigned long long)h, FC_IMAGE_MAX_SIDE, FC_IMAGE_MAX_PIXELS / 1000000ULL, more);
    }
    unsigned long long side = (unsigned long long)sqrt((double)FC_IMAGE_MAX_PIXELS);
    cover_spec any = {2, 0, 0, 0};
    if (c.kind == 1 && fits(len, name_len, bits, &any))
        return fc_cover_check_fit((int)c.w, (int)c.h, fc_channels_needed((size_t)len, name_len, bits), bits, err);
    return fc_fail(err, FC_ENOFIT,
                   "the secret is too large (%llu bytes): at most %lld bytes fit any cover %s "
                   "(a cover of %llu megapixels, the most decrypt reads, e.g. %llux%llu)%s",
                   (unsigned long long)len, (long long)max_fit(name_len, bits, &any), how,
                   FC_IMAGE_MAX_PIXELS / 1000000ULL, side, side, more);
}
