/* Error reporting: every fallible library call returns an fc_status and, when it
 * fails, writes a one-line human-readable reason into a caller-owned fc_error. */
#ifndef FC_UTIL_ERROR_H
#define FC_UTIL_ERROR_H
#include "facecrypt.h"

/* Record a failure in err (may be NULL) and return code.  printf-style message. */
int fc_fail(fc_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix the message of a failed call whose status is code: "ctx: old message".
 * Returns code (also when err is NULL: the caller's status is never lost). */
int fc_fail_ctx(fc_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
