/*
 * Preloaded into the benchmark's Garage (LD_PRELOAD): every connection the server accepts gets
 * TCP_NODELAY. Garage writes a response's head and body separately; with Nagle's algorithm the
 * body then waits for the client's ACK of the head, which Linux delays by up to 40 ms on a warm
 * connection, so a 4 KiB GET took ~44 ms for every client and measured nothing. This is the
 * server-side setting Garage does not expose; clients are untouched, so all of them see the
 * same server.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void no_delay(int fd) {
    int one = 1;
    if (fd >= 0) {
        /* Fails harmlessly on sockets that are not TCP (Unix sockets). */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real) {
        real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
    }
    int accepted = real(fd, addr, len, flags);
    no_delay(accepted);
    return accepted;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real) {
        real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
    }
    int accepted = real(fd, addr, len);
    no_delay(accepted);
    return accepted;
}
