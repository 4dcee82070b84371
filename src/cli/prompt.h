/* Password prompt on the controlling terminal with echo off (termios). */
#ifndef FC_CLI_PROMPT_H
#define FC_CLI_PROMPT_H
#include <stddef.h>

/* Read one line from /dev/tty into buf (cap bytes, NUL-terminated, newline
 * dropped) after writing prompt there, echo off.  Returns the length, or -1 if
 * there is no terminal or reading failed, -2 if the line does not fit. */
long cli_prompt_password(const char *prompt, char *buf, size_t cap);

#endif
