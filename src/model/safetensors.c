/* safetensors reader: a strict, bounded JSON header parser and the checks that make
 * an untrusted file safe to index (see safetensors.h).  The writer is in
 * safetensors_write.c, the number conversions in half.c. */
#include "model/safetensors.h"
#include "util/error.h"
#include "util/fileio.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct st_meta {
    const char *key, *value;
} st_meta;

struct fc_st_file {
    const uint8_t *buf; /* the whole file image */
    size_t len;
    void *map; /* when mmapped */
    size_t map_len;
    uint8_t *owned; /* when read into memory */
    char *arena;    /* unescaped strings (names, metadata) */
    fc_st_tensor *t; /* in data-offset order */
    size_t nt, cap_t;
    size_t *by_name; /* indices into t, sorted by name */
    st_meta *meta;
    size_t nm, cap_m;
};

static const char *const dtype_names[FC_ST_NDTYPES] = {
    "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL", "F8_E4M3", "F8_E5M2",
};
static const uint8_t dtype_sizes[FC_ST_NDTYPES] = {4, 2, 2, 8, 8, 4, 2, 1, 8, 4, 2, 1, 1, 1, 1};

const char *fc_st_dtype_name(fc_st_dtype d) { return (unsigned)d < FC_ST_NDTYPES ? dtype_names[d] : "?"; }
size_t fc_st_dtype_size(fc_st_dtype d) { return (unsigned)d < FC_ST_NDTYPES ? dtype_sizes[d] : 0; }

/* ---- strict JSON parsing ------------------------------------------------- */
typedef struct jp {
    const uint8_t *s; /* header bytes */
    size_t n, i;
    char *arena; /* capacity n + 1: an unescaped string plus its NUL never exceeds its quoted form */
    size_t ap;
    fc_error *err;
} jp;

static int jfail(jp *p, const char *what) {
    return fc_fail(p->err, FC_EINPUT, "safetensors header: %s at byte %zu", what, p->i + 8);
}

static void jws(jp *p) {
    while (p->i < p->n) {
        uint8_t c = p->s[p->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->i++;
    }
}

/* Consume c after optional whitespace; 1 if it was there. */
static int jeat(jp *p, uint8_t c) {
    jws(p);
    if (p->i < p->n && p->s[p->i] == c) {
        p->i++;
        return 1;
    }
    return 0;
}

static int hexval(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int read_u4(jp *p, uint32_t *out) {
    if (p->n - p->i < 4) return jfail(p, "truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p->s[p->i + k]);
        if (h < 0) return jfail(p, "bad hex digit in \\u escape");
        v = v << 4 | (uint32_t)h;
    }
    p->i += 4;
    *out = v;
    return FC_OK;
}

/* Parse a string (after whitespace) into the arena; *out is NUL-terminated.
 * Rejects control characters and \u0000 (names are C strings); bytes >= 0x80 are
 * copied as they are (UTF-8 is not validated). */
static int jstring(jp *p, const char **out) {
    jws(p);
    if (p->i >= p->n || p->s[p->i] != '"') return jfail(p, "expected a string");
    p->i++;
    char *dst = p->arena + p->ap;
    size_t w = 0;
    for (;;) {
        if (p->i >= p->n) return jfail(p, "unterminated string");
        uint8_t c = p->s[p->i++];
        if (c == '"') break;
        if (c < 0x20) return jfail(p, "control character in string");
        if (c != '\\') {
            dst[w++] = (char)c;
            continue;
        }
        if (p->i >= p->n) return jfail(p, "unterminated string");
        c = p->s[p->i++];
        switch (c) {
        case '"': dst[w++] = '"'; break;
        case '\\': dst[w++] = '\\'; break;
        case '/': dst[w++] = '/'; break;
        case 'b': dst[w++] = '\b'; break;
        case 'f': dst[w++] = '\f'; break;
        case 'n': dst[w++] = '\n'; break;
        case 'r': dst[w++] = '\r'; break;
        case 't': dst[w++] = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (read_u4(p, &cp)) return FC_EINPUT;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return jfail(p, "lone low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
                    return jfail(p, "lone high surrogate in \\u escape");
                p->i += 2;
                if (read_u4(p, &lo)) return FC_EINPUT;
                if (lo < 0xDC00 || lo > 0xDFFF) return jfail(p, "bad surrogate pair in \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0) return jfail(p, "NUL character in string");
            /* UTF-8 is never longer than the escape it came from (6 or 12 bytes). */
            if (cp < 0x80) {
                dst[w++] = (char)cp;
            } else if (cp < 0x800) {
                dst[w++] = (char)(0xC0 | cp >> 6);
                dst[w++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                dst[w++] = (char)(0xE0 | cp >> 12);
                dst[w++] = (char)(0x80 | (cp >> 6 & 0x3F));
                dst[w++] = (char)(0x80 | (cp & 0x3F));
            } else {
                dst[w++] = (char)(0xF0 | cp >> 18);
                dst[w++] = (char)(0x80 | (cp >> 12 & 0x3F));
                dst[w++] = (char)(0x80 | (cp >> 6 & 0x3F));
                dst[w++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: return jfail(p, "bad escape in string");
        }
    }
    dst[w++] = 0;
    p->ap += w;
    *out = dst;
    return FC_OK;
}

/* A non-negative integer without sign, fraction or exponent, below 2^64. */
static int juint(jp *p, uint64_t *out) {
    jws(p);
    size_t start = p->i;
    uint64_t v = 0;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
        unsigned d = p->s[p->i] - '0';
        if (v > (UINT64_MAX - d) / 10) return jfail(p, "integer too large");
        v = v * 10 + d;
        p->i++;
    }
    if (p->i == start) return jfail(p, "expected a non-negative integer");
    if (p->s[start] == '0' && p->i - start > 1) return jfail(p, "leading zero in integer");
    if (p->i < p->n && (p->s[p->i] == '.' || p->s[p->i] == 'e' || p->s[p->i] == 'E'))
        return jfail(p, "expected an integer, got a fraction");
    *out = v;
    return FC_OK;
}

static int jliteral(jp *p, const char *lit) {
    size_t l = strlen(lit);
    if (p->n - p->i < l || memcmp(p->s + p->i, lit, l) != 0) return jfail(p, "invalid literal");
    p->i += l;
    return FC_OK;
}

static int jnumber(jp *p) {
    size_t i = p->i;
    const uint8_t *s = p->s;
#define DIG(k) ((k) < p->n && s[k] >= '0' && s[k] <= '9')
    if (i < p->n && s[i] == '-') i++;
    if (!DIG(i)) return jfail(p, "invalid number");
    if (s[i] == '0') i++;
    else
        while (DIG(i)) i++;
    if (i < p->n && s[i] == '.') {
        i++;
        if (!DIG(i)) return jfail(p, "invalid number");
        while (DIG(i)) i++;
    }
    if (i < p->n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < p->n && (s[i] == '+' || s[i] == '-')) i++;
        if (!DIG(i)) return jfail(p, "invalid number");
        while (DIG(i)) i++;
    }
#undef DIG
    p->i = i;
    return FC_OK;
}

/* Validate and discard any JSON value (unknown fields). */
static int jskip(jp *p, int depth) {
    if (depth > FC_ST_MAX_DEPTH) return jfail(p, "nesting too deep");
    jws(p);
    if (p->i >= p->n) return jfail(p, "unexpected end of header");
    uint8_t c = p->s[p->i];
    if (c == '"') {
        size_t mark = p->ap;
        const char *s;
        int rc = jstring(p, &s);
        p->ap = mark; /* discarded: reuse the arena space */
        return rc;
    }
    if (c == '{' || c == '[') {
        uint8_t close = c == '{' ? '}' : ']';
        p->i++;
        if (jeat(p, close)) return FC_OK;
        for (;;) {
            if (c == '{') {
                size_t mark = p->ap;
                const char *k;
                if (jstring(p, &k)) return FC_EINPUT;
                p->ap = mark;
                if (!jeat(p, ':')) return jfail(p, "expected ':'");
            }
            if (jskip(p, depth + 1)) return FC_EINPUT;
            if (jeat(p, ',')) continue;
            if (jeat(p, close)) return FC_OK;
            return jfail(p, c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    if (c == 't') return jliteral(p, "true");
    if (c == 'f') return jliteral(p, "false");
    if (c == 'n') return jliteral(p, "null");
    return jnumber(p);
}

static int jstart(jp *p, uint8_t c, const char *what) {
    if (!jeat(p, c)) return jfail(p, what);
    return FC_OK;
}

/* "__metadata__": {"key": "value", ...} */
static int parse_metadata(jp *p, fc_st_file *f) {
    if (jstart(p, '{', "__metadata__ must be an object")) return FC_EINPUT;
    if (jeat(p, '}')) return FC_OK;
    for (;;) {
        const char *k, *v;
        if (jstring(p, &k)) return FC_EINPUT;
        if (!jeat(p, ':')) return jfail(p, "expected ':'");
        jws(p);
        if (p->i >= p->n || p->s[p->i] != '"') return jfail(p, "__metadata__ values must be strings");
        if (jstring(p, &v)) return FC_EINPUT;
        if (f->nm == f->cap_m) {
            size_t nc = f->cap_m ? 2 * f->cap_m : 8;
            st_meta *m = realloc(f->meta, nc * sizeof *m);
            if (!m) return fc_fail(p->err, FC_ENOMEM, "out of memory");
            f->meta = m;
            f->cap_m = nc;
        }
        f->meta[f->nm].key = k;
        f->meta[f->nm].value = v;
        f->nm++;
        if (jeat(p, ',')) continue;
        if (jeat(p, '}')) return FC_OK;
        return jfail(p, "expected ',' or '}'");
    }
}

/* [n, n, ...] of at most maxn non-negative integers; *count = how many. */
static int parse_uint_array(jp *p, uint64_t *v, int maxn, int *count, const char *what) {
    if (!jeat(p, '[')) return jfail(p, what);
    *count = 0;
    if (jeat(p, ']')) return FC_OK;
    for (;;) {
        if (*count == maxn) return jfail(p, "too many entries in shape/data_offsets");
        if (juint(p, &v[*count])) return FC_EINPUT;
        (*count)++;
        if (jeat(p, ',')) continue;
        if (jeat(p, ']')) return FC_OK;
        return jfail(p, "expected ',' or ']'");
    }
}

/* {"dtype": "F32", "shape": [...], "data_offsets": [b, e]}; unknown fields are skipped. */
static int parse_tensor(jp *p, fc_st_tensor *t) {
    int have_dtype = 0, have_shape = 0, have_off = 0;
    if (jstart(p, '{', "a tensor entry must be an object")) return FC_EINPUT;
    if (!jeat(p, '}')) {
        for (;;) {
            size_t mark = p->ap;
            const char *k;
            if (jstring(p, &k)) return FC_EINPUT;
            if (!jeat(p, ':')) return jfail(p, "expected ':'");
            if (strcmp(k, "dtype") == 0) {
                if (have_dtype++) return jfail(p, "duplicate \"dtype\"");
                const char *d;
                if (jstring(p, &d)) return FC_EINPUT;
                int found = -1;
                for (int j = 0; j < FC_ST_NDTYPES; j++)
                    if (strcmp(d, dtype_names[j]) == 0) found = j;
                if (found < 0)
                    return fc_fail(p->err, FC_EINPUT, "safetensors header: unknown dtype \"%.40s\" for tensor \"%.80s\"",
                                   d, t->name);
                t->dtype = (fc_st_dtype)found;
            } else if (strcmp(k, "shape") == 0) {
                if (have_shape++) return jfail(p, "duplicate \"shape\"");
                if (parse_uint_array(p, t->shape, FC_ST_MAX_DIMS, &t->ndim, "shape must be an array")) return FC_EINPUT;
            } else if (strcmp(k, "data_offsets") == 0) {
                if (have_off++) return jfail(p, "duplicate \"data_offsets\"");
                uint64_t o[2];
                int cnt;
                if (parse_uint_array(p, o, 2, &cnt, "data_offsets must be an array")) return FC_EINPUT;
                if (cnt != 2) return jfail(p, "data_offsets must have two entries");
                t->begin = o[0];
                t->end = o[1];
            } else {
                if (jskip(p, 3)) return FC_EINPUT;
            }
            p->ap = mark; /* field names are not kept */
            if (jeat(p, ',')) continue;
            if (jeat(p, '}')) break;
            return jfail(p, "expected ',' or '}'");
        }
    }
    if (!have_dtype || !have_shape || !have_off)
        return fc_fail(p->err, FC_EINPUT, "safetensors header: tensor \"%.80s\" lacks %s", t->name,
                       !have_dtype ? "dtype" : !have_shape ? "shape" : "data_offsets");
    return FC_OK;
}

static int parse_header(jp *p, fc_st_file *f) {
    int have_meta = 0;
    jws(p);
    if (p->i >= p->n || p->s[p->i] != '{') return jfail(p, "the header must be a JSON object");
    p->i++;
    if (!jeat(p, '}')) {
        for (;;) {
            const char *name;
            if (jstring(p, &name)) return FC_EINPUT;
            if (!jeat(p, ':')) return jfail(p, "expected ':'");
            if (strcmp(name, "__metadata__") == 0) {
                if (have_meta++) return jfail(p, "duplicate __metadata__");
                int rc = parse_metadata(p, f);
                if (rc) return rc;
            } else {
                if (f->nt == f->cap_t) {
                    size_t nc = f->cap_t ? 2 * f->cap_t : 32;
                    fc_st_tensor *t = realloc(f->t, nc * sizeof *t);
                    if (!t) return fc_fail(p->err, FC_ENOMEM, "out of memory");
                    f->t = t;
                    f->cap_t = nc;
                }
                fc_st_tensor *t = &f->t[f->nt];
                memset(t, 0, sizeof *t);
                t->name = name;
                int rc = parse_tensor(p, t);
                if (rc) return rc;
                f->nt++;
            }
            if (jeat(p, ',')) continue;
            if (jeat(p, '}')) break;
            return jfail(p, "expected ',' or '}'");
        }
    }
    jws(p); /* padding */
    if (p->i != p->n) return jfail(p, "trailing bytes after the JSON object");
    return FC_OK;
}

/* ---- validation ------------------------------------------------------------ */
static int cmp_offsets(const void *a, const void *b) {
    const fc_st_tensor *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

/* qsort has no context argument: sort (name pointer, index) pairs instead. */
typedef struct name_idx {
    const char *name;
    size_t idx;
} name_idx;

static int cmp_name_idx(const void *a, const void *b) {
    return strcmp(((const name_idx *)a)->name, ((const name_idx *)b)->name);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int validate(fc_st_file *f, const uint8_t *data, uint64_t data_len, fc_error *err) {
    for (size_t i = 0; i < f->nt; i++) {
        fc_st_tensor *t = &f->t[i];
        if (t->begin > t->end || t->end > data_len)
            return fc_fail(err, FC_EINPUT,
                           "safetensors: tensor \"%.80s\" has data_offsets [%llu, %llu] outside the %llu-byte buffer",
                           t->name, (unsigned long long)t->begin, (unsigned long long)t->end,
                           (unsigned long long)data_len);
        uint64_t numel = 1;
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] && numel > UINT64_MAX / t->shape[d])
                return fc_fail(err, FC_EINPUT, "safetensors: tensor \"%.80s\" shape overflows", t->name);
            numel *= t->shape[d];
        }
        uint64_t es = dtype_sizes[t->dtype];
        if (numel > UINT64_MAX / es || numel * es != t->end - t->begin)
            return fc_fail(err, FC_EINPUT,
                           "safetensors: tensor \"%.80s\": shape x %s size does not match its %llu data bytes",
                           t->name, dtype_names[t->dtype], (unsigned long long)(t->end - t->begin));
        t->numel = numel;
    }
    /* Data-offset order; the tensors must tile [0, data_len) exactly. */
    if (f->nt) qsort(f->t, f->nt, sizeof *f->t, cmp_offsets);
    uint64_t at = 0;
    for (size_t i = 0; i < f->nt; i++) {
        fc_st_tensor *t = &f->t[i];
        if (t->begin != at)
            return fc_fail(err, FC_EINPUT, "safetensors: tensor \"%.80s\" %s (data_offsets [%llu, %llu])", t->name,
                           t->begin < at ? "overlaps the previous tensor" : "leaves a gap before it",
                           (unsigned long long)t->begin, (unsigned long long)t->end);
        at = t->end;
        t->data = data + t->begin;
    }
    if (at != data_len)
        return fc_fail(err, FC_EINPUT, "safetensors: tensors cover %llu of the %llu data bytes",
                       (unsigned long long)at, (unsigned long long)data_len);
    /* Name index for lookup; duplicates show up as neighbours. */
    name_idx *ni = malloc((f->nt ? f->nt : 1) * sizeof *ni);
    f->by_name = malloc((f->nt ? f->nt : 1) * sizeof *f->by_name);
    if (!ni || !f->by_name) {
        free(ni);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < f->nt; i++) ni[i] = (name_idx){f->t[i].name, i};
    if (f->nt) qsort(ni, f->nt, sizeof *ni, cmp_name_idx);
    for (size_t i = 0; i < f->nt; i++) {
        if (i && strcmp(ni[i].name, ni[i - 1].name) == 0) {
            int rc = fc_fail(err, FC_EINPUT, "safetensors: duplicate tensor name \"%.80s\"", ni[i].name);
            free(ni);
            return rc;
        }
        f->by_name[i] = ni[i].idx;
    }
    free(ni);
    /* Duplicate metadata keys, the same way (a pairwise check would be quadratic). */
    if (f->nm > 1) {
        const char **keys = malloc(f->nm * sizeof *keys);
        if (!keys) return fc_fail(err, FC_ENOMEM, "out of memory");
        for (size_t i = 0; i < f->nm; i++) keys[i] = f->meta[i].key;
        qsort(keys, f->nm, sizeof *keys, cmp_str);
        for (size_t i = 1; i < f->nm; i++) {
            if (strcmp(keys[i], keys[i - 1]) == 0) {
                int rc = fc_fail(err, FC_EINPUT, "safetensors: duplicate __metadata__ key \"%.80s\"", keys[i]);
                free(keys);
                return rc;
            }
        }
        free(keys);
    }
    return FC_OK;
}

static int parse_file(fc_st_file *f, fc_error *err) {
    const uint8_t *b = f->buf;
    if (f->len < 8) return fc_fail(err, FC_EINPUT, "safetensors: file too short (%zu bytes)", f->len);
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--) n = n << 8 | b[k];
    if (n > FC_ST_MAX_HEADER || n > f->len - 8) {
        /* Say what the file is when it is one of the product's own kinds (a container, a
         * photo): their first bytes read as an impossible header length. */
        static const uint8_t png[4] = {0x89, 'P', 'N', 'G'}, jpeg[3] = {0xff, 0xd8, 0xff};
        if (!memcmp(b, png, 4))
            return fc_fail(err, FC_EINPUT, "not a model: this is a PNG image (containers are read by decrypt)");
        if (!memcmp(b, jpeg, 3)) return fc_fail(err, FC_EINPUT, "not a model: this is a JPEG image");
    }
    if (n > FC_ST_MAX_HEADER)
        return fc_fail(err, FC_EINPUT, "safetensors: header length %llu exceeds the %u-byte limit",
                       (unsigned long long)n, FC_ST_MAX_HEADER);
    if (n > f->len - 8)
        return fc_fail(err, FC_EINPUT, "safetensors: header length %llu exceeds the file size (%zu bytes)",
                       (unsigned long long)n, f->len);
    f->arena = malloc(n + 1);
    if (!f->arena) return fc_fail(err, FC_ENOMEM, "out of memory");
    jp p = {.s = b + 8, .n = n, .i = 0, .arena = f->arena, .ap = 0, .err = err};
    int rc = parse_header(&p, f);
    if (rc) return rc;
    return validate(f, b + 8 + n, f->len - 8 - n, err);
}

/* ---- opening ----------------------------------------------------------------- */
static int finish_open(fc_st_file *f, fc_st_file **out, fc_error *err) {
    int rc = parse_file(f, err);
    if (rc) {
        fc_st_close(f);
        return rc;
    }
    *out = f;
    return FC_OK;
}

int fc_st_open_memory(const uint8_t *buf, size_t len, fc_st_file **out, fc_error *err) {
    *out = NULL;
    fc_st_file *f = calloc(1, sizeof *f);
    if (!f) return fc_fail(err, FC_ENOMEM, "out of memory");
    f->buf = buf;
    f->len = len;
    return finish_open(f, out, err);
}

int fc_st_open(const char *path, int use_mmap, fc_st_file **out, fc_error *err) {
    *out = NULL;
    fc_st_file *f = calloc(1, sizeof *f);
    if (!f) return fc_fail(err, FC_ENOMEM, "out of memory");
    int rc;
    if (!use_mmap) {
        rc = fc_read_file(path, SIZE_MAX - 1, &f->owned, &f->len, err);
        if (rc) {
            free(f);
            return rc;
        }
        f->buf = f->owned;
    } else {
        uint64_t size = 0;
        int fd = fc_open_regular(path, &size, err); /* a FIFO or device is refused, never waited on */
        if (fd < 0) {
            free(f);
            return FC_EINPUT;
        }
        if (size < 8 || size > SIZE_MAX) {
            close(fd);
            free(f);
            return fc_fail(err, FC_EINPUT, "%s: not a safetensors file (%llu bytes)", path, (unsigned long long)size);
        }
        void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (m == MAP_FAILED) {
            free(f);
            return fc_fail(err, FC_EINPUT, "cannot map %s: %s", path, strerror(errno));
        }
        f->map = m;
        f->map_len = (size_t)size;
        f->buf = m;
        f->len = f->map_len;
    }
    rc = finish_open(f, out, err);
    if (rc) fc_fail_ctx(err, rc, "%s", path);
    return rc;
}

void fc_st_close(fc_st_file *f) {
    if (!f) return;
    if (f->map) munmap(f->map, f->map_len);
    free(f->owned);
    free(f->arena);
    free(f->t);
    free(f->by_name);
    free(f->meta);
    free(f);
}

/* ---- queries --------------------------------------------------------------------- */
size_t fc_st_count(const fc_st_file *f) { return f->nt; }
const fc_st_tensor *fc_st_at(const fc_st_file *f, size_t i) { return i < f->nt ? &f->t[i] : NULL; }

const fc_st_tensor *fc_st_find(const fc_st_file *f, const char *name) {
    size_t lo = 0, hi = f->nt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(f->t[f->by_name[mid]].name, name);
        if (c == 0) return &f->t[f->by_name[mid]];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const char *fc_st_meta(const fc_st_file *f, const char *key) {
    for (size_t i = 0; i < f->nm; i++)
        if (strcmp(f->meta[i].key, key) == 0) return f->meta[i].value;
    return NULL;
}
size_t fc_st_meta_count(const fc_st_file *f) { return f->nm; }
void fc_st_meta_at(const fc_st_file *f, size_t i, const char **key, const char **value) {
    *key = i < f->nm ? f->meta[i].key : NULL;
    *value = i < f->nm ? f->meta[i].value : NULL;
}

/* ---- conversion to float32 ------------------------------------------------------- */
static uint64_t le(const uint8_t *p, int nbytes) {
    uint64_t v = 0;
    for (int k = nbytes - 1; k >= 0; k--) v = v << 8 | p[k];
    return v;
}

int fc_st_read_f32(const fc_st_tensor *t, float *out, size_t n, fc_error *err) {
    if (n != t->numel)
        return fc_fail(err, FC_EINTERNAL, "tensor \"%.80s\" has %llu elements, caller expects %zu", t->name,
                       (unsigned long long)t->numel, n);
    const uint8_t *p = t->data;
    switch (t->dtype) {
    case FC_ST_F32:
        for (size_t i = 0; i < n; i++) {
            uint32_t v = (uint32_t)le(p + 4 * i, 4);
            memcpy(&out[i], &v, 4);
        }
        break;
    case FC_ST_F16:
        for (size_t i = 0; i < n; i++) out[i] = fc_f16_to_f32((uint16_t)le(p + 2 * i, 2));
        break;
    case FC_ST_BF16:
        for (size_t i = 0; i < n; i++) out[i] = fc_bf16_to_f32((uint16_t)le(p + 2 * i, 2));
        break;
    case FC_ST_F64:
        for (size_t i = 0; i < n; i++) {
            uint64_t v = le(p + 8 * i, 8);
            double d;
            memcpy(&d, &v, 8);
            out[i] = (float)d;
        }
        break;
    case FC_ST_I64:
        for (size_t i = 0; i < n; i++) out[i] = (float)(int64_t)le(p + 8 * i, 8);
        break;
    case FC_ST_I32:
        for (size_t i = 0; i < n; i++) out[i] = (float)(int32_t)(uint32_t)le(p + 4 * i, 4);
        break;
    case FC_ST_I16:
        for (size_t i = 0; i < n; i++) out[i] = (float)(int16_t)(uint16_t)le(p + 2 * i, 2);
        break;
    case FC_ST_I8:
        for (size_t i = 0; i < n; i++) out[i] = (float)(int8_t)p[i];
        break;
    case FC_ST_U64:
        for (size_t i = 0; i < n; i++) out[i] = (float)le(p + 8 * i, 8);
        break;
    case FC_ST_U32:
        for (size_t i = 0; i < n; i++) out[i] = (float)le(p + 4 * i, 4);
        break;
    case FC_ST_U16:
        for (size_t i = 0; i < n; i++) out[i] = (float)le(p + 2 * i, 2);
        break;
    case FC_ST_U8:
        for (size_t i = 0; i < n; i++) out[i] = (float)p[i];
        break;
    case FC_ST_BOOL:
        for (size_t i = 0; i < n; i++) out[i] = p[i] ? 1.0f : 0.0f;
        break;
    default:
        return fc_fail(err, FC_EINPUT, "tensor \"%.80s\": cannot convert %s to float32", t->name,
                       dtype_names[t->dtype]);
    }
    return FC_OK;
}

int fc_st_check_shape(const fc_st_file *f, const char *name, int ndim, const uint64_t *shape,
                      const fc_st_tensor **out, fc_error *err) {
    if (out) *out = NULL;
    const fc_st_tensor *t = fc_st_find(f, name);
    if (!t) return fc_fail(err, FC_EINPUT, "missing tensor \"%.80s\"", name);
    int ok = t->ndim == ndim;
    for (int d = 0; ok && d < ndim; d++) ok = t->shape[d] == shape[d];
    if (!ok) {
        char want[160] = "", got[160] = "";
        size_t a = 0, b = 0;
        for (int d = 0; d < ndim && a < sizeof want - 24; d++)
            a += (size_t)snprintf(want + a, sizeof want - a, "%s%llu", d ? "," : "", (unsigned long long)shape[d]);
        for (int d = 0; d < t->ndim && b < sizeof got - 24; d++)
            b += (size_t)snprintf(got + b, sizeof got - b, "%s%llu", d ? "," : "", (unsigned long long)t->shape[d]);
        return fc_fail(err, FC_EINPUT, "tensor \"%.80s\" has shape [%s], expected [%s]", name, got, want);
    }
    if (out) *out = t;
    return FC_OK;
}

int fc_st_get_f32(const fc_st_file *f, const char *name, int ndim, const uint64_t *shape, float *out,
                  fc_error *err) {
    const fc_st_tensor *t;
    int rc = fc_st_check_shape(f, name, ndim, shape, &t, err);
    if (rc) return rc;
    return fc_st_read_f32(t, out, (size_t)t->numel, err);
}
