#include "model/checkpoint.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"

#define FC_CKPT_FORMAT "facecrypt-checkpoint-1"

/* The metadata keys fc_checkpoint_save writes itself, in the order it writes them; the
 * one table for the writer and for fc_checkpoint_base_meta (which a copy of a checkpoint
 * uses to pass on only the other keys). */
enum { META_FORMAT, META_ARCH, META_WIDTH, META_STEP, META_ADAM_T, META_SEED, META_CONTENTS, META_PRODUCER,
       META_GENERATOR_WEIGHTS, N_BASE_META };
static const char *const base_meta_keys[N_BASE_META] = {
    [META_FORMAT] = "format",     [META_ARCH] = "arch",         [META_WIDTH] = "width",
    [META_STEP] = "step",         [META_ADAM_T] = "adam_t",     [META_SEED] = "seed",
    [META_CONTENTS] = "contents", [META_PRODUCER] = "producer", [META_GENERATOR_WEIGHTS] = "generator_weights"};

/* The nets a file holds, in order: G (for a generator-only file of a model with an EMA, the
 * EMA weights, stored under G's names), then G_ema and D in a training checkpoint. */
static int nets_to_save(const fc_model *m, int gen_only, const fc_net *nets[3]) {
    int k = 0;
    nets[k++] = gen_only && m->has_ema ? &m->Gema : &m->G;
    if (!gen_only && m->has_ema) nets[k++] = &m->Gema;
    if (!gen_only) nets[k++] = &m->D;
    return k;
}

int fc_checkpoint_save(const fc_model *m, const char *path, const fc_ckpt_opts *o, fc_error *err) {
    int gen_only = o->generator_only || !m->has_d;
    const fc_net *nets[3];
    int nn = nets_to_save(m, gen_only, nets), nt = o->with_optimizer ? (gen_only ? 2 : 4) : 0;
    for (int i = 0; i < nn; i++) nt += fc_net_tensor_count(nets[i]);
    fc_st_entry *e = calloc((size_t)nt, sizeof *e);
    fc_tensor_ref *refs = calloc((size_t)nt, sizeof *refs);
    uint64_t(*shapes)[4] = calloc((size_t)nt, sizeof *shapes);
    const char **meta = calloc(2 * (N_BASE_META + o->n_meta), sizeof *meta); /* base pairs + extra */
    if (!e || !refs || !shapes || !meta) {
        free(e), free(refs), free(shapes), free(meta);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    int k = 0;
    for (int ni = 0; ni < nn; ni++) {
        for (int i = 0; i < fc_net_tensor_count(nets[ni]); i++, k++) {
            fc_net_tensor(nets[ni], i, &refs[k]);
            if (gen_only && nets[ni] == &m->Gema) /* "G_ema.x" -> "G.x" */
                memmove(refs[k].name + 1, refs[k].name + 5, strlen(refs[k].name + 5) + 1);
            for (int d = 0; d < refs[k].ndim; d++) shapes[k][d] = (uint64_t)refs[k].shape[d];
            e[k] = (fc_st_entry){refs[k].name, refs[k].ndim, shapes[k], refs[k].data,
                                 o->half && !refs[k].is_buffer ? FC_ST_F16 : FC_ST_F32};
        }
    }
    static const char *opt_names[2][2] = {{"optim.G.exp_avg", "optim.G.exp_avg_sq"},
                                          {"optim.D.exp_avg", "optim.D.exp_avg_sq"}};
    if (o->with_optimizer) {
        const fc_net *opt_nets[2] = {&m->G, &m->D};
        for (int ni = 0; ni < (gen_only ? 1 : 2); ni++)
            for (int j = 0; j < 2; j++, k++) {
                shapes[k][0] = opt_nets[ni]->nparams;
                e[k] = (fc_st_entry){opt_names[ni][j], 1, shapes[k],
                                     j ? opt_nets[ni]->adam_v : opt_nets[ni]->adam_m, o->optimizer_bf16 ? FC_ST_BF16 : FC_ST_F32};
            }
    }
    char width[32], step[32], adam_t[32], seed[32];
    snprintf(width, sizeof width, "%.9g", m->width);
    snprintf(step, sizeof step, "%llu", (unsigned long long)m->step);
    snprintf(adam_t, sizeof adam_t, "%llu", (unsigned long long)m->adam_t);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)m->seed);
    const char *val[N_BASE_META] = {
        [META_FORMAT] = FC_CKPT_FORMAT,
        [META_ARCH] = fc_arch_name(m->arch),
        [META_WIDTH] = width,
        [META_STEP] = step,
        [META_ADAM_T] = adam_t,
        [META_SEED] = seed,
        [META_CONTENTS] = gen_only ? "generator" : "generator+discriminator",
        [META_PRODUCER] = "facecrypt " FC_VERSION,
        [META_GENERATOR_WEIGHTS] = !m->has_ema ? "trained"
                                   : gen_only  ? "ema (G.* are the EMA weights)"
                                               : "trained (G.*) and ema (G_ema.*)"};
    size_t nm = 0;
    for (int i = 0; i < N_BASE_META; i++) meta[nm++] = base_meta_keys[i], meta[nm++] = val[i];
    for (size_t i = 0; i < 2 * o->n_meta; i++) meta[nm++] = o->meta[i];
    int rc = fc_st_write(path, e, (size_t)k, meta, nm / 2, o->overwrite, err);
    free(e), free(refs), free(shapes), free(meta);
    return rc;
}

int fc_checkpoint_base_meta(const char *key) {
    for (int i = 0; i < N_BASE_META; i++)
        if (!strcmp(key, base_meta_keys[i])) return 1;
    return 0;
}

int fc_model_save(const fc_model *m, const char *path, fc_error *err) {
    fc_ckpt_opts o = {.with_optimizer = 1, .overwrite = 1};
    return fc_checkpoint_save(m, path, &o, err);
}

int fc_model_save_generator(const fc_model *m, const char *path, int half, fc_error *err) {
    fc_ckpt_opts o = {.generator_only = 1, .half = half, .overwrite = 1};
    return fc_checkpoint_save(m, path, &o, err);
}

fc_ckpt_opts fc_ckpt_opts_from_save(const fc_save_opts *o) {
    return (fc_ckpt_opts){.generator_only = o->generator_only, .half = o->half,
                          .with_optimizer = o->optimizer && !o->no_moments, .optimizer_bf16 = o->optimizer_bf16,
                          .overwrite = o->overwrite};
}

int fc_model_save_opts(const fc_model *m, const char *path, const fc_save_opts *o, fc_error *err) {
    fc_ckpt_opts c = fc_ckpt_opts_from_save(o);
    return fc_checkpoint_save(m, path, &c, err);
}

/* Every tensor of a planned (not yet allocated) net is in the file with the
 * planned shape; BatchNorm running statistics may be absent. */
static int check_net(const fc_st_file *f, const fc_net *n, fc_error *err) {
    for (int i = 0; i < fc_net_tensor_count(n); i++) {
        fc_tensor_ref r;
        fc_net_tensor(n, i, &r);
        uint64_t shape[4];
        for (int d = 0; d < r.ndim; d++) shape[d] = (uint64_t)r.shape[d];
        if (r.is_buffer && !fc_st_find(f, r.name)) continue;
        int rc = fc_st_check_shape(f, r.name, r.ndim, shape, NULL, err);
        if (rc) return rc;
    }
    return FC_OK;
}

/* A NaN or an infinity in a weight makes every output NaN (a cover of 0/1 values),
 * and in a moment it poisons training: refuse, naming the tensor. */
static int check_finite(const char *name, const float *x, size_t n, fc_error *err) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return fc_fail(err, FC_EINPUT, "tensor \"%.80s\" holds %s at element %zu (weights must be finite)", name,
                           isnan(x[i]) ? "NaN" : "an infinity", i);
    return FC_OK;
}

static int load_net(const fc_st_file *f, fc_net *n, fc_error *err) {
    for (int i = 0; i < fc_net_tensor_count(n); i++) {
        fc_tensor_ref r;
        fc_net_tensor(n, i, &r);
        uint64_t shape[4];
        for (int d = 0; d < r.ndim; d++) shape[d] = (uint64_t)r.shape[d];
        if (r.is_buffer && !fc_st_find(f, r.name)) continue; /* running stats optional: keep defaults */
        int rc = fc_st_get_f32(f, r.name, r.ndim, shape, r.data, err);
        if (!rc) rc = check_finite(r.name, r.data, r.n, err);
        if (rc) return rc;
    }
    return FC_OK;
}

static int meta_u64(const fc_st_file *f, const char *key, uint64_t *out) {
    const char *v = fc_st_meta(f, key);
    if (!v) return 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end) return -1;
    *out = x;
    return 1;
}

int fc_checkpoint_load_st(const fc_st_file *f, const char *what, fc_model **out, fc_error *err) {
    *out = NULL;
    fc_arch arch;
    float width = 1.0f;
    const char *a = fc_st_meta(f, "arch"), *w = fc_st_meta(f, "width");
    if (a) {
        if (fc_arch_parse(a, &arch)) return fc_fail(err, FC_EINPUT, "%s: unknown arch '%s'", what, a);
    } else {
        /* A file made elsewhere (e.g. by PyTorch) without our metadata: infer from the names. */
        arch = fc_st_find(f, "G.up0.weight") ? FC_ARCH_DCGAN : fc_st_find(f, "G.bn0.weight") ? FC_ARCH_FACE : FC_ARCH_SEED;
        /* face2's D: the Dense reads one more channel (minibatch stddev) than conv4 has */
        const fc_st_tensor *c4 = fc_st_find(f, "D.conv4.weight_orig"), *fcw = fc_st_find(f, "D.fc.weight_orig");
        if (arch == FC_ARCH_FACE && c4 && fcw && c4->ndim == 4 && fcw->ndim == 2 &&
            fcw->shape[1] == (c4->shape[0] + 1) * 16)
            arch = FC_ARCH_FACE2;
        /* face128: one more G block (conv5) and one more D conv (conv0) */
        if (arch == FC_ARCH_FACE2 && fc_st_find(f, "G.conv5.weight")) arch = FC_ARCH_FACE128;
    }
    if (w) {
        char *end;
        width = strtof(w, &end);
        if (end == w || *end || !(width > 0 && width <= 4)) return fc_fail(err, FC_EINPUT, "%s: bad width '%s'", what, w);
    } else {
        const char *key = arch == FC_ARCH_DCGAN ? "G.up0.weight" : "G.fc.weight";
        const fc_st_tensor *t = fc_st_find(f, key);
        if (!t || t->ndim < 2) return fc_fail(err, FC_EINPUT, "%s: not a facecrypt generator (no %s)", what, key);
        width = arch == FC_ARCH_DCGAN ? (float)t->shape[1] / 512.0f
                                      : (float)t->shape[0] / (fc_arch_is_face(arch) ? 512.0f * 16.0f : 64.0f * 128.0f);
    }
    fc_model *m = calloc(1, sizeof *m);
    if (!m) return fc_fail(err, FC_ENOMEM, "out of memory");
    int with_d = fc_st_find(f, "D.conv1.weight") || fc_st_find(f, "D.conv1.weight_orig");
    const char *opt[2][2] = {{"optim.G.exp_avg", "optim.G.exp_avg_sq"}, {"optim.D.exp_avg", "optim.D.exp_avg_sq"}};
    fc_net *nets[2] = {&m->G, &m->D};
    /* Lay the model out and check the file's tensors against it before any of
     * its memory is allocated: metadata that claims a larger width than the
     * tensors hold is refused at once, not after gigabytes of allocation. */
    int rc = fc_model_plan(m, arch, width, with_d, err);
    for (int ni = 0; ni < (with_d ? 2 : 1) && !rc; ni++) {
        rc = check_net(f, nets[ni], err);
        for (int j = 0; j < 2 && !rc; j++) {
            uint64_t shape[1] = {nets[ni]->nparams};
            if (fc_st_find(f, opt[ni][j])) rc = fc_st_check_shape(f, opt[ni][j], 1, shape, NULL, err);
        }
    }
    if (rc) {
        fc_model_free(m);
        return fc_fail_ctx(err, rc, "%s (arch %s, width %g%s)", what, fc_arch_name(arch), width,
                           w ? " from its metadata" : "");
    }
    rc = fc_model_finalize(m, 1, err);
    int moments = 0;
    if (!rc) rc = load_net(f, &m->G, err);
    int has_ema = fc_st_find(f, "G_ema.fc.weight") || fc_st_find(f, "G_ema.up0.weight");
    if (!rc && has_ema && !(rc = fc_model_enable_ema(m, err))) rc = load_net(f, &m->Gema, err);
    if (!rc && with_d) rc = load_net(f, &m->D, err);
    for (int ni = 0; ni < (with_d ? 2 : 1) && !rc; ni++)
        for (int j = 0; j < 2 && !rc; j++) {
            if (!fc_st_find(f, opt[ni][j])) continue;
            moments++;
            uint64_t shape[1] = {nets[ni]->nparams};
            float *dst = j ? nets[ni]->adam_v : nets[ni]->adam_m;
            rc = fc_st_get_f32(f, opt[ni][j], 1, shape, dst, err);
            if (!rc) rc = check_finite(opt[ni][j], dst, nets[ni]->nparams, err);
        }
    if (!rc && (meta_u64(f, "step", &m->step) < 0 || meta_u64(f, "adam_t", &m->adam_t) < 0 ||
                meta_u64(f, "seed", &m->seed) < 0))
        rc = fc_fail(err, FC_EINPUT, "%s: malformed step/adam_t/seed metadata", what);
    if (!rc && !moments) m->adam_t = 0; /* fresh Adam: restart its bias correction */
    if (rc) {
        fc_model_free(m);
        return fc_fail_ctx(err, rc, "%s", what);
    }
    *out = m;
    return FC_OK;
}

int fc_model_load(const char *path, fc_model **out, fc_error *err) {
    fc_st_file *f = NULL;
    int rc = fc_st_open(path, 1, &f, err);
    if (rc) return rc;
    rc = fc_checkpoint_load_st(f, path, out, err);
    fc_st_close(f);
    return rc;
}
