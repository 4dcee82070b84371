/* The architectures, layer by layer.  Names follow the PyTorch modules so that
 * checkpoints load into the PyTorch models of tools/torch_models.py (docs/architecture.md, "Checkpoints"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "util/error.h"

int fc_scaled(int channels, float width) {
    int c = (int)lroundf((float)channels * width);
    return c < 1 ? 1 : c;
}

int fc_arch_parse(const char *name, fc_arch *out) {
    if (!strcmp(name, "seed")) *out = FC_ARCH_SEED;
    else if (!strcmp(name, "dcgan")) *out = FC_ARCH_DCGAN;
    else if (!strcmp(name, "face")) *out = FC_ARCH_FACE;
    else if (!strcmp(name, "face2")) *out = FC_ARCH_FACE2;
    else if (!strcmp(name, "face128")) *out = FC_ARCH_FACE128;
    else return FC_EUSAGE;
    return FC_OK;
}

const char *fc_arch_name(fc_arch arch) {
    return arch == FC_ARCH_DCGAN    ? "dcgan"
           : arch == FC_ARCH_FACE   ? "face"
           : arch == FC_ARCH_FACE2  ? "face2"
           : arch == FC_ARCH_FACE128 ? "face128"
                                    : "seed";
}

int fc_arch_image_size(fc_arch arch) { return arch == FC_ARCH_FACE128 ? 128 : FC_IMAGE_SIZE; }

/* The repeated block of every architecture: a convolution, an optional BatchNorm (bn = its
 * name, NULL for none) and an activation. */
static void block(fc_net *n, fc_conv_spec conv, const char *bn, fc_layer_kind act, float slope) {
    fc_net_add_conv(n, conv);
    if (bn) fc_net_bn(n, bn);
    fc_net_act(n, act, slope);
}

/* Stride-2 k4 p1 convolutions (Conv2d or ConvTranspose2d): halve or double the size. */
static fc_conv_spec k4s2(const char *name, fc_conv_kind kind, int out, int bias) {
    return (fc_conv_spec){.name = name, .kind = kind, .out = out, .k = 4, .stride = 2, .pad = 1, .bias = bias};
}

/* The report's model.  G: Dense 100->8192, reshape 128x8x8, 3 x (ConvT k4 s2 p1 + LeakyReLU 0.2),
 * Conv 512->3 k5 p2, Sigmoid.  D: 3 x (Conv k4 s2 p1 + LeakyReLU 0.2), Flatten, Dropout 0.2, Dense ->1
 * (its Sigmoid is fused into the loss). */
static void build_seed_g(fc_net *G, const char *prefix, float w) {
    const int c0 = fc_scaled(128, w), up[3] = {fc_scaled(128, w), fc_scaled(256, w), fc_scaled(512, w)};
    const char *name[3] = {"up1", "up2", "up3"};
    fc_net_init(G, prefix, FC_LATENT_DIM, 1, 1);
    fc_net_dense(G, "fc", c0 * 8 * 8);
    fc_net_reshape(G, c0, 8, 8);
    for (int i = 0; i < 3; i++) block(G, k4s2(name[i], FC_CONV_T, up[i], 1), NULL, FC_L_LRELU, 0.2f);
    block(G, (fc_conv_spec){.name = "out", .out = 3, .k = 5, .pad = 2, .bias = 1}, NULL, FC_L_SIGMOID, 0);
}

static void build_seed_d(fc_net *D, float w) {
    const int d[3] = {fc_scaled(64, w), fc_scaled(128, w), fc_scaled(128, w)};
    const char *name[3] = {"conv1", "conv2", "conv3"};
    fc_net_init(D, "D", 3, FC_IMAGE_SIZE, FC_IMAGE_SIZE);
    for (int i = 0; i < 3; i++) block(D, k4s2(name[i], FC_CONV, d[i], 1), NULL, FC_L_LRELU, 0.2f);
    fc_net_reshape(D, d[2] * 8 * 8, 1, 1);
    fc_net_dropout(D, 0.2f);
    fc_net_dense(D, "fc", 1);
}

/* Radford et al. 2016 at 64x64: G ConvT 100->512 k4 (4x4), then 3 x ConvT k4 s2 p1 with BN + ReLU,
 * ConvT ->3 + Tanh; no biases before BN.  D: Conv k4 s2 p1 + LeakyReLU 0.2 (no BN on the first),
 * 2..4 with BN, Conv 512->1 k4 (1x1), Sigmoid fused into the loss. */
static void build_dcgan_g(fc_net *G, const char *prefix, float w) {
    const int g[4] = {fc_scaled(512, w), fc_scaled(256, w), fc_scaled(128, w), fc_scaled(64, w)};
    const char *up[3] = {"up1", "up2", "up3"}, *bn[3] = {"bn1", "bn2", "bn3"};
    fc_net_init(G, prefix, FC_LATENT_DIM, 1, 1);
    block(G, (fc_conv_spec){.name = "up0", .kind = FC_CONV_T, .out = g[0], .k = 4}, "bn0", FC_L_RELU, 0);
    for (int i = 0; i < 3; i++) block(G, k4s2(up[i], FC_CONV_T, g[i + 1], 0), bn[i], FC_L_RELU, 0);
    block(G, k4s2("out", FC_CONV_T, 3, 0), NULL, FC_L_TANH, 0);
}

static void build_dcgan_d(fc_net *D, float w) {
    const int d[4] = {fc_scaled(64, w), fc_scaled(128, w), fc_scaled(256, w), fc_scaled(512, w)};
    const char *cv[4] = {"conv1", "conv2", "conv3", "conv4"}, *bn[4] = {NULL, "bn2", "bn3", "bn4"};
    fc_net_init(D, "D", 3, FC_IMAGE_SIZE, FC_IMAGE_SIZE);
    for (int i = 0; i < 4; i++) block(D, k4s2(cv[i], FC_CONV, d[i], 0), bn[i], FC_L_LRELU, 0.2f);
    fc_net_add_conv(D, (fc_conv_spec){.name = "out", .out = 1, .k = 4});
    fc_net_reshape(D, 1, 1, 1);
}

/* The cover generator (--arch face), chosen for realism per CPU-hour (README "Architectures"):
 * G: Dense 100 -> 8c x 4 x 4 (no bias), BN, ReLU, then 4 resize-convolution blocks (Odena et al. 2016)
 *    [Upsample x2 (nearest), Conv 3x3 p1 (no bias), BN, ReLU] with 4c, 2c, c, c/2 channels
 *    (8 -> 16 -> 32 -> 64 px), Conv 3x3 p1 c/2 -> 3, Sigmoid (images in [0,1]); c = 64 w.
 * D: 4 x [Conv k4 s2 p1 + LeakyReLU 0.2] with d, 2d, 4d, 8d channels (64 -> 4 px), Flatten,
 *    Dense 8d*16 -> 1 (a logit); spectral normalisation on every weight, no BN, no dropout; d = 64 w.
 * Trained with hinge loss and a weight EMA of G by default (fc_train_config_for_arch).
 * face2: the same G; D as face's with a minibatch-stddev channel (groups of FC_FACE2_MBSTD_GROUP,
 *    src/nn/mbstd.c) after conv4's activation, so the Dense sees (8d + 1) x 4 x 4 features: a
 *    D that can see a batch's lack of variety (Karras et al. 2018), against the repeated
 *    faces and hair outlines of face's generator (models/README.md).
 * face128: face2 grown by one block at each end, for faces drawn natively at 128x128
 *    (covers at --face-scale 2 need no filter).  G: face2's G, then one more block
 *    [Upsample x2, Conv 3x3 c/2 -> c/2 (conv5), BN (bn5), ReLU] (64 -> 128 px) before "out"
 *    (c/2 -> 3).  D: one more [Conv k4 s2 p1 3 -> d/2 (conv0) + LeakyReLU] in front (128 ->
 *    64 px), so conv1 reads d/2 channels; the rest is face2's D.  The layer names of face2
 *    stay, so tools/graft_128.py can grow a face2 state into a face128 one. */
static void build_face_g(fc_net *G, const char *prefix, float w, int grow) {
    const int c8 = fc_scaled(512, w);
    const int ch[4] = {fc_scaled(256, w), fc_scaled(128, w), fc_scaled(64, w), fc_scaled(32, w)};
    const char *cv[4] = {"conv1", "conv2", "conv3", "conv4"}, *bn[4] = {"bn1", "bn2", "bn3", "bn4"};
    fc_net_init(G, prefix, FC_LATENT_DIM, 1, 1);
    fc_net_dense_nobias(G, "fc", c8 * 4 * 4);
    fc_net_reshape(G, c8, 4, 4);
    fc_net_bn(G, "bn0");
    fc_net_act(G, FC_L_RELU, 0);
    /* Upsample x2 + Conv 3x3 p1, run as a Winograd ConvT on folded weights (src/nn/upconv.c) */
    for (int i = 0; i < 4; i++) block(G, (fc_conv_spec){.name = cv[i], .kind = FC_CONV_UP, .out = ch[i]}, bn[i], FC_L_RELU, 0);
    if (grow) block(G, (fc_conv_spec){.name = "conv5", .kind = FC_CONV_UP, .out = fc_scaled(32, w)}, "bn5", FC_L_RELU, 0);
    block(G, (fc_conv_spec){.name = "out", .out = 3, .k = 3, .pad = 1, .bias = 1}, NULL, FC_L_SIGMOID, 0);
}

static void build_face_d(fc_net *D, float w, int mbstd_group, int grow) {
    const int d[4] = {fc_scaled(64, w), fc_scaled(128, w), fc_scaled(256, w), fc_scaled(512, w)};
    const char *cv[4] = {"conv1", "conv2", "conv3", "conv4"};
    const int S = grow ? 2 * FC_IMAGE_SIZE : FC_IMAGE_SIZE;
    fc_net_init(D, "D", 3, S, S);
    if (grow) {
        fc_conv_spec c = k4s2("conv0", FC_CONV, fc_scaled(32, w), 1);
        c.spectral_norm = 1;
        block(D, c, NULL, FC_L_LRELU, 0.2f);
    }
    for (int i = 0; i < 4; i++) {
        fc_conv_spec c = k4s2(cv[i], FC_CONV, d[i], 1);
        c.spectral_norm = 1;
        block(D, c, NULL, FC_L_LRELU, 0.2f);
    }
    int c = d[3];
    if (mbstd_group > 0) {
        fc_net_mbstd(D, mbstd_group);
        c++;
    }
    fc_net_reshape(D, c * 4 * 4, 1, 1);
    fc_net_dense(D, "fc", 1);
    fc_net_spectral_norm(D);
}

void fc_model_build_g(fc_net *G, const char *prefix, fc_arch arch, float width) {
    if (arch == FC_ARCH_SEED) build_seed_g(G, prefix, width);
    else if (arch == FC_ARCH_DCGAN) build_dcgan_g(G, prefix, width);
    else build_face_g(G, prefix, width, arch == FC_ARCH_FACE128);
}

int fc_model_plan(fc_model *m, fc_arch arch, float width, int with_d, fc_error *err) {
    memset(m, 0, sizeof *m);
    if (!(width > 0.0f && width <= 4.0f)) return fc_fail(err, FC_EUSAGE, "width must be in (0, 4], got %g", width);
    m->arch = arch;
    m->width = width;
    m->has_d = with_d;
    fc_model_build_g(&m->G, "G", arch, width);
    if (with_d) {
        if (arch == FC_ARCH_SEED) build_seed_d(&m->D, width);
        else if (arch == FC_ARCH_DCGAN) build_dcgan_d(&m->D, width);
        else build_face_d(&m->D, width, arch == FC_ARCH_FACE ? 0 : FC_FACE2_MBSTD_GROUP, arch == FC_ARCH_FACE128);
    }
    return FC_OK;
}

int fc_model_finalize(fc_model *m, int max_batch, fc_error *err) {
    int rc = fc_net_finalize(&m->G, max_batch, err);
    if (!rc && m->has_d) rc = fc_net_finalize(&m->D, max_batch, err);
    return rc;
}

int fc_model_build(fc_model *m, fc_arch arch, float width, int with_d, int max_batch, fc_error *err) {
    int rc = fc_model_plan(m, arch, width, with_d, err);
    return rc ? rc : fc_model_finalize(m, max_batch, err);
}

void fc_model_data_range(const fc_model *m, float *lo, float *hi) {
    *lo = m->arch == FC_ARCH_DCGAN ? -1.0f : 0.0f;
    *hi = 1.0f;
}
