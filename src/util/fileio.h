/* File helpers: whole-file reads with a size cap that never block on a FIFO or
 * device, and atomic writes (an unnamed temporary file in the same folder,
 * fsync, then a link or rename into place) so that a crash or kill never leaves
 * a half-written output or a stray temporary, and an existing file is only
 * replaced when the caller says so, and only if it is a regular file. */
#ifndef FC_UTIL_FILEIO_H
#define FC_UTIL_FILEIO_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "facecrypt.h"

/* Open path for reading without blocking: O_NONBLOCK open, fstat, and anything
 * but a regular file (FIFO, device, directory, socket) is refused with FC_EINPUT
 * ("X is a FIFO, not a regular file"); then O_NONBLOCK is cleared.  Returns the
 * file descriptor (O_CLOEXEC) and its size, or -1 with err set. */
int fc_open_regular(const char *path, uint64_t *size, fc_error *err);
/* Read the whole of an fd from fc_open_regular (size bytes) into a malloc'd
 * buffer with a trailing NUL (not counted).  Does not close fd.  path names it
 * in messages.  FC_EINPUT if size > max_bytes or the file shrank. */
int fc_read_fd(int fd, const char *path, uint64_t size, size_t max_bytes, uint8_t **out, size_t *len, fc_error *err);
/* fc_open_regular + fc_read_fd + close.  Fails with FC_EINPUT if the file is
 * missing, unreadable, not a regular file, or larger than max_bytes. */
int fc_read_file(const char *path, size_t max_bytes, uint8_t **out, size_t *len, fc_error *err);

/* Output flags (fc_output_check, fc_atomic_open, fc_write_file_atomic).  The
 * value 1 is FC_OUT_REPLACE, so a plain `overwrite` int (0/1) still works. */
#define FC_OUT_REPLACE 1   /* replace an existing regular file (--force) */
#define FC_OUT_PRIVATE 2   /* mode 0600 (& ~umask): decrypted secrets, keys.  Else 0666 & ~umask. */
#define FC_OUT_NAMED_TMP 4 /* use a named temporary even where O_TMPFILE works (tests) */

/* Can path be written (before any slow work)?  FC_EUSAGE if it exists and
 * FC_OUT_REPLACE is not set, or if it exists and is not a regular file (a
 * symbolic link, FIFO, device, folder: never replaced, even with --force);
 * FC_EIO if its folder is missing or not writable. */
int fc_output_check(const char *path, int flags, fc_error *err);
/* FC_EIO unless dir is a folder this process may create files in. */
int fc_output_dir_check(const char *dir, fc_error *err);

/* An output file being written atomically. */
typedef struct fc_atomic_file {
    FILE *fp;          /* write here (or through fc_atomic_write) */
    int fd;            /* fileno(fp) */
    char *final_path;  /* owned */
    char *tmp_path;    /* owned: a named temporary, or NULL while the file has no name (O_TMPFILE) */
    int flags;         /* FC_OUT_* */
    int replaced;      /* commit: tmp_path now holds the replaced file (rename exchange) */
    int created;       /* commit: final_path did not exist before */
} fc_atomic_file;

/* fc_output_check, then an unnamed file (O_TMPFILE) in path's folder, or where
 * the file system cannot do that, a named "<dir>/.<name>.tmpXXXXXX" created
 * O_EXCL with the same mode (removed again on every error path). */
int fc_atomic_open(fc_atomic_file *f, const char *path, int flags, fc_error *err);
/* fwrite with the reason on failure: FC_EIO "cannot write X: No space left on device". */
int fc_atomic_write(fc_atomic_file *f, const void *buf, size_t len, fc_error *err);
/* Flush, fsync, give the file its name (no-replace unless FC_OUT_REPLACE).
 * Always releases f. */
int fc_atomic_commit(fc_atomic_file *f, fc_error *err);
/* Commit n files as one: every file is written, synced and staged before the
 * first existing file is replaced, and if a later one fails the earlier ones
 * are undone (new files removed, replaced files swapped back where the file
 * system can exchange names: renameat2 RENAME_EXCHANGE).  Always releases all. */
int fc_atomic_commit_all(fc_atomic_file *f, size_t n, fc_error *err);
/* Remove the temporary file and release f.  Safe on a zeroed or released f. */
void fc_atomic_abort(fc_atomic_file *f);
/* Convenience: atomically write a whole buffer. */
int fc_write_file_atomic(const char *path, const void *buf, size_t len, int flags, fc_error *err);

int fc_file_exists(const char *path);
/* mkdir -p; ok if it exists. */
int fc_mkdirs(const char *path, fc_error *err);

#endif
