/* facecrypt encrypt / decrypt / keygen / capacity: a thin client of the
 * library's encryption API (include/facecrypt.h, "encryption"). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli_opts.h"
#include "cli_util.h"
#include "commands.h"
#include "prompt.h"

/* Largest secret read from disk, and largest container file accepted. */
#define MAX_SECRET ((size_t)1 << 30)
#define MAX_CONTAINER ((size_t)2 << 30)
#define PASS_CAP 4097

/* Key options shared by encrypt and decrypt. */
typedef struct key_opts {
    const char *password_file, *key_file;
} key_opts;

/* The rows of the key options, shared by encrypt and decrypt (listed in --help when show). */
#define KEY_OPTS(k, show)                                                                              \
    {.name = "--key-file", .type = CLI_STR, .dst = &(k).key_file, .label = (show) ? "--key-file K" : NULL,             \
     .help = "32-byte key from facecrypt keygen"},                                                   \
    {.name = "--password-file", .type = CLI_STR, .dst = &(k).password_file, .label = (show) ? "--password-file P" : NULL, \
     .help = "password = first line of P (Argon2id)"}

/* The key from a file, or from the terminal (twice when confirm). */
static int get_key(const char *cmd, const key_opts *k, int confirm, fc_key **key) {
    fc_error err = {0};
    *key = NULL;
    if (k->password_file && k->key_file) return cli_usage_err(cmd, "give --password-file or --key-file, not both", NULL);
    int rc;
    if (k->key_file) rc = fc_key_from_file(k->key_file, key, &err);
    else if (k->password_file) rc = fc_key_from_password_file(k->password_file, key, &err);
    else {
        if (sodium_init() < 0) return fc_fail(&err, FC_EINTERNAL, "libsodium failed to start"), cli_report(cmd, &err);
        char *a = sodium_malloc(PASS_CAP), *b = sodium_malloc(PASS_CAP);
        if (!a || !b) {
            sodium_free(a);
            sodium_free(b);
            return fc_fail(&err, FC_ENOMEM, "out of memory"), cli_report(cmd, &err);
        }
        long n = cli_prompt_password("Password: ", a, PASS_CAP);
        if (n == -1) rc = fc_fail(&err, FC_EUSAGE, "no key: give --password-file FILE or --key-file FILE, or run "
                                                   "on a terminal to be asked for a password");
        else if (n == -2) rc = fc_fail(&err, FC_EUSAGE, "password longer than %d bytes", PASS_CAP - 1);
        else if (n == 0) rc = fc_fail(&err, FC_EUSAGE, "empty password");
        else if (confirm && (cli_prompt_password("Password (again): ", b, PASS_CAP) != n || sodium_memcmp(a, b, (size_t)n)))
            rc = fc_fail(&err, FC_EUSAGE, "the passwords do not match");
        else rc = fc_key_from_password(a, (size_t)n, key, &err);
        sodium_free(a); /* wipes */
        sodium_free(b);
    }
    return rc ? cli_report(cmd, &err) : FC_OK;
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Both outputs are encoded and written in full first, then committed as one
 * (fc_atomic_commit_all): a failure leaves no new file and every existing one
 * as it was. */
static int write_outputs(const char *cmd, const fc_image *a, const char *pa, const fc_image *b, const char *pb,
                         int flags) {
    fc_error err = {0};
    uint8_t *ba = NULL, *bb = NULL;
    size_t la = 0, lb = 0;
    fc_atomic_file f[2];
    memset(f, 0, sizeof f);
    f[0].fd = f[1].fd = -1;
    int rc = fc_image_encode_png(a, &ba, &la, &err);
    if (!rc && b) rc = fc_image_encode_png(b, &bb, &lb, &err);
    if (!rc) rc = fc_atomic_open(&f[0], pa, flags, &err);
    if (!rc && b) rc = fc_atomic_open(&f[1], pb, flags, &err);
    if (!rc) rc = fc_atomic_write(&f[0], ba, la, &err);
    if (!rc && b) rc = fc_atomic_write(&f[1], bb, lb, &err);
    free(ba);
    free(bb);
    if (rc) {
        fc_atomic_abort(&f[0]);
        fc_atomic_abort(&f[1]);
        return cli_report(cmd, &err);
    }
    if ((rc = fc_atomic_commit_all(f, b ? 2 : 1, &err))) return cli_report(cmd, &err);
    return FC_OK;
}

static int parse_kdf_cost(const char *v, void *dst) { return fc_kdf_cost_parse(v, dst); }

static void encrypt_exit_codes(void) {
    printf("exit codes: 0 ok, 1 usage (or an output exists without --force, or is not a regular\n"
           "file), 2 unreadable input, 4 does not fit (the --cover, or any container decrypt can\n"
           "read: at most %d pixels a side and %llu megapixels), 5 i/o (an output folder that\n"
           "cannot be written, disk full), 6 out of memory\n",
           FC_IMAGE_MAX_SIDE, FC_IMAGE_MAX_PIXELS / 1000000ULL);
}

int cmd_encrypt(int argc, char **argv) {
    const char *C = "encrypt";
    const char *in = NULL, *out = NULL, *model_path = NULL, *cover_path = NULL, *emit = NULL, *cover_size = NULL;
    key_opts ko = {0};
    fc_encrypt_opts o;
    fc_encrypt_opts_init(&o);
    int threads = 0, force = 0, quiet = 0;
    fc_precision prec = FC_PREC_FP32;
    const cli_opt opts[] = {
        KEY_OPTS(ko, 1),
        {.name = "--kdf-cost", .type = CLI_CALL, .dst = &o.kdf_cost, .parse = parse_kdf_cost,
         .bad = "--kdf-cost must be interactive, moderate or sensitive, got", .label = "--kdf-cost C",
         .help = "interactive | moderate (default) | sensitive"},
        {.name = "--dense", .type = CLI_FLAG, .dst = &o.dense, .label = "--dense",
         .help = "the smallest container instead of the stealthy default: LSB matching\n"
                 "at --bits per channel, about 5 times smaller, easy for a steganalyser"},
        {.name = "--bits", .type = CLI_INT, .dst = &o.bits, .lo = 1, .hi = 2, .bad = "--bits must be 1 or 2, got", .label = "--bits B",
         .help = "1 (default) or 2 bits per colour channel; 2 implies --dense"},
        {.name = "--face-scale", .type = CLI_CALL, .dst = &o.face_scale, .parse = cli_parse_face_scale,
         .bad = "--face-scale must be auto or 1..4, got", .label = "--face-scale S",
         .help = "auto (default) or 1..4: upscale each 64x64 face S times"},
        {.name = "--model", .type = CLI_STR, .dst = &model_path, .label = "--model M",
         .help = "generator: a built-in name (facecrypt info --models) or a checkpoint\n"
                 "file (default: the built-in default generator)"},
        {.name = "--cover", .type = CLI_STR, .dst = &cover_path, .label = "--cover IMG",
         .help = "hide in your own picture (JPEG/PNG/PPM) instead of faces; a colour\n"
                 "photo with grain (grey, flat or few-colour pictures are refused)"},
        {.name = "--cover-size", .type = CLI_STR, .dst = &cover_size, .label = "--cover-size WxH", .help = "resize the --cover picture first"},
        {.name = "--emit-cover", .type = CLI_STR, .dst = &emit, .label = "--emit-cover C.png", .help = "also write the untouched cover"},
        {.name = "--precision", .type = CLI_CALL, .dst = &prec, .parse = cli_parse_precision,
         .bad = "--precision must be fp32, bf16 or bf16-emu, got", .label = "--precision P",
         .help = "fp32 (default), bf16 or bf16-emu: arithmetic of the face generator"},
        {.name = "--out", .alias = "-o", .type = CLI_STR, .dst = &out},
        {.name = "--threads", .type = CLI_INT, .dst = &threads, .lo = 0, .hi = 1024, .bad = "bad --threads"},
        {.name = "--force", .type = CLI_FLAG, .dst = &force},
        {.name = "--quiet", .alias = "-q", .type = CLI_FLAG, .dst = &quiet, .label = "--threads T, --force (overwrite outputs), -q (quiet)"},
    };
    const char *pos[1] = {NULL};
    const cli_cmd cmd = {
        C,
        "usage: facecrypt encrypt IN -o OUT.png [--key-file K | --password-file P] [options]\n"
        "Encrypts IN (any file, 0 bytes to about 7 MB; 37 MB with --dense, 75 MB with --bits 2) with\n"
        "XChaCha20-Poly1305 and hides it, with its name, in a PNG of generated faces: by default with\n"
        "syndrome-trellis codes under HILL costs at most 0.2 bits per channel (0.125 in a --cover\n"
        "picture; stealth), with --dense\n"
        "by LSB matching in the smallest cover.  Without a key option, asks for a password twice.\n",
        NULL, encrypt_exit_codes, 19, opts, CLI_N(opts), pos, 1};
    int done, rc = cli_parse(&cmd, argc, argv, &done);
    if (rc || done) return rc;
    in = pos[0];
    if (!in) return cli_usage_err(C, "no input file", NULL);
    if (!out) return cli_usage_err(C, "no output: give -o OUT.png", NULL);
    if (emit && !strcmp(emit, out)) return cli_usage_err(C, "--emit-cover and -o name the same file", NULL);
    if (cover_size && !cover_path) return cli_usage_err(C, "--cover-size needs --cover", NULL);
    if (cover_path && model_path) return cli_usage_err(C, "--cover and --model exclude each other", NULL);
    int cw = 0, ch = 0;
    if (cover_size && cli_parse_wxh(cover_size, &cw, &ch)) return cli_usage_err(C, "--cover-size must be WxH, got", cover_size);
    fc_set_threads(threads);

    fc_error err = {0};
    const int oflags = force ? FC_OUT_REPLACE : 0;
    uint8_t *secret = NULL;
    size_t len = 0;
    fc_key *key = NULL;
    fc_model *model = NULL;
    fc_image cover = {0}, resized = {0}, container = {0}, used_cover = {0};
    int fd = -1;
    uint64_t size = 0;
    /* Before any slow work or prompt: the outputs (an existing file without
     * --force, anything but a regular file, a folder that cannot be written),
     * the input, and whether a container within what decrypt reads can hold it. */
    if ((rc = fc_output_check(out, oflags, &err)) || (emit && (rc = fc_output_check(emit, oflags, &err))) ||
        (fd = fc_open_regular(in, &size, &err)) < 0 ||
        (rc = fc_encrypt_check(size, base_name(in), &o, cover_path ? (cover_size ? cw : -1) : 0,
                               cover_path ? (cover_size ? ch : -1) : 0, &err)) ||
        (rc = fc_read_fd(fd, in, size, MAX_SECRET, &secret, &len, &err))) {
        rc = cli_report(C, &err);
        goto done;
    }
    close(fd);
    fd = -1;
    if (cover_path) {
        if ((rc = fc_image_load(cover_path, &cover, &err))) {
            fc_fail_ctx(&err, rc, "cover");
            rc = cli_report(C, &err);
            goto done;
        }
        if (cover_size) {
            if ((rc = fc_image_resize(&cover, cw, ch, &resized, &err))) {
                rc = cli_report(C, &err);
                goto done;
            }
            fc_image_free(&cover);
            cover = resized;
            memset(&resized, 0, sizeof resized);
        }
        o.cover = &cover;
        /* A cover that would give the secret away is refused before the password prompt. */
        if ((rc = fc_cover_check_quality(&cover, o.bits == 2 ? 2 : 1, &err))) {
            fc_fail_ctx(&err, rc, "cover %s", cover_path);
            rc = cli_report(C, &err);
            goto done;
        }
        /* Say "does not fit" before asking for a password. */
        if ((rc = fc_encrypt_check(len, base_name(in), &o, 0, 0, &err))) {
            rc = cli_report(C, &err);
            goto done;
        }
    } else if (model_path || prec != FC_PREC_FP32) {
        if ((rc = cli_load_model(model_path, &model, &err))) {
            rc = cli_report(C, &err);
            goto done;
        }
        cli_set_precision(C, model, prec);
        o.model = model;
    }
    if ((rc = get_key(C, &ko, 1, &key))) goto done;
    if ((rc = fc_encrypt_buffer(secret, len, base_name(in), &o, key, &container, emit ? &used_cover : NULL, &err))) {
        rc = cli_report(C, &err);
        goto done;
    }
    if ((rc = write_outputs(C, &container, out, emit ? &used_cover : NULL, emit, oflags))) goto done;
    if (!quiet) {
        int dense = o.dense || o.bits == 2, b = o.bits ? o.bits : 1;
        int sb = o.cover ? FC_STEALTH_COVER : FC_STEALTH;
        int64_t cap = fc_capacity(container.w, container.h, dense ? b : sb, strlen(base_name(in)));
        char how[64];
        if (dense) snprintf(how, sizeof how, "dense, %d bit%s per channel", b, b == 2 ? "s" : "");
        else snprintf(how, sizeof how, "stealth, at most %g bits per channel", o.cover ? FC_STEALTH_COVER_RATE : FC_STEALTH_RATE);
        fprintf(stderr, "facecrypt encrypt: %s (%zu bytes) -> %s (%dx%d, %s, %.1f%% of capacity)\n", in, len, out,
                container.w, container.h, how, cap > 0 ? 100.0 * (double)len / (double)cap : 100.0);
    }
done:
    if (fd >= 0) close(fd);
    if (secret) sodium_memzero(secret, len);
    free(secret);
    fc_key_free(key);
    fc_model_free(model);
    fc_image_free(&cover);
    fc_image_free(&resized);
    fc_image_free(&container);
    fc_image_free(&used_cover);
    return rc;
}

/* A stored name is used as an output path only if it is a plain file name. */
static int safe_name(const char *n) {
    if (!n[0] || !strcmp(n, ".") || !strcmp(n, "..") || n[0] == '-') return 0;
    for (const char *p = n; *p; p++)
        if (*p == '/' || (unsigned char)*p < 32 || *p == 127) return 0;
    return 1;
}

int cmd_decrypt(int argc, char **argv) {
    const char *C = "decrypt";
    const char *in = NULL, *out = NULL;
    key_opts ko = {0};
    int force = 0, quiet = 0, threads = 0, have_kdf = 0;
    fc_kdf_cost kdf = FC_KDF_MODERATE;
    fc_decrypt_opts dopts;
    fc_decrypt_opts_init(&dopts);
    const cli_opt opts[] = {
        {.name = "--out", .alias = "-o", .type = CLI_STR, .dst = &out, .label = "-o OUT",
         .help = "output file ('-' = standard output; default: the stored file name, in the\n"
                 "current directory)"},
        KEY_OPTS(ko, 0),
        {.name = "--kdf-cost", .type = CLI_CALL, .dst = &kdf, .parse = parse_kdf_cost, .given = &have_kdf,
         .bad = "--kdf-cost must be interactive, moderate or sensitive, got", .label = "--kdf-cost C",
         .help = "passwords: try only the Argon2id presets up to C (interactive, moderate,\n"
                 "sensitive).  The container does not say which one it used, so by default\n"
                 "all are tried, cheapest first: a wrong password costs all of them (about\n"
                 "10 passes, and 1 GiB of memory for the sensitive one)"},
        {.name = "--threads", .type = CLI_INT, .dst = &threads, .lo = 0, .hi = 1024, .bad = "bad --threads"},
        {.name = "--force", .type = CLI_FLAG, .dst = &force},
        {.name = "--quiet", .alias = "-q", .type = CLI_FLAG, .dst = &quiet},
    };
    const char *pos[1] = {NULL};
    const cli_cmd cmd = {
        C,
        "usage: facecrypt decrypt IN.png [-o OUT] [--key-file K | --password-file P] [--kdf-cost C]\n"
        "                         [--force] [-q]\n"
        "Recovers the exact original file.  Nothing is written unless the container authenticates.\n",
        "  Without a key option, asks for the password on the terminal.\n"
        "  The output is created with mode 0600 (and never wider than a file --force replaces).\n"
        "exit codes: 0 ok, 1 usage (or the output exists without --force, or is not a regular\n"
        "file), 2 not a readable PNG, 3 authentication failed (a wrong key, an image that holds\n"
        "no container, or a modified one: the message does not say which), 5 i/o (an output\n"
        "folder that cannot be written, disk full), 6 out of memory\n",
        NULL, 8, opts, CLI_N(opts), pos, 1};
    int done, rc0 = cli_parse(&cmd, argc, argv, &done);
    if (rc0 || done) return rc0;
    in = pos[0];
    if (!in) return cli_usage_err(C, "no input container", NULL);
    if (have_kdf) dopts.kdf_presets = fc_kdf_presets_up_to(kdf);
    fc_set_threads(threads);

    fc_error err = {0};
    /* The plaintext is created 0600; the output (or, for the stored name, the
     * current folder) is checked before any work or prompt. */
    const int oflags = (force ? FC_OUT_REPLACE : 0) | FC_OUT_PRIVATE;
    int pre = FC_OK;
    if (!out) pre = fc_output_dir_check(".", &err);
    else if (strcmp(out, "-")) pre = fc_output_check(out, oflags, &err);
    if (pre) return cli_report(C, &err);
    uint8_t *buf = NULL, *data = NULL;
    size_t blen = 0, dlen = 0;
    char *name = NULL;
    fc_key *key = NULL;
    fc_image img = {0};
    int rc;
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if ((rc = fc_read_file(in, MAX_CONTAINER, &buf, &blen, &err))) {
        rc = cli_report(C, &err);
        goto done;
    }
    /* Containers are PNG only: anything else (a JPEG re-save, say) is bad input. */
    if (blen < 8 || memcmp(buf, png_sig, 8)) {
        fprintf(stderr, "facecrypt %s: %s is not a PNG file (containers are PNG; a re-encoded copy cannot be "
                        "decrypted)\n", C, in);
        rc = FC_EINPUT;
        goto done;
    }
    if ((rc = fc_image_decode(buf, blen, &img, &err))) {
        fc_fail_ctx(&err, rc, "%s", in);
        rc = cli_report(C, &err);
        goto done;
    }
    free(buf);
    buf = NULL;
    if ((rc = get_key(C, &ko, 0, &key))) goto done;
    if ((rc = fc_decrypt_image_opts(&img, key, &dopts, &data, &dlen, &name, &err))) {
        if (rc == FC_ENOMEM && !dopts.kdf_presets && fc_key_is_password(key)) {
            char m[sizeof err.msg];
            snprintf(m, sizeof m, "%s (every preset is tried in turn; if the container was made with a cheaper "
                     "one, --kdf-cost interactive or moderate skips the dearer ones)", err.msg);
            fc_fail(&err, rc, "%s", m);
        }
        rc = cli_report(C, &err);
        goto done;
    }
    if (!out) {
        if (!safe_name(name)) {
            fprintf(stderr, "facecrypt %s: the stored file name is not usable here; give -o OUT\n", C);
            rc = FC_EUSAGE;
            goto done;
        }
        out = name;
    }
    if (!strcmp(out, "-")) {
        /* Straight to the descriptor: no copy of the plaintext in stdio's buffer. */
        int e = fflush(stdout) != 0 ? errno : 0;
        for (size_t done = 0; !e && done < dlen;) {
            ssize_t w = write(STDOUT_FILENO, data + done, dlen - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) e = w ? errno : EIO;
            else done += (size_t)w;
        }
        if (e) {
            fprintf(stderr, "facecrypt %s: cannot write to standard output: %s\n", C, strerror(e));
            rc = FC_EIO;
        }
        goto done;
    }
    if ((rc = fc_write_file_atomic(out, data, dlen, oflags, &err))) {
        rc = cli_report(C, &err);
        goto done;
    }
    if (!quiet) fprintf(stderr, "facecrypt decrypt: %s -> %s (%zu bytes, stored name \"%s\")\n", in, out, dlen, name);
done:
    free(buf);
    if (data) sodium_memzero(data, dlen);
    free(data);
    free(name);
    fc_key_free(key);
    fc_image_free(&img);
    return rc;
}

int cmd_keygen(int argc, char **argv) {
    const char *C = "keygen", *out = NULL;
    int force = 0;
    const cli_opt opts[] = {
        {.name = "--out", .alias = "-o", .type = CLI_STR, .dst = &out},
        {.name = "--force", .type = CLI_FLAG, .dst = &force},
    };
    const char *pos[1] = {NULL};
    const cli_cmd cmd = {C,
                         "usage: facecrypt keygen -o FILE [--force]\n"
                         "Writes 32 random bytes (a key for --key-file) to FILE with mode 0600.\n"
                         "An existing FILE is kept unless --force; anything but a regular file is never replaced.\n"
                         "exit codes: 0 ok, 1 usage (or FILE exists), 5 i/o\n",
                         NULL, NULL, 0, opts, CLI_N(opts), pos, 1};
    int done, rc = cli_parse(&cmd, argc, argv, &done);
    if (rc || done) return rc;
    if (pos[0]) {
        if (out) return cli_usage_err(C, "unexpected argument", pos[0]);
        out = pos[0];
    }
    if (!out) return cli_usage_err(C, "no output: give -o FILE", NULL);
    fc_error err = {0};
    if (fc_keygen_file(out, force, &err)) return cli_report(C, &err);
    return FC_OK;
}

/* How an embedding (FC_STEALTH, FC_STEALTH_COVER, 1 or 2 dense bits) is named in
 * capacity's output. */
static const char *embedding_name(int bits) {
    return bits == FC_STEALTH         ? "by the stealth embedding in generated faces (default, 0.2 bits/ch)"
           : bits == FC_STEALTH_COVER ? "by the stealth embedding in a --cover picture (default, 0.125)"
           : bits == 1                ? "by the dense embedding (--dense, 1 bit per channel)"
                                      : "by the dense embedding (--bits 2, 2 bits per channel)";
}
/* Every embedding, in capacity's tables: the stealth default first. */
static const int embeddings[] = {FC_STEALTH_COVER, FC_STEALTH, 1, 2};

static void capacity_help_tail(void) {
    printf("Containers are at most %d pixels a side and %llu megapixels (what decrypt reads).\n"
           "exit codes: 0 ok, 1 usage, 2 unreadable SECRET or IMAGE, 4 nothing fits (a cover beyond\n"
           "the limit or too small; a SECRET too large for any container)\n",
           FC_IMAGE_MAX_SIDE, FC_IMAGE_MAX_PIXELS / 1000000ULL);
}

int cmd_capacity(int argc, char **argv) {
    const char *C = "capacity", *size = NULL, *image = NULL, *name = NULL, *secret = NULL;
    long bits = 0, name_len = -1;
    int face_scale = 0, dense = 0;
    const cli_opt opts[] = {
        {.name = "--size", .type = CLI_STR, .dst = &size, .label = "--size WxH / IMAGE",
         .help = "print the largest secret (bytes) that fits this cover, for a stored\n"
                 "file name of N bytes (default 12); exact, all overheads included"},
        {.name = "--for", .type = CLI_STR, .dst = &secret, .label = "--for SECRET", .help = "print the face grid that encrypt would draw for this file"},
        {.name = "--dense", .type = CLI_FLAG, .dst = &dense, .label = "--dense, --bits 1|2",
         .help = "the dense embedding (as encrypt --dense; --bits 2 implies it);\n"
                 "the table below the first line shows every embedding"},
        {.name = "--bits", .type = CLI_LONG, .dst = &bits, .lo = 1, .hi = 2, .bad = "--bits must be 1 or 2, got"},
        {.name = "--name-len", .type = CLI_LONG, .dst = &name_len, .lo = 0, .hi = FC_NAME_MAX, .bad = "--name-len must be 0..255, got"},
        {.name = "--name", .type = CLI_STR, .dst = &name},
        {.name = "--face-scale", .type = CLI_CALL, .dst = &face_scale, .parse = cli_parse_face_scale,
         .bad = "--face-scale must be auto or 1..4, got"},
    };
    const char *pos[1] = {NULL};
    const cli_cmd cmd = {C,
                         "usage: facecrypt capacity (--size WxH | IMAGE | --for SECRET) [--dense] [--bits 1|2]\n"
                         "                          [--name-len N | --name NAME] [--face-scale auto|1..4]\n",
                         NULL, capacity_help_tail, 19, opts, CLI_N(opts), pos, 1};
    int done, rc = cli_parse(&cmd, argc, argv, &done);
    if (rc || done) return rc;
    image = pos[0];
    /* The embedding asked about (FC_STEALTH, or dense at 1 or 2 bits), as encrypt's. */
    bits = dense || bits == 2 ? (bits ? bits : 1) : FC_STEALTH;
    if (!!size + !!image + !!secret != 1) return cli_usage_err(C, "give exactly one of --size WxH, IMAGE or --for SECRET", NULL);
    if (name && name_len >= 0) return cli_usage_err(C, "--name and --name-len exclude each other", NULL);
    if (name && (strlen(name) > FC_NAME_MAX || strchr(name, '/'))) return cli_usage_err(C, "bad --name", name);
    fc_error err = {0};
    if (secret) {
        /* Only the size is needed: nothing is read. */
        uint64_t len;
        int fd = fc_open_regular(secret, &len, &err);
        if (fd < 0) return cli_report(C, &err);
        close(fd);
        size_t nl = name ? strlen(name) : name_len >= 0 ? (size_t)name_len : strlen(base_name(secret));
        if (nl > FC_NAME_MAX) return cli_usage_err(C, "the file name is longer than 255 bytes:", base_name(secret));
        uint64_t ch = fc_channels_needed((size_t)len, nl, (int)bits);
        printf("%s: %llu bytes need %llu channel slots %s\n", secret, (unsigned long long)len, (unsigned long long)ch,
               embedding_name((int)bits));
        for (size_t i = 0; i < sizeof embeddings / sizeof *embeddings; i++)
            if (embeddings[i] != bits)
                printf("  (%s: %llu)\n", embedding_name(embeddings[i]),
                       (unsigned long long)fc_channels_needed((size_t)len, nl, embeddings[i]));
        /* Only the stored name's length matters to the fit: a stand-in of nl bytes. */
        char nm[FC_NAME_MAX + 1];
        memset(nm, 'x', nl);
        nm[nl] = 0;
        int any = 0;
        for (int s = 0; s <= 4; s++) {
            if (face_scale && s != face_scale) continue;
            fc_encrypt_opts o;
            fc_encrypt_opts_init(&o);
            o.dense = bits != FC_STEALTH;
            o.bits = bits != FC_STEALTH ? (int)bits : 1;
            o.face_scale = s;
            int cols, rows, sc;
            fc_face_cover_shape((size_t)len, nl, (int)bits, s, &cols, &rows, &sc);
            int ok = fc_encrypt_check(len, nm, &o, 0, 0, NULL) == FC_OK;
            any |= ok;
            printf("  face-scale %d%s: %d x %d faces of %dx%d -> cover %lldx%lld%s\n", sc, s ? "" : " (auto)", cols,
                   rows, 64 * sc, 64 * sc, (long long)cols * 64 * sc, (long long)rows * 64 * sc,
                   ok ? "" : " (too large: beyond what decrypt reads)");
        }
        if (!any) {
            fc_encrypt_opts o;
            fc_encrypt_opts_init(&o);
            o.dense = bits != FC_STEALTH;
            o.bits = bits != FC_STEALTH ? (int)bits : 1;
            o.face_scale = (int)face_scale;
            return fc_encrypt_check(len, nm, &o, 0, 0, &err) ? cli_report(C, &err) : FC_EINTERNAL;
        }
        return FC_OK;
    }
    int w, h;
    if (size) {
        if (cli_parse_wxh(size, &w, &h)) return cli_usage_err(C, "--size must be WxH, got", size);
    } else {
        fc_image img = {0};
        if (fc_image_load(image, &img, &err)) return cli_report(C, &err);
        w = img.w;
        h = img.h;
        fc_image_free(&img);
    }
    size_t nl = name ? strlen(name) : name_len >= 0 ? (size_t)name_len : 12;
    /* A cover of the caller's: the stealth default's rate for pictures. */
    if (bits == FC_STEALTH) bits = FC_STEALTH_COVER;
    /* Beyond what decrypt reads: nothing fits (encrypt says the same, exit 4). */
    if (fc_cover_check_limit(w, h, &err)) return cli_report(C, &err);
    int64_t cap = fc_capacity(w, h, (int)bits, nl);
    if (cap < 0) {
        fprintf(stderr, "facecrypt %s: not even an empty file fits a %dx%d cover %s (stored name of %zu bytes)\n", C,
                w, h, embedding_name((int)bits), nl);
        return FC_ENOFIT;
    }
    printf("%lld bytes fit a %dx%d cover %s (stored name of %zu bytes)\n", (long long)cap, w, h,
           embedding_name((int)bits), nl);
    /* The table: every embedding, the stealth default first (and what generated
     * faces of this size would hold). */
    for (size_t i = 0; i < sizeof embeddings / sizeof *embeddings; i++) {
        int64_t c = fc_capacity(w, h, embeddings[i], nl);
        printf("  %-68s %lld bytes\n", embedding_name(embeddings[i]), (long long)(c < 0 ? 0 : c));
    }
    return FC_OK;
}
