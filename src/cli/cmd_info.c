/* facecrypt info: parameter counts and the layer table of a model or an architecture. */
#include <stdio.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "model/checkpoint.h"
#include "model/model.h"

static const char *kind_name(fc_layer_kind k) {
    switch (k) {
    case FC_L_DENSE: return "Dense";
    case FC_L_CONV: return "Conv2d";
    case FC_L_CONVT: return "ConvTranspose2d";
    case FC_L_LRELU: return "LeakyReLU";
    case FC_L_RELU: return "ReLU";
    case FC_L_SIGMOID: return "Sigmoid";
    case FC_L_TANH: return "Tanh";
    case FC_L_BN: return "BatchNorm2d";
    case FC_L_DROPOUT: return "Dropout";
    case FC_L_RESHAPE: return "Reshape";
    case FC_L_UPSAMPLE: return "Upsample";
    case FC_L_UPCONV: return "Upsample+Conv2d";
    }
    return "?";
}

static void print_net(const fc_net *n, int sigmoid_fused) {
    char buf[32];
    for (int i = 0; i < n->nlayers; i++) {
        const fc_layer *L = &n->layers[i];
        char shape[48], what[64] = "";
        snprintf(shape, sizeof shape, "%dx%dx%d", L->out_c, L->out_h, L->out_w);
        if (L->kind == FC_L_CONV || L->kind == FC_L_CONVT || L->kind == FC_L_UPCONV)
            snprintf(what, sizeof what, "%d->%d k%d s%d p%d", L->in_c, L->out_c, L->k, L->stride, L->pad);
        else if (L->kind == FC_L_DENSE) snprintf(what, sizeof what, "%d->%d", L->in_c, L->out_c);
        else if (L->kind == FC_L_LRELU) snprintf(what, sizeof what, "slope %.2g", L->slope);
        else if (L->kind == FC_L_DROPOUT) snprintf(what, sizeof what, "p %.2g", L->p);
        else if (L->kind == FC_L_UPSAMPLE) snprintf(what, sizeof what, "x2 nearest");
        if (L->sn) snprintf(what + strlen(what), sizeof what - strlen(what), " SN");
        size_t np = (L->w_n + L->b_n);
        printf("  %s.%-6s %-16s %-20s %-12s %12s\n", n->prefix, L->name[0] ? L->name : "-", kind_name(L->kind), what,
               shape, np ? cli_commas(np, buf, sizeof buf) : "");
    }
    if (sigmoid_fused) printf("  %s.%-6s %-16s %-20s %-12s\n", n->prefix, "-", "Sigmoid", "(fused into BCE)", "1x1x1");
}

int cmd_info(int argc, char **argv) {
    const char *arch_s = NULL, *model_path = NULL;
    double width = 1.0;
    int layers = 0;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if ((v = cli_opt(argc, argv, &i, "--arch", &missing))) arch_s = v;
        else if ((v = cli_opt(argc, argv, &i, "--width", &missing))) {
            if (cli_parse_float(v, 1e-3, 4.0, &width)) {
                fprintf(stderr, "facecrypt info: --width must be a number in (0, 4]\n");
                return FC_EUSAGE;
            }
        } else if (!strcmp(argv[i], "--layers")) layers = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: facecrypt info MODEL.safetensors [--layers]\n"
                   "       facecrypt info --arch seed|dcgan|face [--width W] [--layers]\n"
                   "Prints the generator's and discriminator's parameter counts (and, with --layers, the layer table).\n"
                   "Architectures (README \"Architectures\"):\n"
                   "  seed   the 2023 report's DCGAN exactly: ConvTranspose k4 s2 upsampling, LeakyReLU, Sigmoid;\n"
                   "         D: 3 convs, dropout, Dense; BCE loss\n"
                   "  dcgan  Radford et al. 2016 at 64x64: ConvTranspose + BatchNorm + ReLU, Tanh; BN in D\n"
                   "  face   the cover generator, chosen for realism per CPU-hour: resize-convolutions\n"
                   "         (nearest x2 + Conv 3x3 + BatchNorm + ReLU, no checkerboard) from 4x4 to 64x64,\n"
                   "         Sigmoid; D: 4 convs k4 s2 + Dense, spectral norm on every weight; trained with\n"
                   "         hinge loss, DiffAugment and an EMA of G (samples use the EMA); ~5x cheaper per\n"
                   "         image than seed\n");
            return FC_OK;
        } else if (missing || argv[i][0] == '-') {
            fprintf(stderr, "facecrypt info: %s '%s' (see --help)\n", missing ? "missing value for" : "unknown option",
                    argv[i]);
            return FC_EUSAGE;
        } else model_path = argv[i];
    }
    if (!arch_s && !model_path) {
        fprintf(stderr, "facecrypt info: give a MODEL file or --arch seed|dcgan|face (see --help)\n");
        return FC_EUSAGE;
    }
    fc_error err = {0};
    fc_model *m = NULL;
    int rc;
    if (model_path) rc = fc_model_load(model_path, &m, &err);
    else {
        fc_arch arch;
        if (fc_arch_parse(arch_s, &arch)) {
            fprintf(stderr, "facecrypt info: unknown --arch '%s' (seed, dcgan or face)\n", arch_s);
            return FC_EUSAGE;
        }
        rc = fc_model_create(arch, (float)width, 0, &m, &err);
    }
    if (rc) return cli_report("info", &err);
    char b1[32], b2[32];
    printf("arch:          %s\nwidth:         %g\n", fc_arch_name(m->arch), m->width);
    if (model_path) printf("step:          %llu\n", (unsigned long long)m->step);
    printf("generator:     %s parameters\n", cli_commas(fc_model_g_params(m), b1, sizeof b1));
    if (m->has_ema) printf("ema:           G_ema, an EMA of the generator's weights (sample, encrypt and export use it)\n");
    if (m->has_d) printf("discriminator: %s parameters\n", cli_commas(fc_model_d_params(m), b2, sizeof b2));
    else printf("discriminator: none stored (generator-only weights)\n");
    if (layers) {
        printf("\nlayers (output shape per sample, parameters):\n");
        print_net(&m->G, 0);
        if (m->has_d) print_net(&m->D, m->arch != FC_ARCH_FACE); /* face: the logit goes to the hinge loss */
    }
    fc_model_free(m);
    return FC_OK;
}

/* facecrypt export: a training checkpoint -> generator-only weights (F16 by default), the
 * form that ships in models/ and is embedded in the binary. */
int cmd_export(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    int half = 1, force = 0;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if ((v = cli_opt(argc, argv, &i, "-o", &missing))) out = v;
        else if (!strcmp(argv[i], "--f32")) half = 0;
        else if (!strcmp(argv[i], "--force")) force = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: facecrypt export CHECKPOINT -o GENERATOR.safetensors [--f32] [--force]\n"
                   "Writes the generator alone (F16 unless --f32), with arch, width and step in its metadata.\n");
            return FC_OK;
        } else if (missing || argv[i][0] == '-') {
            fprintf(stderr, "facecrypt export: %s '%s'\n", missing ? "missing value for" : "unknown option", argv[i]);
            return FC_EUSAGE;
        } else in = argv[i];
    }
    if (!in || !out) {
        fprintf(stderr, "facecrypt export: give CHECKPOINT and -o OUT (see --help)\n");
        return FC_EUSAGE;
    }
    fc_error err = {0};
    fc_model *m = NULL;
    if (fc_model_load(in, &m, &err)) return cli_report("export", &err);
    fc_ckpt_opts o = {.generator_only = 1, .half = half, .overwrite = force};
    int rc = fc_checkpoint_save(m, out, &o, &err);
    if (!rc) printf("wrote %s: %s generator, width %g, step %llu, %zu parameters (%s)\n", out, fc_arch_name(m->arch),
                    m->width, (unsigned long long)m->step, fc_model_g_params(m), half ? "F16" : "F32");
    fc_model_free(m);
    return rc ? cli_report("export", &err) : FC_OK;
}
