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
    virSCSIWriteGuardFunc check;    /* asked before writes, or NULL */
    void *opaque;
    const gint *stop;               /* non-zero: send nothing more, or NULL */
} virSCSIGuard;


static int
virSCSIGuardExec(virSCSITransport *transport,
                 virSCSICmd *cmd,
                 GError **error)
{
    virSCSIGuard *g = transport->priv;

    if (g->stop && g_atomic_int_get(g->stop)) {
        /* Final for every fallback ladder (virSCSIOffloadErrorIsFinal): a
         * part that runs on after the operation failed elsewhere would go
         * on through each command's timeout for nothing. */
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CANCELLED,
                    "%s: command 0x%02x not sent: another part of the operation failed",
                    transport->target, cmd->cdb[0]);
        return -1;
    }
    if (g->check && virSCSICdbChangesMedium(cmd->cdb[0])) {
        g_autoptr(GError) why = NULL;

        if (!g->check(g->opaque, &why)) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_FENCED,
                        "%s: command 0x%02x not sent: %s", transport->target,
                        cmd->cdb[0], why ? why->message : "this host may no longer write");
            return -1;
        }
        /* The check bounds when a write is issued, not how long it may
         * take: renewals extend the fence while it runs (capping each
         * write's timeout at what the fence had left failed healthy
         * writes on a slow array; docs/lease-protocol.md). */
    }
    return virSCSITransportExec(g->inner, cmd, error);
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


static virSCSITransport *
virSCSIGuardWrap(virSCSITransport *inner,
                 bool ownInner,
                 virSCSIGuard *g)
{
    virSCSITransport *t;

    g->inner = inner;
    g->ownInner = ownInner;
    t = virSCSITransportNew(&virSCSIGuardOps, g, inner->target);
    t->maxTransferBytes = inner->maxTransferBytes;
    t->inner = inner;
    return t;
}


virSCSITransport *
virSCSITransportGuardNew(virSCSITransport *inner,
                         bool ownInner,
                         virSCSIWriteGuardFunc check,
                         void *opaque)
{
    virSCSIGuard *g = g_new0(virSCSIGuard, 1);

    g->check = check;
    g->opaque = opaque;
    return virSCSIGuardWrap(inner, ownInner, g);
}


virSCSITransport *
virSCSITransportStopNew(virSCSITransport *inner,
                        bool ownInner,
                        const gint *stop)
{
    virSCSIGuard *g = g_new0(virSCSIGuard, 1);

    g->stop = stop;
    return virSCSIGuardWrap(inner, ownInner, g);
}
