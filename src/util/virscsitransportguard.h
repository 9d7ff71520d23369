/*
 * virscsitransportguard.h: a transport that asks before every write
 *
 * A host that shares a LUN may write only while its fence stands (its
 * heartbeat is fresh enough that no other host can have presumed it dead
 * and taken its work over).  Checking that once per operation, or once
 * per piece of work, leaves the commands in between unchecked: retries,
 * fallbacks, the WRITE after a slow READ.  This wrapper puts the check
 * where no path can miss it, right before each command that changes the
 * medium is issued.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsitransport.h"

/* Whether the holder may write now: true, or false with @error set (the
 * caller's own words for why; the wrapper makes it VIR_SCSI_ERROR_FENCED). */
typedef bool (*virSCSIWriteGuardFunc)(void *opaque,
                                      GError **error);

/* Wrap @inner (owned when @ownInner, else borrowed: it must outlive the
 * wrapper).  Commands that do not change the medium pass unchecked. */
virSCSITransport *
virSCSITransportGuardNew(virSCSITransport *inner,
                         bool ownInner,
                         virSCSIWriteGuardFunc check,
                         void *opaque);

/* Wrap @inner likewise: once *@stop is non-zero (g_atomic_int_set), no
 * command at all is sent (VIR_SCSI_ERROR_CANCELLED).  For the parts of an
 * operation run at once: the first to fail stops the others at their next
 * command, whichever retry or fallback it comes from. */
virSCSITransport *
virSCSITransportStopNew(virSCSITransport *inner,
                        bool ownInner,
                        const gint *stop);
