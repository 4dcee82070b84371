/* Error reporting: every fallible library call returns an fc_status and, when it
 * fails, writes a one-line human-readable reason into a caller-owned fc_error. */
#ifndef FC_UTIL_ERROR_H
#define FC_UTIL_ERROR_H
#include "facecrypt.h"

/* Record a failure in err (may be NULL) and return code.  printf-style message. */
int fc_fail(fc_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix an existing message: "ctx: old message". Returns err->code. */
int fc_fail_ctx(fc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
