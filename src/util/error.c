#include "util/error.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int fc_fail(fc_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int fc_fail_ctx(fc_error *err, int code, const char *fmt, ...) {
    if (!err) return code;
    char prefix[sizeof err->msg], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* "prefix: old", truncated to fit (memcpy: gcc -O3 rejects the snprintf form
     * under -Werror=format-truncation). */
    size_t cap = sizeof err->msg - 1, pl = strlen(prefix), ol = strlen(old), n = 0;
    if (pl > cap) pl = cap;
    memcpy(err->msg, prefix, pl);
    n = pl;
    if (n + 2 <= cap) memcpy(err->msg + n, ": ", 2), n += 2;
    if (ol > cap - n) ol = cap - n;
    memcpy(err->msg + n, old, ol);
    err->msg[n + ol] = 0;
    err->code = code;
    return code;
}

const char *fc_status_name(int code) {
    switch (code) {
    case FC_OK: return "ok";
    case FC_EUSAGE: return "bad usage";
    case FC_EINPUT: return "unreadable or malformed input";
    case FC_EAUTH: return "authentication failed";
    case FC_ENOFIT: return "does not fit";
    case FC_EIO: return "i/o error";
    case FC_ENOMEM: return "out of memory";
    default: return "internal error";
    }
}
