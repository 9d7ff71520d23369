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

typedef struct _virScsiLun virScsiLun;
struct _virScsiLun {
    char *spec;                         /* what it was opened from, to reopen */
    virScsiTransportOptions opts;       /* strings owned below */
    char *initiatorName;
    virScsiTransport *transport;
    virScsiLunCaps *caps;
    virScsiPlan plan;

    /* Called on every extra session before use (fault injection in tests
     * wraps them as it wraps the first); NULL: used as opened. */
    virScsiTransport *(*wrapExtra)(virScsiTransport *transport, void *opaque);
    void *wrapExtraOpaque;
};

/* Open and probe: the one way the engine gets a LUN. */
virScsiLun *
virScsiLunOpen(const char *spec,
               const virScsiTransportOptions *opts,
               GError **error);

/* A LUN over an existing transport (fault injection wraps one); takes
 * ownership of @transport. */
virScsiLun *
virScsiLunOpenTransport(virScsiTransport *transport,
                        const char *spec,
                        const virScsiTransportOptions *opts,
                        GError **error);

void
virScsiLunFree(virScsiLun *lun);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virScsiLun, virScsiLunFree);

/* Another path to the same LUN for a command in flight beside the main
 * one: a new iSCSI session, or the same device opened again. */
virScsiTransport *
virScsiLunOpenExtraTransport(const virScsiLun *lun,
                             GError **error);

uint64_t
virScsiLunBlocks(const virScsiLun *lun);

uint32_t
virScsiLunBlockSize(const virScsiLun *lun);
