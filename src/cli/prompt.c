#include "prompt.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

long cli_prompt_password(const char *prompt, char *buf, size_t cap) {
    if (cap < 2) return -1;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct termios old, quiet;
    if (tcgetattr(fd, &old) != 0) {
        close(fd);
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    quiet.c_lflag |= ICANON;
    /* Keep Ctrl-C from leaving the terminal without echo: ignore it while reading. */
    struct sigaction ign = {0}, oldint;
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ign, &oldint);
    tcsetattr(fd, TCSAFLUSH, &quiet);
    if (write(fd, prompt, strlen(prompt)) < 0) { /* best effort */
    }
    size_t n = 0;
    long rc = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r <= 0) {
            if (rc == 0 && n == 0) rc = -1;
            break;
        }
        if (c == '\n' || c == '\r') break;
        if (n + 1 >= cap) {
            rc = -2;
            continue; /* drain the rest of the line */
        }
        buf[n++] = c;
    }
    buf[n] = 0;
    tcsetattr(fd, TCSAFLUSH, &old);
    sigaction(SIGINT, &oldint, NULL);
    if (write(fd, "\n", 1) < 0) {
    }
    close(fd);
    if (rc < 0) {
        memset(buf, 0, cap);
        return rc;
    }
    return (long)n;
}
