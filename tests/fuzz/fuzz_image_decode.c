/* libFuzzer target: fc_image_decode (JPEG, PNG, PPM/PGM by magic) and the
 * scaled JPEG path, plus a crop/resize of whatever decodes.  Any crash, leak,
 * or UB report is a bug.  Build and run:
 *   make fuzz-image && build-fuzz/fuzz_image_decode -max_len=65536 corpus/ */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "data/image_internal.h"
#include "facecrypt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fc_image im, small;
    fc_error err;
    /* The first byte picks the target size for the scaled decode and resize. */
    int min_side = size ? 1 + data[0] % 96 : 64;
    if (fc_image_decode(data, size, &im, &err) == FC_OK) {
        if (fc_image_center_crop_resize(&im, min_side, &small, &err) == FC_OK) fc_image_free(&small);
        uint8_t *png;
        size_t n;
        if (im.w * im.h <= 1 << 20 && fc_image_encode_png(&im, &png, &n, &err) == FC_OK) {
            fc_image back;
            if (fc_image_decode(png, n, &back, &err) != FC_OK) __builtin_trap(); /* our own PNG must decode */
            fc_image_free(&back);
            free(png);
        }
        fc_image_free(&im);
    }
    if (fc_image_decode_scaled(data, size, min_side, &im, &err) == FC_OK) fc_image_free(&im);
    return 0;
}
