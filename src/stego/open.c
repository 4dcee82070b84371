/* Reading a container: public header, key derivation, keyed header, ciphertext,
 * and the tag check before anything is returned.  Kept apart from the sealing
 * side (container.c) so that it links without the generator (fuzz target).
 * Layout: docs/container-format.md. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "crypto/seal.h"
#include "stego/layout.h"
#include "stego/lsb.h"
#include "stego/perm.h"
#include "util/error.h"

#define AUTH_FAILED "authentication failed: wrong key, or the container was modified"

int fc_decrypt_image(const fc_image *container, const fc_key *key, uint8_t **data, size_t *len, char **name,
                     fc_error *err) {
    *data = NULL;
    *len = 0;
    if (name) *name = NULL;
    if (!key) return fc_fail(err, FC_EUSAGE, "no key");
    if (!container || !container->px || container->c != 3 || container->w <= 0 || container->h <= 0)
        return fc_fail(err, FC_EINPUT, "the container must be an RGB image");
    int rc = fc_sodium_ready(err);
    if (rc) return rc;
    const uint8_t *px = container->px;
    uint64_t keyed = fc_keyed_slots((uint64_t)container->w, (uint64_t)container->h);
    if (keyed > 0xffffffffu) return fc_fail(err, FC_EINPUT, "image too large to be a container");
    if (keyed < FC_KEYED_HEADER * 8)
        return fc_fail(err, FC_EAUTH, "authentication failed: the image is too small to be a facecrypt container");

    uint8_t pub_bytes[FC_PUBLIC_BYTES];
    fc_lsb_extract_public(px, pub_bytes, FC_PUBLIC_BYTES);
    fc_public_header pub;
    if ((rc = fc_public_header_parse(pub_bytes, &pub, err))) return rc;
    const int bits = pub.bits;
    if (fc_slots_for_bytes(FC_KEYED_HEADER, bits) > keyed) return fc_fail(err, FC_EAUTH, AUTH_FAILED);

    fc_subkeys *keys = NULL;
    if ((rc = fc_derive_subkeys(key, pub.salt, &pub.kdf, &keys, err))) return rc;
    fc_perm perm;
    if ((rc = fc_perm_init(&perm, (uint32_t)keyed, keys->slots, err))) {
        fc_subkeys_free(keys);
        return rc;
    }
    uint8_t ad[FC_AD_BYTES], nonce[FC_NONCE_BYTES];
    uint32_t sealed = 0;
    memcpy(ad, pub_bytes, FC_PUBLIC_BYTES);
    fc_lsb_extract_keyed(px, FC_PUBLIC_SLOTS, &perm, bits, 0, ad + FC_PUBLIC_BYTES, FC_KEYED_HEADER, FC_WALK_AUTO);
    fc_keyed_header_parse(ad + FC_PUBLIC_BYTES, nonce, &sealed);
    /* The length is not authenticated yet: bound it by what the image holds. */
    uint8_t *ct = NULL;
    if (sealed < fc_sealed_len(0, 0) || fc_slots_for_bytes((uint64_t)FC_KEYED_HEADER + sealed, bits) > keyed) {
        rc = fc_fail(err, FC_EAUTH, AUTH_FAILED);
    } else if (!(ct = malloc(sealed))) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory (%u bytes)", sealed);
    } else {
        fc_lsb_extract_keyed(px, FC_PUBLIC_SLOTS, &perm, bits, FC_KEYED_HEADER, ct, sealed, FC_WALK_AUTO);
    }
    fc_perm_free(&perm);
    uint8_t *d = NULL, *nm = NULL;
    size_t dl = 0, nl = 0;
    if (!rc) rc = fc_open(ct, sealed, ad, sizeof ad, nonce, keys->aead, &d, &dl, &nm, &nl, err);
    fc_subkeys_free(keys);
    if (!rc && name) {
        *name = malloc(nl + 1);
        if (!*name) rc = fc_fail(err, FC_ENOMEM, "out of memory");
        else {
            memcpy(*name, nm, nl);
            (*name)[nl] = 0;
        }
    }
    if (rc) {
        if (ct) sodium_memzero(ct, sealed);
        free(ct);
        return rc;
    }
    /* Move the secret to the front of the buffer, wipe the rest (the stored name
     * and tag), and hand the whole buffer over.  No realloc: a shrinking realloc
     * may move the block and free the old one with the plaintext still in it. */
    memmove(ct, d, dl);
    sodium_memzero(ct + dl, sealed - dl);
    *data = ct;
    *len = dl;
    return FC_OK;
}
