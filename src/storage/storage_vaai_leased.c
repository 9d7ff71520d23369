/*
 * storage_vaai_leased.c: talking to vaai-leased
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "storage_vaai_leased.h"

static const struct {
    int code;
    const char *name;
} virStorageVaaiLeasedCodes[] = {
    { VIR_STORAGE_VAAI_ERROR_INVALID_ARG, "invalid" },
    { VIR_STORAGE_VAAI_ERROR_CORRUPT, "corrupt" },
    { VIR_STORAGE_VAAI_ERROR_FOREIGN, "foreign" },
    { VIR_STORAGE_VAAI_ERROR_UNSUPPORTED, "unsupported" },
    { VIR_STORAGE_VAAI_ERROR_NOT_FOUND, "not-found" },
    { VIR_STORAGE_VAAI_ERROR_EXISTS, "exists" },
    { VIR_STORAGE_VAAI_ERROR_BUSY, "busy" },
    { VIR_STORAGE_VAAI_ERROR_NO_SPACE, "no-space" },
    { VIR_STORAGE_VAAI_ERROR_FENCED, "fenced" },
    { VIR_STORAGE_VAAI_ERROR_LEASE_TIMEOUT, "lease-timeout" },
    { VIR_STORAGE_VAAI_ERROR_CHANGED, "changed" },
};


const char *
virStorageVaaiLeasedCodeName(int code)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virStorageVaaiLeasedCodes); i++) {
        if (virStorageVaaiLeasedCodes[i].code == code)
            return virStorageVaaiLeasedCodes[i].name;
    }
    return "error";
}


int
virStorageVaaiLeasedCodeParse(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virStorageVaaiLeasedCodes); i++) {
        if (strcmp(virStorageVaaiLeasedCodes[i].name, name) == 0)
            return virStorageVaaiLeasedCodes[i].code;
    }
    return -1;
}


GVariant *
virStorageVaaiLeasedReply(const GError *err)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "ok", g_variant_new_boolean(err == NULL));
    if (err) {
        const char *code = err->domain == VIR_STORAGE_VAAI_ERROR ?
            virStorageVaaiLeasedCodeName(err->code) : "error";

        g_variant_builder_add(&b, "{sv}", "code", g_variant_new_string(code));
        g_variant_builder_add(&b, "{sv}", "message", g_variant_new_string(err->message));
    }
    return g_variant_builder_end(&b);
}


GVariant *
virStorageVaaiLeasedParse(const char *line,
                          GError **error)
{
    g_autoptr(GError) err = NULL;
    GVariant *v;

    if (!g_utf8_validate(line, -1, NULL)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "vaai-leased: a message that is not UTF-8");
        return NULL;
    }
    v = g_variant_parse(G_VARIANT_TYPE_VARDICT, line, NULL, NULL, &err);
    if (!v) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "vaai-leased: a message that is not an a{sv}: %s", err->message);
        return NULL;
    }
    return v;
}


char *
virStorageVaaiLeasedFormat(GVariant *msg)
{
    g_autoptr(GVariant) owned = g_variant_ref_sink(msg);
    g_autofree char *text = g_variant_print(owned, TRUE);

    return g_strdup_printf("%s\n", text);
}


/* Write all of @buf, or fail. */
static bool
virStorageVaaiLeasedWrite(int fd,
                          const char *buf,
                          size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= n;
    }
    return true;
}


/* Read up to the first newline, within @deadline (monotonic us). */
static char *
virStorageVaaiLeasedReadLine(int fd,
                             gint64 deadline,
                             GError **error)
{
    g_autoptr(GString) line = g_string_new(NULL);

    while (line->len < VIR_STORAGE_VAAI_LEASED_LINE_MAX) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        gint64 left = deadline - g_get_monotonic_time();
        char buf[1024];
        char *nl;
        ssize_t n;
        int rc;

        if (left <= 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "vaai-leased did not answer in time");
            return NULL;
        }
        rc = poll(&p, 1, (int)MIN(left / 1000 + 1, G_MAXINT));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            continue;
        n = recv(fd, buf, sizeof(buf), MSG_PEEK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                        "vaai-leased closed the connection without an answer");
            return NULL;
        }
        /* take exactly up to the newline: nothing else is ours */
        nl = memchr(buf, '\n', n);
        n = recv(fd, buf, nl ? (size_t)(nl - buf + 1) : (size_t)n, 0);
        if (n <= 0)
            continue;
        g_string_append_len(line, buf, nl ? n - 1 : n);
        if (nl)
            return g_string_free(g_steal_pointer(&line), FALSE);
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                "vaai-leased answered with more than %d bytes",
                VIR_STORAGE_VAAI_LEASED_LINE_MAX);
    return NULL;
}


int
virStorageVaaiLeasedCall(const char *socketPath,
                         GVariant *request,
                         unsigned int timeoutMs,
                         GVariant **reply,
                         GError **error)
{
    g_autofree char *out = virStorageVaaiLeasedFormat(request);
    g_autofree char *in = NULL;
    g_autoptr(GVariant) rep = NULL;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    gint64 deadline = g_get_monotonic_time() + (gint64)timeoutMs * 1000;
    gboolean ok = FALSE;
    const char *code = NULL;
    const char *message = NULL;
    int fd;

    if (!socketPath)
        socketPath = VIR_STORAGE_VAAI_LEASED_SOCKET;
    if (strlen(socketPath) >= sizeof(sa.sun_path)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "vaai-leased socket path '%s' is too long", socketPath);
        return -1;
    }
    strcpy(sa.sun_path, socketPath);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "cannot make a socket for vaai-leased: %s", g_strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;

        close(fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                    "cannot reach vaai-leased at %s (is it running?): %s",
                    socketPath, g_strerror(e));
        return -1;
    }
    if (!virStorageVaaiLeasedWrite(fd, out, strlen(out))) {
        close(fd);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                    "cannot send to vaai-leased at %s", socketPath);
        return -1;
    }
    in = virStorageVaaiLeasedReadLine(fd, deadline, error);
    close(fd);
    if (!in || !(rep = virStorageVaaiLeasedParse(in, error)))
        return -1;

    g_variant_lookup(rep, "ok", "b", &ok);
    if (!ok) {
        int c;

        g_variant_lookup(rep, "code", "&s", &code);
        g_variant_lookup(rep, "message", "&s", &message);
        c = code ? virStorageVaaiLeasedCodeParse(code) : -1;
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    c >= 0 ? c : VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "%s", message ? message : "vaai-leased refused without saying why");
        return -1;
    }
    if (reply)
        *reply = g_steal_pointer(&rep);
    return 0;
}
