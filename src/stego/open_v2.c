/* Reading a format-v3 or v2 container.  The two share everything but where the
 * bits sit and how they are read (v3: STC syndromes, v2: LSBs) and the label of
 * the header's associated data.  Salt and nonce come from each layout's public
 * slots (the only thing in the clear), then for each key derivation the
 * reader's key allows, cheapest first, v3 and then v2: derive the subkeys from
 * that layout's public bytes, read its header (key commitment, encrypted
 * header); the first one whose commitment and tag verify gives the body's
 * embedding and length.  Nothing distinguishes a container of either layout
 * from any other picture until a header authenticates, so a wrong key costs
 * every derivation tried, for both layouts, on a container and on a plain
 * picture alike.  Layout: docs/container-format.md. */
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

/* One layout of one image: its (public) slot map and public bytes. */
typedef struct layout {
    int version; /* 3 or 2; 0: the image is too small for it */
    fc_slot_map map;
    uint8_t pub[FC_V2_PUBLIC_BYTES];
} layout;

/* Extract and open the body that an authenticated header describes. */
static int open_body(const fc_image *im, const layout *L, const fc_subkeys *keys, const uint8_t *ad,
                     const uint8_t hplain[FC_V2_HEADER_PLAIN], fc_opened *out, fc_error *err) {
    const fc_slot_map *map = &L->map;
    const uint8_t *nonce = L->pub + FC_SALT_BYTES;
    fc_v2_header h;
    fc_v2_header_parse(hplain, &h);
    /* Authenticated, so written with this key: anything else is a newer writer
     * (or a forger holding the key).  v3 has body mode 1 only. */
    int known = h.param == 0 && ((h.mode == FC_V2_MODE_LSB && L->version == 2 && (h.bits == 1 || h.bits == 2)) ||
                                 (h.mode == FC_V2_MODE_STC && h.bits == 1));
    if (!known)
        return fc_fail(err, FC_EINPUT, "the container authenticates but uses an embedding this facecrypt does not "
                                       "know (mode %d, %d bits): a newer facecrypt made it", h.mode, h.bits);
    /* Mode 1 reads any rate up to 1 bit per body slot (the writer's stealth
     * sizing is its own choice); mode 0 needs its slots. */
    if (h.body_len < fc_sealed_len(0, 0) ||
        fc_slots_for_bytes(h.body_len, h.bits) > (uint64_t)map->keyed - map->body0)
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
        fc_lsb_extract_keyed(im->px, map, map->body0, h.bits, ct, h.body_len, FC_WALK_AUTO);
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

/* The public half of a layout.  Too small to hold its smallest container (an
 * empty secret at the densest rate the reader accepts): version 0, skipped.  The
 * size is public, so skipping the derivations tells nobody anything. */
static int layout_init(layout *L, int version, const fc_image *im, fc_error *err) {
    memset(L, 0, sizeof *L);
    const uint64_t w = (uint64_t)im->w, h = (uint64_t)im->h, N = w * h * 3;
    const uint64_t least = fc_slots_for_bytes(fc_sealed_len(0, 0), version == 3 ? 1 : 2);
    if (version == 3 ? fc_v3_body_slots(N) < least : N < FC_V2_PUBLIC_SLOTS + FC_V2_HEADER_SLOTS + least)
        return FC_OK;
    int rc = version == 3 ? fc_slot_map_v3(&L->map, w, h, err) : fc_slot_map_v2(&L->map, w, h, err);
    if (rc) return rc;
    L->version = version;
    if (version == 3) fc_v3_extract_public(im->px, &L->map, L->pub);
    else fc_lsb_extract_public(im->px, &L->map, L->pub, sizeof L->pub);
    return FC_OK;
}

/* Derivation `id` on layout L: FC_EAUTH if its header does not verify, else
 * final (the body opened, or why not). */
static int try_layout(const fc_image *im, layout *L, const fc_key *key, int id, fc_opened *out, fc_error *err) {
    fc_subkeys *keys = NULL;
    int rc;
    if ((rc = fc_derive_subkeys_v2(key, id, L->pub, &keys, err)) || (rc = fc_slot_map_key(&L->map, keys->slots, err))) {
        fc_subkeys_free(keys);
        return rc == FC_EAUTH ? FC_EINTERNAL : rc; /* out of memory (an Argon2id preset, say): no answer either way */
    }
    uint8_t hct[FC_V2_HEADER_BYTES], hplain[FC_V2_HEADER_PLAIN], ad[FC_V2_AD_BYTES], commit[FC_V2_COMMIT_BYTES];
    if (L->version == 3) fc_v3_extract_header(im->px, &L->map, hct);
    else fc_lsb_extract_keyed(im->px, &L->map, 0, 1, hct, sizeof hct, FC_WALK_SCATTER);
    fc_v2_ad(L->version, (uint64_t)im->w, (uint64_t)im->h, id, L->pub, ad);
    fc_v2_commit(keys->header, ad, commit);
    int found = sodium_memcmp(commit, hct, FC_V2_COMMIT_BYTES) == 0 &&
                crypto_aead_xchacha20poly1305_ietf_decrypt(hplain, NULL, NULL, hct + FC_V2_COMMIT_BYTES,
                                                           sizeof hct - FC_V2_COMMIT_BYTES, ad, sizeof ad,
                                                           L->pub + FC_SALT_BYTES, keys->header) == 0;
    /* The first header that authenticates is final: a body that then fails was
     * modified, and nothing else is tried. */
    rc = found ? open_body(im, L, keys, ad, hplain, out, err) : FC_EAUTH;
    sodium_memzero(hplain, sizeof hplain);
    fc_subkeys_free(keys);
    return rc;
}

int fc_open_v2(const fc_image *im, const fc_key *key, unsigned presets, fc_opened *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    layout *L = malloc(2 * sizeof *L); /* v3, v2: 2 x 20 KiB of slot maps */
    if (!L) return fc_fail(err, FC_ENOMEM, "out of memory");
    int rc = layout_init(&L[0], 3, im, err);
    if (!rc) rc = layout_init(&L[1], 2, im, err);
    if (!rc) rc = FC_EAUTH;
    for (int id = 0; rc == FC_EAUTH && id < FC_KDF2_COUNT; id++) {
        if (!fc_kdf2_tried(key, id, presets)) continue;
        for (int l = 0; rc == FC_EAUTH && l < 2; l++)
            if (L[l].version) rc = try_layout(im, &L[l], key, id, out, err);
    }
    if (rc == FC_EAUTH) fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    fc_slot_map_free(&L[0].map);
    fc_slot_map_free(&L[1].map);
    free(L);
    return rc;
}
