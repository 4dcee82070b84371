/* File helpers: whole-file reads with a size cap, and atomic writes
 * (temporary file in the same folder, fsync, rename) so that a crash or kill
 * never leaves a half-written output, and an existing file is only replaced
 * when the caller says so. */
#ifndef FC_UTIL_FILEIO_H
#define FC_UTIL_FILEIO_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "facecrypt.h"

/* Read a whole file into a malloc'd buffer (caller frees).  Fails with FC_EINPUT
 * if the file is missing or unreadable, or larger than max_bytes. A trailing NUL
 * is appended (not counted in *len) so text can be parsed in place. */
int fc_read_file(const char *path, size_t max_bytes, uint8_t **out, size_t *len, fc_error *err);

/* An output file being written atomically. */
typedef struct fc_atomic_file {
    FILE *fp;          /* write here */
    char *final_path;  /* owned */
    char *tmp_path;    /* owned */
    int overwrite;     /* replace an existing final_path */
} fc_atomic_file;

/* Open "<dir>/.<name>.tmp.XXXXXX".  If !overwrite and path exists, fails with FC_EUSAGE
 * ("exists; use --force"). */
int fc_atomic_open(fc_atomic_file *f, const char *path, int overwrite, fc_error *err);
/* Flush, fsync, rename into place (no-replace unless overwrite).  Always releases f. */
int fc_atomic_commit(fc_atomic_file *f, fc_error *err);
/* Remove the temporary file and release f.  Safe on a zeroed or released f. */
void fc_atomic_abort(fc_atomic_file *f);
/* Convenience: atomically write a whole buffer. */
int fc_write_file_atomic(const char *path, const void *buf, size_t len, int overwrite, fc_error *err);

int fc_file_exists(const char *path);
/* mkdir -p; ok if it exists. */
int fc_mkdirs(const char *path, fc_error *err);

#endif
