/* Internal image helpers shared by src/data (not part of the public API).
 *
 * The public calls in include/facecrypt.h (fc_image_*) are thin wrappers over
 * these; the dataset uses the scaled decoder so a JPEG is decoded straight at
 * the smallest power-of-two reduction that still covers the target size. */
#ifndef FC_DATA_IMAGE_INTERNAL_H
#define FC_DATA_IMAGE_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

/* The limits applied to every decoded image (untrusted input) are public,
 * FC_IMAGE_MAX_SIDE and FC_IMAGE_MAX_PIXELS in facecrypt.h: the encryptor
 * makes no container larger than what this decoder reads back. */
/* Largest file fc_image_load reads. */
#define FC_IMAGE_MAX_FILE ((size_t)512 << 20)

typedef enum fc_image_format {
    FC_FMT_UNKNOWN = 0,
    FC_FMT_JPEG,
    FC_FMT_PNG,
    FC_FMT_PNM, /* binary PPM (P6) or PGM (P5) */
} fc_image_format;

/* fc_image_upscale_unit that also writes, when unrounded is not NULL, each
 * output value before rounding: dw*dh*c floats in out's interleaved order, on
 * the 0..255 scale (255 v after clamping v to [0,1]; out's byte is
 * lrintf of it).  The side information of side-informed embedding
 * (src/stego/costs.h). */
int fc_image_upscale_unit_si(const float *chw, int c, int w, int h, int dw, int dh, fc_image *out, float *unrounded,
                             fc_error *err);

/* Sniff the format from magic bytes. */
fc_image_format fc_image_sniff(const uint8_t *buf, size_t len);

/* Decode to RGB like fc_image_decode, but a JPEG is decoded with libjpeg's
 * scaled IDCT at the smallest of 1/1, 1/2, 1/4, 1/8 whose min(w, h) is still
 * >= min_side (min_side <= 0: full size).  Other formats decode at full size. */
int fc_image_decode_scaled(const uint8_t *buf, size_t len, int min_side, fc_image *out, fc_error *err);

/* Resample a w x h x c region (row stride `stride` bytes) into dst (dw x dh x c,
 * packed).  Per axis: area average when shrinking, bilinear (pixel centres
 * aligned) when enlarging, copy when equal.  Returns FC_ENOMEM or FC_OK. */
int fc_resample_u8(const uint8_t *src, int w, int h, size_t stride, int c, uint8_t *dst, int dw, int dh,
                   fc_error *err);

/* In place: `planes` planes of (f*side) x (f*side) floats -> side x side each, the mean of
 * every f x f block (an exact area reduction: a 128 px face drawn as a 64 px one). */
void fc_unit_box_down(float *x, int planes, int side, int f);

#endif
