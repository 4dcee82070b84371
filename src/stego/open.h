/* The container readers (docs/container-format.md, "Reading"): v1 and v2 each
 * either open the container or fail; fc_decrypt_image_opts (open.c) tries both
 * and turns every failure to authenticate into one message. */
#ifndef FC_STEGO_OPEN_H
#define FC_STEGO_OPEN_H
#include <stddef.h>
#include <stdint.h>
#include "facecrypt.h"

/* An opened container: buf (malloc'd, buf_len bytes) holds the plaintext, with
 * the secret at data and the stored name at name (both inside buf). */
typedef struct fc_opened {
    uint8_t *buf;
    size_t buf_len;
    uint8_t *data, *name;
    size_t len, name_len;
} fc_opened;

/* FC_EAUTH: not opened (nothing allocated; the message does not matter, the
 * caller replaces it).  Anything else is final: FC_OK, FC_ENOMEM, FC_EINPUT (an
 * authenticated container whose contents are malformed), FC_EINTERNAL. */
int fc_open_v1(const fc_image *im, const fc_key *key, fc_opened *out, fc_error *err);
/* presets: fc_decrypt_opts.kdf_presets. */
int fc_open_v2(const fc_image *im, const fc_key *key, unsigned presets, fc_opened *out, fc_error *err);

#endif
