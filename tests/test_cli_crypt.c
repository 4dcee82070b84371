/* The encrypt / decrypt / keygen / capacity commands, end to end through the CLI:
 * exact round trips, exit codes for every kind of failure, no output left
 * behind, overwrite protection, and what the container PNG looks like. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <jpeglib.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include "crypto/keys.h"
#include "facecrypt.h"
#include "stego/slots.h"
#include "testutil.h"
#include "util/fileio.h"
#include "util/rng.h"

static char D[4096];
static const char *F;

static const char *P(const char *name) {
    static char buf[16][4400];
    static int k;
    k = (k + 1) % 16;
    snprintf(buf[k], sizeof buf[k], "%s/%s", D, name);
    return buf[k];
}

/* Run the CLI with arguments (a format string), quietly. */
#define RUN(...) run_cli(__VA_ARGS__)
static int run_cli(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run_cli(const char *fmt, ...) {
    char args[6000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return tu_system("cd '%s' && '%s' %s >>cli.log 2>&1", D, F, args);
}

static int files_equal(const char *a, const char *b) {
    uint8_t *x, *y;
    size_t nx, ny;
    fc_error err;
    if (fc_read_file(a, 1u << 30, &x, &nx, &err)) return 0;
    if (fc_read_file(b, 1u << 30, &y, &ny, &err)) {
        free(x);
        return 0;
    }
    int eq = nx == ny && (nx == 0 || !memcmp(x, y, nx));
    free(x);
    free(y);
    return eq;
}

static void write_bytes(const char *p, const uint8_t *b, size_t n) {
    FILE *f = fopen(p, "wb");
    if (n) fwrite(b, 1, n, f);
    fclose(f);
}

static void random_file(const char *p, size_t n) {
    uint8_t *b = malloc(n + 1);
    randombytes_buf(b, n);
    write_bytes(p, b, n);
    free(b);
}

/* A photo-like picture: smooth colour fields, a disc with a sharp edge, and
 * `noise` levels of grain. */
static void photo_n(fc_image *im, int w, int h, uint64_t seed, int noise) {
    fc_error err;
    fc_image_alloc(im, w, h, 3, &err);
    fc_rng r;
    fc_rng_seed(&r, seed);
    double fx = 2 + fc_rng_uniform(&r) * 3, fy = 1 + fc_rng_uniform(&r) * 3;
    float *sx = malloc((size_t)w * 3 * sizeof *sx), *cy = malloc((size_t)h * 3 * sizeof *cy);
    for (int x = 0; x < w; x++)
        for (int c = 0; c < 3; c++) sx[x * 3 + c] = (float)sin(fx * x / w * 6.28 + c);
    for (int y = 0; y < h; y++)
        for (int c = 0; c < 3; c++) cy[y * 3 + c] = (float)cos(fy * y / h * 6.28 - c);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double u = (double)x / w, v = (double)y / h;
            int disc = (u - 0.5) * (u - 0.5) + (v - 0.45) * (v - 0.45) < 0.04;
            for (int c = 0; c < 3; c++) {
                double val = 128 + 90 * sx[x * 3 + c] * cy[y * 3 + c] + (disc ? 60 : 0) +
                             (noise ? (double)(fc_rng_u64(&r) % (2 * noise + 1)) - noise : 0);
                im->px[((size_t)y * w + x) * 3 + c] = (uint8_t)(val < 0 ? 0 : val > 255 ? 255 : val);
            }
        }
    free(sx);
    free(cy);
}

static void photo(fc_image *im, int w, int h, uint64_t seed) { photo_n(im, w, h, seed, 4); }

static int save_jpeg(const fc_image *im, const char *path, int quality) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)im->w;
    c.image_height = (JDIMENSION)im->h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = im->px + (size_t)c.next_scanline * im->w * 3;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return fclose(f);
}

static void save_ppm(const fc_image *im, const char *path) {
    FILE *f = fopen(path, "wb");
    fprintf(f, "P6\n%d %d\n255\n", im->w, im->h);
    fwrite(im->px, 1, (size_t)im->w * im->h * 3, f);
    fclose(f);
}

/* Names of the chunks in a PNG file, concatenated ("IHDRIDATIEND"). */
static void png_chunks(const char *path, char *out, size_t cap) {
    uint8_t *b;
    size_t n;
    fc_error err;
    out[0] = 0;
    if (fc_read_file(path, 1u << 30, &b, &n, &err)) return;
    size_t o = 8, k = 0;
    while (o + 12 <= n && k + 5 < cap) {
        uint32_t len = (uint32_t)b[o] << 24 | (uint32_t)b[o + 1] << 16 | (uint32_t)b[o + 2] << 8 | b[o + 3];
        const char *type = (const char *)b + o + 4;
        /* Consecutive IDATs are listed once. */
        if (!(k >= 4 && !memcmp(out + k - 4, "IDAT", 4) && !memcmp(type, "IDAT", 4))) {
            memcpy(out + k, type, 4);
            k += 4;
            out[k] = 0;
        }
        o += 12 + (size_t)len;
    }
    free(b);
}

/* Files in D whose names contain "tmp" (left-over temporaries). */
static int leftovers(void) {
    DIR *d = opendir(D);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, "tmp")) n++;
    closedir(d);
    return n;
}

/* stderr of one CLI run (args in D) into `name`; returns the exit status
 * (124 if it ran for more than 30 s). */
static int run_err(const char *name, const char *args) {
    return tu_system("cd '%s' && timeout 30 '%s' %s >/dev/null 2>'%s'", D, F, args, name);
}

/* Does file `name` in D contain text? */
static int file_has(const char *name, const char *text) {
    uint8_t *b;
    size_t n;
    fc_error err;
    if (fc_read_file(P(name), 1 << 20, &b, &n, &err)) return 0;
    int ok = strstr((const char *)b, text) != NULL;
    free(b);
    return ok;
}

static void test_keygen(void) {
    struct stat st;
    CHECK(RUN("keygen -o k1.key") == 0);
    CHECK(stat(P("k1.key"), &st) == 0 && st.st_size == 32 && (st.st_mode & 0777) == 0600);
    CHECK(RUN("keygen -o k2.key") == 0);
    CHECK(!files_equal(P("k1.key"), P("k2.key")));
    tu_system("cp '%s' '%s'", P("k1.key"), P("k1.copy"));
    CHECK(RUN("keygen -o k1.key") == FC_EUSAGE && files_equal(P("k1.key"), P("k1.copy")));
    CHECK(RUN("keygen -o k3.key --force") == 0 && stat(P("k3.key"), &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(RUN("keygen -o k3.key --force") == 0);
    CHECK(RUN("keygen") == FC_EUSAGE);
    CHECK(RUN("keygen --help") == 0);
}

static void test_roundtrips(void) {
    fc_error err;
    fc_image cover;
    photo(&cover, 500, 400, 1);
    CHECK(fc_image_save_png(&cover, P("cover.png"), 0, &err) == FC_OK);
    /* Random bytes of many sizes, 1 and 2 bits per channel. */
    const size_t sizes[] = {0, 1, 15, 16, 1000, 100000};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        int bits = 1 + (int)(t % 2);
        random_file(P("sec.bin"), sizes[t]);
        int rc = RUN("encrypt sec.bin -o c.png --key-file k1.key --cover cover.png --bits %d --force -q", bits);
        CHECKF(rc == 0, "encrypt %zu bytes: %d", sizes[t], rc);
        rc = RUN("decrypt c.png -o out.bin --key-file k1.key --force -q");
        CHECKF(rc == 0 && files_equal(P("sec.bin"), P("out.bin")), "round trip %zu bytes: %d", sizes[t], rc);
    }
    /* Image files as secrets: PNG, JPEG, PPM, written here. */
    fc_image pic;
    photo(&pic, 160, 120, 2);
    fc_image_save_png(&pic, P("pic.png"), 1, &err);
    CHECK(save_jpeg(&pic, P("pic.jpg"), 85) == 0);
    save_ppm(&pic, P("pic.ppm"));
    const char *names[] = {"pic.png", "pic.jpg", "pic.ppm"};
    for (int i = 0; i < 3; i++) {
        CHECK(RUN("encrypt %s -o c_%d.png --key-file k1.key --cover cover.png --bits 2 -q", names[i], i) == 0);
        CHECK(RUN("decrypt c_%d.png -o back_%s --key-file k1.key -q", i, names[i]) == 0);
        char b[64];
        snprintf(b, sizeof b, "back_%s", names[i]);
        CHECKF(files_equal(P(names[i]), P(b)), "%s", names[i]);
    }
    /* Without -o, decrypt writes the stored name (here pic.jpg) in the current directory. */
    tu_system("mkdir -p '%s/sub'", D);
    CHECK(tu_system("cd '%s/sub' && '%s' decrypt ../c_1.png --key-file ../k1.key -q 2>/dev/null", D, F) == 0);
    CHECK(files_equal(P("pic.jpg"), P("sub/pic.jpg")));
    /* -o - writes to standard output. */
    CHECK(tu_system("cd '%s' && '%s' decrypt c_2.png -o - --key-file k1.key > stdout.ppm 2>/dev/null", D, F) == 0);
    CHECK(files_equal(P("pic.ppm"), P("stdout.ppm")));
    fc_image_free(&pic);

    /* Passwords: first line of the file, with or without its newline; Argon2id interactive. */
    write_bytes(P("pw"), (const uint8_t *)"open sesame\n", 12);
    write_bytes(P("pw_nonl"), (const uint8_t *)"open sesame", 11);
    write_bytes(P("pw_bad"), (const uint8_t *)"open sesamE\n", 12);
    CHECK(RUN("encrypt pic.png -o cp.png --password-file pw --kdf-cost interactive --cover cover.png --dense -q") == 0);
    CHECK(RUN("decrypt cp.png -o cp.out --password-file pw_nonl -q") == 0 && files_equal(P("pic.png"), P("cp.out")));
    /* A wrong password would cost every preset; --kdf-cost interactive tries the first two only. */
    CHECK(RUN("decrypt cp.png -o cp.bad --password-file pw_bad --kdf-cost interactive") == FC_EAUTH &&
          !fc_file_exists(P("cp.bad")));
    CHECK(RUN("decrypt cp.png -o cp.bad --key-file k1.key") == FC_EAUTH && !fc_file_exists(P("cp.bad")));
    CHECK(RUN("encrypt pic.png -o x.png --password-file pw --kdf-cost cheap --cover cover.png") == FC_EUSAGE);
    /* "minimal" is the library's (tests), not the CLI's, on either side. */
    CHECK(RUN("encrypt pic.png -o x.png --password-file pw --kdf-cost minimal --cover cover.png") == FC_EUSAGE);
    CHECK(RUN("decrypt cp.png -o cp.bad --password-file pw --kdf-cost minimal") == FC_EUSAGE);
    /* The preset is found without being told; told the right one, also. */
    CHECK(RUN("decrypt cp.png -o cp.out2 --password-file pw --kdf-cost moderate -q") == 0 &&
          files_equal(P("pic.png"), P("cp.out2")));
    fc_image_free(&cover);
}

static void test_container(void) {
    fc_error err;
    fc_image cover, cont, em;
    photo(&cover, 300, 200, 3);
    fc_image_save_png(&cover, P("cover3.png"), 1, &err);
    random_file(P("s.bin"), 5000);
    /* --emit-cover: the untouched (resized) cover; the container differs by at most 1 per channel. */
    CHECK(RUN("encrypt s.bin -o c.png --key-file k1.key --cover cover3.png --cover-size 240x160 --emit-cover e.png --dense "
              "--force -q") == 0);
    CHECK(fc_image_load(P("c.png"), &cont, &err) == FC_OK && fc_image_load(P("e.png"), &em, &err) == FC_OK);
    fc_image rs;
    fc_image_resize(&cover, 240, 160, &rs, &err);
    CHECK(cont.w == 240 && cont.h == 160 && em.w == 240 && em.h == 160);
    CHECK(!memcmp(em.px, rs.px, (size_t)240 * 160 * 3));
    int maxd = 0;
    size_t changed = 0;
    for (size_t i = 0; i < (size_t)240 * 160 * 3; i++) {
        int d = abs((int)cont.px[i] - (int)em.px[i]);
        if (d > maxd) maxd = d;
        changed += d != 0;
    }
    CHECK(maxd == 1 && changed > 5000 * 8 / 3);
    fc_image_free(&rs);
    fc_image_free(&em);
    /* Only IHDR, IDAT and IEND. */
    char chunks[256];
    png_chunks(P("c.png"), chunks, sizeof chunks);
    CHECKF(!strcmp(chunks, "IHDRIDATIEND"), "chunks %s", chunks);
    png_chunks(P("e.png"), chunks, sizeof chunks);
    CHECKF(!strcmp(chunks, "IHDRIDATIEND"), "chunks %s", chunks);
    /* The default (stealth) embedding in the same photo: 5000 bytes need more than
     * 0.125 bits per body value of 300x200, the rate for pictures (exit 4, naming
     * --dense); 2600 bytes fit (2700 at most: tests/test_stego_stc.c). */
    CHECK(run_err("st.err", "encrypt s.bin -o st.png --key-file k1.key --cover cover3.png") == FC_ENOFIT &&
          file_has("st.err", "--dense") && !fc_file_exists(P("st.png")));
    random_file(P("s3.bin"), 2600);
    CHECK(RUN("encrypt s3.bin -o st.png --key-file k1.key --cover cover3.png -q") == 0);
    CHECK(RUN("decrypt st.png -o st.out --key-file k1.key -q") == 0 && files_equal(P("s3.bin"), P("st.out")));
    /* Two encryptions of the same file differ. */
    CHECK(RUN("encrypt s.bin -o c2.png --key-file k1.key --cover cover3.png --cover-size 240x160 --dense -q") == 0);
    CHECK(!files_equal(P("c.png"), P("c2.png")));

    /* Damage. Each case must fail with the right code and write nothing. */
    CHECK(RUN("decrypt c.png -o ok.bin --key-file k1.key -q") == 0 && files_equal(P("s.bin"), P("ok.bin")));
    CHECK(RUN("decrypt c.png -o bad.bin --key-file k2.key") == FC_EAUTH); /* wrong key */
    fc_image bad;
    /* One flipped bit in the public slots (salt and nonce: the only ones a reader
     * finds without the key, scattered by the image's size alone). */
    fc_slot_map map;
    CHECK(fc_slot_map_v2(&map, (uint64_t)cont.w, (uint64_t)cont.h, &err) == FC_OK);
    for (int i = 0; i < 6; i++) {
        fc_image_alloc(&bad, cont.w, cont.h, 3, &err);
        memcpy(bad.px, cont.px, (size_t)cont.w * cont.h * 3);
        bad.px[fc_slot_public(&map, (uint32_t)(i * 63))] ^= 1;
        fc_image_save_png(&bad, P("flip.png"), 1, &err);
        CHECKF(RUN("decrypt flip.png -o bad.bin --key-file k1.key") == FC_EAUTH, "flip %d", i);
        fc_image_free(&bad);
    }
    fc_slot_map_free(&map);
    /* Crop one column / one row; resize. */
    fc_image_alloc(&bad, cont.w - 1, cont.h, 3, &err);
    for (int y = 0; y < cont.h; y++) memcpy(bad.px + (size_t)y * bad.w * 3, cont.px + (size_t)y * cont.w * 3, (size_t)bad.w * 3);
    fc_image_save_png(&bad, P("crop.png"), 1, &err);
    fc_image_free(&bad);
    CHECK(RUN("decrypt crop.png -o bad.bin --key-file k1.key") == FC_EAUTH);
    fc_image_alloc(&bad, cont.w, cont.h - 1, 3, &err);
    memcpy(bad.px, cont.px + (size_t)cont.w * 3, (size_t)bad.w * bad.h * 3); /* top row cut */
    fc_image_save_png(&bad, P("crop2.png"), 1, &err);
    fc_image_free(&bad);
    CHECK(RUN("decrypt crop2.png -o bad.bin --key-file k1.key") == FC_EAUTH);
    fc_image_resize(&cont, 480, 320, &bad, &err);
    fc_image_save_png(&bad, P("big.png"), 1, &err);
    fc_image_free(&bad);
    CHECK(RUN("decrypt big.png -o bad.bin --key-file k1.key") == FC_EAUTH);
    /* JPEG recompression: the .jpg itself is not a PNG (2); converted back to PNG it fails auth (3). */
    CHECK(save_jpeg(&cont, P("re.jpg"), 95) == 0);
    CHECK(RUN("decrypt re.jpg -o bad.bin --key-file k1.key") == FC_EINPUT);
    CHECK(fc_image_load(P("re.jpg"), &bad, &err) == FC_OK);
    fc_image_save_png(&bad, P("re.png"), 1, &err);
    fc_image_free(&bad);
    CHECK(RUN("decrypt re.png -o bad.bin --key-file k1.key") == FC_EAUTH);
    /* Truncated file, garbage, empty, missing: unreadable input (2). */
    uint8_t *b;
    size_t n;
    fc_read_file(P("c.png"), 1u << 30, &b, &n, &err);
    write_bytes(P("trunc.png"), b, n / 2);
    write_bytes(P("trunc2.png"), b, n - 13); /* IEND gone */
    free(b);
    CHECK(RUN("decrypt trunc.png -o bad.bin --key-file k1.key") == FC_EINPUT);
    int rc = RUN("decrypt trunc2.png -o bad.bin --key-file k1.key");
    CHECKF(rc == FC_EINPUT || rc == FC_EAUTH || rc == 0, "trunc2 %d", rc); /* all pixel data is there */
    tu_system("rm -f '%s'", P("bad.bin"));
    random_file(P("garbage.png"), 1000);
    write_bytes(P("empty.png"), NULL, 0);
    CHECK(RUN("decrypt garbage.png -o bad.bin --key-file k1.key") == FC_EINPUT);
    CHECK(RUN("decrypt empty.png -o bad.bin --key-file k1.key") == FC_EINPUT);
    CHECK(RUN("decrypt missing.png -o bad.bin --key-file k1.key") == FC_EINPUT);
    /* A PNG that is not a container (the cover itself): authentication failure,
     * in the very words, and with the very code, of a container under a wrong key. */
    CHECK(run_err("plain.err", "decrypt cover3.png -o bad.bin --key-file k1.key") == FC_EAUTH);
    CHECK(run_err("wrong.err", "decrypt c.png -o bad.bin --key-file k2.key") == FC_EAUTH);
    CHECK(files_equal(P("plain.err"), P("wrong.err")) && file_has("plain.err", FC_MSG_AUTH));
    /* The same with a password (presets up to interactive): a picture costs the
     * same derivations as a container, and says the same. */
    CHECK(RUN("encrypt s.bin -o cpw.png --password-file pw --kdf-cost interactive --cover cover3.png --dense -q") == 0);
    CHECK(run_err("plainpw.err", "decrypt cover3.png -o bad.bin --password-file pw --kdf-cost interactive") ==
          FC_EAUTH);
    CHECK(run_err("wrongpw.err", "decrypt cpw.png -o bad.bin --password-file pw_bad --kdf-cost interactive") ==
          FC_EAUTH);
    CHECK(run_err("kindpw.err", "decrypt cpw.png -o bad.bin --key-file k1.key") == FC_EAUTH);
    CHECK(files_equal(P("plainpw.err"), P("wrong.err")) && files_equal(P("wrongpw.err"), P("wrong.err")) &&
          files_equal(P("kindpw.err"), P("wrong.err")));
    CHECK(RUN("decrypt cpw.png -o cpw.out --password-file pw -q") == 0 && files_equal(P("s.bin"), P("cpw.out")));
    CHECK(!fc_file_exists(P("bad.bin")) && leftovers() == 0);
    fc_image_free(&cont);

    /* Overwrite protection: encrypt and decrypt refuse existing outputs, --force replaces. */
    tu_system("cp '%s' '%s'", P("c2.png"), P("keep.png"));
    CHECK(RUN("encrypt s.bin -o c2.png --key-file k1.key --cover cover3.png") == FC_EUSAGE);
    CHECK(files_equal(P("c2.png"), P("keep.png")));
    CHECK(RUN("encrypt s.bin -o new.png --key-file k1.key --cover cover3.png --emit-cover c2.png") == FC_EUSAGE);
    CHECK(!fc_file_exists(P("new.png")) && files_equal(P("c2.png"), P("keep.png")));
    write_bytes(P("exists.bin"), (const uint8_t *)"x", 1);
    CHECK(RUN("decrypt c.png -o exists.bin --key-file k1.key") == FC_EUSAGE);
    uint8_t *eb;
    size_t en;
    fc_read_file(P("exists.bin"), 10, &eb, &en, &err);
    CHECK(en == 1 && eb[0] == 'x');
    free(eb);
    CHECK(RUN("decrypt c.png -o exists.bin --key-file k1.key --force -q") == 0 && files_equal(P("exists.bin"), P("s.bin")));

    /* A cover too small for the secret: 4, naming the size that fits; nothing written. */
    random_file(P("big.bin"), 50000);
    CHECK(RUN("encrypt big.bin -o nofit.png --key-file k1.key --cover cover3.png --emit-cover nofit_c.png") == FC_ENOFIT);
    CHECK(!fc_file_exists(P("nofit.png")) && !fc_file_exists(P("nofit_c.png")));
    CHECK(tu_system("cd '%s' && '%s' encrypt big.bin -o nofit.png --key-file k1.key --cover cover3.png 2>&1 | "
                    "grep -q 'at least [0-9]*x[0-9]*'", D, F) == 0);
    CHECK(RUN("encrypt big.bin -o fit.png --key-file k1.key --cover cover3.png --bits 2 --cover-size 420x280 -q") == 0);
    CHECK(RUN("decrypt fit.png -o fit.bin --key-file k1.key -q") == 0 && files_equal(P("big.bin"), P("fit.bin")));
    CHECK(leftovers() == 0);
    fc_image_free(&cover);
}

static void test_usage_and_keys(void) {
    random_file(P("u.bin"), 100);
    /* The password is never taken from argv. */
    CHECK(RUN("encrypt u.bin -o u.png --password hunter2 --cover cover.png") == FC_EUSAGE);
    /* No key option and no terminal: usage error, nothing written. */
    CHECK(tu_system("cd '%s' && setsid -w '%s' encrypt u.bin -o u.png --cover cover.png </dev/null >/dev/null 2>&1", D,
                    F) == FC_EUSAGE);
    CHECK(!fc_file_exists(P("u.png")));
    CHECK(RUN("encrypt u.bin -o u.png --key-file k1.key --password-file pw --cover cover.png") == FC_EUSAGE);
    CHECK(RUN("encrypt u.bin --key-file k1.key --cover cover.png") == FC_EUSAGE);
    CHECK(RUN("encrypt missing.bin -o u.png --key-file k1.key --cover cover.png") == FC_EINPUT);
    CHECK(RUN("encrypt u.bin -o u.png --key-file missing.key --cover cover.png") == FC_EINPUT);
    CHECK(RUN("encrypt u.bin -o u.png --key-file pw --cover cover.png") == FC_EINPUT); /* not 32 bytes */
    CHECK(RUN("encrypt u.bin -o u.png --key-file k1.key --cover garbage.png") == FC_EINPUT);
    CHECK(RUN("encrypt u.bin -o u.png --key-file k1.key --cover cover.png --bits 3") == FC_EUSAGE);
    CHECK(RUN("encrypt u.bin -o u.png --key-file k1.key --cover cover.png --face-scale 5") == FC_EUSAGE);
    CHECK(RUN("encrypt u.bin -o u.png --key-file k1.key --cover-size 10x10") == FC_EUSAGE);
    CHECK(!fc_file_exists(P("u.png")) && leftovers() == 0);
    CHECK(RUN("encrypt --help") == 0 && RUN("decrypt --help") == 0 && RUN("capacity --help") == 0);
}


static int mode_of(const char *name) {
    struct stat st;
    return lstat(P(name), &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Issue 9, defect 1: encrypt never writes what decrypt cannot read.  One limit
 * (the decoder's: 16384 pixels a side, 100 megapixels), checked before any
 * work: a sparse 38 MB secret is refused at once (exit 4) with the largest size
 * that fits, as is a --cover-size beyond the limit; `capacity` agrees. */
static void test_limits(void) {
    int fd = open(P("huge.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && ftruncate(fd, 38000000) == 0);
    close(fd);
    int64_t max0 = fc_max_secret(FC_STEALTH, 8, 1, 0), max1 = fc_max_secret(1, 8, 1, 0), max2 = fc_max_secret(2, 8, 1, 0);
    CHECKF(max1 > 37000000 && max1 < 38000000 && max2 > 74000000 && max2 < 76000000, "%lld %lld", (long long)max1,
           (long long)max2);
    CHECKF(max0 > 7000000 && max0 < 7600000, "stealth: %lld", (long long)max0); /* 0.2 bits per channel */
    time_t t0 = time(NULL);
    /* timeout: before the fix this drew a 10240x9984 face cover for minutes */
    int rc = run_err("huge.err", "encrypt huge.bin -o huge.png --key-file k1.key");
    CHECKF(rc == FC_ENOFIT && time(NULL) - t0 < 20, "38 MB secret: exit %d after %ld s", rc, (long)(time(NULL) - t0));
    char msg[64];
    snprintf(msg, sizeof msg, "at most %lld bytes", (long long)max0); /* the default is stealth */
    CHECKF(file_has("huge.err", msg), "no '%s' in the message", msg);
    CHECK(!fc_file_exists(P("huge.png")) && leftovers() == 0);
    /* Without a key option and no terminal: the limit is reported, not the missing password. */
    CHECK(tu_system("cd '%s' && setsid -w timeout 60 '%s' encrypt huge.bin -o huge.png </dev/null >/dev/null 2>&1", D,
                    F) == FC_ENOFIT);
    /* --bits 2 holds it (not encrypted here: only the check is asked for, through capacity). */
    CHECK(RUN("capacity --for huge.bin") == FC_ENOFIT);
    CHECK(RUN("capacity --for huge.bin --dense") == FC_ENOFIT);
    CHECK(RUN("capacity --for huge.bin --bits 2") == 0);
    /* A --cover-size beyond the limit: 4, naming the largest size of that shape, before any resizing. */
    t0 = time(NULL);
    rc = run_err("cs.err", "encrypt u.bin -o cs.png --key-file k1.key --cover cover.png --cover-size 10001x10000");
    CHECKF(rc == FC_ENOFIT && time(NULL) - t0 < 20, "--cover-size 10001x10000: exit %d", rc);
    CHECK(file_has("cs.err", "10000x9999") && !fc_file_exists(P("cs.png")));
    CHECK(run_err("cs.err", "encrypt u.bin -o cs.png --key-file k1.key --cover cover.png --cover-size 16385x100") ==
          FC_ENOFIT);
    /* capacity: beyond the limit is a clear "no" (it printed "0 bytes fit" for 65535x65535). */
    CHECK(run_err("cap.err", "capacity --size 65535x65535") == FC_ENOFIT && file_has("cap.err", "100 megapixels"));
    CHECK(RUN("capacity --size 10001x10000") == FC_ENOFIT);
    CHECK(tu_system("cd '%s' && '%s' capacity --size 10000x10000 --name-len 0 > capmax.txt", D, F) == 0);
    long long cap = -1;
    FILE *f = fopen(P("capmax.txt"), "r");
    CHECK(f && fscanf(f, "%lld", &cap) == 1 && cap == fc_capacity(10000, 10000, FC_STEALTH_COVER, 0) && cap > 0);
    if (f) fclose(f);
    CHECK(fc_capacity(10001, 10000, 1, 0) == -1 && fc_capacity(16384, 6103, 1, 0) > 0);
    /* The largest face secret's cover is within the limit; one byte more is refused
     * (stealth, the default, and dense). */
    fc_encrypt_opts dense;
    fc_encrypt_opts_init(&dense);
    dense.dense = 1;
    for (int e = 0; e < 2; e++) {
        int64_t mx = e ? max1 : max0;
        int cols, rows, sc;
        fc_face_cover_shape((size_t)mx, 8, e ? 1 : FC_STEALTH, 0, &cols, &rows, &sc);
        uint64_t w = (uint64_t)cols * 64 * sc, h = (uint64_t)rows * 64 * sc;
        CHECKF(w <= FC_IMAGE_MAX_SIDE && h <= FC_IMAGE_MAX_SIDE && w * h <= FC_IMAGE_MAX_PIXELS, "%llux%llu",
               (unsigned long long)w, (unsigned long long)h);
        CHECK(fc_encrypt_check((uint64_t)mx, "huge.bin", e ? &dense : NULL, 0, 0, NULL) == FC_OK);
        CHECK(fc_encrypt_check((uint64_t)mx + 1, "huge.bin", e ? &dense : NULL, 0, 0, NULL) == FC_ENOFIT);
    }
    unlink(P("huge.bin"));
}

/* Defect 2: decrypted files (and keys) are 0600; other outputs follow the
 * umask; --force never widens the file it replaces. */
static void test_modes(void) {
    random_file(P("m.bin"), 3000);
    CHECK(tu_system("cd '%s' && umask 077 && '%s' encrypt m.bin -o m77.png --key-file k1.key --cover cover.png -q && "
                    "'%s' decrypt m77.png -o m77.out --key-file k1.key -q", D, F, F) == 0);
    CHECKF(mode_of("m77.png") == 0600 && mode_of("m77.out") == 0600, "umask 077: %o %o", mode_of("m77.png"),
           mode_of("m77.out"));
    CHECK(tu_system("cd '%s' && umask 022 && '%s' encrypt m.bin -o m22.png --key-file k1.key --cover cover.png -q && "
                    "'%s' decrypt m22.png -o m22.out --key-file k1.key -q && '%s' keygen -o m22.key", D, F, F, F) == 0);
    CHECKF(mode_of("m22.png") == 0644 && mode_of("m22.out") == 0600 && mode_of("m22.key") == 0600,
           "umask 022: %o %o %o", mode_of("m22.png"), mode_of("m22.out"), mode_of("m22.key"));
    /* --force over a 0600 file under umask 022 keeps 0600; over a 0644 plaintext makes it 0600. */
    chmod(P("m22.png"), 0600);
    chmod(P("m22.out"), 0644);
    CHECK(tu_system("cd '%s' && umask 022 && '%s' encrypt m.bin -o m22.png --key-file k1.key --cover cover.png -q "
                    "--force && '%s' decrypt m22.png -o m22.out --key-file k1.key -q --force", D, F, F) == 0);
    CHECKF(mode_of("m22.png") == 0600 && mode_of("m22.out") == 0600, "--force: %o %o", mode_of("m22.png"),
           mode_of("m22.out"));
    CHECK(files_equal(P("m.bin"), P("m22.out")) && leftovers() == 0);
}

/* Run `facecrypt ARGS` in D and kill -9 it the moment a temporary name
 * appears in D.  Returns how many were seen (0 with O_TMPFILE: there is never one). */
static int run_kill_on_temp(const char *args) {
    char cmd[6000];
    snprintf(cmd, sizeof cmd, "cd '%s' && exec '%s' %s >>cli.log 2>&1", D, F, args);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int seen = 0, st;
    for (;;) {
        int t = leftovers();
        if (t && !seen) {
            seen = t;
            kill(pid, SIGKILL);
        }
        if (waitpid(pid, &st, WNOHANG) == pid) break;
    }
    return seen;
}

/* Defect 3: a killed run leaves no temporary file (for decrypt it held the
 * plaintext): the output is written unnamed (O_TMPFILE) and linked into place
 * when complete, so no temporary name ever exists. */
static void test_kill(void) {
    /* A 2 MB secret: its write and fsync take long enough to be seen. */
    const size_t n = (size_t)2 << 20;
    random_file(P("k.bin"), n);
    uint64_t need = fc_channels_needed(n, 5, 2);
    int w = 16;
    while ((uint64_t)w * (uint64_t)(w * 3 / 4) * 3 < need) w += 16;
    fc_image c;
    fc_error err;
    photo_n(&c, w, w * 3 / 4, 21, 2);
    CHECK(fc_image_save_png(&c, P("kcover.png"), 1, &err) == FC_OK);
    fc_image_free(&c);
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        char a[256];
        snprintf(a, sizeof a, "encrypt k.bin -o k%d.png --key-file k1.key --cover kcover.png --bits 2 -q", i);
        seen += run_kill_on_temp(a);
        snprintf(a, sizeof a, "decrypt k0.png -o k%d.out --key-file k1.key -q", i);
        seen += run_kill_on_temp(a);
    }
    CHECKF(seen == 0 && leftovers() == 0, "temporary names seen (and killed): %d, left: %d", seen, leftovers());
    CHECK(files_equal(P("k.bin"), P("k0.out")) && files_equal(P("k.bin"), P("k1.out")));
    /* kill -9 at arbitrary moments: never a temporary, and the output is absent or whole. */
    for (int i = 0; i < 6; i++) {
        char cmd[6000];
        tu_system("rm -f '%s'", P("kk.out"));
        snprintf(cmd, sizeof cmd, "cd '%s' && { '%s' decrypt k0.png -o kk.out --key-file k1.key -q & p=$!; "
                                  "sleep 0.%d; kill -9 $p; wait $p; } >/dev/null 2>&1", D, F, 1 + i * 15 % 10);
        tu_system("%s", cmd);
        CHECKF(leftovers() == 0, "kill %d: a temporary file is left", i);
        CHECKF(!fc_file_exists(P("kk.out")) || files_equal(P("k.bin"), P("kk.out")), "kill %d: partial output", i);
    }
}

/* Defects 4 and 5: --force replaces only regular files, and only after every
 * step succeeded. */
static void test_force_safety(void) {
    random_file(P("f.bin"), 2000);
    write_bytes(P("fout.png"), (const uint8_t *)"OLD\n", 4);
    tu_system("mkdir -p '%s'", P("covdir"));
    int rc = RUN("encrypt f.bin -o fout.png --emit-cover covdir --force --key-file k1.key --cover cover.png");
    CHECKF(rc != 0 && file_has("fout.png", "OLD"), "emit-cover folder: exit %d, old output %s", rc,
           fc_file_exists(P("fout.png")) ? "changed" : "gone");
    CHECK(leftovers() == 0);
    /* Not a regular file: refused even with --force, and left as it was. */
    CHECK(mkfifo(P("out.fifo"), 0644) == 0);
    write_bytes(P("tgt"), (const uint8_t *)"T", 1);
    CHECK(symlink("tgt", P("out.link")) == 0);
    CHECK(RUN("encrypt f.bin -o out.fifo --force --key-file k1.key --cover cover.png") == FC_EUSAGE);
    CHECK(RUN("encrypt f.bin -o covdir --force --key-file k1.key --cover cover.png") == FC_EUSAGE);
    CHECK(RUN("encrypt f.bin -o f.png --key-file k1.key --cover cover.png -q") == 0);
    CHECK(RUN("decrypt f.png -o out.fifo --force --key-file k1.key") == FC_EUSAGE);
    CHECK(RUN("decrypt f.png -o out.link --force --key-file k1.key") == FC_EUSAGE);
    CHECK(RUN("keygen -o out.fifo --force") == FC_EUSAGE);
    CHECK(RUN("keygen -o out.link --force") == FC_EUSAGE);
    struct stat st;
    CHECK(lstat(P("out.fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK(lstat(P("out.link"), &st) == 0 && S_ISLNK(st.st_mode) && file_has("tgt", "T"));
    /* A regular file is still replaced, atomically, with nothing left over. */
    CHECK(RUN("decrypt f.png -o fout.png --force --key-file k1.key -q") == 0 && files_equal(P("f.bin"), P("fout.png")));
    CHECK(leftovers() == 0);
}

/* Defect 6: a FIFO as any input is refused at once (exit 2), never waited on. */
static void test_fifo_inputs(void) {
    CHECK(mkfifo(P("in.fifo"), 0644) == 0);
    const char *cmds[] = {
        "encrypt in.fifo -o x.png --key-file k1.key --cover cover.png",
        "decrypt in.fifo -o x.out --key-file k1.key",
        "encrypt f.bin -o x.png --key-file in.fifo --cover cover.png",
        "encrypt f.bin -o x.png --password-file in.fifo --cover cover.png",
        "decrypt f.png -o x.out --key-file in.fifo",
        "encrypt f.bin -o x.png --key-file k1.key --cover in.fifo",
        "encrypt f.bin -o x.png --key-file k1.key --model in.fifo",
        "capacity --for in.fifo",
        "capacity in.fifo",
        "sample --z in.fifo -o x.png",
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char a[512];
        snprintf(a, sizeof a, "timeout 20 '%s' %s", F, cmds[i]);
        int rc = tu_system("cd '%s' && %s >/dev/null 2>fifo.err", D, a);
        CHECKF(rc == FC_EINPUT && file_has("fifo.err", "FIFO"), "%s: exit %d", cmds[i], rc);
    }
    CHECK(!fc_file_exists(P("x.png")) && !fc_file_exists(P("x.out")));
}

/* Defects 8 and 11: messages, exit codes, and failures found before the work. */
static void test_messages(void) {
    /* A truncated PNG: the message names the file once, and is not garbled. */
    uint8_t *b;
    size_t n;
    fc_error err;
    CHECK(fc_read_file(P("f.png"), 1u << 30, &b, &n, &err) == FC_OK);
    write_bytes(P("cut.png"), b, 100);
    free(b);
    CHECK(run_err("cut.err", "decrypt cut.png -o cut.out --key-file k1.key") == FC_EINPUT);
    CHECK(file_has("cut.err", "facecrypt decrypt: cut.png: corrupt PNG: truncated file\n"));
    /* An output folder that cannot be written is reported (5) before the key is asked for
     * (here there is no terminal: the prompt would fail with 1). */
    CHECK(tu_system("cd '%s' && setsid -w '%s' encrypt f.bin -o nodir/x.png --cover cover.png </dev/null >/dev/null "
                    "2>nodir.err", D, F) == FC_EIO);
    CHECK(file_has("nodir.err", "nodir"));
    CHECK(tu_system("cd '%s' && setsid -w '%s' decrypt f.png -o nodir/x.out </dev/null >/dev/null 2>&1", D, F) ==
          FC_EIO);
    /* A full disk or a file-size limit says why. */
    CHECK(tu_system("cd '%s' && '%s' decrypt f.png -o - --key-file k1.key >/dev/full 2>full.err", D, F) == FC_EIO);
    CHECK(file_has("full.err", strerror(ENOSPC)));
    CHECK(tu_system("cd '%s' && (trap '' XFSZ; ulimit -f 2; exec '%s' decrypt f.png -o big.out --key-file k1.key) "
                    ">/dev/null 2>fsize.err", D, F) == FC_EIO);
    CHECK(file_has("fsize.err", strerror(EFBIG)) && !fc_file_exists(P("big.out")) && leftovers() == 0);
    /* The help lists every exit code. */
    CHECK(tu_system("cd '%s' && '%s' encrypt --help > help.txt && '%s' decrypt --help >> help.txt", D, F, F) == 0);
    CHECK(file_has("help.txt", "5 i/o") && file_has("help.txt", "6 out of memory"));
}

static void test_capacity_cmd(void) {
    /* The printed number is fc_capacity, and a secret of exactly that size fits. */
    CHECK(tu_system("cd '%s' && '%s' capacity --size 240x160 --bits 2 --name-len 7 > cap.txt", D, F) == 0);
    FILE *f = fopen(P("cap.txt"), "r");
    long long cap = -1;
    CHECK(f && fscanf(f, "%lld", &cap) == 1);
    if (f) fclose(f);
    CHECK(cap == fc_capacity(240, 160, 2, 7) && cap == (240 * 160 * 3 - 320 - 320) * 2 / 8 - 26 - 7);
    random_file(P("cap.bin"), (size_t)cap);
    CHECK(RUN("encrypt cap.bin -o cap.png --key-file k1.key --cover cover3.png --cover-size 240x160 --bits 2 -q") == 0);
    CHECK(RUN("decrypt cap.png -o cap.out --key-file k1.key -q") == 0 && files_equal(P("cap.bin"), P("cap.out")));
    random_file(P("cax.bin"), (size_t)cap + 1); /* one byte more, same name length */
    CHECK(RUN("encrypt cax.bin -o capx.png --key-file k1.key --cover cover3.png --cover-size 240x160 --bits 2") ==
          FC_ENOFIT);
    /* From an image file. */
    CHECK(tu_system("cd '%s' && '%s' capacity cover3.png --name-len 0 > cap2.txt", D, F) == 0);
    f = fopen(P("cap2.txt"), "r");
    CHECK(f && fscanf(f, "%lld", &cap) == 1 && cap == fc_capacity(300, 200, FC_STEALTH_COVER, 0));
    if (f) fclose(f);
    CHECK(RUN("capacity") == FC_EUSAGE);
    CHECK(RUN("capacity --for cap.bin") == 0);
}

/* A 12-megapixel photo (4000x3000 JPEG) as the secret, in a cover of the
 * user's sized to it at 2 bits per channel (the 12-megapixel cover path and
 * peak memory are measured by bench/crypto_bench.sh). */
static void test_12mp(void) {
    fc_image pic;
    photo_n(&pic, 4000, 3000, 12, 1);
    CHECK(save_jpeg(&pic, P("photo12.jpg"), 80) == 0);
    fc_image_free(&pic);
    struct stat st;
    CHECK(stat(P("photo12.jpg"), &st) == 0);
    /* Cover: 4:3, just large enough (capacity is checked exactly elsewhere). */
    uint64_t need = fc_channels_needed((size_t)st.st_size, 11, 2);
    int w = 4;
    while ((uint64_t)w * (uint64_t)(w * 3 / 4) * 3 < need) w += 4;
    photo_n(&pic, w, w * 3 / 4, 13, 2);
    CHECK(save_jpeg(&pic, P("cover12.jpg"), 90) == 0);
    fc_image_free(&pic);
    CHECK(RUN("encrypt photo12.jpg -o c12.png --key-file k1.key --cover cover12.jpg --bits 2 -q") == 0);
    CHECK(RUN("decrypt c12.png -o photo12.out --key-file k1.key -q") == 0);
    CHECK(files_equal(P("photo12.jpg"), P("photo12.out")));
    CHECK(RUN("encrypt photo12.jpg -o c12b.png --key-file k1.key --cover cover12.jpg --cover-size %dx%d --bits 2",
              w - 4, (w - 4) * 3 / 4) == FC_ENOFIT);
}

/* A cover that would show what it hides is refused with exit 2 and the reason,
 * before the key is read (here: a missing password file), and nothing is written:
 * a flat grey picture (it would gain coloured pixels), a black-and-white one (it
 * would end as {0, 1, 254, 255}), a grey photo, a flat colour fill. */
static void test_degenerate_covers(void) {
    random_file(P("dg.bin"), 200);
    fc_image im;
    fc_error err;
    const char *names[4] = {"grey.png", "bw.png", "greyphoto.png", "fill.png"};
    const char *why[4] = {"grey", "grey", "grey", "flat"};
    for (int t = 0; t < 4; t++) {
        photo(&im, 160, 120, 40 + (uint64_t)t);
        for (size_t i = 0; i < (size_t)160 * 120; i++) {
            uint8_t *p = im.px + 3 * i, g = (uint8_t)((p[0] + p[1] + p[2]) / 3);
            if (t == 0) p[0] = p[1] = p[2] = 128;
            else if (t == 1) p[0] = p[1] = p[2] = ((i * 2654435761u) >> 7) & 1 ? 255 : 0;
            else if (t == 2) p[0] = p[1] = p[2] = g;
            else p[0] = 30, p[1] = 140, p[2] = 90;
        }
        CHECK(fc_image_save_png(&im, P(names[t]), 1, &err) == FC_OK);
        fc_image_free(&im);
        for (int bits = 1; bits <= 2; bits++) {
            CHECKF(RUN("encrypt dg.bin -o dg.png --password-file no-such-pw --cover %s --bits %d --emit-cover dgc.png",
                       names[t], bits) == FC_EINPUT,
                   "%s", names[t]);
            CHECKF(tu_system("cd '%s' && '%s' encrypt dg.bin -o dg.png --key-file k1.key --cover %s --bits %d 2>&1 | "
                             "grep -q 'cover %s: the cover is %s'",
                             D, F, names[t], bits, names[t], why[t]) == 0,
                   "%s: no reason given", names[t]);
            CHECK(!fc_file_exists(P("dg.png")) && !fc_file_exists(P("dgc.png")));
        }
    }
    /* The same picture in colour, with its grain, is a fine cover. */
    photo(&im, 160, 120, 40);
    CHECK(fc_image_save_png(&im, P("colour.png"), 1, &err) == FC_OK);
    fc_image_free(&im);
    CHECK(RUN("encrypt dg.bin -o dg.png --key-file k1.key --cover colour.png -q") == 0);
    CHECK(RUN("decrypt dg.png -o dg.out --key-file k1.key -q") == 0 && files_equal(P("dg.bin"), P("dg.out")));
    CHECK(leftovers() == 0);
}

int main(void) {
    F = tu_cli();
    if (F[0] != '/') {
        static char abs_path[4096];
        char cwd[2048];
        if (!getcwd(cwd, sizeof cwd)) return 1;
        snprintf(abs_path, sizeof abs_path, "%s/%s", cwd, F);
        F = abs_path;
    }
    char *d = tu_tmpdir();
    snprintf(D, sizeof D, "%s", d);
    free(d);
    test_keygen();
    test_roundtrips();
    test_container();
    test_usage_and_keys();
    test_capacity_cmd();
    test_limits();
    test_modes();
    test_kill();
    test_force_safety();
    test_fifo_inputs();
    test_messages();
    test_12mp();
    test_degenerate_covers();
    int rc = TEST_END();
    if (rc == 0) tu_system("rm -rf '%s'", D);
    else fprintf(stderr, "kept %s (see cli.log)\n", D);
    return rc;
}
