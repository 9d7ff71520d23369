/*
 * virscsitransportkeyed.c: a session registered under a persistent
 *                          reservation key for as long as it is open
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsitransportkeyed.h"
#include "virscsicommands.h"
#include "virscsierror.h"

typedef struct {
    virSCSITransport *inner;
    uint64_t key;
} virSCSIKeyed;


int
virSCSITransportRegisterKey(virSCSITransport *transport,
                            uint64_t oldKey,
                            uint64_t key,
                            GError **error)
{
    /* REGISTER AND IGNORE EXISTING KEY: the session may hold a key already
     * (its own, or one preempted since); a new one replaces it.  Taking a
     * key away uses REGISTER with the key held, which fails harmlessly
     * when it is held no more. */
    if (key)
        return virSCSICommandPersistentReserveOut(transport, VIR_SCSI_PROUT_REGISTER_AND_IGNORE,
                                                  VIR_SCSI_PR_TYPE_NONE, 0, key, error);
    return virSCSICommandPersistentReserveOut(transport, VIR_SCSI_PROUT_REGISTER,
                                              VIR_SCSI_PR_TYPE_NONE, oldKey, 0, error);
}


static int
virSCSIKeyedExec(virSCSITransport *transport,
                 virSCSICmd *cmd,
                 GError **error)
{
    virSCSIKeyed *k = transport->priv;

    return virSCSITransportExec(k->inner, cmd, error);
}


static void
virSCSIKeyedClose(virSCSITransport *transport)
{
    virSCSIKeyed *k = transport->priv;

    /* Best effort: a key already preempted, or a dead session, leaves
     * nothing to remove that the target would keep. */
    virSCSITransportRegisterKey(k->inner, k->key, 0, NULL);
    virSCSITransportFree(k->inner);
    g_free(k);
}


static const virSCSITransportOps virSCSIKeyedOps = {
    .name = "keyed",
    .exec = virSCSIKeyedExec,
    .close = virSCSIKeyedClose,
};


virSCSITransport *
virSCSITransportKeyedNew(virSCSITransport *inner,
                         uint64_t key,
                         GError **error)
{
    virSCSIKeyed *k;
    virSCSITransport *t;

    if (virSCSITransportRegisterKey(inner, 0, key, error) < 0) {
        g_prefix_error(error, "cannot register this host's reservation key on a new session: ");
        virSCSITransportFree(inner);
        return NULL;
    }
    k = g_new0(virSCSIKeyed, 1);
    k->inner = inner;
    k->key = key;
    t = virSCSITransportNew(&virSCSIKeyedOps, k, inner->target);
    t->maxTransferBytes = inner->maxTransferBytes;
    t->inner = inner;
    return t;
}
