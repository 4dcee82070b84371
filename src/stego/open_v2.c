/* Reading a format-v2 container: salt and nonce from the public slots (the only
 * thing in the clear), then for each key derivation the reader's key allows,
 * cheapest first, the header at keyed slots 0..319 (key commitment, encrypted
 * header); the first one whose commitment and tag verify gives the body's
 * embedding and length.  Nothing distinguishes a
 * v2 container from any other picture until a header authenticates, so a wrong
 * key costs every derivation tried, on a container and on a plain picture alike.
 * Layout: docs/container-format.md. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "crypto/seal.h"
#include "stego/body_stc.h"
#include "stego/layout.h"
#include "stego/lsb.h"
#include "stego/open.h"
#include "stego/slots.h"
#include "util/error.h"

/* Extract and open the body that an authenticated header describes. */
static int open_body(const fc_image *im, const fc_slot_map *map, const fc_subkeys *keys, const uint8_t *ad,
                     const uint8_t hplain[FC_V2_HEADER_PLAIN], const uint8_t nonce[FC_NONCE_BYTES], fc_opened *out,
                     fc_error *err) {
    fc_v2_header h;
    fc_v2_header_parse(hplain, &h);
    /* Authenticated, so written with this key: anything else is a newer writer
     * (or a forger holding the key). */
    int known = h.param == 0 && ((h.mode == FC_V2_MODE_LSB && (h.bits == 1 || h.bits == 2)) ||
                                 (h.mode == FC_V2_MODE_STC && h.bits == 1));
    if (!known)
        return fc_fail(err, FC_EINPUT, "the container authenticates but uses an embedding this facecrypt does not "
                                       "know (mode %d, %d bits): a newer facecrypt made it", h.mode, h.bits);
    /* Mode 1 reads any rate up to 1 bit per body slot (the writer's stealth
     * sizing is its own choice); mode 0 needs its slots. */
    if (h.body_len < fc_sealed_len(0, 0) ||
        fc_slots_for_bytes(h.body_len, h.bits) > (uint64_t)map->keyed - FC_V2_HEADER_SLOTS)
        return fc_fail(err, FC_EINPUT, "container authenticates but its contents are malformed (body length)");
    uint8_t *ct = malloc(h.body_len);
    if (!ct) return fc_fail(err, FC_ENOMEM, "out of memory (%u bytes)", h.body_len);
    /* The body's embedding, as the header's mode says. */
    if (h.mode == FC_V2_MODE_STC) {
        int rc = fc_body_stc_extract(im->px, map, ct, h.body_len, err);
        if (rc) {
            free(ct);
            return rc;
        }
    } else {
        fc_lsb_extract_keyed(im->px, map, FC_V2_HEADER_SLOTS, h.bits, ct, h.body_len, FC_WALK_AUTO);
    }
    uint8_t bad[FC_V2_AD_BYTES + FC_V2_HEADER_PLAIN];
    memcpy(bad, ad, FC_V2_AD_BYTES);
    memcpy(bad + FC_V2_AD_BYTES, hplain, FC_V2_HEADER_PLAIN);
    int rc = fc_open(ct, h.body_len, bad, sizeof bad, nonce, keys->aead, &out->data, &out->len, &out->name,
                     &out->name_len, err);
    if (rc) {
        sodium_memzero(ct, h.body_len);
        free(ct);
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->buf = ct;
    out->buf_len = h.body_len;
    return FC_OK;
}

int fc_open_v2(const fc_image *im, const fc_key *key, unsigned presets, fc_opened *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    fc_slot_map map;
    const uint64_t w = (uint64_t)im->w, h = (uint64_t)im->h;
    /* Too small to hold the smallest container (an empty secret at 2 bits): the
     * size is public, so skipping the derivations tells nobody anything. */
    if (w * h * 3 < FC_V2_PUBLIC_SLOTS + FC_V2_HEADER_SLOTS + fc_slots_for_bytes(fc_sealed_len(0, 0), 2))
        return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    int rc = fc_slot_map_v2(&map, w, h, err);
    if (rc) return rc;
    uint8_t pub[FC_V2_PUBLIC_BYTES];
    fc_lsb_extract_public(im->px, &map, pub, sizeof pub);
    const uint8_t *nonce = pub + FC_SALT_BYTES;
    rc = FC_EAUTH;
    for (int id = 0; id < FC_KDF2_COUNT; id++) {
        if (!fc_kdf2_tried(key, id, presets)) continue;
        fc_subkeys *keys = NULL;
        if ((rc = fc_derive_subkeys_v2(key, id, pub, &keys, err)) || (rc = fc_slot_map_key(&map, keys->slots, err))) {
            fc_subkeys_free(keys);
            break; /* out of memory (an Argon2id preset, say): no answer either way */
        }
        uint8_t hct[FC_V2_HEADER_BYTES], hplain[FC_V2_HEADER_PLAIN], ad[FC_V2_AD_BYTES], commit[FC_V2_COMMIT_BYTES];
        fc_lsb_extract_keyed(im->px, &map, 0, 1, hct, sizeof hct, FC_WALK_SCATTER);
        fc_v2_ad(w, h, id, pub, ad);
        fc_v2_commit(keys->header, ad, commit);
        int found = sodium_memcmp(commit, hct, FC_V2_COMMIT_BYTES) == 0 &&
                    crypto_aead_xchacha20poly1305_ietf_decrypt(hplain, NULL, NULL, hct + FC_V2_COMMIT_BYTES,
                                                               sizeof hct - FC_V2_COMMIT_BYTES, ad, sizeof ad, nonce,
                                                               keys->header) == 0;
        /* The first header that authenticates is final: a body that then fails
         * was modified, and no other derivation is tried. */
        rc = found ? open_body(im, &map, keys, ad, hplain, nonce, out, err) : FC_EAUTH;
        sodium_memzero(hplain, sizeof hplain);
        fc_subkeys_free(keys);
        if (found) break;
    }
    if (rc == FC_EAUTH) fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    fc_slot_map_free(&map);
    return rc;
}
