/* Making a container: seal the secret (src/crypto), pick or draw a cover
 * (src/stego/cover*.c), and hide header and ciphertext in it (src/stego/lsb.c).
 * Reading one is in open.c.  Layout: docs/container-format.md. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "crypto/seal.h"
#include "crypto/stream.h"
#include "stego/cover.h"
#include "stego/layout.h"
#include "stego/lsb.h"
#include "stego/perm.h"
#include "util/error.h"

void fc_encrypt_opts_init(fc_encrypt_opts *o) { memset(o, 0, sizeof *o); }

static int check_name(const char *name, size_t *len, fc_error *err) {
    *len = name ? strlen(name) : 0;
    if (*len > FC_NAME_MAX) return fc_fail(err, FC_EUSAGE, "file name longer than %d bytes", FC_NAME_MAX);
    if (name && strchr(name, '/')) return fc_fail(err, FC_EUSAGE, "file name must not contain '/'");
    return FC_OK;
}

/* Everything an encryption decides before touching a cover. */
typedef struct sealing {
    fc_public_header pub;
    uint8_t pub_bytes[FC_PUBLIC_BYTES];
    uint8_t nonce[FC_NONCE_BYTES];
    fc_subkeys *keys;
    uint8_t *payload;     /* keyed header + ciphertext */
    uint64_t payload_len;
} sealing;

static void sealing_free(sealing *s) {
    fc_subkeys_free(s->keys);
    free(s->payload);
    memset(s, 0, sizeof *s);
}

static int seal_secret(const uint8_t *secret, size_t len, const char *name, const fc_encrypt_opts *opts,
                       const fc_key *key, sealing *s, fc_error *err) {
    memset(s, 0, sizeof *s);
    int rc = fc_sodium_ready(err);
    if (rc) return rc;
    size_t name_len;
    if ((rc = check_name(name, &name_len, err))) return rc;
    int bits = opts && opts->bits ? opts->bits : 1;
    if (bits != 1 && bits != 2) return fc_fail(err, FC_EUSAGE, "bits per channel must be 1 or 2");
    if (len && !secret) return fc_fail(err, FC_EUSAGE, "no secret");
    uint64_t sealed = fc_sealed_len(len, name_len);
    if (len > FC_MAX_SEALED || sealed > FC_MAX_SEALED)
        return fc_fail(err, FC_ENOFIT, "the secret is too large (%zu bytes; at most about 4 GiB)", len);

    s->pub.version = FC_FORMAT_VERSION;
    s->pub.bits = bits;
    if ((rc = fc_kdf_params_for(key, opts, &s->pub.kdf, err))) return rc;
    if (opts && opts->salt) memcpy(s->pub.salt, opts->salt, FC_SALT_BYTES);
    else randombytes_buf(s->pub.salt, FC_SALT_BYTES);
    if (opts && opts->nonce) memcpy(s->nonce, opts->nonce, FC_NONCE_BYTES);
    else randombytes_buf(s->nonce, FC_NONCE_BYTES);
    fc_public_header_pack(&s->pub, s->pub_bytes);

    if ((rc = fc_derive_subkeys(key, s->pub.salt, &s->pub.kdf, &s->keys, err))) return rc;
    s->payload_len = FC_KEYED_HEADER + sealed;
    s->payload = malloc((size_t)s->payload_len);
    if (!s->payload) {
        sealing_free(s);
        return fc_fail(err, FC_ENOMEM, "out of memory (%llu bytes)", (unsigned long long)s->payload_len);
    }
    fc_keyed_header_pack(s->nonce, (uint32_t)sealed, s->payload);
    uint8_t ad[FC_AD_BYTES];
    memcpy(ad, s->pub_bytes, FC_PUBLIC_BYTES);
    memcpy(ad + FC_PUBLIC_BYTES, s->payload, FC_KEYED_HEADER);
    rc = fc_seal(secret, len, name, name_len, ad, sizeof ad, s->nonce, s->keys->aead, s->payload + FC_KEYED_HEADER,
                 err);
    if (rc) sealing_free(s);
    return rc;
}

int fc_cipher_layer(const uint8_t *secret, size_t len, const char *name, const fc_encrypt_opts *opts,
                    const fc_key *key, uint8_t **out, size_t *out_len, size_t *data_offset, fc_error *err) {
    *out = NULL;
    *out_len = 0;
    if (data_offset) *data_offset = 0;
    sealing s;
    int rc = seal_secret(secret, len, name, opts, key, &s, err);
    if (rc) return rc;
    size_t n = (size_t)(s.payload_len - FC_KEYED_HEADER);
    memmove(s.payload, s.payload + FC_KEYED_HEADER, n);
    *out = s.payload;
    *out_len = n;
    if (data_offset) *data_offset = FC_INNER_HEADER + (name ? strlen(name) : 0);
    s.payload = NULL;
    sealing_free(&s);
    return FC_OK;
}

static int copy_image(const fc_image *src, fc_image *dst, fc_error *err) {
    int rc = fc_image_alloc(dst, src->w, src->h, src->c, err);
    if (!rc) memcpy(dst->px, src->px, (size_t)src->w * src->h * src->c);
    return rc;
}

/* The face cover for a sealing: the caller's model or the embedded one. */
static int draw_faces(const fc_encrypt_opts *opts, const sealing *s, uint64_t channels, fc_image *cover,
                      fc_error *err) {
    fc_model *m = opts ? opts->model : NULL, *own = NULL;
    int rc = FC_OK;
    if (!m) {
        rc = fc_model_load_default(&own, err);
        if (rc) return fc_fail_ctx(err, rc, "loading the embedded generator");
        m = own;
    }
    int scale = opts && opts->face_scale ? opts->face_scale : fc_face_scale_auto(channels);
    rc = fc_cover_faces(m, s->keys->cover, s->nonce, channels, scale, cover, err);
    fc_model_free(own);
    return rc;
}

int fc_encrypt_buffer(const uint8_t *secret, size_t len, const char *name, const fc_encrypt_opts *opts,
                      const fc_key *key, fc_image *container, fc_image *cover_out, fc_error *err) {
    memset(container, 0, sizeof *container);
    if (cover_out) memset(cover_out, 0, sizeof *cover_out);
    /* Options, and a container within the decoder's limits, before the (possibly
     * slow) key derivation. */
    int rc = fc_encrypt_check(len, name, opts, 0, 0, err);
    if (rc) return rc;
    const fc_image *user = opts ? opts->cover : NULL;
    size_t name_len = name ? strlen(name) : 0;
    int bits = opts && opts->bits ? opts->bits : 1;
    uint64_t channels = fc_channels_needed(len, name_len, bits);
    if (user && (rc = fc_cover_check_quality(user, bits, err))) return rc;

    sealing s;
    if ((rc = seal_secret(secret, len, name, opts, key, &s, err))) return rc;
    fc_image cover = {0};
    rc = user ? copy_image(user, &cover, err) : draw_faces(opts, &s, channels, &cover, err);
    if (!rc) rc = copy_image(&cover, container, err);
    uint8_t *signs = NULL;
    uint64_t keyed = 0, used = 0;
    if (!rc) {
        keyed = fc_keyed_slots((uint64_t)cover.w, (uint64_t)cover.h);
        used = fc_slots_for_bytes(s.payload_len, bits);
        if (used > keyed) rc = fc_fail(err, FC_EINTERNAL, "cover smaller than the payload");
        else if (keyed > 0xffffffffu) rc = fc_fail(err, FC_EUSAGE, "the cover is too large (at most 1.4 gigapixels)");
    }
    if (!rc) {
        size_t sign_bytes = (size_t)(((uint64_t)cover.w * cover.h * 3 + 7) / 8);
        signs = malloc(sign_bytes);
        if (!signs) rc = fc_fail(err, FC_ENOMEM, "out of memory");
        else fc_keystream(s.keys->sign, s.nonce, 0, signs, sign_bytes);
    }
    fc_perm perm = {0};
    if (!rc) rc = fc_perm_init(&perm, (uint32_t)keyed, s.keys->slots, err);
    if (!rc) {
        fc_lsb_embed_public(container->px, s.pub_bytes, FC_PUBLIC_BYTES, signs);
        fc_lsb_embed_keyed(container->px, FC_PUBLIC_SLOTS, &perm, bits, 0, s.payload, (size_t)s.payload_len, signs,
                           FC_WALK_AUTO);
    }
    fc_perm_free(&perm);
    free(signs);
    sealing_free(&s);
    if (rc) {
        fc_image_free(container);
        fc_image_free(&cover);
        return rc;
    }
    if (cover_out) *cover_out = cover;
    else fc_image_free(&cover);
    return FC_OK;
}
