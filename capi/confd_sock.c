/*
 * Socket helpers of the ConfD family: the identity of a caller's fd (for
 * the fd-keyed socket table in confd_socks.go), address checks, and a
 * connect(2) that copes with signals and non-blocking sockets.
 *
 * C rather than Go because they operate on the caller's fd in place: Go's
 * net package would want to own (and make non-blocking) the descriptor.
 */
#include "confd_internal.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/un.h>

int gh_confd_fd_identity(int fd, unsigned long long *dev,
                         unsigned long long *ino, int *sotype)
{
    struct stat st;
    socklen_t len = sizeof *sotype;

    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fstat(fd, &st) != 0)
        return -1;
    *dev = (unsigned long long)st.st_dev;
    *ino = (unsigned long long)st.st_ino;
    *sotype = -1;
    if (S_ISSOCK(st.st_mode) &&
        getsockopt(fd, SOL_SOCKET, SO_TYPE, sotype, &len) != 0)
        *sotype = -1;
    return 0;
}

int gh_confd_check_sockaddr(const struct sockaddr *srv, int srv_sz)
{
    if (srv == NULL) {
        gh_confd_set_error(CONFD_ERR_PROTOUSAGE, "server address is NULL");
        return -1;
    }
    if (srv_sz < (int)sizeof(sa_family_t) ||
        srv_sz > (int)sizeof(struct sockaddr_storage)) {
        gh_confd_set_errorf(CONFD_ERR_PROTOUSAGE,
                            "server address size %d is not 2..%d", srv_sz,
                            (int)sizeof(struct sockaddr_storage));
        return -1;
    }
    switch (srv->sa_family) {
    case AF_INET:
        if (srv_sz < (int)sizeof(struct sockaddr_in))
            break;
        return 0;
    case AF_INET6:
        if (srv_sz < (int)sizeof(struct sockaddr_in6))
            break;
        return 0;
    case AF_UNIX:
        if (srv_sz <= (int)offsetof(struct sockaddr_un, sun_path) ||
            srv_sz > (int)sizeof(struct sockaddr_un))
            break;
        return 0;
    default:
        gh_confd_set_errorf(CONFD_ERR_PROTOUSAGE,
                            "server address family %d is not AF_INET, AF_INET6 or AF_UNIX",
                            (int)srv->sa_family);
        return -1;
    }
    gh_confd_set_errorf(CONFD_ERR_PROTOUSAGE,
                        "server address size %d does not fit family %d", srv_sz,
                        (int)srv->sa_family);
    return -1;
}

int gh_confd_connect(int fd, const struct sockaddr *srv, int srv_sz)
{
    struct pollfd p;
    int soerr = 0;
    socklen_t len = sizeof soerr;

    if (connect(fd, srv, (socklen_t)srv_sz) == 0)
        return 0;
    if (errno != EINTR && errno != EINPROGRESS)
        return -1;
    /* The connection goes on in the background (a signal interrupted a
     * blocking connect, or fd is non-blocking): wait for it to finish, as a
     * blocking connect would, and take its outcome from SO_ERROR. */
    p.fd = fd;
    p.events = POLLOUT;
    for (;;) {
        p.revents = 0;
        if (poll(&p, 1, -1) >= 0)
            break;
        if (errno != EINTR)
            return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        return -1;
    if (soerr != 0) {
        errno = soerr;
        return -1;
    }
    return 0;
}
