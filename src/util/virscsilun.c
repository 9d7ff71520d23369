/*
 * virscsilun.c: an opened LUN: its transport, what it can do, and the
 *               plan derived from that
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsilun.h"
#include "virscsicommands.h"
#include "virscsierror.h"

/* The LUN a view was made from (itself if none). */
static virSCSILun *
virSCSILunRoot(const virSCSILun *lun)
{
    while (lun->parent)
        lun = lun->parent;
    return (virSCSILun *)lun;
}


static void
virSCSILunCopyOptions(virSCSILun *lun,
                      const virSCSITransportOptions *opts)
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
virSCSILunClampHostTransfers(virSCSILun *lun)
{
    uint64_t blocks;
    size_t i;

    if (!lun->transport->maxTransferBytes)
        return;
    blocks = MAX(lun->transport->maxTransferBytes / lun->caps->blockSize, 1);
    for (i = 0; i < VIR_SCSI_PLAN_OP_LAST; i++)
        lun->plan.ops[i].hostMaxBlocks = MIN(lun->plan.ops[i].hostMaxBlocks, blocks);
}


/*
 * The compare is made to fail (block 0 as read, its first byte flipped),
 * and should it match after all, the "new" data is that same compare
 * data: nothing changes either way.  A refusal takes it out of the plan;
 * anything else (a lost session, say) leaves the plan as the LUN
 * described it.
 */
void
virSCSIPlanProveAtomic(virSCSITransport *transport,
                       const virSCSILunCaps *caps,
                       virSCSIPlan *plan)
{
    uint32_t bs = caps->blockSize;
    g_autofree uint8_t *block = NULL;
    g_autoptr(GError) err = NULL;
    uint64_t offset;

    if (plan->ops[VIR_SCSI_PLAN_OP_ATOMIC].method != VIR_SCSI_METHOD_COMPARE_AND_WRITE || !bs)
        return;
    block = g_malloc(bs);
    if (virSCSICommandRead(transport, 0, 1, bs, block, NULL) < 0)
        return;
    block[0] ^= 0xFF;
    if (virSCSICommandCompareAndWrite(transport, 0, 1, bs, block, block, &offset, &err) >= 0)
        return;
    if (g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED) ||
        g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_FIELD))
        virSCSIPlanRefused(plan, VIR_SCSI_PLAN_OP_ATOMIC, err->message);
}


bool
virSCSILunRefused(const virSCSILun *lun,
                  virSCSIMethod method)
{
    return g_atomic_int_get(&virSCSILunRoot(lun)->refused) & (1 << method);
}


void
virSCSILunNoteRefused(const virSCSILun *lun,
                      virSCSIMethod method)
{
    g_atomic_int_or((guint *)&virSCSILunRoot(lun)->refused, 1u << method);
}


void
virSCSILunProveAtomic(virSCSILun *lun)
{
    if (lun->opts.readOnly || lun->atomicProven)
        return;
    lun->atomicProven = true;
    virSCSIPlanProveAtomic(lun->transport, lun->caps, &lun->plan);
}


virSCSILun *
virSCSILunOpenTransport(virSCSITransport *transport,
                        const char *spec,
                        const virSCSITransportOptions *opts,
                        GError **error)
{
    g_autoptr(virSCSILun) lun = g_new0(virSCSILun, 1);

    lun->spec = g_strdup(spec);
    virSCSILunCopyOptions(lun, opts);
    lun->transport = transport;
    if (!(lun->caps = virSCSILunCapsProbe(transport, error)))
        return NULL;
    virSCSIPlanFromCaps(lun->caps, &lun->plan);
    virSCSILunClampHostTransfers(lun);
    return g_steal_pointer(&lun);
}


virSCSILun *
virSCSILunOpen(const char *spec,
               const virSCSITransportOptions *opts,
               GError **error)
{
    virSCSITransport *transport = virSCSITransportOpen(spec, opts, error);

    if (!transport)
        return NULL;
    return virSCSILunOpenTransport(transport, spec, opts, error);
}


virSCSILun *
virSCSILunNewView(const virSCSILun *lun,
                  virSCSITransport *transport,
                  virSCSITransport *(*wrapExtra)(virSCSITransport *transport, void *opaque),
                  void *wrapExtraOpaque)
{
    virSCSILun *view = g_new0(virSCSILun, 1);

    view->parent = lun;
    view->spec = g_strdup(lun->spec);
    virSCSILunCopyOptions(view, &lun->opts);
    view->transport = transport;
    view->caps = lun->caps;
    view->plan = lun->plan;
    view->openExtra = lun->openExtra;
    view->openExtraOpaque = lun->openExtraOpaque;
    view->wrapExtra = wrapExtra;
    view->wrapExtraOpaque = wrapExtraOpaque;
    return view;
}


void
virSCSILunFree(virSCSILun *lun)
{
    if (!lun)
        return;
    if (!lun->parent) {
        virSCSIPlanClear(&lun->plan);
        virSCSILunCapsFree(lun->caps);
    }
    virSCSITransportFree(lun->transport);
    g_free(lun->initiatorName);
    g_free(lun->spec);
    g_free(lun);
}


virSCSITransport *
virSCSILunOpenExtraTransport(const virSCSILun *lun,
                             GError **error)
{
    virSCSITransport *transport;
    const virSCSILun *root = virSCSILunRoot(lun);

    if (lun->openExtra)
        transport = lun->openExtra(lun, lun->openExtraOpaque, error);
    else
        transport = virSCSITransportOpen(lun->spec, &lun->opts, error);
    if (transport && root->prepareExtra)
        transport = root->prepareExtra(transport, root->prepareExtraOpaque, error);
    /* A view's sessions are wrapped as its parent's are, then its own way. */
    if (transport && lun->parent && lun->parent->wrapExtra)
        transport = lun->parent->wrapExtra(transport, lun->parent->wrapExtraOpaque);
    if (transport && lun->wrapExtra)
        transport = lun->wrapExtra(transport, lun->wrapExtraOpaque);
    return transport;
}


uint64_t
virSCSILunBlocks(const virSCSILun *lun)
{
    return lun->caps->capacityBlocks;
}


uint32_t
virSCSILunBlockSize(const virSCSILun *lun)
{
    return lun->caps->blockSize;
}
