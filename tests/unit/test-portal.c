/*
 * test-portal.c: an iSCSI portal's address, and the error a user reads
 * when nothing answers there.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "virscsiportal.h"


static void
testSplit(void)
{
    static const struct { const char *in, *host, *port; } ok[] = {
        { "127.0.0.1", "127.0.0.1", "3260" },
        { "array.example.com:3261", "array.example.com", "3261" },
        { "[::1]", "::1", "3260" },
        { "[fe80::1%eth0]:860", "fe80::1%eth0", "860" },
        { "::1", "::1", "3260" },
    };
    static const char *bad[] = {
        "", ":3260", "[::1", "[]:3260", "[::1]x", "host:0", "host:65536", "host:", "host:3x",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ok); i++) {
        g_autofree char *host = NULL;
        g_autofree char *port = NULL;

        g_assert_true(virSCSIPortalSplit(ok[i].in, &host, &port));
        g_assert_cmpstr(host, ==, ok[i].host);
        g_assert_cmpstr(port, ==, ok[i].port);
    }
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *host = NULL;
        g_autofree char *port = NULL;

        g_assert_false(virSCSIPortalSplit(bad[i], &host, &port));
        g_assert_null(host);
    }
    g_assert_false(virSCSIPortalSplit(NULL, NULL, NULL));
}


/* A loopback socket bound to a free port, listening or not. */
static int
testSocket(gboolean listening,
           int *port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    if (listening)
        g_assert_cmpint(listen(fd, 1), ==, 0);
    *port = ntohs(sa.sin_port);
    return fd;
}


static void
testReachable(void)
{
    int port;
    int fd = testSocket(TRUE, &port);
    g_autofree char *portal = g_strdup_printf("127.0.0.1:%d", port);

    g_assert_null(virSCSIPortalUnreachable(portal, 2000));
    close(fd);
}


static void
testRefused(void)
{
    int port;
    int fd = testSocket(FALSE, &port);      /* bound, not listening: refused */
    g_autofree char *portal = g_strdup_printf("127.0.0.1:%d", port);
    g_autofree char *want = g_strdup_printf("cannot connect to %s: Connection refused", portal);
    g_autofree char *why = virSCSIPortalUnreachable(portal, 2000);

    g_assert_cmpstr(why, ==, want);
    close(fd);
}


static void
testInvalid(void)
{
    g_autofree char *bad = virSCSIPortalUnreachable("host:0", 2000);

    /* (No name lookup here: tests send nothing beyond loopback.) */
    g_assert_cmpstr(bad, ==, "invalid iSCSI portal 'host:0' (host, host:port, [IPv6]:port)");
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/portal/split", testSplit);
    g_test_add_func("/portal/reachable", testReachable);
    g_test_add_func("/portal/refused", testRefused);
    g_test_add_func("/portal/invalid", testInvalid);
    return g_test_run();
}
