/* The geometry of a face cover: how many faces, of which size, a payload needs
 * (no generator: shared by the cover drawer, the limits and the CLI). */
#include "stego/cover.h"
#include "stego/layout.h"

void fc_face_grid_shape(uint64_t channels, int scale, int *cols, int *rows) {
    uint64_t tile = (uint64_t)FC_IMAGE_SIZE * (uint64_t)scale;
    uint64_t per_face = tile * tile * 3;
    for (int c = 1;; c++) {
        if (c > 1 && (uint64_t)c * (uint64_t)(c - 1) * per_face >= channels) {
            *cols = c;
            *rows = c - 1;
            return;
        }
        if ((uint64_t)c * (uint64_t)c * per_face >= channels) {
            *cols = *rows = c;
            return;
        }
    }
}

int fc_face_scale_auto(uint64_t channels) {
    for (int s = 1; s < 4; s++) {
        int c, r;
        fc_face_grid_shape(channels, s, &c, &r);
        if ((int64_t)c * r <= FC_AUTO_FACES_MAX) return s;
    }
    return 4;
}

void fc_face_cover_shape(size_t len, size_t name_len, int bits, int face_scale, int *cols, int *rows, int *scale) {
    uint64_t ch = fc_channels_needed(len, name_len, bits);
    *scale = face_scale >= 1 && face_scale <= 4 ? face_scale : fc_face_scale_auto(ch);
    fc_face_grid_shape(ch, *scale, cols, rows);
}
