/*
 * vaaictl-hold.c: "vaaictl vol hold": hold a volume open, as a domain
 *                 would, for as long as this process lives
 *
 * The hold lives as long as this process's heartbeat on the pool: it is
 * given back when stdin reaches its end or says "release", or on SIGINT
 * or SIGTERM; a SIGKILL leaves it to expire with the heartbeat slot (the
 * lease timeout after another host first sees it stand still).  A line
 * "exclusive", "shared" or "incoming" on stdin holds it in that mode
 * instead (a migration's destination comes in, then takes over).  Each
 * change prints one line: "held MODE" or "refused: REASON".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "vaaictl.h"
#include "vaaictl-vol.h"
#include "storage_vaai_hold.h"
#include "storage_vaai_inuse.h"
#include "storage_vaai_table.h"

typedef struct {
    vaaictlPoolHandle *h;
    const char *name;
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN];
    uint8_t owner[VIR_STORAGE_VAAI_UUID_LEN];
    uint64_t epoch;             /* the session's fence epoch when held */
    GMainLoop *loop;
    int exitCode;
} vaaictlHold;


/* Hold in @mode and say so on stdout; false when refused. */
static bool
vaaictlHoldTake(vaaictlHold *hd,
                virStorageVaaiInUseMode mode)
{
    g_autoptr(GError) err = NULL;

    if (virStorageVaaiVolHold(hd->h->session, hd->name, hd->uuid, hd->owner, mode, &err) < 0) {
        printf("refused: %s\n", err->message);
        fflush(stdout);
        return false;
    }
    printf("held %s\n", virStorageVaaiInUseModeName(mode));
    fflush(stdout);
    return true;
}


static gboolean
vaaictlHoldSignal(gpointer opaque)
{
    vaaictlHold *hd = opaque;

    g_main_loop_quit(hd->loop);
    return G_SOURCE_CONTINUE;
}


static gboolean
vaaictlHoldInput(GIOChannel *ch,
                 GIOCondition cond G_GNUC_UNUSED,
                 gpointer opaque)
{
    vaaictlHold *hd = opaque;
    g_autofree char *line = NULL;
    int mode;
    gsize term = 0;

    if (g_io_channel_read_line(ch, &line, NULL, &term, NULL) != G_IO_STATUS_NORMAL) {
        g_main_loop_quit(hd->loop);         /* end of input: let go */
        return G_SOURCE_REMOVE;
    }
    line[term] = '\0';
    g_strstrip(line);
    if (strcmp(line, "release") == 0) {
        g_main_loop_quit(hd->loop);
        return G_SOURCE_REMOVE;
    }
    if ((mode = virStorageVaaiInUseModeFromString(line)) < 0) {
        printf("refused: unknown request '%s' (exclusive, shared, incoming, release)\n", line);
        fflush(stdout);
        return G_SOURCE_CONTINUE;
    }
    vaaictlHoldTake(hd, mode);
    return G_SOURCE_CONTINUE;
}


/* A process that cannot renew its heartbeat must not believe it still
 * holds anything: other hosts will presume it dead after the lease
 * timeout.  What a lease daemon does to its domains then (kill them),
 * this command does to itself. */
static gboolean
vaaictlHoldFence(gpointer opaque)
{
    vaaictlHold *hd = opaque;

    if (!virStorageVaaiSessionFresh(hd->h->session, hd->epoch)) {
        fprintf(stderr, "vaaictl vol hold: this host's heartbeat on the pool is too "
                "old: the hold of '%s' may be taken over; stopping\n", hd->name);
        hd->exitCode = VAAICTL_EXIT_FAILURE;
        g_main_loop_quit(hd->loop);
    }
    return G_SOURCE_CONTINUE;
}


int
vaaictlVolHold(const vaaictlGlobal *global,
               int argc,
               char **argv)
{
    g_autofree char *ownerStr = NULL;
    g_autofree char *modeStr = NULL;
    vaaictlHostOptions hopts = { 0 };
    GOptionEntry entries[] = {
        { "owner", 0, 0, G_OPTION_ARG_STRING, &ownerStr,
          "hold it for this owner (a domain's UUID); default: this process", "UUID" },
        { "mode", 0, 0, G_OPTION_ARG_STRING, &modeStr,
          "exclusive (default), shared or incoming", "MODE" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN NAME");
    virStorageVaaiVolRecord rec;
    g_autoptr(GIOChannel) in = NULL;
    g_autoptr(GError) err = NULL;
    int mode = VIR_STORAGE_VAAI_INUSE_EXCLUSIVE;
    vaaictlPoolHandle h = { 0 };
    vaaictlHold hd = { .h = &h };
    guint sources[4] = { 0 };
    size_t i;

    vaaictlHostOptionsAdd(ctx, &hopts);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, "vol hold", &argc, &argv, 2, "LUN NAME"))
        goto usage;
    if (ownerStr && !virStorageVaaiUuidParse(ownerStr, hd.owner)) {
        fprintf(stderr, "vaaictl vol hold: --owner '%s' is not a UUID\n", ownerStr);
        goto usage;
    }
    if (modeStr && (mode = virStorageVaaiInUseModeFromString(modeStr)) < 0) {
        fprintf(stderr, "vaaictl vol hold: --mode '%s': exclusive, shared or incoming\n",
                modeStr);
        goto usage;
    }
    hd.name = argv[2];
    hd.exitCode = 0;

    if (!vaaictlPoolJoin(global, "vol hold", argv[1], &hopts, &h))
        goto failure;
    /* The volume's key now, so that a namesake made later is never the
     * one given back or changed. */
    if (virStorageVaaiTableLookup(h.pool, hd.name, NULL, &rec, &err) < 0) {
        fprintf(stderr, "vaaictl vol hold: %s\n", err->message);
        goto failure;
    }
    memcpy(hd.uuid, rec.uuid, VIR_STORAGE_VAAI_UUID_LEN);
    hd.epoch = virStorageVaaiSessionEpoch(h.session);
    if (!vaaictlHoldTake(&hd, mode))
        goto failure;

    hd.loop = g_main_loop_new(NULL, FALSE);
    in = g_io_channel_unix_new(0);
    sources[0] = g_unix_signal_add(SIGINT, vaaictlHoldSignal, &hd);
    sources[1] = g_unix_signal_add(SIGTERM, vaaictlHoldSignal, &hd);
    sources[2] = g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, vaaictlHoldInput, &hd);
    sources[3] = g_timeout_add(100, vaaictlHoldFence, &hd);
    g_main_loop_run(hd.loop);
    for (i = 0; i < G_N_ELEMENTS(sources); i++)
        g_source_remove(sources[i]);
    g_main_loop_unref(hd.loop);

    if (hd.exitCode == 0 &&
        virStorageVaaiVolUnhold(h.session, hd.name, hd.uuid, hd.owner, &err) < 0) {
        fprintf(stderr, "vaaictl vol hold: giving '%s' back: %s\n", hd.name, err->message);
        hd.exitCode = VAAICTL_EXIT_FAILURE;
    }
    if (hd.exitCode == 0) {
        printf("released\n");
        fflush(stdout);
    }
    vaaictlPoolLeave(&h);
    vaaictlHostOptionsClear(&hopts);
    return hd.exitCode;

 failure:
    vaaictlPoolLeave(&h);
    vaaictlHostOptionsClear(&hopts);
    return VAAICTL_EXIT_FAILURE;
 usage:
    vaaictlHostOptionsClear(&hopts);
    return VAAICTL_EXIT_USAGE;
}


void
vaaictlVolHoldersJson(JsonBuilder *b,
                      GArray *holders)
{
    guint i;

    json_builder_set_member_name(b, "holders");
    json_builder_begin_array(b);
    for (i = 0; i < holders->len; i++) {
        const virStorageVaaiHolderInfo *hi = &g_array_index(holders, virStorageVaaiHolderInfo, i);
        g_autofree char *host = virStorageVaaiUuidFormat(hi->holder.host);
        g_autofree char *owner = virStorageVaaiUuidFormat(hi->holder.owner);

        json_builder_begin_object(b);
        vaaictlJsonStr(b, "host", hi->hostName);
        vaaictlJsonStr(b, "host_uuid", host);
        vaaictlJsonInt(b, "incarnation", hi->holder.incarnation);
        vaaictlJsonStr(b, "owner", owner);
        vaaictlJsonStr(b, "mode", virStorageVaaiInUseModeToString(hi->holder.mode));
        vaaictlJsonInt(b, "since", hi->holder.since);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}


void
vaaictlVolHoldersText(FILE *out,
                      GArray *holders)
{
    guint i;

    for (i = 0; i < holders->len; i++) {
        const virStorageVaaiHolderInfo *hi = &g_array_index(holders, virStorageVaaiHolderInfo, i);
        g_autofree char *what = virStorageVaaiInUseHolderDescribe(&hi->holder, hi->hostName);
        g_autoptr(GDateTime) since = g_date_time_new_from_unix_utc(hi->holder.since);
        g_autofree char *when = since ? g_date_time_format_iso8601(since) : g_strdup("?");

        fprintf(out, "  in use by %s since %s\n", what, when);
    }
}
