#include "util/fileio.h"
#include "util/error.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int fc_read_file(const char *path, size_t max_bytes, uint8_t **out, size_t *len, fc_error *err) {
    *out = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return fc_fail(err, FC_EINPUT, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return fc_fail(err, FC_EINPUT, "%s is not a regular file", path);
    }
    if ((uint64_t)st.st_size > max_bytes) {
        fclose(fp);
        return fc_fail(err, FC_EINPUT, "%s is too large (%lld bytes, limit %zu)", path, (long long)st.st_size, max_bytes);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n + 1);
    if (!buf) {
        fclose(fp);
        return fc_fail(err, FC_ENOMEM, "out of memory reading %s", path);
    }
    size_t got = fread(buf, 1, n, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad || got != n) {
        free(buf);
        return fc_fail(err, FC_EINPUT, "read error on %s", path);
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return FC_OK;
}

int fc_file_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}

int fc_mkdirs(const char *path, fc_error *err) {
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return fc_fail(err, FC_EUSAGE, "bad directory path");
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return fc_fail(err, FC_EIO, "cannot create directory %s: %s", buf, strerror(errno));
            buf[i] = c;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return fc_fail(err, FC_EIO, "%s is not a directory", path);
    return FC_OK;
}

int fc_atomic_open(fc_atomic_file *f, const char *path, int overwrite, fc_error *err) {
    memset(f, 0, sizeof *f);
    if (!overwrite && fc_file_exists(path))
        return fc_fail(err, FC_EUSAGE, "%s already exists (use --force to overwrite)", path);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t tl = dirlen + strlen(base) + 16;
    f->tmp_path = malloc(tl);
    f->final_path = strdup(path);
    if (!f->tmp_path || !f->final_path) {
        fc_atomic_abort(f);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    snprintf(f->tmp_path, tl, "%.*s.%s.tmpXXXXXX", (int)dirlen, path, base);
    int fd = mkstemp(f->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(f->tmp_path);
        f->tmp_path = NULL;
        fc_atomic_abort(f);
        return fc_fail(err, FC_EIO, "cannot create a file beside %s: %s", path, strerror(e));
    }
    fchmod(fd, 0644);
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        close(fd);
        fc_atomic_abort(f);
        return fc_fail(err, FC_EIO, "fdopen failed");
    }
    f->overwrite = overwrite;
    return FC_OK;
}

void fc_atomic_abort(fc_atomic_file *f) {
    if (f->fp) fclose(f->fp);
    if (f->tmp_path) unlink(f->tmp_path);
    free(f->tmp_path);
    free(f->final_path);
    memset(f, 0, sizeof *f);
}

int fc_atomic_commit(fc_atomic_file *f, fc_error *err) {
    int rc = FC_OK;
    if (fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0) {
        rc = fc_fail(err, FC_EIO, "write error on %s: %s", f->final_path, strerror(errno));
        fc_atomic_abort(f);
        return rc;
    }
    fclose(f->fp);
    f->fp = NULL;
    if (f->overwrite) {
        if (rename(f->tmp_path, f->final_path) != 0)
            rc = fc_fail(err, FC_EIO, "cannot rename into %s: %s", f->final_path, strerror(errno));
    } else {
        /* link() fails if the target exists: a no-replace rename that works everywhere. */
        if (link(f->tmp_path, f->final_path) != 0)
            rc = fc_fail(err, errno == EEXIST ? FC_EUSAGE : FC_EIO, "cannot create %s: %s%s", f->final_path,
                         strerror(errno), errno == EEXIST ? " (use --force to overwrite)" : "");
    }
    if (f->tmp_path) unlink(f->tmp_path);
    free(f->tmp_path);
    free(f->final_path);
    memset(f, 0, sizeof *f);
    return rc;
}

int fc_write_file_atomic(const char *path, const void *buf, size_t len, int overwrite, fc_error *err) {
    fc_atomic_file f;
    int rc = fc_atomic_open(&f, path, overwrite, err);
    if (rc) return rc;
    if (len && fwrite(buf, 1, len, f.fp) != len) {
        fc_atomic_abort(&f);
        return fc_fail(err, FC_EIO, "write error on %s", path);
    }
    return fc_atomic_commit(&f, err);
}
