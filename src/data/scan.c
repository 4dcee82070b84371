/* Finding the training images: CelebA layout with its partition list, or a
 * plain folder searched recursively.  Output is sorted so that every machine
 * sees the same order (the cache hash and the batch order depend on it). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "data/dataset.h"
#include "util/error.h"
#include "util/fileio.h"

#define MAX_DEPTH 32
#define MAX_LIST_BYTES ((size_t)256 << 20)

int fc_partition_parse(const char *s, fc_partition *out, fc_error *err) {
    static const char *names[] = {"train", "val", "test", "all"};
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, names[i])) {
            *out = (fc_partition)i;
            return FC_OK;
        }
    return fc_fail(err, FC_EUSAGE, "unknown partition '%s' (train, val, test or all)", s ? s : "");
}

const char *fc_partition_name(fc_partition p) {
    switch (p) {
    case FC_PART_TRAIN: return "train";
    case FC_PART_VAL: return "val";
    case FC_PART_TEST: return "test";
    default: return "all";
    }
}

void fc_data_warnf(const fc_data_callbacks *cb, const char *fmt, ...) {
    if (!cb || !cb->warn) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    cb->warn(cb->ctx, line);
}

void fc_file_list_free(fc_file_list *l) {
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) free(l->files[i].path);
    free(l->files);
    memset(l, 0, sizeof *l);
}

static int is_image_name(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) return 0;
    static const char *ext[] = {".jpg", ".jpeg", ".png", ".ppm", ".pgm"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (!strcasecmp(dot, ext[i])) return 1;
    return 0;
}

typedef struct {
    fc_data_file *v;
    size_t n, cap;
} file_vec;

static int vec_push(file_vec *fv, char *path, size_t rel_off, const struct stat *st, fc_error *err) {
    if (fv->n == fv->cap) {
        size_t cap = fv->cap ? fv->cap * 2 : 1024;
        fc_data_file *v = realloc(fv->v, cap * sizeof *v);
        if (!v) {
            free(path);
            return fc_fail(err, FC_ENOMEM, "out of memory listing files");
        }
        fv->v = v;
        fv->cap = cap;
    }
    fc_data_file *f = &fv->v[fv->n++];
    f->path = path;
    f->rel = path + rel_off;
    f->size = (uint64_t)st->st_size;
    f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    return FC_OK;
}

/* Collect image files under path (relative names start at rel_off). */
static int walk(const char *path, size_t rel_off, int recursive, int depth, file_vec *fv, fc_error *err) {
    DIR *d = opendir(path);
    if (!d) return fc_fail(err, FC_EINPUT, "cannot read folder %s: %s", path, strerror(errno));
    int st = FC_OK;
    struct dirent *de;
    while (st == FC_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue; /* ., .., hidden files (e.g. macOS ._ files) */
        size_t n = strlen(path) + strlen(de->d_name) + 2;
        char *p = malloc(n);
        if (!p) {
            st = fc_fail(err, FC_ENOMEM, "out of memory listing files");
            break;
        }
        snprintf(p, n, "%s/%s", path, de->d_name);
        struct stat ls, fs;
        if (lstat(p, &ls) != 0) {
            free(p);
            continue;
        }
        if (S_ISDIR(ls.st_mode)) { /* symlinked folders are not followed: no loops */
            if (recursive && depth < MAX_DEPTH) st = walk(p, rel_off, recursive, depth + 1, fv, err);
            free(p);
        } else if (is_image_name(de->d_name) && stat(p, &fs) == 0 && S_ISREG(fs.st_mode)) {
            st = vec_push(fv, p, rel_off, &fs, err);
        } else {
            free(p);
        }
    }
    closedir(d);
    return st;
}

static int cmp_rel(const void *a, const void *b) {
    return strcmp(((const fc_data_file *)a)->rel, ((const fc_data_file *)b)->rel);
}

/* ---- partition list ------------------------------------------------------ */
typedef struct {
    char *name;
    int part;
} part_entry;

static int cmp_entry(const void *a, const void *b) {
    return strcmp(((const part_entry *)a)->name, ((const part_entry *)b)->name);
}

/* Parse "name,part" (csv, with header) or "name part" (txt) lines in place. */
static int parse_list(char *text, int csv, const char *path, part_entry **out, size_t *n, fc_error *err) {
    size_t cap = 0, cnt = 0;
    part_entry *v = NULL;
    int lineno = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        lineno++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) line[--len] = 0;
        char *name = line;
        while (*name == ' ' || *name == '\t') name++;
        if (*name) {
            char *sep = csv ? strchr(name, ',') : strpbrk(name, " \t");
            char *num = sep ? sep + 1 : NULL;
            if (sep) *sep = 0;
            while (num && (*num == ' ' || *num == '\t')) num++;
            int ok = num && (num[0] == '0' || num[0] == '1' || num[0] == '2') && num[1] == 0 && *name;
            if (!ok) {
                if (csv && lineno == 1) goto next; /* header: image_id,partition */
                free(v);
                return fc_fail(err, FC_EINPUT, "%s:%d: expected 'name%spartition' with partition 0, 1 or 2", path,
                               lineno, csv ? "," : " ");
            }
            if (cnt == cap) {
                cap = cap ? cap * 2 : 4096;
                part_entry *nv = realloc(v, cap * sizeof *nv);
                if (!nv) {
                    free(v);
                    return fc_fail(err, FC_ENOMEM, "out of memory reading %s", path);
                }
                v = nv;
            }
            v[cnt].name = name;
            v[cnt].part = num[0] - '0';
            cnt++;
        }
    next:
        line = nl ? nl + 1 : NULL;
    }
    if (cnt) qsort(v, cnt, sizeof *v, cmp_entry);
    *out = v;
    *n = cnt;
    return FC_OK;
}

int fc_data_scan(const char *dir, fc_partition part, const fc_data_callbacks *cb, fc_file_list *out, fc_error *err) {
    memset(out, 0, sizeof *out);
    struct stat st;
    if (!dir || !*dir) return fc_fail(err, FC_EINPUT, "no data folder given");
    if (stat(dir, &st) != 0) return fc_fail(err, FC_EINPUT, "data folder %s does not exist", dir);
    if (!S_ISDIR(st.st_mode)) return fc_fail(err, FC_EINPUT, "%s is not a folder", dir);

    /* Trailing slashes would make DIR//x paths; the relative part is the same. */
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    char *root = malloc(dl + sizeof "/img_align_celeba");
    if (!root) return fc_fail(err, FC_ENOMEM, "out of memory");
    memcpy(root, dir, dl);
    root[dl] = 0;

    char *celeba = malloc(dl + sizeof "/img_align_celeba");
    if (!celeba) {
        free(root);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    snprintf(celeba, dl + sizeof "/img_align_celeba", "%s/img_align_celeba", root);
    int is_celeba = stat(celeba, &st) == 0 && S_ISDIR(st.st_mode);

    file_vec fv = {0};
    int rc = is_celeba ? walk(celeba, dl + 1, 0, 0, &fv, err) : walk(root, dl + 1, 1, 0, &fv, err);
    free(celeba);
    if (rc == FC_OK && fv.n == 0)
        rc = fc_fail(err, FC_EINPUT, "no images (.jpg, .jpeg, .png, .ppm, .pgm) in %s%s", root,
                     is_celeba ? "/img_align_celeba" : "");
    if (rc) goto fail;
    qsort(fv.v, fv.n, sizeof *fv.v, cmp_rel);

    /* Partition list: DIR/list_eval_partition.csv, else .txt (CelebA layout only). */
    char *text = NULL, lpath[4096] = {0};
    int csv = 0;
    if (is_celeba) {
        size_t tl;
        snprintf(lpath, sizeof lpath, "%s/list_eval_partition.csv", root);
        csv = fc_file_exists(lpath);
        if (!csv) snprintf(lpath, sizeof lpath, "%s/list_eval_partition.txt", root);
        if (fc_file_exists(lpath) && (rc = fc_read_file(lpath, MAX_LIST_BYTES, (uint8_t **)&text, &tl, err)))
            goto fail;
    }
    if (!text) {
        if (part == FC_PART_VAL || part == FC_PART_TEST) {
            rc = fc_fail(err, FC_EUSAGE, "partition %s needs list_eval_partition.csv or .txt in %s",
                         fc_partition_name(part), root);
            goto fail;
        }
        if (part == FC_PART_TRAIN)
            fc_data_warnf(cb, "no partition list (list_eval_partition.csv/.txt) in %s: training on all %zu images", root,
                  fv.n);
    } else if (part != FC_PART_ALL) {
        part_entry *ents = NULL;
        size_t ne = 0;
        rc = parse_list(text, csv, lpath, &ents, &ne, err);
        if (rc) {
            free(text);
            goto fail;
        }
        size_t kept = 0, unlisted = 0;
        for (size_t i = 0; i < fv.n; i++) {
            /* CelebA names are the file name inside img_align_celeba. */
            part_entry key = {(char *)fv.v[i].rel + strlen("img_align_celeba/"), 0};
            part_entry *e = ne ? bsearch(&key, ents, ne, sizeof *ents, cmp_entry) : NULL;
            if (e && e->part == (int)part) fv.v[kept++] = fv.v[i];
            else {
                if (!e) unlisted++;
                free(fv.v[i].path);
            }
        }
        fv.n = kept;
        free(ents);
        if (unlisted)
            fc_data_warnf(cb, "%zu images in %s/img_align_celeba are not in %s; ignored", unlisted, root, lpath);
        if (kept == 0) {
            free(text);
            rc = fc_fail(err, FC_EINPUT, "no images of partition %s in %s", fc_partition_name(part), root);
            goto fail;
        }
    }
    out->has_partitions = text != NULL && part != FC_PART_ALL;
    free(text);
    free(root);
    out->files = fv.v;
    out->n = fv.n;
    out->celeba = is_celeba;
    return FC_OK;
fail:
    for (size_t i = 0; i < fv.n; i++) free(fv.v[i].path);
    free(fv.v);
    free(root);
    return rc;
}
