#ifndef EDGECTL_CLIBSSH_SHIM_H
#define EDGECTL_CLIBSSH_SHIM_H
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <libssh/callbacks.h>
#ifdef __linux__
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

/* The lowest round-trip time the kernel has seen on a TCP socket, in microseconds (the
   smoothed one on kernels before 4.6); -1 when unknown (not a TCP socket: a ProxyJump's
   pipe; not Linux). The lowest, since the smoothed one grows with any queue on the way,
   this machine's own CPU queue included. tcpi_min_rtt is read at its offset in the
   kernel's struct (148; tcpi_rtt at 68), which glibc's copy of the struct does not reach. */
static inline long edgectl_tcp_rtt_us(int fd) {
#ifdef __linux__
    unsigned char info[256];
    socklen_t length = sizeof(info);
    uint32_t rtt;
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &length) != 0) return -1;
    if (length >= 152) {
        memcpy(&rtt, info + 148, sizeof(rtt));
    } else if (length >= 72) {
        memcpy(&rtt, info + 68, sizeof(rtt));
    } else {
        return -1;
    }
    return (long)rtt;
#else
    (void)fd;
    return -1;
#endif
}

#endif
