/* What the samples share: a blocking TCP connection to HOST:PORT. Header-only (static), so that
 * each sample stays one program built from its own file and this one. */
#ifndef NSSL_SAMPLE_TCP_H
#define NSSL_SAMPLE_TCP_H

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

/* The first address of HOST that accepts the connection; -1 if none does. */
static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints = {0}, *res, *ai;
    int fd = -1;

    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        return -1;
    }
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

#endif
