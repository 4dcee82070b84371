/* facecrypt info: parameter counts and the layer table of a model or an architecture;
 * facecrypt export: a checkpoint rewritten for shipping or as a compact training state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_opts.h"
#include "cli_util.h"
#include "commands.h"

static void print_net(const fc_model *m, int net) {
    char buf[32];
    fc_layer_info L;
    const char *prefix = net ? "D" : "G";
    for (int i = 0; i < fc_model_layer_count(m, net); i++) {
        if (fc_model_layer(m, net, i, &L, NULL)) return;
        char shape[48], what[64] = "";
        snprintf(shape, sizeof shape, "%dx%dx%d", L.out_c, L.out_h, L.out_w);
        if (!strcmp(L.kind, "Conv2d") || !strcmp(L.kind, "ConvTranspose2d") || !strcmp(L.kind, "Upsample+Conv2d"))
            snprintf(what, sizeof what, "%d->%d k%d s%d p%d", L.in_c, L.out_c, L.k, L.stride, L.pad);
        else if (!strcmp(L.kind, "Dense")) snprintf(what, sizeof what, "%d->%d", L.in_c, L.out_c);
        else if (!strcmp(L.kind, "LeakyReLU")) snprintf(what, sizeof what, "slope %.2g", L.slope);
        else if (!strcmp(L.kind, "Dropout")) snprintf(what, sizeof what, "p %.2g", L.p);
        else if (!strcmp(L.kind, "Upsample")) snprintf(what, sizeof what, "x2 nearest");
        else if (!strcmp(L.kind, "MinibatchStd")) snprintf(what, sizeof what, "groups of %d", L.group);
        if (L.spectral_norm) snprintf(what + strlen(what), sizeof what - strlen(what), " SN");
        prefix = L.net;
        printf("  %s.%-6s %-16s %-20s %-12s %12s\n", L.net, L.name[0] ? L.name : "-", L.kind, what, shape,
               L.params ? cli_commas(L.params, buf, sizeof buf) : "");
    }
    if (net == 1 && fc_model_d_sigmoid_fused(m))
        printf("  %s.%-6s %-16s %-20s %-12s\n", prefix, "-", "Sigmoid", "(fused into BCE)", "1x1x1");
}

/* facecrypt info --models: the built-in generators, one line each. */
static int list_models(void) {
    printf("%-12s %-6s %-6s %-8s %-12s %s\n", "name", "arch", "width", "step", "parameters", "");
    for (size_t i = 0; i < fc_model_builtin_count(); i++) {
        const char *name = fc_model_builtin_name(i);
        fc_model *m = NULL;
        fc_error err = {0};
        if (fc_model_open(name, &m, &err)) return cli_report("info", &err);
        fc_model_info mi;
        fc_model_get_info(m, &mi);
        char b[32];
        printf("%-12s %-6s %-6g %-8llu %-12s %s\n", name, fc_arch_name(mi.arch), mi.width,
               (unsigned long long)mi.step, cli_commas(mi.g_params, b, sizeof b),
               !strcmp(name, fc_model_builtin_default()) ? "(default)" : "");
        fc_model_free(m);
    }
    if (!fc_model_builtin_count()) printf("(this build has no built-in generator)\n");
    return FC_OK;
}

int cmd_info(int argc, char **argv) {
    const char *arch_s = NULL, *model_path = NULL;
    double width = 1.0;
    int layers = 0, models = 0;
    const cli_opt opts[] = {
        {.name = "--arch", .type = CLI_STR, .dst = &arch_s},
        {.name = "--width", .type = CLI_DOUBLE, .dst = &width, .lo = 1e-3, .hi = 4.0, .bad = "--width must be a number in (0, 4], got"},
        {.name = "--layers", .type = CLI_FLAG, .dst = &layers},
        {.name = "--models", .type = CLI_FLAG, .dst = &models},
    };
    const char *pos[1] = {NULL};
    const cli_cmd cmd = {
        "info",
        "usage: facecrypt info MODEL [--layers]      (a checkpoint file or a built-in name)\n"
        "       facecrypt info --models               (the built-in generators)\n"
        "       facecrypt info --arch seed|dcgan|face|face2|face128 [--width W] [--layers]\n"
        "Prints the generator's and discriminator's parameter counts (and, with --layers, the layer table).\n"
        "Architectures (README \"Architectures\"):\n"
        "  seed   the 2023 report's DCGAN exactly: ConvTranspose k4 s2 upsampling, LeakyReLU, Sigmoid;\n"
        "         D: 3 convs, dropout, Dense; BCE loss\n"
        "  dcgan  Radford et al. 2016 at 64x64: ConvTranspose + BatchNorm + ReLU, Tanh; BN in D\n"
        "  face   the cover generator, chosen for realism per CPU-hour: resize-convolutions\n"
        "         (nearest x2 + Conv 3x3 + BatchNorm + ReLU, no checkerboard) from 4x4 to 64x64,\n"
        "         Sigmoid; D: 4 convs k4 s2 + Dense, spectral norm on every weight; trained with\n"
        "         hinge loss and an EMA of G (samples use the EMA); ~5x cheaper per\n"
        "         image than seed\n",
        NULL, NULL, 0, opts, CLI_N(opts), pos, 1};
    int done, rc = cli_parse(&cmd, argc, argv, &done);
    if (rc || done) return rc;
    if (models) return list_models();
    model_path = pos[0];
    if (!arch_s && !model_path) {
        fprintf(stderr, "facecrypt info: give a MODEL file or --arch seed|dcgan|face|face2|face128 (see --help)\n");
        return FC_EUSAGE;
    }
    fc_error err = {0};
    fc_model *m = NULL;
    if (model_path) rc = fc_model_open(model_path, &m, &err);
    else {
        fc_arch arch;
        if (fc_arch_parse(arch_s, &arch)) {
            fprintf(stderr, "facecrypt info: unknown --arch '%s' (seed, dcgan, face, face2 or face128)\n", arch_s);
            return FC_EUSAGE;
        }
        rc = fc_model_create(arch, (float)width, 0, &m, &err);
    }
    if (rc) return cli_report("info", &err);
    fc_model_info mi;
    fc_model_get_info(m, &mi);
    char b1[32], b2[32];
    printf("arch:          %s\nwidth:         %g\n", fc_arch_name(mi.arch), mi.width);
    printf("faces:         %dx%d\n", fc_arch_image_size(mi.arch), fc_arch_image_size(mi.arch));
    if (model_path) printf("step:          %llu\n", (unsigned long long)mi.step);
    printf("generator:     %s parameters\n", cli_commas(mi.g_params, b1, sizeof b1));
    if (fc_model_has_ema(m)) printf("ema:           G_ema, an EMA of the generator's weights (sample, encrypt and export use it)\n");
    if (mi.has_d) printf("discriminator: %s parameters\n", cli_commas(mi.d_params, b2, sizeof b2));
    else printf("discriminator: none stored (generator-only weights)\n");
    if (layers) {
        printf("\nlayers (output shape per sample, parameters):\n");
        print_net(m, 0);
        print_net(m, 1);
    }
    fc_model_free(m);
    return FC_OK;
}

/* facecrypt export: a training checkpoint -> generator-only weights (F16 by default), the
 * form that ships in models/ and is embedded in the binary; or, with --resume-state, the
 * whole training state in compact form (F16 weights, BF16 Adam moments, the loop's
 * metadata) that `train --resume` continues from. */
int cmd_export(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    int half = 1, force = 0, resume_state = 0, no_moments = 0;
    const cli_opt opts[] = {
        {.name = "--out", .alias = "-o", .type = CLI_STR, .dst = &out},
        {.name = "--f32", .type = CLI_UNSET, .dst = &half},
        {.name = "--force", .type = CLI_FLAG, .dst = &force},
        {.name = "--resume-state", .type = CLI_FLAG, .dst = &resume_state},
        {.name = "--no-moments", .type = CLI_FLAG, .dst = &no_moments},
    };
    const char *pos[1] = {NULL};
    const cli_cmd cmd = {
        "export",
        "usage: facecrypt export CHECKPOINT -o OUT.safetensors [--f32] [--resume-state [--no-moments]] [--force]\n"
        "Writes the generator alone (F16 unless --f32), with arch, width and step in its metadata.\n"
        "--resume-state: the whole training state instead, compact (F16 weights unless --f32, BF16\n"
        "  Adam moments, the training loop's metadata): `train --resume` continues from it.\n"
        "--no-moments: with --resume-state, leave the Adam moments out (less than half the size);\n"
        "  the resumed run starts them fresh, as Adam's first step does.\n",
        NULL, NULL, 0, opts, CLI_N(opts), pos, 1};
    int done, rc = cli_parse(&cmd, argc, argv, &done);
    if (rc || done) return rc;
    in = pos[0];
    if (!in || !out) {
        fprintf(stderr, "facecrypt export: give CHECKPOINT and -o OUT (see --help)\n");
        return FC_EUSAGE;
    }
    if (no_moments && !resume_state) {
        fprintf(stderr, "facecrypt export: --no-moments needs --resume-state\n");
        return FC_EUSAGE;
    }
    fc_error err = {0};
    fc_model_info mi;
    fc_save_opts o = {.generator_only = !resume_state, .half = half, .optimizer = resume_state,
                      .optimizer_bf16 = resume_state, .overwrite = force, .no_moments = no_moments};
    if ((rc = fc_model_export(in, out, &o, &mi, &err))) return cli_report("export", &err);
    if (resume_state)
        printf("wrote %s: %s training state, width %g, step %llu, %zu + %zu parameters (%s, %s)\n", out,
               fc_arch_name(mi.arch), mi.width, (unsigned long long)mi.step, mi.g_params, mi.d_params,
               half ? "F16" : "F32", no_moments ? "no Adam moments" : "Adam moments BF16");
    else
        printf("wrote %s: %s generator, width %g, step %llu, %zu parameters (%s)\n", out, fc_arch_name(mi.arch),
               mi.width, (unsigned long long)mi.step, mi.g_params, half ? "F16" : "F32");
    return FC_OK;
}
