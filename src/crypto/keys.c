#include "crypto/keys.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/error.h"
#include "util/fileio.h"

_Static_assert(FC_KDF_OPS_MAX == crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE, "KDF cap: libsodium's sensitive passes");
_Static_assert((unsigned long long)FC_KDF_MEM_KIB_MAX * 1024 == crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE,
               "KDF cap: libsodium's sensitive memory");
_Static_assert(FC_KDF_OPS_MIN >= crypto_pwhash_argon2id_OPSLIMIT_MIN, "KDF floor: libsodium's minimum passes");
_Static_assert(FC_KDF_MEM_KIB_MIN * 1024 >= crypto_pwhash_argon2id_MEMLIMIT_MIN, "KDF floor: libsodium's minimum memory");

/* Longest password accepted (bytes): a line of a file or of a terminal. */
#define FC_PASSWORD_MAX 4096

struct fc_key {
    int kind;       /* FC_KIND_PASSWORD or FC_KIND_RAW */
    size_t len;     /* bytes in secret */
    uint8_t *secret; /* sodium_malloc'd: locked, guarded, wiped by sodium_free */
};

int fc_sodium_ready(fc_error *err) {
    if (sodium_init() < 0) return fc_fail(err, FC_EINTERNAL, "libsodium failed to initialise");
    return FC_OK;
}

static int key_new(int kind, const void *bytes, size_t len, fc_key **out, fc_error *err) {
    *out = NULL;
    int rc = fc_sodium_ready(err);
    if (rc) return rc;
    fc_key *k = calloc(1, sizeof *k);
    if (!k) return fc_fail(err, FC_ENOMEM, "out of memory");
    k->secret = sodium_malloc(len ? len : 1);
    if (!k->secret) {
        free(k);
        return fc_fail(err, FC_ENOMEM, "cannot allocate locked memory for the key");
    }
    memcpy(k->secret, bytes, len);
    k->kind = kind;
    k->len = len;
    *out = k;
    return FC_OK;
}

void fc_key_free(fc_key *key) {
    if (!key) return;
    if (key->secret) {
        sodium_memzero(key->secret, key->len);
        sodium_free(key->secret);
    }
    free(key);
}

int fc_key_is_password(const fc_key *key) { return key && key->kind == FC_KIND_PASSWORD; }

int fc_key_from_password(const char *password, size_t len, fc_key **out, fc_error *err) {
    *out = NULL;
    if (!password || len == 0) return fc_fail(err, FC_EUSAGE, "empty password");
    if (len > FC_PASSWORD_MAX) return fc_fail(err, FC_EUSAGE, "password longer than %d bytes", FC_PASSWORD_MAX);
    return key_new(FC_KIND_PASSWORD, password, len, out, err);
}

int fc_key_from_bytes(const uint8_t raw[FC_KEY_BYTES], fc_key **out, fc_error *err) {
    return key_new(FC_KIND_RAW, raw, FC_KEY_BYTES, out, err);
}

int fc_key_from_password_file(const char *path, fc_key **out, fc_error *err) {
    *out = NULL;
    uint8_t *buf;
    size_t n;
    int rc = fc_read_file(path, 1u << 20, &buf, &n, err);
    if (rc) return fc_fail_ctx(err, rc, "password file");
    size_t line = 0;
    while (line < n && buf[line] != '\n') line++;
    if (line > 0 && line < n && buf[line - 1] == '\r') line--; /* "\r\n" */
    if (line == 0)
        rc = fc_fail(err, FC_EINPUT, "password file %s: the first line is empty", path);
    else if (line > FC_PASSWORD_MAX)
        rc = fc_fail(err, FC_EINPUT, "password file %s: the first line is longer than %d bytes", path, FC_PASSWORD_MAX);
    else
        rc = key_new(FC_KIND_PASSWORD, buf, line, out, err);
    sodium_memzero(buf, n);
    free(buf);
    return rc;
}

int fc_key_from_file(const char *path, fc_key **out, fc_error *err) {
    *out = NULL;
    uint8_t *buf;
    size_t n;
    int rc = fc_read_file(path, 4096, &buf, &n, err);
    if (rc) return fc_fail_ctx(err, rc, "key file");
    if (n != FC_KEY_BYTES)
        rc = fc_fail(err, FC_EINPUT, "key file %s holds %zu bytes, not %d (make one with facecrypt keygen)", path, n,
                     FC_KEY_BYTES);
    else
        rc = key_new(FC_KIND_RAW, buf, n, out, err);
    sodium_memzero(buf, n);
    free(buf);
    return rc;
}

int fc_keygen_file(const char *path, int overwrite, fc_error *err) {
    int rc = fc_sodium_ready(err);
    if (rc) return rc;
    uint8_t *key = sodium_malloc(FC_KEY_BYTES);
    if (!key) return fc_fail(err, FC_ENOMEM, "cannot allocate locked memory for the key");
    randombytes_buf(key, FC_KEY_BYTES);
    /* Mode 0600, written unnamed and linked into place: never a partial file, and
     * an existing file (or symbolic link) is never touched without overwrite. */
    rc = fc_write_file_atomic(path, key, FC_KEY_BYTES, (overwrite ? FC_OUT_REPLACE : 0) | FC_OUT_PRIVATE, err);
    sodium_free(key); /* wipes */
    return rc;
}

int fc_kdf_cost_parse(const char *name, fc_kdf_cost *out) {
    if (!strcmp(name, "interactive")) *out = FC_KDF_INTERACTIVE;
    else if (!strcmp(name, "moderate")) *out = FC_KDF_MODERATE;
    else if (!strcmp(name, "sensitive")) *out = FC_KDF_SENSITIVE;
    else return FC_EUSAGE;
    return FC_OK;
}

int fc_kdf_params_check(const fc_kdf_params *p, fc_error *err) {
    if (p->kind == FC_KIND_RAW) {
        if (p->ops || p->mem_kib) return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
        return FC_OK;
    }
    if (p->kind != FC_KIND_PASSWORD || p->ops < FC_KDF_OPS_MIN || p->ops > FC_KDF_OPS_MAX ||
        p->mem_kib < FC_KDF_MEM_KIB_MIN || p->mem_kib > FC_KDF_MEM_KIB_MAX)
        return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    return FC_OK;
}

void fc_subkeys_free(fc_subkeys *k) {
    if (k) sodium_free(k); /* sodium_free wipes before releasing */
}

int fc_derive_subkeys(const fc_key *key, const uint8_t salt[FC_SALT_BYTES], const fc_kdf_params *p,
                      fc_subkeys **out, fc_error *err) {
    *out = NULL;
    int rc = fc_sodium_ready(err);
    if (rc) return rc;
    if (key->kind != p->kind)
        return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    uint8_t *master = sodium_malloc(32);
    fc_subkeys *k = sodium_malloc(sizeof *k);
    if (!master || !k) {
        sodium_free(master);
        sodium_free(k);
        return fc_fail(err, FC_ENOMEM, "cannot allocate locked memory for keys");
    }
    if (p->kind == FC_KIND_PASSWORD) {
        if (crypto_pwhash(master, 32, (const char *)key->secret, key->len, salt, p->ops, (size_t)p->mem_kib * 1024,
                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
            sodium_free(master);
            sodium_free(k);
            return fc_fail(err, FC_ENOMEM, "Argon2id failed (cannot allocate %u MiB?)", p->mem_kib / 1024);
        }
    } else {
        /* A raw key is already uniform; keyed BLAKE2b with the salt gives a
         * fresh master key per container. */
        crypto_generichash(master, 32, salt, FC_SALT_BYTES, key->secret, key->len);
    }
    crypto_kdf_derive_from_key(k->aead, 32, FC_SUBKEY_AEAD, FC_KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->slots, 32, FC_SUBKEY_SLOTS, FC_KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->cover, 32, FC_SUBKEY_COVER, FC_KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->sign, 32, FC_SUBKEY_SIGN, FC_KDF_CONTEXT, master);
    memset(k->header, 0, sizeof k->header); /* no encrypted header in v1 */
    sodium_free(master);
    *out = k;
    return FC_OK;
}

/* ---- format v2 ---- */

/* Cheapest first (the reader's order); index = id - 1. */
static const struct {
    const char *name;
    uint32_t ops, mem_kib;
} kdf2_presets[] = {
    {"minimal", crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN / 1024},
    {"interactive", crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE / 1024},
    {"moderate", crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE / 1024},
    {"sensitive", crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE, crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE / 1024},
};
_Static_assert(sizeof kdf2_presets / sizeof *kdf2_presets == FC_KDF2_COUNT - 1, "one preset per password id");

void fc_kdf2_cost(int id, uint32_t *ops, uint32_t *mem_kib) {
    *ops = *mem_kib = 0;
    if (id < FC_KDF2_MINIMAL || id >= FC_KDF2_COUNT) return;
    *ops = kdf2_presets[id - 1].ops;
    *mem_kib = kdf2_presets[id - 1].mem_kib;
}

const char *fc_kdf2_name(int id) {
    if (id == FC_KDF2_KEYFILE) return "key file";
    return id > 0 && id < FC_KDF2_COUNT ? kdf2_presets[id - 1].name : "?";
}

int fc_kdf2_id_of_cost(fc_kdf_cost c) {
    switch (c) {
    case FC_KDF_MINIMAL: return FC_KDF2_MINIMAL;
    case FC_KDF_INTERACTIVE: return FC_KDF2_INTERACTIVE;
    case FC_KDF_MODERATE: return FC_KDF2_MODERATE;
    case FC_KDF_SENSITIVE: return FC_KDF2_SENSITIVE;
    }
    return -1;
}

int fc_kdf2_id_for(const fc_key *key, const fc_encrypt_opts *opts, int *id, fc_error *err) {
    *id = -1;
    if (!key) return fc_fail(err, FC_EUSAGE, "no key");
    if (key->kind == FC_KIND_RAW) {
        *id = FC_KDF2_KEYFILE;
        return FC_OK;
    }
    fc_kdf_cost cost = opts ? opts->kdf_cost : FC_KDF_MODERATE;
    if ((*id = fc_kdf2_id_of_cost(cost)) < 0) return fc_fail(err, FC_EUSAGE, "unknown KDF cost %d", (int)cost);
    return FC_OK;
}

unsigned fc_kdf_presets_up_to(fc_kdf_cost c) {
    int top = fc_kdf2_id_of_cost(c);
    unsigned mask = 0;
    for (int id = FC_KDF2_MINIMAL; id <= top; id++)
        for (int k = 0; k < 8; k++)
            if (fc_kdf2_id_of_cost((fc_kdf_cost)k) == id) mask |= 1u << k;
    return mask;
}

int fc_kdf2_tried(const fc_key *key, int id, unsigned presets) {
    if (!key) return 0;
    if (key->kind == FC_KIND_RAW) return id == FC_KDF2_KEYFILE;
    if (id < FC_KDF2_MINIMAL || id >= FC_KDF2_COUNT) return 0;
    if (!presets) return 1;
    for (int k = 0; k < 8; k++)
        if ((presets & (1u << k)) && fc_kdf2_id_of_cost((fc_kdf_cost)k) == id) return 1;
    return 0;
}

#define LABEL_KEYFILE "facecrypt-v2 key file"
#define LABEL_PASSWORD "facecrypt-v2 password"

int fc_derive_subkeys_v2(const fc_key *key, int id, const uint8_t pub[FC_V2_PUBLIC_BYTES], fc_subkeys **out,
                         fc_error *err) {
    *out = NULL;
    int rc = fc_sodium_ready(err);
    if (rc) return rc;
    if (!key || (key->kind == FC_KIND_RAW) != (id == FC_KDF2_KEYFILE) || id < 0 || id >= FC_KDF2_COUNT)
        return fc_fail(err, FC_EAUTH, FC_MSG_AUTH);
    uint8_t *stretched = sodium_malloc(32), *master = sodium_malloc(32);
    fc_subkeys *k = sodium_malloc(sizeof *k);
    if (!stretched || !master || !k) {
        sodium_free(stretched);
        sodium_free(master);
        sodium_free(k);
        return fc_fail(err, FC_ENOMEM, "cannot allocate locked memory for keys");
    }
    const uint8_t *K = key->secret;
    const char *label = LABEL_KEYFILE;
    if (id != FC_KDF2_KEYFILE) {
        uint32_t ops, mem_kib;
        fc_kdf2_cost(id, &ops, &mem_kib);
        if (crypto_pwhash(stretched, 32, (const char *)key->secret, key->len, pub, ops, (size_t)mem_kib * 1024,
                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
            sodium_free(stretched);
            sodium_free(master);
            sodium_free(k);
            return fc_fail(err, FC_ENOMEM, "Argon2id (%s preset) cannot allocate %u MiB", fc_kdf2_name(id),
                           mem_kib / 1024);
        }
        K = stretched;
        label = LABEL_PASSWORD;
    }
    /* One keyed BLAKE2b over the label and every public byte: the master key
     * depends on the whole salt and nonce, and the two kinds never share one. */
    crypto_generichash_state st;
    crypto_generichash_init(&st, K, 32, 32);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
    crypto_generichash_update(&st, pub, FC_V2_PUBLIC_BYTES);
    crypto_generichash_final(&st, master, 32);
    sodium_memzero(&st, sizeof st);
    sodium_free(stretched);
    crypto_kdf_derive_from_key(k->aead, 32, FC_SUBKEY_AEAD, FC_KDF_CONTEXT_V2, master);
    crypto_kdf_derive_from_key(k->slots, 32, FC_SUBKEY_SLOTS, FC_KDF_CONTEXT_V2, master);
    crypto_kdf_derive_from_key(k->cover, 32, FC_SUBKEY_COVER, FC_KDF_CONTEXT_V2, master);
    crypto_kdf_derive_from_key(k->sign, 32, FC_SUBKEY_SIGN, FC_KDF_CONTEXT_V2, master);
    crypto_kdf_derive_from_key(k->header, 32, FC_SUBKEY_HEADER, FC_KDF_CONTEXT_V2, master);
    sodium_free(master);
    *out = k;
    return FC_OK;
}
