/* Loader for tools/torch_reference.py's output; see refdata.h. */
#include "refdata.h"
#include "model/net.h"
#include "model/safetensors.h"
#include "util/error.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ref_file {
    fc_st_file *st;
    char **names; /* logical names, owned */
    size_t n;
};

static int has_suffix(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

int ref_open(const char *path, ref_file **out, fc_error *err) {
    *out = NULL;
    ref_file *r = calloc(1, sizeof *r);
    if (!r) return fc_fail(err, FC_ENOMEM, "out of memory");
    int rc = fc_st_open(path, 1, &r->st, err);
    if (rc) {
        free(r);
        return rc;
    }
    const char *fmt = fc_st_meta(r->st, "format");
    if (!fmt || strcmp(fmt, "facecrypt-ref-step/1") != 0) {
        ref_close(r);
        return fc_fail(err, FC_EINPUT, "%s: not reference data (format \"%s\")", path, fmt ? fmt : "");
    }
    size_t cnt = fc_st_count(r->st);
    r->names = calloc(cnt ? cnt : 1, sizeof *r->names);
    if (!r->names) {
        ref_close(r);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < cnt; i++) {
        const char *nm = fc_st_at(r->st, i)->name;
        if (has_suffix(nm, "@idx") || has_suffix(nm, "@shape")) continue;
        size_t l = strlen(nm) - (has_suffix(nm, "@sub") ? 4 : 0);
        char *c = malloc(l + 1);
        if (!c) {
            ref_close(r);
            return fc_fail(err, FC_ENOMEM, "out of memory");
        }
        memcpy(c, nm, l);
        c[l] = 0;
        r->names[r->n++] = c;
    }
    *out = r;
    return FC_OK;
}

void ref_close(ref_file *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) free(r->names[i]);
    free(r->names);
    fc_st_close(r->st);
    free(r);
}

const char *ref_meta(const ref_file *r, const char *key) { return fc_st_meta(r->st, key); }
size_t ref_count(const ref_file *r) { return r->n; }
const char *ref_name(const ref_file *r, size_t i) { return i < r->n ? r->names[i] : NULL; }

static const fc_st_tensor *part(const ref_file *r, const char *name, const char *suffix) {
    char buf[256];
    if ((size_t)snprintf(buf, sizeof buf, "%s%s", name, suffix) >= sizeof buf) return NULL;
    return fc_st_find(r->st, buf);
}

int ref_has(const ref_file *r, const char *name) {
    return fc_st_find(r->st, name) != NULL || part(r, name, "@sub") != NULL;
}

static int32_t i32_at(const uint8_t *p) {
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

void ref_tensor_free(ref_tensor *t) {
    free(t->val);
    free(t->idx);
    memset(t, 0, sizeof *t);
}

int ref_get(const ref_file *r, const char *name, ref_tensor *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    const fc_st_tensor *t = fc_st_find(r->st, name);
    if (t) { /* whole */
        if (t->ndim > REF_MAX_DIMS) return fc_fail(err, FC_EINPUT, "ref %s: too many dims", name);
        out->ndim = t->ndim;
        memcpy(out->shape, t->shape, (size_t)t->ndim * sizeof t->shape[0]);
        out->numel = out->n = (size_t)t->numel;
        out->val = malloc((out->n ? out->n : 1) * sizeof *out->val);
        if (!out->val) return fc_fail(err, FC_ENOMEM, "out of memory");
        int rc = fc_st_read_f32(t, out->val, out->n, err);
        if (rc) ref_tensor_free(out);
        return rc;
    }
    const fc_st_tensor *sv = part(r, name, "@sub"), *si = part(r, name, "@idx"), *ss = part(r, name, "@shape");
    if (!sv) return fc_fail(err, FC_EINPUT, "reference data has no tensor \"%s\"", name);
    if (!si || !ss || si->dtype != FC_ST_I32 || ss->dtype != FC_ST_I32 || sv->ndim != 1 || si->ndim != 1 ||
        si->numel != sv->numel || ss->ndim != 1 || ss->numel > REF_MAX_DIMS)
        return fc_fail(err, FC_EINPUT, "ref %s: malformed subset (@sub/@idx/@shape)", name);
    out->ndim = (int)ss->numel;
    out->numel = 1;
    for (int d = 0; d < out->ndim; d++) {
        int32_t v = i32_at(ss->data + 4 * d);
        if (v <= 0) return fc_fail(err, FC_EINPUT, "ref %s: bad shape", name);
        out->shape[d] = (uint64_t)v;
        out->numel *= (size_t)v;
    }
    out->n = (size_t)sv->numel;
    out->val = malloc((out->n ? out->n : 1) * sizeof *out->val);
    out->idx = malloc((out->n ? out->n : 1) * sizeof *out->idx);
    if (!out->val || !out->idx) {
        ref_tensor_free(out);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    int rc = fc_st_read_f32(sv, out->val, out->n, err);
    for (size_t i = 0; !rc && i < out->n; i++) {
        int32_t v = i32_at(si->data + 4 * i);
        if (v < 0 || (size_t)v >= out->numel || (i && (uint32_t)v <= out->idx[i - 1]))
            rc = fc_fail(err, FC_EINPUT, "ref %s: subset index %zu out of order or range", name, i);
        else
            out->idx[i] = (uint32_t)v;
    }
    if (rc) ref_tensor_free(out);
    return rc;
}

int ref_get_full(const ref_file *r, const char *name, int ndim, const uint64_t *shape, float *dst, fc_error *err) {
    if (!fc_st_find(r->st, name) && part(r, name, "@sub"))
        return fc_fail(err, FC_EINPUT, "ref %s is stored as a subset; use ref_get", name);
    return fc_st_get_f32(r->st, name, ndim, shape, dst, err);
}

int ref_scalar(const ref_file *r, const char *name, double *out, fc_error *err) {
    float v;
    int rc = fc_st_get_f32(r->st, name, 0, NULL, &v, err);
    *out = rc ? NAN : v;
    return rc;
}

int ref_load_net(const ref_file *r, fc_net *n, const char *prefix, fc_error *err) {
    for (int i = 0; i < fc_net_tensor_count(n); i++) {
        fc_tensor_ref t;
        fc_net_tensor(n, i, &t);
        char name[256];
        if ((size_t)snprintf(name, sizeof name, "%s%s", prefix, t.name) >= sizeof name)
            return fc_fail(err, FC_EUSAGE, "ref: tensor name %s%s too long", prefix, t.name);
        uint64_t shape[4];
        for (int d = 0; d < t.ndim; d++) shape[d] = (uint64_t)t.shape[d];
        int rc = ref_get_full(r, name, t.ndim, shape, t.data, err);
        if (rc) return rc;
    }
    return FC_OK;
}

ref_cmp ref_compare(const ref_tensor *t, const float *got, double floor, const float *base) {
    ref_cmp c = {0};
    c.n = t->n;
    double e2 = 0, s2 = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t at = t->idx ? t->idx[i] : i;
        double want = t->val[i], g = got[at];
        double ab = fabs(g - want), rel = ab / fmax(fabs(want), floor);
        if (!isfinite(ab)) ab = rel = INFINITY; /* a NaN or Inf anywhere is a failure */
        if (ab > c.max_abs) c.max_abs = ab;
        if (rel > c.max_rel || (i == 0 && rel >= c.max_rel)) {
            c.max_rel = rel;
            c.worst = at;
            c.got = got[at];
            c.want = t->val[i];
        }
        double sc = base ? want - (double)base[at] : want;
        e2 += ab * ab;
        s2 += sc * sc;
    }
    c.err2 = sqrt(e2);
    c.scale2 = sqrt(s2);
    c.nrel = c.err2 == 0 ? 0 : c.scale2 > 0 ? c.err2 / c.scale2 : INFINITY;
    if (isnan(c.nrel)) c.nrel = INFINITY;
    return c;
}

double ref_absmax(const ref_tensor *t) {
    double m = 0;
    for (size_t i = 0; i < t->n; i++) m = fmax(m, fabs((double)t->val[i]));
    return m;
}
