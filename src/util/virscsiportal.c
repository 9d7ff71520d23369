/*
 * virscsiportal.c: whether an iSCSI portal's TCP port answers
 *
 * libiscsi reports a connection that could not be made in terms of its
 * own reconnect logic: a refused connection to a portal reads
 * "iscsi_service failed with : iscsi_service_reconnect_if_loggedin. Can
 * not reconnect right now.", which tells a user nothing.  When a login
 * fails, the callers ask here whether the portal's TCP port answers at
 * all, and report the socket's own error ("Connection refused", "No route
 * to host", a name that does not resolve) where it does not.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "virscsiportal.h"


/*
 * A portal as libiscsi takes it: "host", "host:port", "[v6]" or
 * "[v6]:port".  The port defaults to 3260.  FALSE for an empty host, an
 * unclosed bracket or a port that is not 1..65535.
 */
gboolean
virSCSIPortalSplit(const char *portal,
                   char **host,
                   char **port)
{
    g_autofree char *h = NULL;
    const char *p = NULL;
    guint64 n;

    if (!portal || !*portal)
        return FALSE;
    if (portal[0] == '[') {
        const char *close = strchr(portal, ']');

        if (!close || close == portal + 1)
            return FALSE;
        h = g_strndup(portal + 1, close - portal - 1);
        if (close[1] == ':')
            p = close + 2;
        else if (close[1] != '\0')
            return FALSE;
    } else {
        const char *colon = strrchr(portal, ':');

        /* More than one colon without brackets: a bare IPv6 address. */
        if (colon && strchr(portal, ':') == colon) {
            h = g_strndup(portal, colon - portal);
            p = colon + 1;
        } else {
            h = g_strdup(portal);
        }
        if (!*h)
            return FALSE;
    }
    if (p && (!g_ascii_string_to_unsigned(p, 10, 1, 65535, &n, NULL)))
        return FALSE;
    *host = g_steal_pointer(&h);
    *port = g_strdup(p ? p : VIR_SCSI_PORTAL_DEFAULT_PORT);
    return TRUE;
}


/* 0 when a TCP connection to @ai opens within @timeoutMs, else an errno. */
static int
virSCSIPortalConnect(const struct addrinfo *ai,
                     unsigned int timeoutMs)
{
    struct pollfd pfd = { .events = POLLOUT };
    socklen_t len = sizeof(int);
    int err = 0;
    int rc;

    if ((pfd.fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                         ai->ai_protocol)) < 0)
        return errno;
    if (connect(pfd.fd, ai->ai_addr, ai->ai_addrlen) == 0)
        goto done;
    if (errno != EINPROGRESS) {
        err = errno;
        goto done;
    }
    while ((rc = poll(&pfd, 1, timeoutMs)) < 0 && errno == EINTR)
        ;
    if (rc == 0)
        err = ETIMEDOUT;
    else if (rc < 0 || getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
 done:
    close(pfd.fd);
    return err;
}


/*
 * NULL when a TCP connection to @portal opens within @timeoutMs (the
 * login failed for another reason: libiscsi's error says which), else why
 * not: "cannot connect to PORTAL: Connection refused".
 */
char *
virSCSIPortalUnreachable(const char *portal,
                         unsigned int timeoutMs)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    struct addrinfo *ai;
    g_autofree char *host = NULL;
    g_autofree char *port = NULL;
    int err = 0;
    int rc;

    if (!virSCSIPortalSplit(portal, &host, &port))
        return g_strdup_printf("invalid iSCSI portal '%s' (host, host:port, [IPv6]:port)",
                               portal ? portal : "");
    if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
        return g_strdup_printf("cannot connect to %s: %s", portal, gai_strerror(rc));
    for (ai = res; ai; ai = ai->ai_next) {
        if ((err = virSCSIPortalConnect(ai, timeoutMs)) == 0)
            break;
    }
    freeaddrinfo(res);
    if (err == 0)
        return NULL;
    return g_strdup_printf("cannot connect to %s: %s", portal, g_strerror(err));
}
