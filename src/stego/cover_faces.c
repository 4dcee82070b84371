/* Face covers from the generator (public model API only).  A face tile is 64 * scale
 * pixels whatever the generator draws (64, or 128 for face128), so a container's size
 * and capacity do not depend on the model: faces drawn smaller than the tile are
 * enlarged with Lanczos-3 (src/data/upscale.c), faces drawn at twice the tile are
 * area-reduced (fc_unit_box_down), equal sizes are only rounded. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/stream.h"
#include "data/image_internal.h"
#include "stego/cover.h"
#include "stego/layout.h"
#include "util/error.h"

/* Faces generated per generator call: bounds the float buffers (49 KiB a face). */
#define FC_FACE_BATCH 16

/* Copy a tile (tw x tw RGB) into the grid at tile column tx, tile row ty. */
static void put_tile(fc_image *grid, const fc_image *tile, int tx, int ty) {
    size_t row = (size_t)tile->w * 3;
    for (int y = 0; y < tile->h; y++)
        memcpy(grid->px + (((size_t)ty * tile->h + y) * grid->w + (size_t)tx * tile->w) * 3,
               tile->px + (size_t)y * row, row);
}

/* The same for a tile's unrounded values (floats). */
static void put_tile_f(float *grid, int gw, const float *tile, int tw, int tx, int ty) {
    size_t row = (size_t)tw * 3;
    for (int y = 0; y < tw; y++)
        memcpy(grid + (((size_t)ty * tw + y) * (size_t)gw + (size_t)tx * tw) * 3, tile + (size_t)y * row,
               row * sizeof *grid);
}

int fc_cover_faces(fc_model *m, const uint8_t key[32], const uint8_t nonce[24], uint64_t channels, int scale,
                   fc_image *out, fc_error *err) {
    return fc_cover_faces_si(m, key, nonce, channels, scale, out, NULL, err);
}

int fc_cover_faces_si(fc_model *m, const uint8_t key[32], const uint8_t nonce[24], uint64_t channels, int scale,
                      fc_image *out, float **unrounded, fc_error *err) {
    memset(out, 0, sizeof *out);
    if (unrounded) *unrounded = NULL;
    if (scale < 1 || scale > 4) return fc_fail(err, FC_EUSAGE, "face scale must be 1..4");
    int cols, rows;
    fc_face_grid_shape(channels, scale, &cols, &rows);
    const int tile = FC_IMAGE_SIZE * scale;
    const uint64_t gw = (uint64_t)cols * (uint64_t)tile, gh = (uint64_t)rows * (uint64_t)tile;
    if (gw > FC_IMAGE_MAX_SIDE || gh > FC_IMAGE_MAX_SIDE || gw * gh > FC_IMAGE_MAX_PIXELS)
        return fc_fail(err, FC_ENOFIT, "the secret is too large for a face cover (%dx%d faces, beyond the %llu "
                       "megapixels decrypt reads)", cols, rows, FC_IMAGE_MAX_PIXELS / 1000000ULL);
    const int side = fc_model_image_size(m);
    const int down = side > tile ? side / tile : 1, fside = side / down; /* drawn, and after the reduction */
    if (down > 1 && side % tile) return fc_fail(err, FC_EUSAGE, "faces of %d px do not reduce to %d px", side, tile);
    int rc = fc_image_alloc(out, cols * tile, rows * tile, 3, err);
    if (rc) return rc;

    const size_t zdim = FC_LATENT_DIM, fsz = fc_model_image_floats(m);
    float *z = malloc(FC_FACE_BATCH * zdim * sizeof *z);
    float *faces = malloc(FC_FACE_BATCH * fsz * sizeof *faces);
    const size_t tsz = (size_t)tile * tile * 3;
    float *tile_u = unrounded ? malloc(tsz * sizeof *tile_u) : NULL;
    float *grid_u = unrounded ? malloc(tsz * (size_t)cols * (size_t)rows * sizeof *grid_u) : NULL;
    if (!z || !faces || (unrounded && (!tile_u || !grid_u))) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory");
        goto done;
    }
    const int total = cols * rows;
    for (int i0 = 0; i0 < total && !rc; i0 += FC_FACE_BATCH) {
        int n = total - i0 < FC_FACE_BATCH ? total - i0 : FC_FACE_BATCH;
        fc_stream_normals(key, nonce, (uint64_t)i0 * zdim, (size_t)n * zdim, z);
        rc = fc_model_generate(m, z, n, faces, err);
        if (rc) break;
        fc_model_output_to_unit(m, faces, (size_t)n * fsz);
        for (int j = 0; j < n && !rc; j++) {
            /* Larger faces are enlarged from the unrounded output (Lanczos-3); at
             * scale 1 this is plain rounding, as fc_grid_image. */
            fc_image face = {0};
            float *fj = faces + (size_t)j * fsz;
            if (down > 1) fc_unit_box_down(fj, 3, fside, down);
            rc = fc_image_upscale_unit_si(fj, 3, fside, fside, tile, tile, &face, tile_u, err);
            if (!rc) put_tile(out, &face, (i0 + j) % cols, (i0 + j) / cols);
            if (!rc && grid_u) put_tile_f(grid_u, out->w, tile_u, tile, (i0 + j) % cols, (i0 + j) / cols);
            fc_image_free(&face);
        }
    }
done:
    if (z) sodium_memzero(z, FC_FACE_BATCH * zdim * sizeof *z);
    free(z);
    free(faces);
    free(tile_u);
    if (rc) {
        fc_image_free(out);
        free(grid_u);
    } else if (unrounded) {
        *unrounded = grid_u;
    }
    return rc;
}
