/* Making a container: seal the secret (src/crypto), pick or draw a cover
 * (src/stego/cover*.c), and hide salt, nonce, encrypted header and sealed body in
 * it (src/stego/slots.c says where; src/stego/body_stc.c how for the default,
 * format v3, all by STC; src/stego/lsb.c how for --dense, format v2).  Reading one is
 * in open*.c.  Layout: docs/container-format.md. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "crypto/seal.h"
#include "crypto/stream.h"
#include "stego/body_stc.h"
#include "stego/cover.h"
#include "stego/layout.h"
#include "stego/lsb.h"
#include "stego/slots.h"
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
    uint64_t w, h;                    /* the container's size (bound into the AEAD data) */
    int version;                      /* 3 (the default: all by STC) or 2 (--dense: LSB matching) */
    int mode;                         /* FC_V2_MODE_STC (default) or FC_V2_MODE_LSB (dense) */
    int bits;                         /* body bits per slot: 1 (mode 1), 1 or 2 (mode 0) */
    uint8_t pub[FC_V2_PUBLIC_BYTES];  /* salt || nonce: the public slots */
    const uint8_t *nonce;             /* = pub + FC_SALT_BYTES */
    fc_subkeys *keys;
    uint8_t header[FC_V2_HEADER_BYTES]; /* key commitment, encrypted header */
    uint8_t *body;                    /* sealed secret */
    uint64_t body_len;
} sealing;

static void sealing_free(sealing *s) {
    fc_subkeys_free(s->keys);
    free(s->body);
    memset(s, 0, sizeof *s);
}

/* The size of the cover an encryption will use: the caller's, or the face grid. */
static void cover_size(size_t len, size_t name_len, const fc_encrypt_opts *opts, uint64_t *w, uint64_t *h) {
    if (opts && opts->cover) {
        *w = (uint64_t)opts->cover->w;
        *h = (uint64_t)opts->cover->h;
        return;
    }
    int cols, rows, scale;
    fc_face_cover_shape(len, name_len, fc_opts_sizing_bits(opts), opts ? opts->face_scale : 0, &cols, &rows, &scale);
    *w = (uint64_t)cols * FC_IMAGE_SIZE * (uint64_t)scale;
    *h = (uint64_t)rows * FC_IMAGE_SIZE * (uint64_t)scale;
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
    int dense = !fc_sizing_stealth(fc_opts_sizing_bits(opts)); /* --dense, or 2 bits (mode 1 has 1) */
    if (len && !secret) return fc_fail(err, FC_EUSAGE, "no secret");
    uint64_t sealed = fc_sealed_len(len, name_len);
    if (len > FC_MAX_SEALED || sealed > FC_MAX_SEALED)
        return fc_fail(err, FC_ENOFIT, "the secret is too large (%zu bytes; at most about 4 GiB)", len);
    int kdf_id;
    if ((rc = fc_kdf2_id_for(key, opts, &kdf_id, err))) return rc;
    s->mode = dense ? FC_V2_MODE_LSB : FC_V2_MODE_STC;
    s->version = dense ? 2 : 3;
    s->bits = bits;
    cover_size(len, name_len, opts, &s->w, &s->h);
    if (opts && opts->salt) memcpy(s->pub, opts->salt, FC_SALT_BYTES);
    else randombytes_buf(s->pub, FC_SALT_BYTES);
    if (opts && opts->nonce) memcpy(s->pub + FC_SALT_BYTES, opts->nonce, FC_NONCE_BYTES);
    else randombytes_buf(s->pub + FC_SALT_BYTES, FC_NONCE_BYTES);
    s->nonce = s->pub + FC_SALT_BYTES;
    if ((rc = fc_derive_subkeys_v2(key, kdf_id, s->pub, &s->keys, err))) return rc;

    /* The header: the key commitment, then how the body is embedded and its
     * length, encrypted. */
    fc_v2_header hd = {s->mode, bits, 0, (uint32_t)sealed};
    uint8_t ad[FC_V2_AD_BYTES + FC_V2_HEADER_PLAIN];
    fc_v2_ad(s->version, s->w, s->h, kdf_id, s->pub, ad);
    fc_v2_header_pack(&hd, ad + FC_V2_AD_BYTES);
    unsigned long long hl = 0;
    fc_v2_commit(s->keys->header, ad, s->header);
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(s->header + FC_V2_COMMIT_BYTES, &hl, ad + FC_V2_AD_BYTES,
                                                   FC_V2_HEADER_PLAIN, ad, FC_V2_AD_BYTES, NULL, s->nonce,
                                                   s->keys->header) != 0 ||
        hl != FC_V2_HEADER_BYTES - FC_V2_COMMIT_BYTES) {
        sealing_free(s);
        return fc_fail(err, FC_EINTERNAL, "XChaCha20-Poly1305 encryption failed");
    }
    /* The body: the secret and its name, bound to the header. */
    s->body_len = sealed;
    s->body = malloc((size_t)sealed);
    if (!s->body) {
        sealing_free(s);
        return fc_fail(err, FC_ENOMEM, "out of memory (%llu bytes)", (unsigned long long)sealed);
    }
    rc = fc_seal(secret, len, name, name_len, ad, sizeof ad, s->nonce, s->keys->aead, s->body, err);
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
    *out = s.body;
    *out_len = (size_t)s.body_len;
    if (data_offset) *data_offset = FC_INNER_HEADER + (name ? strlen(name) : 0);
    s.body = NULL;
    sealing_free(&s);
    return FC_OK;
}

static int copy_image(const fc_image *src, fc_image *dst, fc_error *err) {
    int rc = fc_image_alloc(dst, src->w, src->h, src->c, err);
    if (!rc) memcpy(dst->px, src->px, (size_t)src->w * src->h * src->c);
    return rc;
}

/* The face cover for a sealing: the caller's model or the embedded one.  For
 * mode 1, *unrounded = the generator's values before rounding (side
 * information). */
static int draw_faces(const fc_encrypt_opts *opts, const sealing *s, uint64_t channels, fc_image *cover,
                      float **unrounded, fc_error *err) {
    fc_model *m = opts ? opts->model : NULL, *own = NULL;
    int rc = FC_OK;
    if (!m) {
        rc = fc_model_load_default(&own, err);
        if (rc) return fc_fail_ctx(err, rc, "loading the embedded generator");
        m = own;
    }
    int scale = opts && opts->face_scale ? opts->face_scale : fc_face_scale_auto(channels);
    rc = fc_cover_faces_si(m, s->keys->cover, s->nonce, channels, scale, cover,
                           s->mode == FC_V2_MODE_STC ? unrounded : NULL, err);
    fc_model_free(own);
    return rc;
}

/* Hide a sealing in a cover (container = a copy of the cover on entry;
 * unrounded: NULL or its values before rounding, for the STC costs).  v3: public
 * bytes, header and body by STC; v2 (--dense): all by LSB matching. */
static int embed(const sealing *s, fc_image *container, const float *unrounded, fc_error *err) {
    fc_slot_map map;
    const uint64_t w = (uint64_t)container->w, h = (uint64_t)container->h;
    int rc = s->version == 3 ? fc_slot_map_v3(&map, w, h, err) : fc_slot_map_v2(&map, w, h, err);
    if (rc) return rc == FC_EAUTH ? fc_fail(err, FC_EINTERNAL, "cover smaller than the payload") : rc;
    if ((uint64_t)map.body0 + fc_slots_for_bytes(s->body_len, s->version == 3 ? FC_STEALTH : s->bits) > map.keyed) {
        fc_slot_map_free(&map);
        return fc_fail(err, FC_EINTERNAL, "cover smaller than the payload");
    }
    if ((rc = fc_slot_map_key(&map, s->keys->slots, err))) {
        fc_slot_map_free(&map);
        return rc;
    }
    size_t sign_bytes = (size_t)((map.channels + 7) / 8);
    uint8_t *signs = malloc(sign_bytes);
    if (!signs) {
        fc_slot_map_free(&map);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    fc_keystream(s->keys->sign, s->nonce, 0, signs, sign_bytes);
    if (s->version == 3) {
        /* Syndrome-trellis codes under HILL costs (side-informed for face
         * covers): the public bytes over a span placed by the size alone, the
         * header over a keyed span, the body over every keyed slot after it. */
        rc = fc_v3_stc_embed(container, &map, unrounded, signs, s->pub, s->header, s->body, (size_t)s->body_len,
                             NULL, err);
    } else {
        /* LSB matching at keyed slots 320.. in order (--dense), then the public
         * bytes and the header. */
        fc_lsb_embed_keyed(container->px, &map, FC_V2_HEADER_SLOTS, s->bits, s->body, (size_t)s->body_len, signs,
                           FC_WALK_AUTO);
        fc_lsb_embed_public(container->px, &map, s->pub, FC_V2_PUBLIC_BYTES, signs);
        fc_lsb_embed_keyed(container->px, &map, 0, 1, s->header, FC_V2_HEADER_BYTES, signs, FC_WALK_SCATTER);
    }
    free(signs);
    fc_slot_map_free(&map);
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
    uint64_t channels = fc_channels_needed(len, name_len, fc_opts_sizing_bits(opts));
    int sb = fc_opts_sizing_bits(opts);
    if (user && (rc = fc_cover_check_quality(user, fc_sizing_stealth(sb) ? 1 : sb, err))) return rc;

    sealing s;
    if ((rc = seal_secret(secret, len, name, opts, key, &s, err))) return rc;
    fc_image cover = {0};
    float *unrounded = NULL;
    rc = user ? copy_image(user, &cover, err) : draw_faces(opts, &s, channels, &cover, &unrounded, err);
    if (!rc && ((uint64_t)cover.w != s.w || (uint64_t)cover.h != s.h))
        rc = fc_fail(err, FC_EINTERNAL, "the cover is %dx%d, not the %llux%llu sealed for", cover.w, cover.h,
                     (unsigned long long)s.w, (unsigned long long)s.h);
    if (!rc) rc = copy_image(&cover, container, err);
    if (!rc) rc = embed(&s, container, unrounded, err);
    free(unrounded);
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
