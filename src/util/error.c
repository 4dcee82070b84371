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

int fc_fail_ctx(fc_error *err, const char *fmt, ...) {
    if (!err) return FC_EINTERNAL;
    char prefix[sizeof err->msg], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    if (snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old) < 0) err->msg[0] = 0; /* truncation is fine */
    return err->code;
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
