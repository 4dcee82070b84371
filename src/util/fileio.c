#include "util/fileio.h"
#include "util/error.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "a FIFO", "a folder", ... for messages about a file that is not regular. */
static const char *file_kind(mode_t m) {
    if (S_ISDIR(m)) return "a folder";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link";
    return "not a regular file";
}

/* ---- reading ------------------------------------------------------------ */

int fc_open_regular(const char *path, uint64_t *size, fc_error *err) {
    *size = 0;
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        fc_fail(err, FC_EINPUT, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        fc_fail(err, FC_EINPUT, "cannot read %s: %s", path, strerror(e));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        fc_fail(err, FC_EINPUT, "%s is %s, not a regular file", path, file_kind(st.st_mode));
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        fc_fail(err, FC_EINPUT, "cannot read %s: %s", path, strerror(e));
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

int fc_read_fd(int fd, const char *path, uint64_t size, size_t max_bytes, uint8_t **out, size_t *len,
               fc_error *err) {
    *out = NULL;
    *len = 0;
    if (size > max_bytes)
        return fc_fail(err, FC_EINPUT, "%s is too large (%llu bytes, limit %zu)", path, (unsigned long long)size,
                       max_bytes);
    size_t n = (size_t)size;
    uint8_t *buf = malloc(n + 1);
    if (!buf) return fc_fail(err, FC_ENOMEM, "out of memory reading %s (%zu bytes)", path, n);
    size_t got = 0;
    while (got < n) {
        size_t want = n - got < ((size_t)1 << 30) ? n - got : ((size_t)1 << 30);
        ssize_t r = read(fd, buf + got, want);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int e = errno;
            free(buf);
            if (r == 0) return fc_fail(err, FC_EINPUT, "%s shrank while it was read", path);
            return fc_fail(err, FC_EINPUT, "read error on %s: %s", path, strerror(e));
        }
        got += (size_t)r;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return FC_OK;
}

int fc_read_file(const char *path, size_t max_bytes, uint8_t **out, size_t *len, fc_error *err) {
    *out = NULL;
    *len = 0;
    uint64_t size;
    int fd = fc_open_regular(path, &size, err);
    if (fd < 0) return err ? err->code : FC_EINPUT;
    int rc = fc_read_fd(fd, path, size, max_bytes, out, len, err);
    close(fd);
    return rc;
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

/* ---- atomic writes -------------------------------------------------------
 *
 * The file is created unnamed (open(dir, O_TMPFILE)), written and fsync'd, and
 * only then given its name with linkat(), which fails if the name exists: a
 * killed process leaves nothing behind.  linkat() cannot replace, so with
 * FC_OUT_REPLACE the finished file is first linked to a random temporary name
 * and renamed over the target (atomic); a kill in the microseconds between the
 * two calls can leave that complete temporary.  Where O_TMPFILE is not
 * available (some file systems, or no /proc for the link) a named temporary
 * with the same mode is used from the start and removed on every error path. */

/* The folder of path ("." when it has none), malloc'd. */
static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = 0;
    }
    return d;
}

/* "<dir>/.<name>.tmpXXXXXX" with six random characters, malloc'd. */
static char *tmp_name(const char *path) {
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t tl = strlen(path) + 16;
    char *t = malloc(tl);
    if (!t) return NULL;
    unsigned char r[6];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)t ^ (uint64_t)getpid();
        for (int i = 0; i < 6; i++) r[i] = (unsigned char)(x >> (8 * i));
    }
    char x[7];
    for (int i = 0; i < 6; i++) x[i] = abc[r[i] % (sizeof abc - 1)];
    x[6] = 0;
    snprintf(t, tl, "%.*s.%s.tmp%s", dirlen, path, base, x);
    return t;
}

/* Give the unnamed file fd the name `to` (fails with EEXIST if it exists). */
static int link_fd(int fd, const char *to) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW) == 0) return 0;
    int e = errno;
    if (e == EEXIST) return -1;
    if (linkat(fd, "", AT_FDCWD, to, AT_EMPTY_PATH) == 0) return 0; /* needs CAP_DAC_READ_SEARCH */
    if (errno != EEXIST) errno = e;
    return -1;
}

int fc_output_check(const char *path, int flags, fc_error *err) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return fc_fail(err, FC_EUSAGE, "%s is not a file name", path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return fc_fail(err, FC_EUSAGE, "%s is %s, not a regular file: refusing to replace it%s", path,
                           file_kind(st.st_mode), S_ISLNK(st.st_mode) ? " (name the file it points to)" : "");
        if (!(flags & FC_OUT_REPLACE))
            return fc_fail(err, FC_EUSAGE, "%s already exists (use --force to overwrite)", path);
    } else if (errno != ENOENT) {
        return fc_fail(err, FC_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    char *dir = dir_of(path);
    if (!dir) return fc_fail(err, FC_ENOMEM, "out of memory");
    int rc = fc_output_dir_check(dir, err);
    free(dir);
    return rc;
}

int fc_output_dir_check(const char *dir, fc_error *err) {
    struct stat st;
    if (stat(dir, &st) != 0) return fc_fail(err, FC_EIO, "cannot write in folder %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return fc_fail(err, FC_EIO, "cannot write in %s: not a folder", dir);
    if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0)
        return fc_fail(err, FC_EIO, "cannot write in folder %s: %s", dir, strerror(errno));
    return FC_OK;
}

int fc_atomic_open(fc_atomic_file *f, const char *path, int flags, fc_error *err) {
    memset(f, 0, sizeof *f);
    f->fd = -1;
    int rc = fc_output_check(path, flags, err);
    if (rc) return rc;
    f->flags = flags;
    f->final_path = strdup(path);
    char *dir = dir_of(path);
    if (!f->final_path || !dir) {
        free(dir);
        fc_atomic_abort(f);
        return fc_fail(err, FC_ENOMEM, "out of memory");
    }
    const mode_t mode = (flags & FC_OUT_PRIVATE) ? 0600 : 0666; /* the kernel applies the umask */
    int fd = -1;
    if (!(flags & FC_OUT_NAMED_TMP) && access("/proc/self/fd", X_OK) == 0)
        fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
    int e = 0;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        free(f->tmp_path);
        if (!(f->tmp_path = tmp_name(path))) {
            e = ENOMEM;
            break;
        }
        fd = open(f->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        e = errno;
        if (fd < 0 && e != EEXIST) break;
    }
    if (fd < 0) {
        free(f->tmp_path);
        f->tmp_path = NULL;
        fc_atomic_abort(f);
        rc = fc_fail(err, e == ENOMEM ? FC_ENOMEM : FC_EIO, "cannot create a file in %s: %s", dir, strerror(e));
        free(dir);
        return rc;
    }
    free(dir);
    f->fd = fd;
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        e = errno;
        fc_atomic_abort(f);
        return fc_fail(err, FC_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return FC_OK;
}

int fc_atomic_write(fc_atomic_file *f, const void *buf, size_t len, fc_error *err) {
    /* Straight to the file, not through the stdio buffer: a decrypted secret
     * must not linger in a freed heap buffer. */
    if (fflush(f->fp) != 0) return fc_fail(err, FC_EIO, "cannot write %s: %s", f->final_path, strerror(errno));
    const uint8_t *p = buf;
    while (len) {
        ssize_t w = write(f->fd, p, len < ((size_t)1 << 30) ? len : ((size_t)1 << 30));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return fc_fail(err, FC_EIO, "cannot write %s: %s", f->final_path, strerror(w ? errno : EIO));
        p += w;
        len -= (size_t)w;
    }
    return FC_OK;
}

void fc_atomic_abort(fc_atomic_file *f) {
    if (f->fp) fclose(f->fp);
    else if (f->fd >= 0 && f->final_path) close(f->fd);
    if (f->tmp_path) unlink(f->tmp_path);
    free(f->tmp_path);
    free(f->final_path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

/* The reason an existing final_path may not be replaced (it changed since the check). */
static int refuse(const fc_atomic_file *f, fc_error *err) {
    int rc = fc_output_check(f->final_path, f->flags, err);
    return rc ? rc : fc_fail(err, FC_EIO, "cannot create %s: it changed while it was written", f->final_path);
}

/* Data on disk, mode no wider than a file it replaces, and (to replace) a name. */
static int prepare(fc_atomic_file *f, fc_error *err) {
    if (fflush(f->fp) != 0 || fsync(f->fd) != 0)
        return fc_fail(err, FC_EIO, "cannot write %s: %s", f->final_path, strerror(errno));
    if (ferror(f->fp)) return fc_fail(err, FC_EIO, "cannot write %s: write error", f->final_path);
    struct stat old, me;
    if (lstat(f->final_path, &old) == 0) {
        if (!S_ISREG(old.st_mode) || !(f->flags & FC_OUT_REPLACE)) return refuse(f, err);
        if (fstat(f->fd, &me) != 0) return fc_fail(err, FC_EIO, "cannot write %s: %s", f->final_path, strerror(errno));
        mode_t m = me.st_mode & old.st_mode & 0777;
        if (m != (me.st_mode & 0777) && fchmod(f->fd, m) != 0)
            return fc_fail(err, FC_EIO, "cannot set the mode of %s: %s", f->final_path, strerror(errno));
    } else if (errno != ENOENT) {
        return fc_fail(err, FC_EIO, "cannot write %s: %s", f->final_path, strerror(errno));
    }
    if ((f->flags & FC_OUT_REPLACE) && !f->tmp_path) {
        for (int tries = 0; tries < 100; tries++) {
            if (!(f->tmp_path = tmp_name(f->final_path))) return fc_fail(err, FC_ENOMEM, "out of memory");
            if (link_fd(f->fd, f->tmp_path) == 0) return FC_OK;
            int e = errno;
            free(f->tmp_path);
            f->tmp_path = NULL;
            if (e != EEXIST) return fc_fail(err, FC_EIO, "cannot create %s: %s", f->final_path, strerror(e));
        }
        return fc_fail(err, FC_EIO, "cannot create a temporary name beside %s", f->final_path);
    }
    return FC_OK;
}

/* Give the file its final name.  more: later files may still fail, so a replaced
 * file is kept (exchanged into tmp_path) until the end. */
static int place(fc_atomic_file *f, int more, fc_error *err) {
    if (!(f->flags & FC_OUT_REPLACE)) {
        int bad = f->tmp_path ? link(f->tmp_path, f->final_path) : link_fd(f->fd, f->final_path);
        if (bad) {
            int e = errno;
            if (e == EEXIST) return refuse(f, err);
            return fc_fail(err, FC_EIO, "cannot create %s: %s", f->final_path, strerror(e));
        }
        f->created = 1;
        return FC_OK;
    }
    struct stat st;
    int exists = lstat(f->final_path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) return refuse(f, err);
    if (exists && more) {
        if (renameat2(AT_FDCWD, f->tmp_path, AT_FDCWD, f->final_path, RENAME_EXCHANGE) == 0) {
            f->replaced = 1;
            return FC_OK;
        }
        if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
            return fc_fail(err, FC_EIO, "cannot replace %s: %s", f->final_path, strerror(errno));
    }
    if (rename(f->tmp_path, f->final_path) != 0)
        return fc_fail(err, FC_EIO, "cannot replace %s: %s", f->final_path, strerror(errno));
    free(f->tmp_path);
    f->tmp_path = NULL;
    f->created = !exists;
    return FC_OK;
}

static void undo(fc_atomic_file *f) {
    if (f->replaced) {
        if (renameat2(AT_FDCWD, f->tmp_path, AT_FDCWD, f->final_path, RENAME_EXCHANGE) == 0) f->replaced = 0;
    } else if (f->created) {
        unlink(f->final_path);
    }
    f->created = 0;
}

static void sync_dir(const char *path) {
    char *dir = dir_of(path);
    if (!dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* best effort: the data itself is already synced */
        close(fd);
    }
    free(dir);
}

int fc_atomic_commit_all(fc_atomic_file *fs, size_t n, fc_error *err) {
    int rc = FC_OK;
    for (size_t i = 0; i < n && !rc; i++) rc = prepare(&fs[i], err);
    size_t placed = 0;
    while (!rc && placed < n) {
        rc = place(&fs[placed], placed + 1 < n, err);
        if (!rc) placed++;
    }
    if (rc)
        while (placed > 0) undo(&fs[--placed]);
    for (size_t i = 0; i < n; i++) {
        if (!rc) sync_dir(fs[i].final_path);
        fc_atomic_abort(&fs[i]); /* removes what tmp_path still names: unused data or a replaced file */
    }
    return rc;
}

int fc_atomic_commit(fc_atomic_file *f, fc_error *err) { return fc_atomic_commit_all(f, 1, err); }

int fc_write_file_atomic(const char *path, const void *buf, size_t len, int flags, fc_error *err) {
    fc_atomic_file f;
    int rc = fc_atomic_open(&f, path, flags, err);
    if (rc) return rc;
    if ((rc = fc_atomic_write(&f, buf, len, err))) {
        fc_atomic_abort(&f);
        return rc;
    }
    return fc_atomic_commit(&f, err);
}
