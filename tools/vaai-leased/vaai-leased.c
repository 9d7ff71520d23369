/*
 * vaai-leased.c: the per-host daemon that holds vaai volumes open for the
 *                domains of its host (docs/lease-leasedServer.md)
 *
 * It outlives libvirtd, as sanlock does: a daemon restart (an upgrade)
 * must not make other hosts believe the domains are gone while QEMU
 * still writes.  Its heartbeat on each pool is what keeps its holds alive
 * for the other hosts, and when it cannot renew it in time it kills the
 * processes that hold volumes of that pool before any other host may
 * presume this one dead.
 *
 *   vaai-leased [--socket PATH] [--host-uuid UUID] [--host-name NAME]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "leased.h"
#include "storage_vaai_host.h"
#include "storage_vaai_inuse.h"
#include "storage_vaai_leased.h"

typedef struct {
    leasedState *st;
    GMainLoop *loop;
    GMutex pidsLock;
    GHashTable *pids;           /* pid -> GSource id of its pidfd watch */
    gint stopping;
} leased;

static leased leasedServer;


/* This host: --host-uuid, else $VAAI_HOST_UUID, else /etc/machine-id,
 * as vaaictl and the libvirt backend find it. */
static bool
leasedHostIdentity(const char *uuidOpt,
                   const char *nameOpt,
                   virStorageVaaiHost *host)
{
    g_autoptr(GError) err = NULL;

    if (!virStorageVaaiHostInit(host, uuidOpt, nameOpt, &err)) {
        g_printerr("vaai-leased: %s (--host-uuid)\n", err->message);
        return false;
    }
    return true;
}


static gboolean
leasedPidExited(gint fd,
                GIOCondition cond G_GNUC_UNUSED,
                gpointer opaque)
{
    int pid = GPOINTER_TO_INT(opaque);

    close(fd);
    g_mutex_lock(&leasedServer.pidsLock);
    g_hash_table_remove(leasedServer.pids, opaque);
    g_mutex_unlock(&leasedServer.pidsLock);
    leasedProcessGone(leasedServer.st, pid);
    return G_SOURCE_REMOVE;
}


/* Give @pid's holds back when it exits (a domain stopped or crashed:
 * libvirt's lock manager says nothing then). */
static void
leasedWatchPid(int pid)
{
    int fd;

    g_mutex_lock(&leasedServer.pidsLock);
    if (!g_hash_table_contains(leasedServer.pids, GINT_TO_POINTER(pid))) {
        if ((fd = syscall(SYS_pidfd_open, pid, 0)) < 0) {
            g_warning("cannot watch process %d: %s", pid, g_strerror(errno));
        } else {
            guint id = g_unix_fd_add(fd, G_IO_IN, leasedPidExited, GINT_TO_POINTER(pid));

            g_hash_table_insert(leasedServer.pids, GINT_TO_POINTER(pid), GUINT_TO_POINTER(id));
        }
    }
    g_mutex_unlock(&leasedServer.pidsLock);
}


static GVariant *
leasedDispatch(GVariant *req)
{
    g_autoptr(GError) err = NULL;
    const char *op = NULL;
    const char *pool = NULL;
    const char *volume = NULL;
    const char *ownerStr = NULL;
    const char *name = NULL;
    const char *modeStr = NULL;
    const char *spec = NULL;
    const char *initiator = NULL;
    uint8_t owner[VIR_STORAGE_VAAI_UUID_LEN] = { 0 };
    int mode = VIR_STORAGE_VAAI_INUSE_EXCLUSIVE;
    gint32 pid = 0;
    guint32 waitMs = 0;

    g_variant_lookup(req, "op", "&s", &op);
    g_variant_lookup(req, "pool", "&s", &pool);
    g_variant_lookup(req, "volume", "&s", &volume);
    g_variant_lookup(req, "owner", "&s", &ownerStr);
    g_variant_lookup(req, "name", "&s", &name);
    g_variant_lookup(req, "mode", "&s", &modeStr);
    g_variant_lookup(req, "spec", "&s", &spec);
    g_variant_lookup(req, "initiator", "&s", &initiator);
    g_variant_lookup(req, "pid", "i", &pid);
    g_variant_lookup(req, "wait-ms", "u", &waitMs);

    if (ownerStr && !virStorageVaaiUuidParse(ownerStr, owner)) {
        g_set_error(&err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "owner '%s' is not a UUID", ownerStr);
        return virStorageVaaiLeasedReply(err);
    }

    if (g_strcmp0(op, "ping") == 0)
        return virStorageVaaiLeasedReply(NULL);

    if (g_strcmp0(op, "list") == 0) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "ok", g_variant_new_boolean(TRUE));
        g_variant_builder_add(&b, "{sv}", "holds", leasedList(leasedServer.st));
        return g_variant_builder_end(&b);
    }

    if (g_strcmp0(op, "pool") == 0) {
        if (!name || !spec)
            g_set_error(&err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                        "pool: needs 'name' and 'spec'");
        else
            leasedPoolRegister(leasedServer.st, name, spec, initiator, &err);
        return virStorageVaaiLeasedReply(err);
    }

    if (g_strcmp0(op, "acquire") == 0) {
        if (modeStr)
            mode = virStorageVaaiInUseModeFromString(modeStr);
        if (!pool || !volume || !ownerStr || mode < 0)
            g_set_error(&err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                        "acquire: needs 'pool', 'volume', 'owner' and a 'mode' of "
                        "exclusive, shared or incoming");
        else if (leasedAcquire(leasedServer.st, pool, volume, owner, name, pid, mode,
                               MIN(waitMs, 60000), &err) == 0 && pid > 0)
            leasedWatchPid(pid);
        return virStorageVaaiLeasedReply(err);
    }

    if (g_strcmp0(op, "release") == 0) {
        if (!ownerStr)
            g_set_error(&err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                        "release: needs 'owner'");
        else
            leasedRelease(leasedServer.st, pool, volume, owner, &err);
        return virStorageVaaiLeasedReply(err);
    }

    g_set_error(&err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                "unknown request '%s'", op ? op : "");
    return virStorageVaaiLeasedReply(err);
}


/* One connection: requests and replies, a line each, until it closes. */
static gboolean
leasedConnection(GThreadedSocketService *service G_GNUC_UNUSED,
                 GSocketConnection *conn,
                 GObject *source G_GNUC_UNUSED,
                 gpointer opaque G_GNUC_UNUSED)
{
    g_autoptr(GDataInputStream) in =
        g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));

    while (true) {
        g_autoptr(GError) err = NULL;
        g_autofree char *line = NULL;
        g_autofree char *answer = NULL;
        g_autoptr(GVariant) req = NULL;
        GVariant *rep;
        gsize len = 0;

        line = g_data_input_stream_read_line(in, &len, NULL, &err);
        if (!line)
            break;
        if (len > VIR_STORAGE_VAAI_LEASED_LINE_MAX) {
            g_set_error(&err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                        "a request of more than %d bytes", VIR_STORAGE_VAAI_LEASED_LINE_MAX);
            rep = virStorageVaaiLeasedReply(err);
        } else if (!(req = virStorageVaaiLeasedParse(line, &err))) {
            rep = virStorageVaaiLeasedReply(err);
        } else {
            rep = leasedDispatch(req);
        }
        answer = virStorageVaaiLeasedFormat(rep);
        if (!g_output_stream_write_all(out, answer, strlen(answer), NULL, NULL, NULL))
            break;
    }
    return TRUE;
}


static gpointer
leasedFenceThread(gpointer opaque G_GNUC_UNUSED)
{
    while (!g_atomic_int_get(&leasedServer.stopping)) {
        leasedFenceCheck(leasedServer.st);
        g_usleep(100 * 1000);
    }
    return NULL;
}


static gpointer
leasedReapThread(gpointer opaque G_GNUC_UNUSED)
{
    while (!g_atomic_int_get(&leasedServer.stopping)) {
        leasedReap(leasedServer.st);
        g_usleep(500 * 1000);
    }
    return NULL;
}


static gboolean
leasedSignal(gpointer opaque G_GNUC_UNUSED)
{
    g_autoptr(GVariant) holds = leasedList(leasedServer.st);

    if (g_variant_n_children(holds) > 0) {
        /* Leaving would free this host's heartbeat slot, and with it
         * every hold, while the domains still write. */
        g_warning("%zu volumes are held for running domains: not stopping "
                  "(stop the domains first, or SIGKILL to let the holds expire "
                  "with the heartbeat)", g_variant_n_children(holds));
        return G_SOURCE_CONTINUE;
    }
    g_main_loop_quit(leasedServer.loop);
    return G_SOURCE_CONTINUE;
}


int
main(int argc,
     char **argv)
{
    g_autofree char *socketPath = NULL;
    g_autofree char *hostUuid = NULL;
    g_autofree char *hostName = NULL;
    GOptionEntry entries[] = {
        { "socket", 0, 0, G_OPTION_ARG_FILENAME, &socketPath,
          "listen here (default " VIR_STORAGE_VAAI_LEASED_SOCKET ")", "PATH" },
        { "host-uuid", 0, 0, G_OPTION_ARG_STRING, &hostUuid,
          "this host's UUID (default $VAAI_HOST_UUID, else /etc/machine-id)", "UUID" },
        { "host-name", 0, 0, G_OPTION_ARG_STRING, &hostName,
          "this host's name in the pools' heartbeat slots", "NAME" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("");
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GSocketService) service = NULL;
    g_autofree char *dir = NULL;
    virStorageVaaiHost host = { 0 };
    GThread *fence;
    GThread *reaper;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_summary(ctx, "Holds vaai volumes open for this host's domains.");
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 1) {
        g_printerr("vaai-leased: %s\n", err ? err->message : "no arguments are taken");
        return 2;
    }
    if (!socketPath)
        socketPath = g_strdup(VIR_STORAGE_VAAI_LEASED_SOCKET);
    if (!leasedHostIdentity(hostUuid, hostName, &host))
        return 1;

    dir = g_path_get_dirname(socketPath);
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        g_printerr("vaai-leased: cannot make %s: %s\n", dir, g_strerror(errno));
        return 1;
    }
    unlink(socketPath);
    umask(0077);        /* the socket: root only (pool registrations carry secrets) */
    service = g_threaded_socket_service_new(16);
    addr = g_unix_socket_address_new(socketPath);
    if (!g_socket_listener_add_address(G_SOCKET_LISTENER(service), addr, G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &err)) {
        g_printerr("vaai-leased: cannot listen on %s: %s\n", socketPath, err->message);
        return 1;
    }

    leasedServer.st = leasedStateNew(&host);
    leasedServer.loop = g_main_loop_new(NULL, FALSE);
    leasedServer.pids = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_mutex_init(&leasedServer.pidsLock);
    g_signal_connect(service, "run", G_CALLBACK(leasedConnection), NULL);
    g_unix_signal_add(SIGTERM, leasedSignal, NULL);
    g_unix_signal_add(SIGINT, leasedSignal, NULL);
    fence = g_thread_new("fence", leasedFenceThread, NULL);
    reaper = g_thread_new("reaper", leasedReapThread, NULL);

    g_socket_service_start(service);
    g_message("listening on %s as host %s", socketPath, host.name);
    g_main_loop_run(leasedServer.loop);

    g_socket_service_stop(service);
    g_atomic_int_set(&leasedServer.stopping, 1);
    g_thread_join(fence);
    g_thread_join(reaper);
    unlink(socketPath);
    leasedStateFree(leasedServer.st);
    g_main_loop_unref(leasedServer.loop);
    g_hash_table_unref(leasedServer.pids);
    return 0;
}
