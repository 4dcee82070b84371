/* The decoded training set: preprocess every selected file once (in parallel),
 * keep the result in a packed uint8 cache file, and mmap that cache on later
 * runs so that nothing is decoded again. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <omp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/dataset.h"
#include "data/image_internal.h"
#include "util/error.h"
#include "util/fileio.h"

#define CACHE_MAGIC "FCIMGU8\n"
#define CACHE_VERSION 1u
#define CACHE_HEADER 128
#define MAX_FILE_BYTES ((size_t)64 << 20) /* a single training image */

static int check_size(int size, fc_error *err) {
    if (size < FC_DATA_MIN_SIZE || size > FC_DATA_MAX_SIZE)
        return fc_fail(err, FC_EUSAGE, "image size %d outside %d..%d", size, FC_DATA_MIN_SIZE, FC_DATA_MAX_SIZE);
    return FC_OK;
}

/* fc_data_preprocess_size without the size check (decode_all checks it once per set) */
static int preprocess(const uint8_t *buf, size_t len, int scaled, int size, uint8_t *out, fc_error *err) {
    fc_image im;
    int st = fc_image_decode_scaled(buf, len, scaled ? size : 0, &im, err);
    if (st) return st;
    const int side = im.w < im.h ? im.w : im.h;
    const size_t stride = (size_t)im.w * 3;
    const uint8_t *src = im.px + (size_t)((im.h - side) / 2) * stride + (size_t)((im.w - side) / 2) * 3;
    st = fc_resample_u8(src, side, side, stride, 3, out, size, size, err);
    fc_image_free(&im);
    return st;
}

int fc_data_preprocess(const uint8_t *buf, size_t len, int scaled, uint8_t *out, fc_error *err) {
    return preprocess(buf, len, scaled, FC_DATA_SIZE, out, err);
}

int fc_data_preprocess_size(const uint8_t *buf, size_t len, int scaled, int size, uint8_t *out, fc_error *err) {
    int st = check_size(size, err);
    return st ? st : preprocess(buf, len, scaled, size, out, err);
}

int fc_data_default_cache_dir(char *buf, size_t n, fc_error *err) {
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int w;
    if (x && *x == '/') w = snprintf(buf, n, "%s/facecrypt", x);
    else if (home && *home) w = snprintf(buf, n, "%s/.cache/facecrypt", home);
    else return fc_fail(err, FC_EUSAGE, "neither XDG_CACHE_HOME nor HOME is set: give a cache folder");
    if (w < 0 || (size_t)w >= n) return fc_fail(err, FC_EUSAGE, "cache folder path too long");
    return FC_OK;
}

int fc_data_cache_dir(const char *given, char *buf, size_t n, fc_error *err) {
    if (given) {
        if ((size_t)snprintf(buf, n, "%s", given) >= n) {
            buf[0] = 0;
            return fc_fail(err, FC_EUSAGE, "cache folder path too long");
        }
    } else if (fc_data_default_cache_dir(buf, n, NULL)) {
        buf[0] = 0; /* no default: no cache */
    }
    return buf[0] ? fc_mkdirs(buf, err) : FC_OK;
}

size_t fc_dataset_count(const fc_dataset *ds) { return ds ? ds->count : 0; }
int fc_dataset_size(const fc_dataset *ds) { return ds ? ds->size : 0; }
const uint8_t *fc_dataset_pixels(const fc_dataset *ds) { return ds ? ds->pixels : NULL; }

/* ---- cache identity ------------------------------------------------------ */

static void hash_u64(crypto_generichash_state *h, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    crypto_generichash_update(h, b, 8);
}

static void hash_list(const char *dir, const fc_dataset_opts *o, const fc_file_list *l, uint8_t out[32]) {
    crypto_generichash_state h;
    char real[PATH_MAX];
    if (!realpath(dir, real)) snprintf(real, sizeof real, "%s", dir);
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, (const uint8_t *)"facecrypt data cache v1", 24);
    crypto_generichash_update(&h, (const uint8_t *)real, strlen(real) + 1);
    hash_u64(&h, (uint64_t)o->partition);
    hash_u64(&h, (uint64_t)o->max_files);
    hash_u64(&h, (uint64_t)o->size); /* resolved: 64 unless asked */
    hash_u64(&h, l->n);
    for (size_t i = 0; i < l->n; i++) {
        crypto_generichash_update(&h, (const uint8_t *)l->files[i].rel, strlen(l->files[i].rel) + 1);
        hash_u64(&h, l->files[i].size);
        hash_u64(&h, (uint64_t)l->files[i].mtime_ns);
    }
    crypto_generichash_final(&h, out, 32);
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static uint64_t get64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void make_header(uint8_t h[CACHE_HEADER], int size, size_t count, size_t skipped, const uint8_t hash[32]) {
    memset(h, 0, CACHE_HEADER);
    memcpy(h, CACHE_MAGIC, 8);
    put32(h + 8, CACHE_VERSION);
    put32(h + 12, (uint32_t)size);
    put32(h + 16, (uint32_t)size);
    put32(h + 20, 3);
    put64(h + 24, count);
    put64(h + 32, skipped);
    memcpy(h + 40, hash, 32);
}

/* Map an existing cache.  1: usable (ds filled); 0: absent; -1: stale/corrupt. */
static int cache_try_map(fc_dataset *ds, const char *path, const uint8_t hash[32], size_t files) {
    /* O_NONBLOCK: a FIFO in the cache's place must not hang the open (it is refused below). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0; /* absent or unreadable: build it */
    struct stat st;
    uint8_t h[CACHE_HEADER];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < CACHE_HEADER ||
        pread(fd, h, CACHE_HEADER, 0) != CACHE_HEADER) {
        close(fd);
        return -1;
    }
    uint64_t count = get64(h + 24);
    const uint64_t ib = ds->image_bytes;
    int ok = !memcmp(h, CACHE_MAGIC, 8) && get32(h + 8) == CACHE_VERSION && get32(h + 12) == (uint32_t)ds->size &&
             get32(h + 16) == (uint32_t)ds->size && get32(h + 20) == 3 && !memcmp(h + 40, hash, 32) && count > 0 &&
             count + get64(h + 32) == files && count <= ((uint64_t)SIZE_MAX - CACHE_HEADER) / ib &&
             (uint64_t)st.st_size == CACHE_HEADER + count * ib;
    if (!ok) {
        close(fd);
        return -1;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return -1;
    ds->map = m;
    ds->map_len = (size_t)st.st_size;
    ds->pixels = (const uint8_t *)m + CACHE_HEADER;
    ds->count = (size_t)count;
    ds->skipped = (size_t)get64(h + 32);
    ds->from_cache = 1;
    return 1;
}

static int cache_write(const char *dir, const char *path, const fc_dataset *ds, const uint8_t hash[32],
                       fc_error *err) {
    int st = fc_mkdirs(dir, err);
    if (st) return st;
    fc_atomic_file f;
    if ((st = fc_atomic_open(&f, path, 1, err))) return st;
    uint8_t h[CACHE_HEADER];
    make_header(h, ds->size, ds->count, ds->skipped, hash);
    size_t bytes = ds->count * ds->image_bytes;
    if (fwrite(h, 1, CACHE_HEADER, f.fp) != CACHE_HEADER || fwrite(ds->pixels, 1, bytes, f.fp) != bytes) {
        int e = errno;
        fc_atomic_abort(&f);
        return fc_fail(err, FC_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return fc_atomic_commit(&f, err);
}

/* ---- decoding ------------------------------------------------------------ */

/* Decode every file into ds->owned in scan order, dropping failures. */
static int decode_all(const fc_file_list *l, const fc_dataset_opts *o, fc_dataset *ds, fc_error *err) {
    const size_t n = l->n, ib = ds->image_bytes;
    if (n > SIZE_MAX / ib) return fc_fail(err, FC_ENOMEM, "too many images");
    ds->owned = malloc(n * ib);
    const int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    const size_t chunk = (size_t)64 * (size_t)threads;
    fc_error *errs = malloc(chunk * sizeof *errs);
    int *status = malloc(chunk * sizeof *status);
    if (!ds->owned || !errs || !status) {
        free(errs);
        free(status);
        return fc_fail(err, FC_ENOMEM, "out of memory for %zu decoded images (%.1f MB)", n,
                       n * (double)ib / 1e6);
    }
    size_t count = 0;
    if (o->cb.progress) o->cb.progress(o->cb.ctx, 0, n);
    /* Chunks: workers decode in parallel; between chunks the calling thread
     * compacts the good images, emits warnings in file order, and reports. */
    for (size_t c0 = 0; c0 < n; c0 += chunk) {
        const size_t cn = n - c0 < chunk ? n - c0 : chunk;
#pragma omp parallel for schedule(dynamic, 4) num_threads(threads)
        for (size_t k = 0; k < cn; k++) {
            uint8_t *buf;
            size_t len;
            errs[k].msg[0] = 0;
            status[k] = fc_read_file(l->files[c0 + k].path, MAX_FILE_BYTES, &buf, &len, &errs[k]);
            if (status[k] == FC_OK) {
                status[k] =
                    preprocess(buf, len, 1, ds->size, ds->owned + (c0 + k) * ib, &errs[k]);
                free(buf);
            }
        }
        for (size_t k = 0; k < cn; k++) {
            if (status[k] == FC_ENOMEM) {
                int code = fc_fail(err, FC_ENOMEM, "%s: %s", l->files[c0 + k].path, errs[k].msg);
                free(errs);
                free(status);
                return code;
            }
            if (status[k] != FC_OK) {
                ds->skipped++;
                fc_data_warnf(&o->cb, "skipping %s: %s", l->files[c0 + k].path, errs[k].msg);
                continue;
            }
            if (count != c0 + k)
                memmove(ds->owned + count * ib,
                        ds->owned + (c0 + k) * ib, ib);
            count++;
        }
        ds->decoded += cn;
        if (o->cb.progress) o->cb.progress(o->cb.ctx, c0 + cn, n);
    }
    free(errs);
    free(status);
    ds->count = count;
    if (count < n && count > 0) {
        uint8_t *p = realloc(ds->owned, count * ib);
        if (p) ds->owned = p;
    }
    ds->pixels = ds->owned;
    return FC_OK;
}

void fc_dataset_free(fc_dataset *ds) {
    if (!ds) return;
    if (ds->map) munmap(ds->map, ds->map_len);
    free(ds->owned);
    free(ds->cache_path);
    free(ds);
}

int fc_dataset_open(const char *dir, const fc_dataset_opts *opts, fc_dataset **out, fc_error *err) {
    *out = NULL;
    fc_dataset_opts o = {0};
    if (opts) o = *opts;
    if (!o.size) o.size = FC_DATA_SIZE;
    int st = check_size(o.size, err); /* before the directory is read: a bad size fails at once */
    if (st) return st;
    if (sodium_init() < 0) return fc_fail(err, FC_EINTERNAL, "libsodium failed to initialise");
    fc_file_list l;
    st = fc_data_scan(dir, o.partition, &o.cb, &l, err);
    if (st) return st;
    if (o.max_files && l.n > o.max_files) {
        for (size_t i = o.max_files; i < l.n; i++) free(l.files[i].path);
        l.n = o.max_files;
    }
    fc_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) {
        fc_file_list_free(&l);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    ds->files = l.n;
    ds->size = o.size;
    ds->image_bytes = (size_t)o.size * (size_t)o.size * 3;
    uint8_t hash[32];
    hash_list(dir, &o, &l, hash);
    if (o.cache_dir && *o.cache_dir) {
        char hex[2 * 16 + 1];
        sodium_bin2hex(hex, sizeof hex, hash, 16);
        size_t n = strlen(o.cache_dir) + sizeof hex + 8;
        ds->cache_path = malloc(n);
        if (!ds->cache_path) {
            st = fc_fail(err, FC_ENOMEM, "out of memory");
            goto done;
        }
        snprintf(ds->cache_path, n, "%s/%s.u8", o.cache_dir, hex);
        int m = cache_try_map(ds, ds->cache_path, hash, ds->files);
        if (m == 1) {
            if (ds->skipped)
                fc_data_warnf(&o.cb, "%zu of %zu files could not be decoded when the cache was built; they are left out",
                      ds->skipped, ds->files);
            goto done;
        }
        if (m < 0) fc_data_warnf(&o.cb, "cache %s is stale or corrupt; rebuilding it", ds->cache_path);
    }
    if ((st = decode_all(&l, &o, ds, err))) goto done;
    if (ds->count == 0) {
        st = fc_fail(err, FC_EINPUT, "none of the %zu images in %s could be decoded", l.n, dir);
        goto done;
    }
    if (ds->cache_path) {
        fc_error cerr = {0};
        if (cache_write(o.cache_dir, ds->cache_path, ds, hash, &cerr))
            fc_data_warnf(&o.cb, "could not write the data cache (continuing without it): %s", cerr.msg);
    }
done:
    fc_file_list_free(&l);
    if (st) {
        fc_dataset_free(ds);
        return st;
    }
    *out = ds;
    return FC_OK;
}
