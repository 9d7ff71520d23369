/*
 * virscsitransportguard.c: a transport that asks before every write
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsitransportguard.h"
#include "virscsierror.h"

typedef struct {
    virSCSITransport *inner;
    bool ownInner;
    virSCSIWriteGuardFunc check;
    void *opaque;
} virSCSIGuard;


static int
virSCSIGuardExec(virSCSITransport *transport,
                 virSCSICmd *cmd,
                 GError **error)
{
    virSCSIGuard *g = transport->priv;
    unsigned int saved = cmd->timeoutMs;
    int ret;

    if (virSCSICdbChangesMedium(cmd->cdb[0])) {
        g_autoptr(GError) why = NULL;
        unsigned int leftMs = 0;

        if (!g->check(g->opaque, &leftMs, &why)) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_FENCED,
                        "%s: command 0x%02x not sent: %s", transport->target,
                        cmd->cdb[0], why ? why->message : "this host may no longer write");
            return -1;
        }
        /* A command that outlives the fence could land after another
         * host took over: give up on it (and have it aborted) first. */
        cmd->timeoutMs = MIN(cmd->timeoutMs ? cmd->timeoutMs : VIR_SCSI_TIMEOUT_DEFAULT_MS,
                             MAX(leftMs, 1));
    }
    ret = virSCSITransportExec(g->inner, cmd, error);
    cmd->timeoutMs = saved;
    return ret;
}


static void
virSCSIGuardClose(virSCSITransport *transport)
{
    virSCSIGuard *g = transport->priv;

    if (g->ownInner)
        virSCSITransportFree(g->inner);
    g_free(g);
}


static const virSCSITransportOps virSCSIGuardOps = {
    .name = "guard",
    .exec = virSCSIGuardExec,
    .close = virSCSIGuardClose,
};


virSCSITransport *
virSCSITransportGuardNew(virSCSITransport *inner,
                         bool ownInner,
                         virSCSIWriteGuardFunc check,
                         void *opaque)
{
    virSCSIGuard *g = g_new0(virSCSIGuard, 1);
    virSCSITransport *t;

    g->inner = inner;
    g->ownInner = ownInner;
    g->check = check;
    g->opaque = opaque;
    t = virSCSITransportNew(&virSCSIGuardOps, g, inner->target);
    t->maxTransferBytes = inner->maxTransferBytes;
    return t;
}
