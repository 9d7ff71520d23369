/*
 * virscsitransport.c: sending a CDB to a LUN, whatever the path to it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsitransport.h"
#include "virscsierror.h"
#include "virscsisense.h"

/* A UNIT ATTENTION reports something that happened to the LUN (reset,
 * capacity or mode change, a new session): it is queued once per I_T nexus
 * and the command that drew it was not executed.  A few in a row are
 * possible (e.g. power-on then a parameter change); more means trouble. */
#define VIR_SCSI_UA_RETRIES 4

/* BUSY and TASK SET FULL say "try again later": a few times, backing off
 * up to a little over a second in all. */
#define VIR_SCSI_BUSY_RETRIES 5

bool
virSCSITransportIsISCSI(const char *spec)
{
    return g_str_has_prefix(spec, "iscsi://");
}


virSCSITransport *
virSCSITransportOpen(const char *spec,
                     const virSCSITransportOptions *opts,
                     GError **error)
{
    if (!spec || !*spec) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "no device or iSCSI URL given");
        return NULL;
    }
    if (virSCSITransportIsISCSI(spec))
        return virSCSITransportOpenISCSI(spec, opts, error);
    return virSCSITransportOpenSG(spec, opts, error);
}


virSCSITransport *
virSCSITransportNew(const virSCSITransportOps *ops,
                    void *priv,
                    const char *target)
{
    virSCSITransport *transport = g_new0(virSCSITransport, 1);

    transport->ops = ops;
    transport->priv = priv;
    transport->target = g_strdup(target);
    return transport;
}


void
virSCSITransportFree(virSCSITransport *transport)
{
    if (!transport)
        return;
    if (transport->ops && transport->ops->close)
        transport->ops->close(transport);
    g_free(transport->target);
    g_free(transport);
}


static void
virSCSIStatAdd(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}


size_t
virSCSICmdReceived(const virSCSICmd *cmd)
{
    if (cmd->dir != VIR_SCSI_XFER_FROM_DEV)
        return 0;
    /* Never trust a residual beyond the buffer. */
    if (cmd->resid >= cmd->dataLen)
        return 0;
    return cmd->dataLen - cmd->resid;
}


int
virSCSITransportExec(virSCSITransport *transport,
                     virSCSICmd *cmd,
                     GError **error)
{
    if (cmd->cdbLen == 0 || cmd->cdbLen > VIR_SCSI_CDB_MAX ||
        (cmd->dir != VIR_SCSI_XFER_NONE && (!cmd->data || !cmd->dataLen))) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "malformed command for %s (opcode 0x%02x)",
                    transport->target, cmd->cdb[0]);
        return -1;
    }

    cmd->status = 0;
    cmd->senseLen = 0;
    cmd->resid = 0;

    if (transport->ops->exec(transport, cmd, error) < 0) {
        virSCSIStatAdd(&transport->stats.failures, 1);
        return -1;
    }

    if (cmd->senseLen > sizeof(cmd->sense))
        cmd->senseLen = sizeof(cmd->sense);
    if (cmd->resid > cmd->dataLen)
        cmd->resid = cmd->dataLen;

    virSCSIStatAdd(&transport->stats.commands, 1);
    switch (cmd->dir) {
    case VIR_SCSI_XFER_TO_DEV:
        virSCSIStatAdd(&transport->stats.bytesOut, cmd->dataLen - cmd->resid);
        break;
    case VIR_SCSI_XFER_FROM_DEV:
        virSCSIStatAdd(&transport->stats.bytesIn, virSCSICmdReceived(cmd));
        break;
    case VIR_SCSI_XFER_NONE:
        break;
    }
    return 0;
}


static bool
virSCSICmdIsUnitAttention(const virSCSICmd *cmd)
{
    virSCSISense sense;

    if (cmd->status != VIR_SCSI_STATUS_CHECK_CONDITION)
        return false;
    if (virSCSISenseParse(cmd->sense, cmd->senseLen, &sense, NULL) < 0)
        return false;
    return sense.senseKey == VIR_SCSI_SENSE_KEY_UNIT_ATTENTION;
}


static bool
virSCSICmdIsBusy(const virSCSICmd *cmd)
{
    return cmd->status == VIR_SCSI_STATUS_BUSY ||
           cmd->status == VIR_SCSI_STATUS_TASK_SET_FULL;
}


/* Until when a command on the session under @transport (and its
 * wrappers) keeps trying to log in again: the window from when the
 * session was lost; 0 when it is not lost. */
static gint64
virSCSITransportReloginUntil(virSCSITransport *transport)
{
    for (; transport; transport = transport->inner) {
        if (g_atomic_int_get(&transport->lost))
            return __atomic_load_n(&transport->lostSinceUs, __ATOMIC_RELAXED) +
                VIR_SCSI_RELOGIN_WINDOW_MS * 1000;
    }
    return 0;
}


int
virSCSITransportExecRetry(virSCSITransport *transport,
                          virSCSICmd *cmd,
                          GError **error)
{
    size_t attentions = 0;
    size_t busy = 0;

    for (;;) {
        g_autoptr(GError) err = NULL;

        if (virSCSITransportExec(transport, cmd, &err) < 0) {
            /* The session was lost, with this command or another one:
             * send it again, from the top (so every check above the
             * session, the fence's included, sees it again), on a
             * session logged in anew, every half second until
             * VIR_SCSI_RELOGIN_WINDOW_MS after the session was lost: a
             * target back within it finishes the operation, and a
             * heartbeat renews as soon as it is.  The window is the
             * session's, not the command's: a command that finds the
             * session lost by another (a progress write beside a copy
             * worker's READ) waits for the same logins, and once the
             * window has passed every command fails at its first login,
             * so a dead array costs one window, not one per command.
             * The command may have run before the loss: all the engine
             * sends may run twice (a COMPARE AND WRITE that did then
             * miscompares, which its callers read back). */
            gint64 until = virSCSITransportReloginUntil(transport);

            if (until && g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT) &&
                g_get_monotonic_time() < until) {
                g_usleep(VIR_SCSI_RELOGIN_INTERVAL_MS * 1000);
                if (cmd->dir != VIR_SCSI_XFER_NONE)
                    virSCSIStatAdd(&transport->stats.resentBytes, cmd->dataLen);
                memset(cmd->sense, 0, sizeof(cmd->sense));
                cmd->senseLen = 0;
                cmd->resid = 0;
                continue;
            }
            g_propagate_error(error, g_steal_pointer(&err));
            return -1;
        }
        if (virSCSICmdIsUnitAttention(cmd) && attentions++ < VIR_SCSI_UA_RETRIES)
            continue;
        if (virSCSICmdIsBusy(cmd) && busy < VIR_SCSI_BUSY_RETRIES) {
            /* 50, 100, 200 ... ms: long enough for a queue to drain. */
            g_usleep((50 * 1000) << busy);
            busy++;
            continue;
        }
        return 0;
    }
}


int
virSCSITransportRun(virSCSITransport *transport,
                    virSCSICmd *cmd,
                    GError **error)
{
    if (virSCSITransportExecRetry(transport, cmd, error) < 0)
        return -1;

    if (virSCSICmdCheckStatus(cmd, error) < 0) {
        if (error && *error)
            g_prefix_error(error, "%s: ", transport->target);
        return -1;
    }
    return 0;
}


int
virSCSITransportRunCdb(virSCSITransport *transport,
                       const uint8_t *cdb,
                       size_t cdbLen,
                       virSCSIXferDir dir,
                       void *data,
                       size_t dataLen,
                       unsigned int timeoutMs,
                       size_t *received,
                       GError **error)
{
    virSCSICmd cmd = { 0 };

    if (cdbLen > sizeof(cmd.cdb)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "CDB of %zu bytes is too long", cdbLen);
        return -1;
    }
    memcpy(cmd.cdb, cdb, cdbLen);
    cmd.cdbLen = cdbLen;
    cmd.dir = dir;
    cmd.data = data;
    cmd.dataLen = dataLen;
    cmd.timeoutMs = timeoutMs;
    if (virSCSITransportRun(transport, &cmd, error) < 0)
        return -1;
    if (received)
        *received = virSCSICmdReceived(&cmd);
    return 0;
}


/* Which GError code a CHECK CONDITION deserves: callers branch on it to
 * pick a fallback, so only the unambiguous cases get a specific code. */
static virSCSIErrorCode
virSCSISenseErrorCode(const virSCSISense *sense)
{
    switch (sense->senseKey) {
    case VIR_SCSI_SENSE_KEY_MISCOMPARE:
        return VIR_SCSI_ERROR_MISCOMPARE;
    case VIR_SCSI_SENSE_KEY_COPY_ABORTED:
        return VIR_SCSI_ERROR_COPY_ABORTED;
    case VIR_SCSI_SENSE_KEY_ILLEGAL_REQUEST:
        /* INVALID COMMAND OPERATION CODE: not implemented.  INVALID FIELD
         * IN CDB: not implemented for commands told apart by a service
         * action, or not with these values; callers that can try smaller
         * values tell the two apart. */
        if (sense->asc == 0x20 && sense->ascq == 0x00)
            return VIR_SCSI_ERROR_UNSUPPORTED;
        if (sense->asc == 0x24 && sense->ascq == 0x00)
            return VIR_SCSI_ERROR_INVALID_FIELD;
        return VIR_SCSI_ERROR_CHECK_CONDITION;
    default:
        return VIR_SCSI_ERROR_CHECK_CONDITION;
    }
}


int
virSCSICmdCheckStatus(const virSCSICmd *cmd,
                      GError **error)
{
    virSCSISense sense;
    g_autofree char *desc = NULL;

    if (cmd->status == VIR_SCSI_STATUS_GOOD ||
        cmd->status == VIR_SCSI_STATUS_CONDITION_MET)
        return 0;

    if (cmd->status == VIR_SCSI_STATUS_RESERVATION_CONFLICT) {
        /* A persistent reservation refuses this session: in a pool fenced
         * by reservation, another host removed this host's key. */
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_RESERVATION_CONFLICT,
                    "command 0x%02x returned status RESERVATION CONFLICT: a "
                    "persistent reservation refuses this session", cmd->cdb[0]);
        return -1;
    }

    if (cmd->status != VIR_SCSI_STATUS_CHECK_CONDITION) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_STATUS,
                    "command 0x%02x returned status %s (0x%02x)",
                    cmd->cdb[0], virSCSIStatusName(cmd->status), cmd->status);
        return -1;
    }

    if (virSCSISenseParse(cmd->sense, cmd->senseLen, &sense, NULL) < 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CHECK_CONDITION,
                    "command 0x%02x returned CHECK CONDITION without usable sense data",
                    cmd->cdb[0]);
        return -1;
    }

    desc = virSCSISenseDescribe(&sense);
    g_set_error(error, VIR_SCSI_ERROR, virSCSISenseErrorCode(&sense),
                "command 0x%02x failed: %s", cmd->cdb[0], desc);
    return -1;
}


void
virSCSITransportCountReconnect(virSCSITransport *transport)
{
    virSCSIStatAdd(&transport->stats.reconnects, 1);
}


void
virSCSITransportGetStats(virSCSITransport *transport,
                         virSCSITransportStats *stats)
{
    stats->commands = __atomic_load_n(&transport->stats.commands, __ATOMIC_RELAXED);
    stats->failures = __atomic_load_n(&transport->stats.failures, __ATOMIC_RELAXED);
    stats->bytesOut = __atomic_load_n(&transport->stats.bytesOut, __ATOMIC_RELAXED);
    stats->bytesIn = __atomic_load_n(&transport->stats.bytesIn, __ATOMIC_RELAXED);
    /* Sessions are lost and logged in again below any wrapper. */
    stats->reconnects = 0;
    stats->resentBytes = 0;
    for (; transport; transport = transport->inner) {
        stats->reconnects += __atomic_load_n(&transport->stats.reconnects, __ATOMIC_RELAXED);
        stats->resentBytes += __atomic_load_n(&transport->stats.resentBytes, __ATOMIC_RELAXED);
    }
}
