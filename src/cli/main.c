/* facecrypt command-line entry: dispatches to one function per command. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "facecrypt.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} command;

static void usage(FILE *f, const command *cmds, size_t n) {
    fprintf(f,
            "facecrypt %s — meaningful encryption of real images\n\n"
            "usage: facecrypt COMMAND [options]   (facecrypt COMMAND --help for details)\n\ncommands:\n",
            FC_VERSION);
    for (size_t i = 0; i < n; i++) fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
    fprintf(f, "\nexit codes: 0 ok, 1 bad usage, 2 bad input, 3 authentication failed, 4 does not fit,\n"
               "5 i/o error (cannot write an output), 6 out of memory, 7 internal error\n");
}

int main(int argc, char **argv) {
    const command cmds[] = {
        {"encrypt", cmd_encrypt, "encrypt a file into a PNG of generated faces"},
        {"decrypt", cmd_decrypt, "recover the exact original file from a container"},
        {"keygen", cmd_keygen, "write a random 32-byte key file (mode 0600)"},
        {"capacity", cmd_capacity, "how many bytes fit a cover"},
        {"analyze", cmd_analyze, "image-encryption metrics (NPCR, UACI, entropy, ...)"},
        {"train", cmd_train, "train a DCGAN on CelebA or a folder of images"},
        {"sample", cmd_sample, "draw faces from a generator (grid PNG or raw floats)"},
        {"info", cmd_info, "parameter counts of a model or architecture"},
        {"eval-gan", cmd_eval_gan, "sliced Wasserstein distance against real faces"},
        {"export", cmd_export, "generator-only (F16) weights from a checkpoint, for shipping"},
        {"bench", cmd_bench, "speed: train-step, layers, sample, data"},
    };
    const size_t n = sizeof cmds / sizeof cmds[0];
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout, cmds, n);
        return argc < 2 ? FC_EUSAGE : FC_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("facecrypt %s\n", FC_VERSION);
        return FC_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "facecrypt: unknown command '%s' (try facecrypt --help)\n", argv[1]);
    return FC_EUSAGE;
}
