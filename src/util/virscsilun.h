/*
 * virscsilun.h: an opened LUN: its transport, what it can do, and the
 *               plan derived from that
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsicaps.h"
#include "virscsiplan.h"
#include "virscsitransport.h"

typedef struct _virSCSILun virSCSILun;
struct _virSCSILun {
    char *spec;                         /* what it was opened from, to reopen */
    virSCSITransportOptions opts;       /* strings owned below */
    char *initiatorName;
    virSCSITransport *transport;
    virSCSILunCaps *caps;
    virSCSIPlan plan;

    /* Called on every extra session before use (fault injection in tests
     * wraps them as it wraps the first); NULL: used as opened. */
    virSCSITransport *(*wrapExtra)(virSCSITransport *transport, void *opaque);
    void *wrapExtraOpaque;

    /* Opens extra sessions instead of @spec (an in-memory LUN in tests);
     * NULL: virSCSITransportOpen of @spec. */
    virSCSITransport *(*openExtra)(const virSCSILun *lun, void *opaque, GError **error);
    void *openExtraOpaque;

    /* Called first on every extra session of this LUN and its views, on
     * the session as opened: may wrap it (a pool fenced by reservations
     * registers its key on each, virscsitransportkeyed.h); NULL on error,
     * having freed it.  NULL: used as opened. */
    virSCSITransport *(*prepareExtra)(virSCSITransport *transport, void *opaque,
                                      GError **error);
    void *prepareExtraOpaque;

    bool atomicProven;                  /* virSCSILunProveAtomic ran */
    /* Methods the LUN refused (INVALID COMMAND OPERATION CODE), a bit per
     * virSCSIMethod, atomic: later operations on it, and on its views, go
     * straight to the fallback, as QEMU forgets WRITE SAME for a session
     * once refused.  Kept on the LUN a view was made from. */
    gint refused;

    /* A view (virSCSILunNewView): caps and plan are the parent's. */
    const virSCSILun *parent;
};

/* Open and probe: the one way the engine gets a LUN. */
virSCSILun *
virSCSILunOpen(const char *spec,
               const virSCSITransportOptions *opts,
               GError **error);

/* A LUN over an existing transport (fault injection wraps one); takes
 * ownership of @transport. */
virSCSILun *
virSCSILunOpenTransport(virSCSITransport *transport,
                        const char *spec,
                        const virSCSITransportOptions *opts,
                        GError **error);

/* Another handle on the same LUN over @transport (owned), sharing
 * @lun's capabilities and plan: a session of its own for the heartbeat,
 * or a guarded path for one operation.  @lun must outlive the view.
 * @wrapExtra (may be NULL) wraps every extra session the view opens,
 * after @lun's own wrapper. */
virSCSILun *
virSCSILunNewView(const virSCSILun *lun,
                  virSCSITransport *transport,
                  virSCSITransport *(*wrapExtra)(virSCSITransport *transport, void *opaque),
                  void *wrapExtraOpaque);

void
virSCSILunFree(virSCSILun *lun);

/* COMPARE AND WRITE is what hosts coordinate with, and a LUN may advertise
 * it yet refuse it: before anything relies on it (a pool formatted or
 * opened for several hosts, `vaaictl caps`), send one that must
 * miscompare and changes nothing; a refusal takes it out of the plan with
 * the reason (single-host use only).  Once per LUN; nothing on a LUN
 * opened read-only or whose plan has no COMPARE AND WRITE. */
void
virSCSILunProveAtomic(virSCSILun *lun);

/* Whether @lun (or the LUN it is a view of) refused @method before;
 * note that it did.  Only a refusal for good is noted (INVALID COMMAND
 * OPERATION CODE, VIR_SCSI_ERROR_UNSUPPORTED): a failure may pass. */
bool
virSCSILunRefused(const virSCSILun *lun,
                  virSCSIMethod method);

void
virSCSILunNoteRefused(const virSCSILun *lun,
                      virSCSIMethod method);

/* The same for a plan made from @caps, over @transport. */
void
virSCSIPlanProveAtomic(virSCSITransport *transport,
                       const virSCSILunCaps *caps,
                       virSCSIPlan *plan);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSCSILun, virSCSILunFree);

/* Another path to the same LUN for a command in flight beside the main
 * one: a new iSCSI session, or the same device opened again. */
virSCSITransport *
virSCSILunOpenExtraTransport(const virSCSILun *lun,
                             GError **error);

uint64_t
virSCSILunBlocks(const virSCSILun *lun);

uint32_t
virSCSILunBlockSize(const virSCSILun *lun);
