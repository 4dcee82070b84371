/* Frozen containers of formats v1, v2 and v3 (tests/data/vectors/, made once each by
 * tools/make_container_vectors.sh): they must keep decrypting, byte for byte,
 * through the library and the CLI, in every later version.  The containers'
 * own SHA-256 is checked too, so that regenerating them cannot hide a reader
 * that no longer opens what users already hold. */
#include <sodium.h>
#include <string.h>
#include <unistd.h>
#include "facecrypt.h"
#include "testutil.h"
#include "util/fileio.h"

#define DIR "tests/data/vectors/"
#define PLAIN_LEN 302

/* One table for every format: the plaintext and its stored name differ per
 * version ("frozen vN é.bin", whose first line names the format). */
static const struct {
    int version;
    const char *name, *sha256;
} plains[] = {
    {1, "frozen v1 \xc3\xa9.bin", "cc195cfe08310167bd4ea5334e4ba08511ea3d2720efc700486c665f5c59b5d4"},
    {2, "frozen v2 \xc3\xa9.bin", "e47afe0ccb1ad84cfd0a6c999d900edb1c5bf4dc69737d86df8efce63f69c903"},
    {3, "frozen v3 \xc3\xa9.bin", "70231a380b9cbee86c216a34b561549ce59cf811ab9bb81b7a54b0ad791879e4"},
};

static const struct {
    int version;
    const char *file, *sha256;
    int password;
    int bits; /* v1/v2: bits per body slot of mode 0; 0: body mode 1 (STC) */
} vectors[] = {
    /* v1: a 26-byte public header in the clear (version, flags, salt, KDF cost). */
    {1, "v1-keyfile-1bit.png", "037bf6930f8e5ed7fcada21cb2f8bf50f43ac6bc0d09c4018138adb96197b888", 0, 1},
    {1, "v1-keyfile-2bit.png", "c1339364ea2984e395a28d40fe4409a7b4637dd82b8131a2ee8721a610c557b6", 0, 2},
    {1, "v1-password-1bit.png", "ce79c137ee43b3c6be10836334b445e31c99c5f8935de16a33d33caaf72fcec4", 1, 1},
    /* v2: no public header; LSB matching for public bytes and header. */
    {2, "v2-keyfile-1bit.png", "246558b152c534849bbabf388502768f13cd682c15166d51b4d128b1d87ef5cf", 0, 1},
    {2, "v2-keyfile-2bit.png", "ba14e7de78ce63e2ee2a0e0c672f04e174619b4be8aabe47bb181b831cda160e", 0, 2},
    {2, "v2-password-1bit.png", "023d7f0f5d33618950aa21993eb78b7853cfaf32b282ec47ca1ab2fda7f9f465", 1, 1},
    {2, "v2-password-2bit.png", "237a304e52826372ec28a50e011f294f8af7862730453b341e27ef4a7ec96149", 1, 2},
    /* v2, body mode 1 (STC under side-informed HILL costs, the stealth default of
     * its day): two faces, sized for at most 0.2 bits per channel. */
    {2, "v2-keyfile-stc.png", "7b4c0b80ddc7b5418e23f3a19559cb960068181c20db787e578c328a471e035c", 0, 0},
    {2, "v2-password-stc.png", "08a44f69c2a7147d705b1e20c9bfe82ff7538f7596f9b74149a657adb6f27127", 1, 0},
    /* v3, the stealth default: public bytes, header and body all by STC. */
    {3, "v3-keyfile-stc.png", "927e50158c8bb81eebfe43f267d1535d01fece47c7ac479f213bfef952957442", 0, 0},
    {3, "v3-password-stc.png", "cd218c3f6492b6748930503407c378f866cba78070224c807e77cff7da867334", 1, 0},
};

static void sha256_hex(const uint8_t *d, size_t n, char hex[65]) {
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, d, n);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static int file_sha256(const char *path, char hex[65]) {
    uint8_t *b;
    size_t n;
    fc_error err;
    if (fc_read_file(path, 1u << 24, &b, &n, &err)) return -1;
    sha256_hex(b, n, hex);
    free(b);
    return 0;
}

/* The LSBs of the first 208 values: the public header (version, flags, salt, cost). */
static void public_header(const fc_image *im, uint8_t h[26]) {
    for (int j = 0; j < 26; j++) {
        h[j] = 0;
        for (int t = 0; t < 8; t++) h[j] |= (uint8_t)((im->px[8 * j + t] & 1u) << t);
    }
}

int main(void) {
    CHECK(sodium_init() >= 0);
    fc_error err = {0};
    fc_key *kf = NULL, *pw = NULL, *wrong = NULL;
    CHECKF(fc_key_from_file(DIR "v1-keyfile.key", &kf, &err) == FC_OK, "%s", err.msg);
    CHECKF(fc_key_from_password_file(DIR "v1-password.txt", &pw, &err) == FC_OK, "%s", err.msg);
    uint8_t zero[32] = {0};
    fc_key_from_bytes(zero, &wrong, &err);
    if (!kf || !pw) return TEST_END();
    char *tmp = tu_tmpdir();
    const char *F = tu_cli();
    char cwd[2048], fabs_[4400];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(fabs_, sizeof fabs_, "%s%s%s", F[0] == '/' ? "" : cwd, F[0] == '/' ? "" : "/", F);

    /* Every vector through the library (the password ones at Argon2id's
     * interactive preset: v1 says so in the clear, v2 and v3 are found by trying
     * the presets cheapest first) and the CLI. */
    for (size_t v = 0; v < sizeof vectors / sizeof *vectors; v++) {
        const int ver = vectors[v].version, bits = vectors[v].bits;
        const char *plain_name = plains[ver - 1].name, *plain_sha = plains[ver - 1].sha256;
        char path[512], hex[65] = "";
        snprintf(path, sizeof path, DIR "%s", vectors[v].file);
        /* Frozen: the committed bytes are the ones these checks were written for. */
        CHECKF(file_sha256(path, hex) == 0 && !strcmp(hex, vectors[v].sha256), "%s: SHA-256 %s", path, hex);
        fc_image im;
        if (fc_image_load(path, &im, &err)) {
            CHECKF(0, "%s: %s", path, err.msg);
            continue;
        }
        uint8_t h[26];
        public_header(&im, h);
        if (ver == 1) {
            uint32_t ops = (uint32_t)h[18] | (uint32_t)h[19] << 8 | (uint32_t)h[20] << 16 | (uint32_t)h[21] << 24;
            uint32_t mem = (uint32_t)h[22] | (uint32_t)h[23] << 8 | (uint32_t)h[24] << 16 | (uint32_t)h[25] << 24;
            CHECKF(h[0] == 1 && h[1] == ((bits - 1) | (vectors[v].password ? 0 : 2)), "%s: version %u flags %u", path,
                   h[0], h[1]);
            if (vectors[v].password) CHECK(ops == 2 && mem == 64 * 1024); /* Argon2id interactive */
            else CHECK(ops == 0 && mem == 0);
        } else {
            /* Nothing in the clear: the v1 acceptance rule sees none of them.  One
             * 64x64 face holds the dense ones; the stealth sizing needs two. */
            CHECKF(!(h[0] == 1 && !(h[1] & ~3u)), "%s: looks like a v1 header", path);
            CHECKF(im.w == (bits ? 64 : 128) && im.h == 64, "%s: %dx%d", path, im.w, im.h);
        }
        /* Through the library; the other key kind and a wrong key: exit 3. */
        uint8_t *d = NULL;
        size_t dl = 0;
        char *name = NULL;
        int rc = fc_decrypt_image(&im, vectors[v].password ? pw : kf, &d, &dl, &name, &err);
        CHECKF(rc == FC_OK, "%s: %s", path, err.msg);
        if (rc == FC_OK) {
            sha256_hex(d, dl, hex);
            CHECKF(dl == PLAIN_LEN && !strcmp(hex, plain_sha), "%s: %zu bytes, SHA-256 %s", path, dl, hex);
            CHECKF(!strcmp(name, plain_name), "%s: stored name \"%s\"", path, name);
        }
        free(d);
        free(name);
        d = NULL;
        CHECK(fc_decrypt_image(&im, vectors[v].password ? kf : wrong, &d, &dl, NULL, &err) == FC_EAUTH && !d);
        fc_image_free(&im);

        /* Through the CLI. */
        char out[4400];
        hex[0] = 0;
        snprintf(out, sizeof out, "%s/out%zu.bin", tmp, v);
        CHECK(tu_system("'%s' decrypt '%s' -o '%s' %s '" DIR "%s' -q", fabs_, path, out,
                        vectors[v].password ? "--password-file" : "--key-file",
                        vectors[v].password ? "v1-password.txt" : "v1-keyfile.key") == 0);
        CHECKF(file_sha256(out, hex) == 0 && !strcmp(hex, plain_sha), "%s via the CLI: SHA-256 %s", path, hex);
    }
    tu_system("rm -rf '%s'", tmp);
    free(tmp);
    fc_key_free(kf);
    fc_key_free(pw);
    fc_key_free(wrong);
    return TEST_END();
}
