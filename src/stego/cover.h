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

/* FC_ENOFIT with a message naming the smallest cover of the same aspect ratio
 * that holds `channels` slots, if w x h is too small. */
int fc_cover_check_fit(int w, int h, uint64_t channels, int bits, fc_error *err);

#endif
