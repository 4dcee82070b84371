/* File helpers: whole-file reads with a size cap that never block on a FIFO or
 * device, and atomic writes.  Public: include/facecrypt.h, "files". */
#ifndef FC_UTIL_FILEIO_H
#define FC_UTIL_FILEIO_H
#include "facecrypt.h"

#endif
