/* safetensors writer: the same byte layout as the Rust reference implementation
 * (tensors ordered by dtype, largest first, then by name; data offsets in that
 * order; header padded with spaces to a multiple of 8), streamed to an atomic file. */
#include "model/safetensors.h"
#include "util/error.h"
#include "util/fileio.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable text buffer for the JSON header. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t len) {
    if (b->oom) return;
    if (b->n + len + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
        while (nc < b->n + len + 1) nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = 0;
}

static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_u64(sbuf *b, uint64_t v) {
    char t[24];
    int l = snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    sb_put(b, t, (size_t)l);
}

/* A JSON string, escaped as serde_json does; bytes >= 0x80 pass through. */
static void sb_jstr(sbuf *b, const char *s) {
    sb_put(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        char e[8];
        switch (*c) {
        case '"': sb_put(b, "\\\"", 2); break;
        case '\\': sb_put(b, "\\\\", 2); break;
        case '\b': sb_put(b, "\\b", 2); break;
        case '\f': sb_put(b, "\\f", 2); break;
        case '\n': sb_put(b, "\\n", 2); break;
        case '\r': sb_put(b, "\\r", 2); break;
        case '\t': sb_put(b, "\\t", 2); break;
        default:
            if (*c < 0x20) {
                snprintf(e, sizeof e, "\\u%04x", *c);
                sb_put(b, e, 6);
            } else {
                sb_put(b, (const char *)c, 1);
            }
        }
    }
    sb_put(b, "\"", 1);
}

/* Sort context is passed through the pointed-to pairs (qsort has none). */
typedef struct ent_ref {
    const fc_st_entry *e;
} ent_ref;

static int cmp_entries(const void *a, const void *b) {
    const fc_st_entry *x = ((const ent_ref *)a)->e, *y = ((const ent_ref *)b)->e;
    /* Rust orders by dtype descending (its enum runs from small to large types:
     * F16 < F32), then by name, bytewise. */
    size_t sx = fc_st_dtype_size(x->dtype), sy = fc_st_dtype_size(y->dtype);
    if (sx != sy) return sx > sy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(((const ent_ref *)a)->e->name, ((const ent_ref *)b)->e->name);
}

static int cmp_meta(const void *a, const void *b) {
    return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

static int check_entries(const fc_st_entry *t, size_t n, const char *const *meta, size_t n_meta, fc_error *err) {
    for (size_t i = 0; i < n; i++) {
        if (!t[i].name) return fc_fail(err, FC_EINTERNAL, "safetensors write: tensor %zu has no name", i);
        if (strcmp(t[i].name, "__metadata__") == 0)
            return fc_fail(err, FC_EINTERNAL, "safetensors write: \"__metadata__\" is not a tensor name");
        if (t[i].dtype != FC_ST_F32 && t[i].dtype != FC_ST_F16 && t[i].dtype != FC_ST_BF16)
            return fc_fail(err, FC_EINTERNAL, "safetensors write: tensor \"%.80s\": only F32, F16 and BF16 are written",
                           t[i].name);
        if (t[i].ndim < 0 || t[i].ndim > FC_ST_MAX_DIMS || (t[i].ndim && !t[i].shape))
            return fc_fail(err, FC_EINTERNAL, "safetensors write: tensor \"%.80s\": bad ndim %d", t[i].name,
                           t[i].ndim);
        uint64_t numel = 1;
        for (int d = 0; d < t[i].ndim; d++) {
            if (t[i].shape[d] && numel > (UINT64_MAX / 8) / t[i].shape[d])
                return fc_fail(err, FC_EINTERNAL, "safetensors write: tensor \"%.80s\": shape overflows",
                               t[i].name);
            numel *= t[i].shape[d];
        }
        if (numel && !t[i].data)
            return fc_fail(err, FC_EINTERNAL, "safetensors write: tensor \"%.80s\" has no data", t[i].name);
    }
    for (size_t i = 0; i < n_meta; i++)
        if (!meta[2 * i] || !meta[2 * i + 1])
            return fc_fail(err, FC_EINTERNAL, "safetensors write: metadata entry %zu is NULL", i);
    return FC_OK;
}

static uint64_t numel_of(const fc_st_entry *e) {
    uint64_t v = 1;
    for (int d = 0; d < e->ndim; d++) v *= e->shape[d];
    return v;
}

/* Build the padded header and the write order.  *order is malloc'd. */
static int build_header_parts(const fc_st_entry *t, size_t n, const char *const *meta, size_t n_meta, sbuf *hb,
                        ent_ref **order, fc_error *err) {
    int rc = check_entries(t, n, meta, n_meta, err);
    if (rc) return rc;
    ent_ref *ord = malloc((n ? n : 1) * sizeof *ord);
    const char *const **mk = malloc((n_meta ? n_meta : 1) * sizeof *mk);
    if (!ord || !mk) {
        free(ord);
        free(mk);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) ord[i].e = &t[i];
    if (n) qsort(ord, n, sizeof *ord, cmp_entries);
    for (size_t i = 0; i < n_meta; i++) mk[i] = &meta[2 * i];
    if (n_meta) qsort(mk, n_meta, sizeof *mk, cmp_meta);
    /* Duplicate names: sort a copy by name alone (dtype order may separate them). */
    ent_ref *byname = malloc((n ? n : 1) * sizeof *byname);
    if (!byname) {
        free(ord);
        free(mk);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    memcpy(byname, ord, n * sizeof *byname);
    if (n) qsort(byname, n, sizeof *byname, cmp_names);
    for (size_t i = 1; !rc && i < n; i++)
        if (strcmp(byname[i].e->name, byname[i - 1].e->name) == 0)
            rc = fc_fail(err, FC_EINTERNAL, "safetensors write: duplicate tensor name \"%.80s\"", byname[i].e->name);
    free(byname);
    for (size_t i = 1; !rc && i < n_meta; i++)
        if (strcmp(*mk[i], *mk[i - 1]) == 0)
            rc = fc_fail(err, FC_EINTERNAL, "safetensors write: duplicate metadata key \"%.80s\"", *mk[i]);
    if (rc) {
        free(ord);
        free(mk);
        return rc;
    }
    sb_puts(hb, "{");
    int first = 1;
    if (n_meta) {
        sb_puts(hb, "\"__metadata__\":{");
        for (size_t i = 0; i < n_meta; i++) {
            if (i) sb_puts(hb, ",");
            sb_jstr(hb, mk[i][0]);
            sb_puts(hb, ":");
            sb_jstr(hb, mk[i][1]);
        }
        sb_puts(hb, "}");
        first = 0;
    }
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const fc_st_entry *e = ord[i].e;
        uint64_t bytes = numel_of(e) * fc_st_dtype_size(e->dtype);
        if (!first) sb_puts(hb, ",");
        first = 0;
        sb_jstr(hb, e->name);
        sb_puts(hb, ":{\"dtype\":\"");
        sb_puts(hb, fc_st_dtype_name(e->dtype));
        sb_puts(hb, "\",\"shape\":[");
        for (int d = 0; d < e->ndim; d++) {
            if (d) sb_puts(hb, ",");
            sb_u64(hb, e->shape[d]);
        }
        sb_puts(hb, "],\"data_offsets\":[");
        sb_u64(hb, off);
        sb_puts(hb, ",");
        sb_u64(hb, off + bytes);
        sb_puts(hb, "]}");
        off += bytes;
    }
    sb_puts(hb, "}");
    while (!hb->oom && hb->n % 8) sb_puts(hb, " ");
    free(mk);
    if (hb->oom) {
        free(ord);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    if (hb->n > FC_ST_MAX_HEADER) {
        free(ord);
        return fc_fail(err, FC_EINTERNAL, "safetensors write: header of %zu bytes is over the limit", hb->n);
    }
    *order = ord;
    return FC_OK;
}

/* The header and the data order; on failure nothing is left allocated. */
static int build_header(const fc_st_entry *t, size_t n, const char *const *meta, size_t n_meta, sbuf *hb,
                        ent_ref **order, fc_error *err) {
    int rc = build_header_parts(t, n, meta, n_meta, hb, order, err);
    if (rc) {
        free(hb->p);
        hb->p = NULL;
    }
    return rc;
}

/* Header length, header, then each tensor converted in chunks. */
static int write_stream(FILE *fp, const sbuf *hb, const ent_ref *ord, size_t n) {
    uint8_t len8[8];
    for (int k = 0; k < 8; k++) len8[k] = (uint8_t)((uint64_t)hb->n >> (8 * k));
    if (fwrite(len8, 1, 8, fp) != 8 || fwrite(hb->p, 1, hb->n, fp) != hb->n) return -1;
    uint8_t chunk[1 << 16];
    for (size_t i = 0; i < n; i++) {
        const fc_st_entry *e = ord[i].e;
        uint64_t cnt = numel_of(e);
        size_t es = fc_st_dtype_size(e->dtype), per = sizeof chunk / es;
        for (uint64_t at = 0; at < cnt; at += per) {
            size_t m = cnt - at < per ? (size_t)(cnt - at) : per;
            const float *src = e->data + at;
            if (e->dtype == FC_ST_F32) {
                for (size_t j = 0; j < m; j++) {
                    uint32_t v;
                    memcpy(&v, &src[j], 4);
                    for (int k = 0; k < 4; k++) chunk[4 * j + k] = (uint8_t)(v >> (8 * k));
                }
            } else {
                for (size_t j = 0; j < m; j++) {
                    uint16_t h = e->dtype == FC_ST_F16 ? fc_f32_to_f16(src[j]) : fc_f32_to_bf16(src[j]);
                    chunk[2 * j] = (uint8_t)h;
                    chunk[2 * j + 1] = (uint8_t)(h >> 8);
                }
            }
            if (fwrite(chunk, es, m, fp) != m) return -1;
        }
    }
    return 0;
}

int fc_st_write(const char *path, const fc_st_entry *t, size_t n, const char *const *meta, size_t n_meta,
                int overwrite, fc_error *err) {
    sbuf hb = {0};
    ent_ref *ord = NULL;
    int rc = build_header(t, n, meta, n_meta, &hb, &ord, err);
    if (rc) return rc;
    fc_atomic_file af;
    rc = fc_atomic_open(&af, path, overwrite, err);
    if (!rc) {
        if (write_stream(af.fp, &hb, ord, n) != 0) {
            int e = errno;
            fc_atomic_abort(&af);
            rc = fc_fail(err, FC_EIO, "cannot write %s: %s", path, strerror(e));
        } else {
            rc = fc_atomic_commit(&af, err);
        }
    }
    free(hb.p);
    free(ord);
    return rc;
}

int fc_st_serialize(const fc_st_entry *t, size_t n, const char *const *meta, size_t n_meta, uint8_t **out,
                    size_t *len, fc_error *err) {
    *out = NULL;
    *len = 0;
    sbuf hb = {0};
    ent_ref *ord = NULL;
    int rc = build_header(t, n, meta, n_meta, &hb, &ord, err);
    if (rc) return rc;
    char *buf = NULL;
    size_t blen = 0;
    FILE *fp = open_memstream(&buf, &blen);
    if (!fp) {
        rc = fc_fail(err, FC_ENOMEM, "out of memory");
    } else {
        int bad = write_stream(fp, &hb, ord, n);
        if (fclose(fp) != 0 || bad) {
            free(buf);
            rc = fc_fail(err, FC_ENOMEM, "out of memory serialising safetensors");
        } else {
            *out = (uint8_t *)buf;
            *len = blen;
        }
    }
    free(hb.p);
    free(ord);
    return rc;
}
