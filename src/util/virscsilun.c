/*
 * virscsilun.c: an opened LUN: its transport, what it can do, and the
 *               plan derived from that
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsilun.h"

static void
virScsiLunCopyOptions(virScsiLun *lun,
                      const virScsiTransportOptions *opts)
{
    if (opts) {
        lun->opts = *opts;
        lun->initiatorName = g_strdup(opts->initiatorName);
    }
    lun->opts.initiatorName = lun->initiatorName;
}


/* The LUN's MAXIMUM TRANSFER LENGTH is one limit; the path to it may
 * have a smaller one (a kernel queue): host transfers honour both. */
static void
virScsiLunClampHostTransfers(virScsiLun *lun)
{
    uint64_t blocks;
    size_t i;

    if (!lun->transport->maxTransferBytes)
        return;
    blocks = MAX(lun->transport->maxTransferBytes / lun->caps->blockSize, 1);
    for (i = 0; i < VIR_SCSI_PLAN_OP_LAST; i++)
        lun->plan.ops[i].hostMaxBlocks = MIN(lun->plan.ops[i].hostMaxBlocks, blocks);
}


virScsiLun *
virScsiLunOpenTransport(virScsiTransport *transport,
                        const char *spec,
                        const virScsiTransportOptions *opts,
                        GError **error)
{
    g_autoptr(virScsiLun) lun = g_new0(virScsiLun, 1);

    lun->spec = g_strdup(spec);
    virScsiLunCopyOptions(lun, opts);
    lun->transport = transport;
    if (!(lun->caps = virScsiLunCapsProbe(transport, error)))
        return NULL;
    virScsiPlanFromCaps(lun->caps, &lun->plan);
    virScsiLunClampHostTransfers(lun);
    return g_steal_pointer(&lun);
}


virScsiLun *
virScsiLunOpen(const char *spec,
               const virScsiTransportOptions *opts,
               GError **error)
{
    virScsiTransport *transport = virScsiTransportOpen(spec, opts, error);

    if (!transport)
        return NULL;
    return virScsiLunOpenTransport(transport, spec, opts, error);
}


void
virScsiLunFree(virScsiLun *lun)
{
    if (!lun)
        return;
    virScsiPlanClear(&lun->plan);
    virScsiLunCapsFree(lun->caps);
    virScsiTransportFree(lun->transport);
    g_free(lun->initiatorName);
    g_free(lun->spec);
    g_free(lun);
}


virScsiTransport *
virScsiLunOpenExtraTransport(const virScsiLun *lun,
                             GError **error)
{
    virScsiTransport *transport = virScsiTransportOpen(lun->spec, &lun->opts, error);

    if (transport && lun->wrapExtra)
        transport = lun->wrapExtra(transport, lun->wrapExtraOpaque);
    return transport;
}


uint64_t
virScsiLunBlocks(const virScsiLun *lun)
{
    return lun->caps->capacityBlocks;
}


uint32_t
virScsiLunBlockSize(const virScsiLun *lun)
{
    return lun->caps->blockSize;
}
