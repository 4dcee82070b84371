/* util/fileio and util/error: atomic outputs (modes under any umask, no
 * temporary names, no-replace, never replacing anything but a regular file,
 * two files committed as one), both with O_TMPFILE and with the named-temporary
 * fallback; reads that refuse a FIFO instead of waiting on it; fc_fail_ctx
 * keeping the caller's status. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "facecrypt.h"
#include "testutil.h"
#include "util/error.h"
#include "util/fileio.h"

static char D[4096];

static const char *P(const char *name) {
    static char buf[8][4200];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", D, name);
    return buf[k];
}

/* Names in D that contain ".tmp" (temporaries). */
static int temps(void) {
    DIR *d = opendir(D);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp")) n++;
    closedir(d);
    return n;
}

static int mode_of(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int holds(const char *p, const char *text) {
    uint8_t *b;
    size_t n;
    if (fc_read_file(p, 1 << 20, &b, &n, NULL)) return 0;
    int ok = n == strlen(text) && !memcmp(b, text, n);
    free(b);
    return ok;
}

static void put(const char *p, const char *text, int mode) {
    unlink(p);
    FILE *f = fopen(p, "wb");
    fputs(text, f);
    fclose(f);
    chmod(p, (mode_t)mode);
}

static void test_modes(int named) {
    fc_error err = {0};
    mode_t old = umask(022);
    CHECK(fc_write_file_atomic(P("pub"), "x", 1, named, &err) == FC_OK && mode_of(P("pub")) == 0644);
    CHECK(fc_write_file_atomic(P("priv"), "x", 1, named | FC_OUT_PRIVATE, &err) == FC_OK && mode_of(P("priv")) == 0600);
    umask(077);
    CHECK(fc_write_file_atomic(P("pub2"), "x", 1, named, &err) == FC_OK && mode_of(P("pub2")) == 0600);
    umask(027);
    CHECK(fc_write_file_atomic(P("pub3"), "x", 1, named, &err) == FC_OK && mode_of(P("pub3")) == 0640);
    umask(022);
    /* --force never widens the file it replaces, and a private output is never wider than 0600. */
    put(P("r1"), "old", 0600);
    CHECK(fc_write_file_atomic(P("r1"), "new", 3, named | FC_OUT_REPLACE, &err) == FC_OK);
    CHECK(holds(P("r1"), "new") && mode_of(P("r1")) == 0600);
    put(P("r2"), "old", 0644);
    CHECK(fc_write_file_atomic(P("r2"), "new", 3, named | FC_OUT_REPLACE | FC_OUT_PRIVATE, &err) == FC_OK);
    CHECK(holds(P("r2"), "new") && mode_of(P("r2")) == 0600);
    /* While it is being written: no name at all with O_TMPFILE; with the fallback a
     * named temporary that is already private, and removed on the error path. */
    fc_atomic_file f;
    CHECK(fc_atomic_open(&f, P("w"), named | FC_OUT_PRIVATE, &err) == FC_OK);
    CHECK(fc_atomic_write(&f, "secret", 6, &err) == FC_OK);
    CHECKF(temps() == (named ? 1 : 0), "named %d: %d temporaries while writing", named, temps());
    if (named) CHECK(f.tmp_path && mode_of(f.tmp_path) == 0600);
    fc_atomic_abort(&f);
    CHECK(temps() == 0 && !fc_file_exists(P("w")));
    umask(old);
    for (const char *n = "pub\0priv\0pub2\0pub3\0r1\0r2\0"; *n; n += strlen(n) + 1) unlink(P(n));
}

static void test_replace_rules(int named) {
    fc_error err = {0};
    put(P("a"), "A", 0644);
    CHECK(fc_write_file_atomic(P("a"), "B", 1, named, &err) == FC_EUSAGE && holds(P("a"), "A"));
    CHECK(fc_write_file_atomic(P("a"), "B", 1, named | FC_OUT_REPLACE, &err) == FC_OK && holds(P("a"), "B"));
    /* The target appears while the file is written: no-replace still holds. */
    fc_atomic_file f;
    CHECK(fc_atomic_open(&f, P("late"), named, &err) == FC_OK && fc_atomic_write(&f, "new", 3, &err) == FC_OK);
    put(P("late"), "first", 0644);
    CHECK(fc_atomic_commit(&f, &err) == FC_EUSAGE && holds(P("late"), "first"));
    /* Nothing but a regular file is replaced, even with FC_OUT_REPLACE. */
    CHECK(mkfifo(P("fifo"), 0644) == 0 && mkdir(P("dir"), 0755) == 0);
    put(P("target"), "T", 0644);
    CHECK(symlink("target", P("link")) == 0);
    const char *bad[] = {"fifo", "dir", "link"};
    for (int i = 0; i < 3; i++) {
        int rc = fc_write_file_atomic(P(bad[i]), "X", 1, named | FC_OUT_REPLACE, &err);
        CHECKF(rc == FC_EUSAGE && strstr(err.msg, "not a regular file"), "%s: %d %s", bad[i], rc, err.msg);
    }
    struct stat st;
    CHECK(lstat(P("fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK(lstat(P("dir"), &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(lstat(P("link"), &st) == 0 && S_ISLNK(st.st_mode) && holds(P("target"), "T"));
    CHECK(fc_output_check("/dev/null", FC_OUT_REPLACE, &err) == FC_EUSAGE && strstr(err.msg, "character device"));
    /* The target turns into a FIFO while the file is written. */
    put(P("turns"), "old", 0644);
    CHECK(fc_atomic_open(&f, P("turns"), named | FC_OUT_REPLACE, &err) == FC_OK);
    unlink(P("turns"));
    CHECK(mkfifo(P("turns"), 0644) == 0);
    CHECK(fc_atomic_commit(&f, &err) == FC_EUSAGE && lstat(P("turns"), &st) == 0 && S_ISFIFO(st.st_mode));
    /* A folder that is missing (or not writable) is found before anything is written. */
    CHECK(fc_output_check(P("nodir/x"), 0, &err) == FC_EIO);
    CHECK(fc_output_check(P("a/x"), 0, &err) == FC_EIO); /* "a" is a file */
    CHECK(fc_output_check(P("dir/"), FC_OUT_REPLACE, &err) == FC_EUSAGE);
    CHECK(temps() == 0);
    for (const char *n = "a\0late\0fifo\0target\0link\0turns\0"; *n; n += strlen(n) + 1) unlink(P(n));
    rmdir(P("dir"));
}

/* Two outputs committed as one: if the second cannot be placed, the first
 * existing file is left exactly as it was, and no temporary remains. */
static void test_commit_all(int named) {
    fc_error err = {0};
    put(P("one"), "OLD", 0644);
    fc_atomic_file f[2];
    CHECK(fc_atomic_open(&f[0], P("one"), named | FC_OUT_REPLACE, &err) == FC_OK);
    CHECK(fc_atomic_open(&f[1], P("two"), named | FC_OUT_REPLACE, &err) == FC_OK);
    CHECK(fc_atomic_write(&f[0], "NEW1", 4, &err) == FC_OK && fc_atomic_write(&f[1], "NEW2", 4, &err) == FC_OK);
    CHECK(mkdir(P("two"), 0755) == 0); /* the second target becomes a folder */
    CHECK(fc_atomic_commit_all(f, 2, &err) == FC_EUSAGE);
    CHECK(holds(P("one"), "OLD") && temps() == 0);
    rmdir(P("two"));
    /* Both fine: both replaced. */
    put(P("two"), "OLD2", 0644);
    CHECK(fc_atomic_open(&f[0], P("one"), named | FC_OUT_REPLACE, &err) == FC_OK);
    CHECK(fc_atomic_open(&f[1], P("two"), named | FC_OUT_REPLACE, &err) == FC_OK);
    CHECK(fc_atomic_write(&f[0], "NEW1", 4, &err) == FC_OK && fc_atomic_write(&f[1], "NEW2", 4, &err) == FC_OK);
    CHECK(fc_atomic_commit_all(f, 2, &err) == FC_OK);
    CHECK(holds(P("one"), "NEW1") && holds(P("two"), "NEW2") && temps() == 0);
    unlink(P("one"));
    unlink(P("two"));
}

static void on_alarm(int sig) {
    (void)sig;
    static const char m[] = "test_fileio: a read blocked (FIFO?)\n";
    if (write(2, m, sizeof m - 1)) {}
    _exit(1);
}

static void test_reads(void) {
    fc_error err = {0};
    uint8_t *b = NULL;
    size_t n;
    signal(SIGALRM, on_alarm);
    alarm(20); /* a read that waits on the FIFO fails the test instead of hanging it */
    CHECK(mkfifo(P("in.fifo"), 0644) == 0);
    CHECK(fc_read_file(P("in.fifo"), 100, &b, &n, &err) == FC_EINPUT && strstr(err.msg, "FIFO") && !b);
    uint64_t size;
    CHECK(fc_open_regular(P("in.fifo"), &size, &err) == -1 && err.code == FC_EINPUT);
    CHECK(fc_read_file("/dev/null", 100, &b, &n, &err) == FC_EINPUT && strstr(err.msg, "character device"));
    CHECK(fc_read_file(D, 100, &b, &n, &err) == FC_EINPUT && strstr(err.msg, "folder"));
    CHECK(fc_read_file(P("missing"), 100, &b, &n, &err) == FC_EINPUT);
    alarm(0);
    put(P("ok"), "hello", 0644);
    CHECK(fc_read_file(P("ok"), 100, &b, &n, &err) == FC_OK && n == 5 && !memcmp(b, "hello", 6));
    free(b);
    CHECK(fc_read_file(P("ok"), 4, &b, &n, &err) == FC_EINPUT); /* over the cap */
    unlink(P("ok"));
    unlink(P("in.fifo"));
}

static void test_fail_ctx(void) {
    /* Without an fc_error the status of the failed call survives (it used to
     * turn into FC_EINTERNAL). */
    fc_key *k = NULL;
    CHECK(fc_key_from_file(P("missing.key"), &k, NULL) == FC_EINPUT && !k);
    CHECK(fc_fail_ctx(NULL, FC_EIO, "x") == FC_EIO);
    fc_error err = {0};
    fc_fail(&err, FC_ENOFIT, "too big");
    CHECK(fc_fail_ctx(&err, FC_ENOFIT, "cover %s", "c.png") == FC_ENOFIT && err.code == FC_ENOFIT);
    CHECKF(!strcmp(err.msg, "cover c.png: too big"), "%s", err.msg);
}

int main(void) {
    char *d = tu_tmpdir();
    snprintf(D, sizeof D, "%s", d);
    free(d);
    for (int named = 0; named <= FC_OUT_NAMED_TMP; named += FC_OUT_NAMED_TMP) {
        test_modes(named);
        test_replace_rules(named);
        test_commit_all(named);
    }
    test_reads();
    test_fail_ctx();
    int rc = TEST_END();
    if (rc == 0) tu_system("rm -rf '%s'", D);
    else fprintf(stderr, "kept %s\n", D);
    return rc;
}
