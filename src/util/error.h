/* Error reporting: every fallible library call returns an fc_status and, when it
 * fails, writes a one-line human-readable reason into a caller-owned fc_error.
 * fc_fail and fc_fail_ctx are public (include/facecrypt.h, "status codes"). */
#ifndef FC_UTIL_ERROR_H
#define FC_UTIL_ERROR_H
#include "facecrypt.h"

#endif
