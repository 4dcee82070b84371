/* Covers: faces from the generator, tiled in a grid just large enough for the
 * payload (cover_faces.c), and checks on a caller's own picture. */
#ifndef FC_STEGO_COVER_H
#define FC_STEGO_COVER_H
#include <stdint.h>
#include "facecrypt.h"

/* Faces at most this many before face_scale "auto" upscales them (a face costs
 * a generator pass; bigger faces hold more). */
#define FC_AUTO_FACES_MAX 64

/* Grid of cols x rows faces of (64*scale)^2 pixels holding >= channels slots:
 * the smallest near-square grid (rows = cols - 1 or cols). */
void fc_face_grid_shape(uint64_t channels, int scale, int *cols, int *rows);
/* scale = 1..4, the smallest with at most FC_AUTO_FACES_MAX faces (else 4). */
int fc_face_scale_auto(uint64_t channels);

/* Draw the face cover: face i (raster order over the grid) has latent z =
 * normals [100 i, 100 i + 100) of the keyed stream (cover subkey, nonce); at scale
 * > 1 each face is enlarged on its own with fc_image_upscale_unit (Lanczos-3). */
int fc_cover_faces(fc_model *m, const uint8_t key[32], const uint8_t nonce[24], uint64_t channels, int scale,
                   fc_image *out, fc_error *err);
/* The same, and, when unrounded is not NULL, *unrounded = w*h*3 floats (malloc'd,
 * out's order): each value before rounding, on the 0..255 scale (the side
 * information of side-informed costs, stego/costs.h). */
int fc_cover_faces_si(fc_model *m, const uint8_t key[32], const uint8_t nonce[24], uint64_t channels, int scale,
                      fc_image *out, float **unrounded, fc_error *err);

/* FC_ENOFIT with a message naming the smallest cover of the same aspect ratio
 * that holds `channels` slots, if w x h is too small. */
int fc_cover_check_fit(int w, int h, uint64_t channels, int bits, fc_error *err);

/* What makes a caller's picture unfit to hide bits in (cover_quality.c). */
typedef struct fc_cover_stats {
    double grey;    /* share of pixels with R = G = B */
    double flat;    /* share of horizontally adjacent pixel pairs that are equal in all channels */
    int used[3];    /* distinct values per channel */
    int created[3]; /* unused values per channel that embedding at `bits` reaches from a value used
                     * at least FC_COVER_GAP_COUNT times */
} fc_cover_stats;
#define FC_COVER_GREY_MAX 0.5 /* refused at or above */
#define FC_COVER_FLAT_MAX 0.5 /* refused at or above */
#define FC_COVER_GAP_COUNT 16

void fc_cover_assess(const fc_image *im, int bits, fc_cover_stats *s);
/* fc_cover_check_quality (facecrypt.h) refuses a cover with grey >= FC_COVER_GREY_MAX,
 * flat >= FC_COVER_FLAT_MAX, or a channel with created > used / 8 + 1. */

#endif
