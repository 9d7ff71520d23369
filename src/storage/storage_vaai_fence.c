/*
 * storage_vaai_fence.c: fencing a host presumed dead at the array, by
 *                       persistent reservation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The lease protocol lets a host take over a dead host's work once its
 * heartbeat stood still for T.  A host that only *looked* dead (stopped,
 * cut off) may still have commands queued at the target, or issue some
 * once it runs again: the check before each command bounds when it sends
 * them, not when the target applies them.  The array is the one place
 * that can refuse them, and SPC-4 persistent reservations are its tool:
 *
 *   "The PREEMPT AND ABORT service action ... removes the registrations
 *    ... and aborts all tasks ... for the I_T nexuses ... whose
 *    reservation key matches the SERVICE ACTION RESERVATION KEY."
 *   (SPC-4 5.14.11.4.5)
 *
 *   "Write Exclusive - All Registrants: Reads shared; writes exclusive to
 *    registrants."  (SPC-4 table "Persistent reservation type codes")
 *
 * So every session of a live process registers the process's key, one
 * Write Exclusive - All Registrants reservation stands on the LUN, and
 * whoever takes over a dead process's work removes its key first.
 */

#include <string.h>

#include "storage_vaai_fence.h"
#include "virscsibytes.h"
#include "virscsicommands.h"
#include "virscsierror.h"
#include "virscsitransportkeyed.h"


static bool
virStorageVaaiFenceOn(const virStorageVaaiPool *pool)
{
    return pool->header.incompat & VIR_STORAGE_VAAI_INCOMPAT_RESERVATIONS;
}


uint64_t
virStorageVaaiFenceKey(const uint8_t *uuid,
                       uint64_t incarnation)
{
    uint64_t key = virSCSIGetBE64(uuid) ^ virSCSIGetBE64(uuid + 8) ^ incarnation;

    return key ? key : 1;   /* 0 means "no key" to the target */
}


/* A write that changes nothing: block 0 written back as just read.  (A
 * WRITE of no blocks would do, by SBC-4, but LIO completes one without
 * checking the reservation.)  Format runs this before it claims the LUN,
 * so the LUN's data must stay what it was. */
static int
virStorageVaaiFenceWriteSame0(virSCSILun *lun,
                              virSCSITransport *t,
                              GError **error)
{
    uint32_t bs = virSCSILunBlockSize(lun);
    g_autofree uint8_t *block = g_malloc(bs);

    if (virSCSICommandRead(t, 0, 1, bs, block, error) < 0)
        return -1;
    return virSCSICommandWrite(t, 0, 1, bs, block, error);
}


/* What a host needs of the array, tried on two sessions of one initiator
 * under a key of their own: a registered session that did not make the
 * reservation may write, and still may after another session of the same
 * initiator unregistered.  SPC-4 says so ("all registrants are holders");
 * LIO does neither: it lets only the reserving session of the holder's
 * initiator write, and its registrations are per initiator where they
 * count (target_core_pr.c, target_scsi3_pr_reservation_check and
 * core_scsi3_pr_seq_non_holder). */
static int
virStorageVaaiFenceProbe(virSCSILun *lun,
                         GError **error)
{
    g_autoptr(virSCSITransport) s1 = NULL;
    g_autoptr(virSCSITransport) s2 = NULL;
    uint64_t key = ((uint64_t)g_random_int() << 32) | g_random_int() | 1;
    g_autoptr(GError) err = NULL;
    const char *step = NULL;
    virSCSIPrReservation res;
    int ret = -1;

    if (virSCSICommandReadReservation(lun->transport, &res, error) < 0)
        return -1;
    if (res.reserved) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                    "%s holds a %s reservation already: release it before formatting "
                    "a pool fenced by reservation", lun->caps->target,
                    virSCSIPrTypeName(res.type));
        return -1;
    }
    if (!(s1 = virSCSILunOpenExtraTransport(lun, error)) ||
        !(s2 = virSCSILunOpenExtraTransport(lun, error)))
        return -1;

    if (virSCSITransportRegisterKey(s1, 0, key, &err) < 0 ||
        virSCSITransportRegisterKey(s2, 0, key, &err) < 0) {
        step = "registering a key";
    } else if (virSCSICommandPersistentReserveOut(s1, VIR_SCSI_PROUT_RESERVE,
                                                  VIR_STORAGE_VAAI_FENCE_TYPE,
                                                  key, 0, &err) < 0) {
        step = "reserving";
    } else if (virStorageVaaiFenceWriteSame0(lun, s2, &err) < 0) {
        step = "writing from a registered session that did not reserve";
    } else if (virSCSITransportRegisterKey(s1, key, 0, &err) < 0 ||
               virStorageVaaiFenceWriteSame0(lun, s2, &err) < 0) {
        step = "writing from a registered session after another one of the "
               "same initiator unregistered";
    } else {
        ret = 0;
    }
    if (ret < 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "%s cannot fence hosts by persistent reservation: it failed %s "
                    "under a %s reservation (%s); every session a host opens must be "
                    "able to write (use the default fencing by heartbeat)",
                    lun->caps->target, step, virSCSIPrTypeName(VIR_STORAGE_VAAI_FENCE_TYPE),
                    err->message);
    }

    /* Leave nothing behind: the last registrant's going takes an all
     * registrants reservation with it (a session unregistered already
     * answers RESERVATION CONFLICT, harmlessly). */
    virSCSITransportRegisterKey(s1, key, 0, NULL);
    virSCSITransportRegisterKey(s2, key, 0, NULL);
    return ret;
}


int
virStorageVaaiFenceCheckLun(virSCSILun *lun,
                            GError **error)
{
    g_autoptr(GError) err = NULL;
    virSCSIPrCapabilities caps;

    if (virSCSICommandReportPrCapabilities(lun->transport, &caps, &err) < 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "%s cannot fence hosts by persistent reservation: %s",
                    lun->caps->target, err->message);
        return -1;
    }
    if (!virSCSIPrCapabilitiesHasType(&caps, VIR_STORAGE_VAAI_FENCE_TYPE)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "%s cannot fence hosts by persistent reservation: it does "
                    "not report the %s type", lun->caps->target,
                    virSCSIPrTypeName(VIR_STORAGE_VAAI_FENCE_TYPE));
        return -1;
    }
    return virStorageVaaiFenceProbe(lun, error);
}


/* virSCSILun.prepareExtra: every further session registers the key. */
static virSCSITransport *
virStorageVaaiFencePrepare(virSCSITransport *transport,
                           void *opaque,
                           GError **error)
{
    virStorageVaaiPool *pool = opaque;
    uint64_t key;

    g_mutex_lock(&pool->fenceLock);
    key = pool->fenceKey;
    g_mutex_unlock(&pool->fenceLock);
    if (!key)
        return transport;
    return virSCSITransportKeyedNew(transport, key, error);
}


/* The reservation stands: an all-registrants reservation outlives the
 * session that made it as long as anyone is registered, so only the first
 * host (or the first after all left) makes it. */
static int
virStorageVaaiFenceReserve(virStorageVaaiPool *pool,
                           uint64_t key,
                           GError **error)
{
    virSCSITransport *t = pool->lun->transport;
    virSCSIPrReservation res;
    size_t attempt;

    for (attempt = 0; attempt < 3; attempt++) {
        g_autoptr(GError) err = NULL;

        if (virSCSICommandReadReservation(t, &res, error) < 0)
            return -1;
        if (res.reserved && res.type == VIR_STORAGE_VAAI_FENCE_TYPE)
            return 0;
        if (res.reserved) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                        "%s holds a %s reservation (key 0x%016llx) that is not "
                        "the pool's: something else reserved the LUN",
                        pool->lun->caps->target, virSCSIPrTypeName(res.type),
                        (unsigned long long)res.key);
            return -1;
        }
        if (virSCSICommandPersistentReserveOut(t, VIR_SCSI_PROUT_RESERVE,
                                               VIR_STORAGE_VAAI_FENCE_TYPE,
                                               key, 0, &err) == 0)
            return 0;
        /* Another host reserved at the same time: look again. */
        if (!g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_RESERVATION_CONFLICT)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return -1;
        }
    }
    g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                "%s: cannot make the pool's reservation", pool->lun->caps->target);
    return -1;
}


int
virStorageVaaiFenceJoin(virStorageVaaiPool *pool,
                        uint64_t key,
                        GError **error)
{
    uint64_t old;

    if (!virStorageVaaiFenceOn(pool))
        return 0;
    g_mutex_lock(&pool->fenceLock);
    old = pool->fenceKey;
    g_mutex_unlock(&pool->fenceLock);
    if (virSCSITransportRegisterKey(pool->lun->transport, old, key, error) < 0) {
        g_prefix_error(error, "cannot register this host's reservation key: ");
        return -1;
    }
    g_mutex_lock(&pool->fenceLock);
    pool->fenceKey = key;
    g_mutex_unlock(&pool->fenceLock);
    pool->lun->prepareExtra = virStorageVaaiFencePrepare;
    pool->lun->prepareExtraOpaque = pool;
    return virStorageVaaiFenceReserve(pool, key, error);
}


void
virStorageVaaiFenceLeave(virStorageVaaiPool *pool)
{
    uint64_t key;

    if (!virStorageVaaiFenceOn(pool))
        return;
    g_mutex_lock(&pool->fenceLock);
    key = pool->fenceKey;
    pool->fenceKey = 0;
    g_mutex_unlock(&pool->fenceLock);
    if (key)
        virSCSITransportRegisterKey(pool->lun->transport, key, 0, NULL);
}


int
virStorageVaaiFenceOut(virStorageVaaiPool *pool,
                       const uint8_t *uuid,
                       uint64_t incarnation,
                       GError **error)
{
    uint64_t victim = virStorageVaaiFenceKey(uuid, incarnation);
    g_autoptr(GError) err = NULL;
    virSCSIPrKeys keys;
    uint64_t key;
    bool mine;
    bool theirs;

    if (!virStorageVaaiFenceOn(pool))
        return 0;
    g_mutex_lock(&pool->fenceLock);
    key = pool->fenceKey;
    g_mutex_unlock(&pool->fenceLock);

    /* "PREEMPT AND ABORT: ... all tasks from the I_T nexuses whose
     * registrations are removed are aborted"; the type given keeps the
     * reservation what it was when the victim held it for everyone. */
    if (virSCSICommandPersistentReserveOut(pool->lun->transport,
                                           VIR_SCSI_PROUT_PREEMPT_AND_ABORT,
                                           VIR_STORAGE_VAAI_FENCE_TYPE,
                                           key, victim, &err) == 0)
        return 0;
    if (!g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_RESERVATION_CONFLICT)) {
        g_propagate_prefixed_error(error, g_steal_pointer(&err),
                                   "cannot fence a host presumed dead: ");
        return -1;
    }

    /* A conflict means either key is not registered: which one decides. */
    if (virSCSICommandReadKeys(pool->lun->transport, &keys, error) < 0)
        return -1;
    mine = virSCSIPrKeysHas(&keys, key);
    theirs = virSCSIPrKeysHas(&keys, victim);
    virSCSIPrKeysClear(&keys);
    if (!mine) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_FENCED,
                    "this host's reservation key was removed: another host "
                    "presumed it dead, and it stops using the pool");
        return -1;
    }
    if (theirs) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT,
                    "the array refused to remove the key 0x%016llx of a host "
                    "presumed dead: %s", (unsigned long long)victim, err->message);
        return -1;
    }
    return 0;   /* gone already: it left, or another host fenced it */
}
