/* Reading a container: format v1 (when its fixed public header is there) and
 * format v2, with one answer for every failure to authenticate.  Kept apart from
 * the sealing side (container.c) so that it links without the generator (fuzz
 * target).  Layout and trial order: docs/container-format.md. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "stego/open.h"
#include "util/error.h"

void fc_decrypt_opts_init(fc_decrypt_opts *o) { memset(o, 0, sizeof *o); }

int fc_decrypt_image(const fc_image *container, const fc_key *key, uint8_t **data, size_t *len, char **name,
                     fc_error *err) {
    return fc_decrypt_image_opts(container, key, NULL, data, len, name, err);
}

int fc_decrypt_image_opts(const fc_image *container, const fc_key *key, const fc_decrypt_opts *opts, uint8_t **data,
                          size_t *len, char **name, fc_error *err) {
    *data = NULL;
    *len = 0;
    if (name) *name = NULL;
    if (!key) return fc_fail(err, FC_EUSAGE, "no key");
    if (!container || !container->px || container->c != 3 || container->w <= 0 || container->h <= 0)
        return fc_fail(err, FC_EINPUT, "the container must be an RGB image");
    int rc = fc_sodium_ready(err);
    if (rc) return rc;
    /* v1 first: whether its 26-byte header is there is decided before any key
     * derivation, from bits that are in the clear anyway (a v2 container or a
     * picture passes that check with probability about 2^-78), and a v1 container
     * then costs its own derivation only, not every v2 preset before it.  If v1
     * fails, v2 is tried all the same. */
    fc_opened o;
    rc = fc_open_v1(container, key, &o, err);
    if (rc == FC_EAUTH) rc = fc_open_v2(container, key, opts ? opts->kdf_presets : 0, &o, err);
    /* Every failure to authenticate, in either format and for whatever reason,
     * gives the same words: they must not tell a container from a picture. */
    if (rc == FC_EAUTH) return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    if (rc) return rc;
    if (name) {
        *name = malloc(o.name_len + 1);
        if (!*name) {
            sodium_memzero(o.buf, o.buf_len);
            free(o.buf);
            return fc_fail(err, FC_ENOMEM, "out of memory");
        }
        memcpy(*name, o.name, o.name_len);
        (*name)[o.name_len] = 0;
    }
    /* Move the secret to the front of the buffer, wipe the rest (the stored name
     * and tag), and hand the whole buffer over.  No realloc: a shrinking realloc
     * may move the block and free the old one with the plaintext still in it. */
    memmove(o.buf, o.data, o.len);
    sodium_memzero(o.buf + o.len, o.buf_len - o.len);
    *data = o.buf;
    *len = o.len;
    return FC_OK;
}
