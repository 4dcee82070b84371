/* libFuzzer target for the safetensors reader (make fuzz-safetensors).
 * Any input must either be rejected with FC_EINPUT or parse into tensors whose data
 * lies inside the input; a parsed file must survive a write/re-read round trip. */
#include "model/safetensors.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fc_st_file *f = NULL;
    fc_error err;
    int rc = fc_st_open_memory(data, size, &f, &err);
    if (rc != FC_OK) {
        if (rc != FC_EINPUT && rc != FC_ENOMEM) abort();
        return 0;
    }
    size_t n = fc_st_count(f);
    fc_st_entry *e = calloc(n ? n : 1, sizeof *e);
    float **vals = calloc(n ? n : 1, sizeof *vals);
    size_t ne = 0;
    for (size_t i = 0; i < n; i++) {
        const fc_st_tensor *t = fc_st_at(f, i);
        if (t->data < data || t->data + (t->end - t->begin) > data + size) abort();
        if (fc_st_find(f, t->name) != t) abort();
        if (t->numel > (1u << 16)) continue;
        float *v = malloc(t->numel * sizeof *v + 1);
        if (fc_st_read_f32(t, v, (size_t)t->numel, &err) != FC_OK) {
            free(v);
            continue; /* F8 types are not converted */
        }
        vals[ne] = v;
        e[ne] = (fc_st_entry){.name = t->name, .ndim = t->ndim, .shape = t->shape, .data = v, .dtype = FC_ST_F32};
        ne++;
    }
    size_t nm = fc_st_meta_count(f);
    const char **meta = calloc(2 * nm + 1, sizeof *meta);
    for (size_t i = 0; i < nm; i++) fc_st_meta_at(f, i, &meta[2 * i], &meta[2 * i + 1]);
    /* Round trip: what we parsed, written as F32, reads back the same. */
    uint8_t *img = NULL;
    size_t ilen = 0;
    if (fc_st_serialize(e, ne, meta, nm, &img, &ilen, &err) == FC_OK) {
        fc_st_file *g = NULL;
        if (fc_st_open_memory(img, ilen, &g, &err) != FC_OK) abort();
        if (fc_st_count(g) != ne || fc_st_meta_count(g) != nm) abort();
        for (size_t i = 0; i < ne; i++) {
            const fc_st_tensor *t = fc_st_find(g, e[i].name);
            if (!t || t->numel != fc_st_find(f, e[i].name)->numel) abort();
            float *w = malloc(t->numel * sizeof *w + 1);
            if (fc_st_read_f32(t, w, (size_t)t->numel, &err) != FC_OK) abort();
            if (memcmp(w, vals[i], t->numel * sizeof *w) != 0) abort();
            free(w);
        }
        for (size_t i = 0; i < nm; i++) {
            const char *v = fc_st_meta(g, meta[2 * i]);
            if (!v || strcmp(v, meta[2 * i + 1]) != 0) abort();
        }
        fc_st_close(g);
        free(img);
    }
    for (size_t i = 0; i < ne; i++) free(vals[i]);
    free(vals);
    free(e);
    free(meta);
    fc_st_close(f);
    return 0;
}
