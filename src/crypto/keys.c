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
        if (p->ops || p->mem_kib) return fc_fail(err, FC_EAUTH, FC_MSG_BAD_HEADER);
        return FC_OK;
    }
    if (p->kind != FC_KIND_PASSWORD || p->ops < FC_KDF_OPS_MIN || p->ops > FC_KDF_OPS_MAX ||
        p->mem_kib < FC_KDF_MEM_KIB_MIN || p->mem_kib > FC_KDF_MEM_KIB_MAX)
        return fc_fail(err, FC_EAUTH, FC_MSG_BAD_HEADER);
    return FC_OK;
}

int fc_kdf_params_for(const fc_key *key, const fc_encrypt_opts *opts, fc_kdf_params *p, fc_error *err) {
    memset(p, 0, sizeof *p);
    if (!key) return fc_fail(err, FC_EUSAGE, "no key");
    p->kind = key->kind;
    if (key->kind == FC_KIND_RAW) return FC_OK;
    fc_kdf_cost cost = opts ? opts->kdf_cost : FC_KDF_MODERATE;
    switch (cost) {
    case FC_KDF_INTERACTIVE:
        p->ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        p->mem_kib = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE / 1024;
        break;
    case FC_KDF_MODERATE:
        p->ops = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
        p->mem_kib = crypto_pwhash_argon2id_MEMLIMIT_MODERATE / 1024;
        break;
    case FC_KDF_SENSITIVE:
        p->ops = crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE;
        p->mem_kib = crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE / 1024;
        break;
    default: return fc_fail(err, FC_EUSAGE, "unknown KDF cost %d", (int)cost);
    }
    if (opts && opts->kdf_ops) p->ops = opts->kdf_ops;
    if (opts && opts->kdf_mem_kib) p->mem_kib = opts->kdf_mem_kib;
    if (p->ops < FC_KDF_OPS_MIN || p->ops > FC_KDF_OPS_MAX || p->mem_kib < FC_KDF_MEM_KIB_MIN ||
        p->mem_kib > FC_KDF_MEM_KIB_MAX)
        return fc_fail(err, FC_EUSAGE, "Argon2id cost out of range (passes %u..%u, memory %u..%u KiB)", FC_KDF_OPS_MIN,
                       FC_KDF_OPS_MAX, FC_KDF_MEM_KIB_MIN, FC_KDF_MEM_KIB_MAX);
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
        return fc_fail(err, FC_EAUTH, "authentication failed: the container was sealed with %s, not %s",
                       p->kind == FC_KIND_PASSWORD ? "a password" : "a key file",
                       key->kind == FC_KIND_PASSWORD ? "a password" : "a key file");
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
    sodium_free(master);
    *out = k;
    return FC_OK;
}
