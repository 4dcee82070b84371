/* Model introspection for callers of the public API (facecrypt info): the
 * summary of a model and its layer table, without exposing fc_net. */
#include <string.h>
#include "model/model.h"
#include "util/error.h"

void fc_model_get_info(const fc_model *m, fc_model_info *out) {
    memset(out, 0, sizeof *out);
    out->arch = m->arch;
    out->width = m->width;
    out->step = m->step;
    out->has_d = m->has_d;
    out->g_params = fc_model_g_params(m);
    out->d_params = fc_model_d_params(m);
}

static const fc_net *net_of(const fc_model *m, int net) {
    if (net == 0) return &m->G;
    if (net == 1 && m->has_d) return &m->D;
    return NULL;
}

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
    case FC_L_MBSTD: return "MinibatchStd";
    default: break;
    }
    return "?";
}

int fc_model_layer_count(const fc_model *m, int net) {
    const fc_net *n = net_of(m, net);
    return n ? n->nlayers : 0;
}

int fc_model_layer(const fc_model *m, int net, int i, fc_layer_info *out, fc_error *err) {
    const fc_net *n = net_of(m, net);
    if (!n || i < 0 || i >= n->nlayers) return fc_fail(err, FC_EUSAGE, "no layer %d in net %d", i, net);
    const fc_layer *L = &n->layers[i];
    *out = (fc_layer_info){.net = n->prefix, .name = L->name, .kind = kind_name(L->kind), .in_c = L->in_c,
                           .out_c = L->out_c, .out_h = L->out_h, .out_w = L->out_w, .k = L->k, .stride = L->stride,
                           .pad = L->pad, .slope = L->slope, .p = L->p, .group = L->group, .params = L->w_n + L->b_n,
                           .spectral_norm = L->sn != 0};
    return FC_OK;
}

int fc_model_has_ema(const fc_model *m) { return m->has_ema; }

/* The discriminators of seed and dcgan end in a logit: the Sigmoid of PyTorch's model is
 * applied inside the loss (BCE with logits).  face's logit goes to the hinge loss as it is. */
int fc_model_d_sigmoid_fused(const fc_model *m) { return m->has_d && !fc_arch_is_face(m->arch); }
